"""Consents (rules 5 and 6 of DESIGN.md, seed 003): what a guardian agreed to, per use,
with the exact text they saw, and the history of every answer.

A consent has items (the photo consent: in the app, on the website and in print, on
social media, the child's name) and versions of its text in each language. An answer is
one row that is never changed: a new answer, a withdrawal or an answer to a new version
is a new row, and the latest row of a guardian for an item is their current answer.

The effective status of an item for a child is "given" only when every guardian with
parental responsibility answered "yes" to the current version (and, for a consent that
is renewed yearly, in this school year). Any "no" or withdrawal makes it "refused"; a
missing answer "waiting". Both mean the child may not be photographed, named, taken
along. Caregivers and parents without parental responsibility are never asked and never
counted.
"""
import datetime
import json

import peewee

from models.db import BaseModel, utcnow
from models.school.tables import Child, Group, Unit, User

PHOTO = "photo"
CUSTOM = "custom"
KINDS = (PHOTO, CUSTOM)
PHOTO_ITEMS = ("app", "web", "social", "name")
AGREE = "agree"  # the one item of a further consent

YES, NO, WITHDRAWN = "yes", "no", "withdrawn"
ANSWERS = (YES, NO, WITHDRAWN)
IN_APP = "app"

GIVEN, REFUSED, WAITING = "given", "refused", "waiting"

# A consent renewed yearly asks again when a school year begins (1 August).
SCHOOL_YEAR_STARTS = (8, 1)


class Consent(BaseModel):
    """What is asked and of whom: every child of the municipality (no unit), of a unit,
    of a group, or only the chosen children (ConsentChild)."""
    kind = peewee.CharField(max_length=10, choices=[(k, k) for k in KINDS], default=CUSTOM)
    unit = peewee.ForeignKeyField(Unit, null=True, backref="consents", on_delete="CASCADE")
    group = peewee.ForeignKeyField(Group, null=True, backref="consents", on_delete="CASCADE")
    only_chosen = peewee.BooleanField(default=False)
    deadline = peewee.DateField(null=True)
    renew_yearly = peewee.BooleanField(default=False)
    created_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    closed_at = peewee.DateTimeField(null=True)


class ConsentItem(BaseModel):
    """One thing answered yes or no. Its wording is in the version's texts."""
    consent = peewee.ForeignKeyField(Consent, backref="items", on_delete="CASCADE")
    key = peewee.CharField(max_length=20)
    position = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("consent", "key"), True),)


class ConsentVersion(BaseModel):
    """The exact text of one version, in each language:
    {"nb": {"title": …, "text": …, "items": {key: label}}, "sv": …}."""
    consent = peewee.ForeignKeyField(Consent, backref="versions", on_delete="CASCADE")
    number = peewee.IntegerField()
    texts = peewee.TextField()
    created_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("consent", "number"), True),)

    def text_in(self, language, fallback):
        return text_in(json.loads(self.texts), language, fallback)


class ConsentChild(BaseModel):
    """A child a consent asks about, when it asks only chosen children."""
    consent = peewee.ForeignKeyField(Consent, backref="children", on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")

    class Meta:
        indexes = ((("consent", "child"), True),)


class ConsentAnswer(BaseModel):
    """One answer, never changed (the database refuses an update): who it belongs to,
    who recorded it, when, to which version, through which channel."""
    item = peewee.ForeignKeyField(ConsentItem, backref="answers", on_delete="CASCADE")
    version = peewee.ForeignKeyField(ConsentVersion, backref="answers", on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    guardian = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    answer = peewee.CharField(max_length=10, choices=[(a, a) for a in ANSWERS])
    channel = peewee.CharField(max_length=10, default=IN_APP)
    recorded_by = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("child", "item"), False),)

    def save(self, *args, **kwargs):
        if self.id is not None:
            raise ValueError("a consent answer is never changed: record a new one")
        return super().save(*args, **kwargs)


def text_in(texts, language, fallback):
    """The text of a version in a language, else in the fallback language, else any."""
    return texts.get(language) or texts.get(fallback) or next(iter(texts.values()))


def renewal_cutoff(day):
    """The first day of the school year `day` belongs to."""
    month, first = SCHOOL_YEAR_STARTS
    year = day.year if (day.month, day.day) >= (month, first) else day.year - 1
    return datetime.datetime(year, month, first)


def current_answer(rows, version_id, cutoff=None):
    """A guardian's current answer to an item from their answer rows (oldest first):
    the latest row, if it answers the current version (and is not older than the
    renewal cutoff); otherwise None (asked again)."""
    if not rows:
        return None
    latest = rows[-1]
    if latest.version_id != version_id or (cutoff is not None and latest.at < cutoff):
        return None
    return latest.answer


def effective(answers):
    """The status of an item for a child from the current answers of every guardian
    with parental responsibility ({guardian id: answer or None}): given only when all
    said yes; refused when anyone said no or withdrew; otherwise waiting. A child with
    no such guardian has no consent."""
    values = list(answers.values())
    if any(a in (NO, WITHDRAWN) for a in values):
        return REFUSED
    if values and all(a == YES for a in values):
        return GIVEN
    return WAITING
