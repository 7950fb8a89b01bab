"""Children's records and guardians' accounts after the family has left.

Deleting a child or a user would take every row that refers to it along (the foreign
keys cascade), messages and absence kept for their own periods included. So each goes
in two steps: at its period the identifying and contact data are erased and what only
served the living relation is deleted, leaving the name as long as a kept record
refers to it; the row itself is deleted once nothing kept refers to it any more. Which
tables count as "kept records" is read from the models' foreign keys, so a table added
later keeps a person until its own retention lets go of them.

- children (retention.child_records_months_after_leaving): months after the last
  enrolment ended; a child still enrolled, or never enrolled, is not touched;
- guardians (retention.guardian_data_months_after_leaving): months after the last
  child they are (or were) guardian or caregiver of left the unit or came of age (18, or
  later when the pupil extended access, Child.guardian_access_until; seed 002), or
  after that guardianship or grant ended. Staff accounts are never touched."""
import datetime
from collections import defaultdict

import peewee

import models
from models.data_export import exports
from models.data_export.tables import DataExport
from models.db import database
from models.messaging import attachments
from models.pickup.tables import PickupPerson
from models.posts.tables import DraftUpload
from models.retention import common
from models.school.tables import (CaregiverGrant, Child, EndedGuardianship, Enrolment,
                                  Guardianship, StaffRole, User, birthday_cutoff)

# Rows that only serve a living relation or account: deleted at the erasure; they never
# keep a person's row. By class name, so that this module needs no other area's tables.
CHILD_ERASED = {"Guardianship", "EndedGuardianship", "CaregiverGrant", "ClassListShare",
                "PickupPerson", "PickupToday", "ConsentChild", "Notification", "Enrolment"}
USER_ERASED = {"LoginSession", "LoginCode", "EmailChange", "PushSubscription",
               "NotificationChoice", "NotificationSchedule", "Notification",
               "ClassListShare", "DraftUpload", "StaffPin", "PickupApproval",
               "CaregiverApproval", "DataExport", "StaffOfficeHours",
               "TotpSecret", "ThreadFollowUp"}
ERASED_PREFIX = "erased:"


def _references(target, erased):
    """[(model, field)] of the foreign keys to `target` that delete along with it and
    are not erased: the kept records that refer to it."""
    return [(model, field) for model in models.MODELS
            for field in model._meta.fields.values()
            if isinstance(field, peewee.ForeignKeyField) and field.rel_model is target
            and model.__name__ not in erased and (field.on_delete or "").upper() == "CASCADE"]


def _erasable(target, erased):
    return [(model, field) for model in models.MODELS if model.__name__ in erased
            for field in model._meta.fields.values()
            if isinstance(field, peewee.ForeignKeyField) and field.rel_model is target]


def _referred(target, erased, ids):
    """The ids among `ids` that a kept record refers to."""
    found = set()
    for model, field in _references(target, erased):
        for some in common.chunks(ids):
            found.update(v for (v,) in model.select(field).where(field.in_(some))
                         .distinct().tuples())
    return found


def _holding(target, erased, ids):
    """The ids among `ids` that still have rows of the erased kinds."""
    found = set()
    for model, field in _erasable(target, erased):
        for some in common.chunks(ids):
            found.update(v for (v,) in model.select(field).where(field.in_(some))
                         .distinct().tuples())
    return found


def _delete_rows(target, erased, ids):
    for model, field in _erasable(target, erased):
        model.delete().where(field.in_(ids)).execute()


# Children --------------------------------------------------------------------------

def left_children(day, before):
    """{child id: last day enrolled} of the children whose every enrolment ended before
    `before` (as of `day`)."""
    still = Enrolment.select(Enrolment.child).where(
        Enrolment.end_date.is_null() | (Enrolment.end_date >= before))
    return dict(Enrolment.select(Enrolment.child, peewee.fn.MAX(Enrolment.end_date))
                .where(Enrolment.child.not_in(still)).group_by(Enrolment.child).tuples())


def _children_plan(settings, day):
    before = common.months_before(day, settings["child_records_months_after_leaving"])
    ids = sorted(left_children(day, before))
    if not ids:
        return [], []
    identified = set()
    for some in common.chunks(ids):
        identified.update(i for (i,) in Child.select(Child.id).where(
            Child.id.in_(some) & (Child.national_id.is_null(False)
                                  | Child.national_id_index.is_null(False)
                                  | (Child.address != "") | Child.account.is_null(False)
                                  | Child.guardian_access_until.is_null(False))).tuples())
    erase = sorted(identified | _holding(Child, CHILD_ERASED - {"Enrolment"}, ids))
    kept = _referred(Child, CHILD_ERASED, ids)
    return erase, [i for i in ids if i not in kept]


def children_due(settings, day):
    erase, delete = _children_plan(settings, day)
    return len(set(erase) | set(delete))


def children_purge(settings, day):
    erase, delete = _children_plan(settings, day)
    for some in common.chunks(erase):
        with database.atomic():
            _delete_rows(Child, CHILD_ERASED - {"Enrolment"}, some)
            Child.update(national_id=None, national_id_index=None, address="", account=None,
                         guardian_access_until=None).where(Child.id.in_(some)).execute()
    for some in common.chunks(delete):
        with database.atomic():
            _delete_rows(Child, CHILD_ERASED, some)
            Child.delete().where(Child.id.in_(some)).execute()
    return len(set(erase) | set(delete))


