"""What the consent pages read and write.

A page about one child or one group costs a fixed number of queries whatever the number
of children, consents and answers: the consents that apply, the guardians with parental
responsibility, and the answers, each in one query (models/consent/py), folded
together here.

The consent area reads nothing of the posts: a guardian's answer is recorded through
models/posts/photo_consent.py, which carries a refused or withdrawn photo consent through
to the photos in the same transaction.
"""
import datetime
import json
from dataclasses import dataclass

from peewee import JOIN, fn

from models import audit
from models.consent.queries import (GuardianLine, answer_rows, answers_query, asked_by,
                                    chosen_children, consents_for, consents_query,
                                    guardians_query, in_group, item_status, latest_version,
                                    one_child, responsible_guardians, staff_units)
from models.consent.tables import (AGREE, IN_APP, NO, PHOTO, PHOTO_ITEMS, WITHDRAWN, YES, Consent,
                                   ConsentAnswer, ConsentChild, ConsentItem, ConsentVersion,
                                   current_answer, renewal_cutoff, text_in)
from models.consent.texts import photo_texts
from models.db import Prepared, database, today, utcnow
from models.messaging import recipients
from models.notifications import notify
from models.notifications.tables import CONSENT
from models.school.tables import Enrolment, Group, Unit, User, birthday_cutoff
from models.translation.tables import Translation


def ensure_photo_consent(municipality):
    """The built-in photo, film and sound consent, made once per installation; asks
    every child, renewed every school year."""
    if Consent.select().where(Consent.kind == PHOTO).exists():
        return None
    with database.atomic():
        consent = Consent.create(kind=PHOTO, renew_yearly=True)
        for position, key in enumerate(PHOTO_ITEMS):
            ConsentItem.create(consent=consent, key=key, position=position)
        ConsentVersion.create(consent=consent, number=1,
                              texts=json.dumps(photo_texts(municipality), ensure_ascii=False))
    return consent


def create(created_by, texts, unit=None, group=None, children=(), deadline=None,
           renew_yearly=False, at=None, ip=""):
    """A further consent (a trip, swimming lessons, a survey): one yes-or-no item, its
    text per language {lang: {"title", "text"}}, asked of a unit, a group, or chosen
    children of the unit."""
    with database.atomic():
        consent = Consent.create(unit=unit, group=group, only_chosen=bool(children),
                                 deadline=deadline, renew_yearly=renew_yearly,
                                 created_by=created_by, created_at=at or utcnow())
        ConsentItem.create(consent=consent, key=AGREE, position=0)
        ConsentVersion.create(consent=consent, number=1, created_by=created_by,
                              texts=json.dumps(texts, ensure_ascii=False))
        for child in children:
            ConsentChild.create(consent=consent, child=child)
        audit.record("consent.defined", actor=created_by, obj=consent, ip=ip, version=1)
        _notify(consent, created_by, children)
    return consent


def _notify(consent, by, children):
    """Guardians of every child the new consent asks about hear that it waits."""
    if children:
        ids = [getattr(c, "id", c) for c in children]
    else:
        query = (Enrolment.select(Enrolment.child).join(Group)
                 .where(Enrolment.active(today())))
        query = (query.where(Group.id == consent.group_id) if consent.group_id
                 else query.where(Group.unit == consent.unit_id))
        ids = [c for (c,) in query.distinct().tuples()]
    unit = consent.unit_id or (Group.get_by_id(consent.group_id).unit_id
                               if consent.group_id else None)
    notify.publish(notify.Event(
        kind=CONSENT, source=f"c{consent.id}", path="/children/{child}/consents",
        unit_id=unit,
        recipients={user: child for user, child in
                    recipients.guardian_pairs(ids, answering=True) if user != by.id}))


# Pages ---------------------------------------------------------------------------------

# The pages' queries, their SQL built once: for one child (as its guardian, or as staff,
# who see the consents of their own units), and for a group's children (the consents of
# the group's unit: the table is that unit's staff's).
_consents_of_child = Prepared(
    lambda child, day, target: consents_query(one_child(child), day, target=target),
    child=int, day=datetime.date, target=str)
_consents_of_child_for_staff = Prepared(
    lambda child, day, user, target: consents_query(one_child(child), day,
                                                    staff_units(user, child, day), target),
    child=int, day=datetime.date, user=int, target=str)
_consents_of_group = Prepared(
    lambda group, day: consents_query(in_group(group, day), day,
                                      Group.select(Group.unit).where(Group.id == group)),
    group=int, day=datetime.date)
_guardians_of_child = Prepared(lambda child: guardians_query(one_child(child)), child=int)
_guardians_of_group = Prepared(lambda group, day: guardians_query(in_group(group, day)),
                               group=int, day=datetime.date)
