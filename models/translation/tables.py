"""The cache of machine translations: one row per text and target language.

A "text" is what one control translates: a message's body; a post's title and body; an
event's title, text and what to bring; a consent version's title, text and item labels
in the language the reader is shown. One row holds all the fields of its text (as JSON),
so a page joins at most one row per text and keeps its query count. Each row refers to
its record with a foreign key that cascades: a deleted or purged text takes its
translations along. `source_hash` is the SHA-256 of the original fields: an edited
text's old translation is never shown, only asked for again.
"""
import datetime
import hashlib
import json
from dataclasses import dataclass, field

import peewee

from models.consent.tables import ConsentVersion
from models.db import BaseModel, utcnow
from models.events.tables import Event
from models.messaging.tables import Message
from models.posts.tables import Post

PENDING, DONE, FAILED = "pending", "done", "failed"
STATES = (PENDING, DONE, FAILED)
# What a page or the translation view makes of a row: shown, still being made, or not
# to be had now (failed, or pending so long that the worker must be down).
READY, WAITING, UNAVAILABLE = "ready", "waiting", "unavailable"
# A request still pending after this is taken for lost; a failed one is tried again after
# RETRY_AFTER (until then the control says translation is unavailable).
PENDING_LIMIT = datetime.timedelta(minutes=2)
RETRY_AFTER = datetime.timedelta(minutes=5)


class Translation(BaseModel):
    message = peewee.ForeignKeyField(Message, null=True, backref="+", on_delete="CASCADE")
    post = peewee.ForeignKeyField(Post, null=True, backref="+", on_delete="CASCADE")
    event = peewee.ForeignKeyField(Event, null=True, backref="+", on_delete="CASCADE")
    consent_version = peewee.ForeignKeyField(ConsentVersion, null=True, backref="+",
                                             on_delete="CASCADE")
    target = peewee.CharField(max_length=5)
    source_hash = peewee.CharField(max_length=64)
    # Known from the writer (or the written language of an event or consent), else the
    # language the server detected; None until then.
    source_language = peewee.CharField(max_length=5, null=True)
    text = peewee.TextField(default="")  # JSON: {field: translated text}
    state = peewee.CharField(max_length=10, choices=[(s, s) for s in STATES],
                             default=PENDING)
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("message", "target"), True), (("post", "target"), True),
                   (("event", "target"), True), (("consent_version", "target"), True))


# The record column of each kind of text.
RECORDS = {"message": Translation.message, "post": Translation.post,
           "event": Translation.event, "consent": Translation.consent_version}


def source_hash(fields):
    """The SHA-256 of a text's original fields ({name: text})."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


def item_fields(texts):
    """A consent text in one language ({"title", "text", "items"}) as fields."""
    fields = {"title": texts.get("title", ""), "text": texts.get("text", "")}
    for key, label in texts.get("items", {}).items():
        fields[f"item:{key}"] = label
    return fields


def joined(kind, record_id, target, alias="cached_translation"):
    """(the Translation alias, the LEFT JOIN condition) of `kind`'s text with the record
    column `record_id` in `target`: for a page's query that already reads the texts."""
    table = Translation.alias(alias)
    column = getattr(table, RECORDS[kind].name)
    return table, (column == record_id) & (table.target == target)


def columns(table):
    """The columns of a joined row that `cached` reads, in its order."""
    return (table.state, table.source_hash, table.text, table.source_language,
            table.updated_at)


@dataclass(frozen=True)
class Cached:
    """A text's translation as a page shows it."""
    status: str                 # READY, WAITING or UNAVAILABLE
    source_language: str | None
    fields: dict = field(default_factory=dict)  # {name: translated}, when READY


def status_of(state, updated_at, now):
    if state == DONE:
        return READY
    if state == PENDING and now - updated_at < PENDING_LIMIT:
        return WAITING
    if state == FAILED and now - updated_at >= RETRY_AFTER:
        return None  # asked for again
    if state == PENDING:
        return None if now - updated_at >= PENDING_LIMIT + RETRY_AFTER else UNAVAILABLE
    return UNAVAILABLE


def cached(values, fields, now=None):
    """A Cached from the joined columns (`columns`) for the original `fields`, or None
    when there is none to show: no row, an old text's, or one to ask for again."""
    state, digest, text, source, updated_at = values
    if state is None or digest != source_hash(fields):
        return None
    status = status_of(state, updated_at, now or utcnow())
    if status is None:
        return None
    return Cached(status, source, json.loads(text) if status == READY and text else {})