# Guardians -------------------------------------------------------------------------

def _child_ends(children, day):
    """{child id: the last day a guardian's access can last, or None while it lasts}:
    the earlier of leaving (every enrolment ended) and coming of age."""
    ends = {}
    enrolments = defaultdict(list)
    for some in common.chunks(children):
        for child, end in (Enrolment.select(Enrolment.child, Enrolment.end_date)
                           .where(Enrolment.child.in_(some)).tuples()):
            enrolments[child].append(end)
        for child, born, until in (Child.select(Child.id, Child.birth_date,
                                                Child.guardian_access_until)
                                   .where(Child.id.in_(some)).tuples()):
            of_age = birthday_cutoff(born, -18) - datetime.timedelta(days=1)
            if until is not None and until > of_age:
                of_age = until
            spans = enrolments.get(child, [])
            left = (max(spans) if spans and all(e is not None and e < day for e in spans)
                    else None)
            last = min(d for d in (left, of_age) if d is not None)
            ends[child] = last if last < day else None
    return ends


def _guardian_plan(settings, day):
    before = common.months_before(day, settings["guardian_data_months_after_leaving"])
    staff = StaffRole.select(StaffRole.user)
    relations = defaultdict(list)  # user id: [(child id, the relation's own end or None)]
    for user, child in (Guardianship.select(Guardianship.guardian, Guardianship.child)
                        .where(Guardianship.guardian.not_in(staff)).tuples()):
        relations[user].append((child, None))
    for user, child, ended in (EndedGuardianship.select(
            EndedGuardianship.guardian, EndedGuardianship.child, EndedGuardianship.ended_at)
            .where(EndedGuardianship.guardian.not_in(staff)).tuples()):
        relations[user].append((child, ended.date()))
    for user, child, revoked in (CaregiverGrant.select(
            CaregiverGrant.caregiver, CaregiverGrant.child, CaregiverGrant.revoked_at)
            .where(CaregiverGrant.caregiver.is_null(False)
                   & CaregiverGrant.caregiver.not_in(staff)).tuples()):
        relations[user].append((child, revoked.date() if revoked else None))
    ends = _child_ends({c for rows in relations.values() for c, _ in rows}, day)
    due = []
    for user, rows in relations.items():
        lasts = [min(d for d in (own, ends[child]) if d is not None)
                 if (own, ends[child]) != (None, None) else None for child, own in rows]
        if None not in lasts and max(lasts) < before:
            due.append(user)
    erase = set()
    for some in common.chunks(due):
        erase.update(i for (i,) in User.select(User.id).where(
            User.id.in_(some) & ~User.username.startswith(ERASED_PREFIX)).tuples())
    erase |= _holding(User, USER_ERASED, due)
    shells = [i for (i,) in User.select(User.id).where(
        User.username.startswith(ERASED_PREFIX)).tuples()]
    candidates = sorted(set(shells) | set(due))
    kept = _referred(User, USER_ERASED, candidates)
    return sorted(erase), [i for i in candidates if i not in kept]


def guardians_due(settings, day):
    erase, delete = _guardian_plan(settings, day)
    return len(set(erase) | set(delete))


def _files_of(user_ids, storage):
    """Delete the files of the person's rows that go at the erasure: photo drafts not
    published and copies of their data (the rows go with _delete_rows)."""
    drafts = list(DraftUpload.select().where(DraftUpload.user.in_(user_ids)))
    attachments.remove(storage, [n for d in drafts for n in (d.stored_name, d.thumb_name)])
    exports.remove_files([key for (key,) in DataExport.select(DataExport.storage_key).where(
        DataExport.user.in_(user_ids) & DataExport.storage_key.is_null(False)).tuples()],
        storage)


def guardians_purge(settings, day):
    erase, delete = _guardian_plan(settings, day)
    for user_id in erase:
        _files_of([user_id], settings.storage)
        with database.atomic():
            _delete_rows(User, USER_ERASED, [user_id])
            _pickup_persons_added_by(user_id, day)
            User.update(
                username=f"{ERASED_PREFIX}{user_id}", password_hash=None, email="", phone="",
                address="", national_id=None, national_id_index=None, locale=None,
                paper_letters=False, is_active=False, contact_updated_at=None,
                code_login_email=None, code_login_since=None, code_login_phone=None,
            ).where(User.id == user_id).execute()
    for some in common.chunks(delete):
        _files_of(some, settings.storage)
        with database.atomic():
            _delete_rows(User, USER_ERASED, some)
            User.delete().where(User.id.in_(some)).execute()
    return len(set(erase) | set(delete))


def _pickup_persons_added_by(user_id, day):
    """The pick-up persons the guardian added go with the guardian's data for children
    no longer enrolled; on a child still enrolled (with another guardian now) they stay
    on the list the other guardians approved, no longer linked to this guardian."""
    enrolled = Enrolment.select(Enrolment.child).where(Enrolment.active(day))
    PickupPerson.delete().where((PickupPerson.requested_by == user_id)
                                & PickupPerson.child.not_in(enrolled)).execute()
    PickupPerson.update(requested_by=None).where(PickupPerson.requested_by == user_id).execute()