_answers_of_child = Prepared(lambda child: answers_query(one_child(child)), child=int)
_answers_of_group = Prepared(lambda group, day: answers_query(in_group(group, day)),
                             group=int, day=datetime.date)


def pupil_decides(birth_date, account_id, pupil_age, day):
    """Does the pupil answer for themselves (the municipality's choice, off by
    default): they have their own login and have reached the age."""
    return bool(pupil_age and account_id and birth_date <= birthday_cutoff(day, pupil_age))


def _deciders(guardians, pupil, decides):
    return [pupil] if decides else guardians


@dataclass
class ChildConsents:
    guardians: list         # with parental responsibility
    pupil: GuardianLine | None  # the pupil, when the pupil answers instead
    consents: list          # [(ConsentLine, [ItemStatus, …]), …]


def for_child(child, language, fallback, pupil_age=None, day=None, staff=None):
    """Everything the consent page of one child shows. Three queries. For `staff` (the
    member of staff reading it), only the consents of their own units."""
    day = day or today()
    guardians = responsible_guardians(None, _guardians_of_child(child=child.id)).get(
        child.id, [])
    pupil = (GuardianLine(child.account_id, child.name)
             if pupil_decides(child.birth_date, child.account_id, pupil_age, day) else None)
    deciders = _deciders(guardians, pupil, pupil is not None)
    rows = answer_rows(None, _answers_of_child(child=child.id))
    # Each consent's cached machine translation into the reader's language comes along.
    asked = (_consents_of_child(child=child.id, day=day, target=language) if staff is None
             else _consents_of_child_for_staff(child=child.id, day=day, user=staff.id,
                                               target=language))
    consents = consents_for(None, day, language, fallback, asked)
    return ChildConsents(guardians, pupil, [
        (c, [item_status(c, item, child.id, deciders, rows, day) for item in c.items])
        for c in consents])


@dataclass(frozen=True)
class ChildRow:
    id: int
    name: str
    protected: bool
    cells: dict             # {item id: ItemStatus}; no entry: not asked
    pupil_decides: bool = False


@dataclass
class GroupTable:
    name: str
    consents: list
    children: list


def for_group(group_id, group_rows, language, fallback, pupil_age=None, day=None):
    """The staff table of a group: every child × every item. `group_rows` are the
    group's children as (id, first, last, address protection, birth date, account)
    from the access check. Three queries (four with consents for chosen children),
    whatever the size of the group."""
    day = day or today()
    consents = consents_for(None, day, language, fallback,
                            _consents_of_group(group=group_id, day=day))
    chosen = chosen_children([c.id for c in consents if c.only_chosen])
    guardians = responsible_guardians(None, _guardians_of_group(group=group_id, day=day))
    rows = answer_rows(None, _answers_of_group(group=group_id, day=day))
    table = []
    for child_id, first, last, protection, birth_date, account in group_rows:
        name = f"{first} {last}"
        decides = pupil_decides(birth_date, account, pupil_age, day)
        deciders = _deciders(guardians.get(child_id, []), GuardianLine(account, name), decides)
        cells = {}
        for consent in consents:
            if consent.only_chosen and child_id not in chosen.get(consent.id, ()):
                continue
            for item in consent.items:
                cells[item.id] = item_status(consent, item, child_id, deciders, rows, day)
        table.append(ChildRow(child_id, name, protection != "ugradert", cells, decides))
    return consents, table


# Answering -----------------------------------------------------------------------------

def answer(child_id, consent, item, guardian, value, day=None, ip=""):
    """Record a guardian's answer (yes or no) to the current version. A "no" after a
    "yes" is a withdrawal. Nothing is written when the answer is already the current
    one (a double tap). Returns the stored answer, or None. The pages answer through
    models/posts/photo_consent.py, which carries a refused or withdrawn photo consent
    through to the photos in the same transaction."""
    day = day or today()
    rows = answer_rows(None, _answers_of_child(child=child_id))
    cutoff = renewal_cutoff(day) if consent.renew_yearly else None
    now = current_answer(rows.get((child_id, item.id, guardian.id), []), consent.version_id,
                         cutoff)
    stored = WITHDRAWN if value == NO and now == YES else value
    if now == value or (now == WITHDRAWN and value == NO):
        return None
    with database.atomic():
        row = ConsentAnswer.create(item=item.id, version=consent.version_id, child=child_id,
                                   guardian=guardian.id, answer=stored, channel=IN_APP,
                                   recorded_by=guardian.id, at=utcnow())
        audit.record("consent.answered", actor=guardian, obj=row, ip=ip,
                     consent=consent.id, item=item.key, version=consent.version,
                     answer=stored, child=child_id)
    return row


@dataclass(frozen=True)
class HistoryLine:
    at: datetime.datetime
    guardian: str
    recorded_by: str
    consent_id: int
    version: int
    item_key: str
    answer: str
    channel: str


def history(child_id, staff=None, day=None):
    """Every answer ever given about the child, newest first; for `staff`, about the
    consents of their own units only."""
    recorder = User.alias("recorder")
    condition = ConsentAnswer.child == child_id
    if staff is not None:
        condition &= asked_by(staff_units(staff, child_id, day or today()))
    rows = (ConsentAnswer.select(ConsentAnswer.at, User.first_name, User.last_name,
                                 recorder.first_name, recorder.last_name,
                                 ConsentVersion.consent, ConsentVersion.number,
                                 ConsentItem.key, ConsentAnswer.answer, ConsentAnswer.channel)
            .join(User, on=(ConsentAnswer.guardian == User.id))
            .switch(ConsentAnswer).join(recorder, on=(ConsentAnswer.recorded_by == recorder.id))
            .switch(ConsentAnswer).join(ConsentVersion)
            .join(Consent, on=(ConsentVersion.consent == Consent.id))
            .switch(ConsentAnswer).join(ConsentItem)
            .where(condition)
            .order_by(ConsentAnswer.id.desc()).tuples())
    return [HistoryLine(at, f"{gf} {gl}", f"{rf} {rl}", consent, number, key, value, channel)
            for at, gf, gl, rf, rl, consent, number, key, value, channel in rows]


# Defining consents (unit leaders and administrators) -------------------------------------

@dataclass(frozen=True)
class ManagedLine:
    id: int
    title: str
    version: int
    unit: str | None
    group: str | None
    only_chosen: bool
    deadline: datetime.date | None
    renew_yearly: bool
    closed: bool
    answers: int


def managed(units, everything, language, fallback):
    """The further consents a unit leader (of `units`) or an administrator
    (`everything`) manages, newest first, with how many answers each has."""
    answers = (ConsentAnswer.select(fn.COUNT(ConsentAnswer.id))
               .join(ConsentItem).where(ConsentItem.consent == Consent.id))
    query = (Consent.select(Consent.id, ConsentVersion.number, ConsentVersion.texts,
                            Unit.name, Group.name, Consent.only_chosen, Consent.deadline,
                            Consent.renew_yearly, Consent.closed_at, answers.alias("n"))
             .join(ConsentVersion, on=(ConsentVersion.consent == Consent.id))
             .switch(Consent).join(Unit, JOIN.LEFT_OUTER, on=(Consent.unit == Unit.id))
             .switch(Consent).join(Group, JOIN.LEFT_OUTER, on=(Consent.group == Group.id))
             .where((Consent.kind != PHOTO) & latest_version())
             .order_by(Consent.created_at.desc(), Consent.id.desc()).tuples())
    if not everything:
        query = query.where(Consent.unit.in_(units))
    return [ManagedLine(cid, text_in(json.loads(texts), language, fallback)["title"], number,
                        unit, group, chosen, deadline, renew, closed is not None, n)
            for cid, number, texts, unit, group, chosen, deadline, renew, closed, n in query]


def managed_one(consent_id, units, everything):
    """A further consent the user manages, with its latest version, or None."""
    query = Consent.select().where((Consent.id == consent_id) & (Consent.kind != PHOTO))
    if not everything:
        query = query.where(Consent.unit.in_(units))
    consent = query.first()
    if consent is None:
        return None
    version = (ConsentVersion.select().where(ConsentVersion.consent == consent)
               .order_by(ConsentVersion.number.desc()).first())
    return consent, version


def change(consent, version, texts, deadline, renew_yearly, by, ip=""):
    """Save an edit. New words on a consent that has answers make a new version: the
    answers stay tied to the words they answered, and everyone is asked again. Returns
    the version number in force."""
    with database.atomic():
        (Consent.update(deadline=deadline, renew_yearly=renew_yearly)
         .where(Consent.id == consent.id).execute())
        number = version.number
        if texts != json.loads(version.texts):
            answered = (ConsentAnswer.select().where(ConsentAnswer.version == version.id)
                        .exists())
            encoded = json.dumps(texts, ensure_ascii=False)
            if answered:
                number += 1
                ConsentVersion.create(consent=consent, number=number, texts=encoded,
                                      created_by=by)
            else:
                (ConsentVersion.update(texts=encoded, created_by=by, created_at=utcnow())
                 .where(ConsentVersion.id == version.id).execute())
                # Translations of the old words go with them.
                (Translation.delete().where(Translation.consent_version == version.id)
                 .execute())
        audit.record("consent.defined", actor=by, obj=consent, ip=ip, version=number)
    return number


def close(consent, by, ip=""):
    """Stop asking: the consent leaves the guardians' pages; its answers stay."""
    with database.atomic():
        Consent.update(closed_at=utcnow()).where(Consent.id == consent.id).execute()
        audit.record("consent.closed", actor=by, obj=consent, ip=ip)
