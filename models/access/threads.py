"""Rule 3 of DESIGN.md for threads: who reads which conversation and announcement, who
may start one about a child, and where a member of staff may send an announcement."""
import datetime
from dataclasses import dataclass
from typing import ClassVar

import peewee
from peewee import fn

from models.access.children import guardian_condition, staff_condition, staff_group_ids
from models.access.folders import with_filing
from models.db import Prepared, database, today
from models.messaging.tables import (ANNOUNCEMENT, CONVERSATION, GUARDIAN, STAFF, Thread,
                                     ThreadParticipant)
from models.school.tables import (CONTACT_TEACHER, UNIT_LEADER, UNIT_WIDE_ROLES, CaregiverGrant,
                                  Child, Enrolment, Group, Guardianship, StaffRole, Unit,
                                  eighteenth_birthday_cutoff)


def _takes_part(user, role):
    return fn.EXISTS(ThreadParticipant.select(ThreadParticipant.id).where(
        (ThreadParticipant.thread == Thread.id) & (ThreadParticipant.user == user)
        & (ThreadParticipant.role == role)))


def _guardian_thread_condition(user, day, adult_cutoff):
    """A guardian reads the threads they take part in, while they still have access to
    the child and the child is still in the thread's unit (for an announcement to a
    group: while they have a child in that unit). Losing access loses the threads."""
    their_children = Child.select(Child.id).where(
        guardian_condition(user, day, adult_cutoff))
    unit_group = Group.alias("unit_group")
    child_in_unit = fn.EXISTS(
        Enrolment.select(Enrolment.id)
        .join(unit_group, on=(Enrolment.group == unit_group.id))
        .where((Enrolment.child == Thread.child) & Enrolment.active(day)
               & (unit_group.unit == Thread.unit)))
    their_units = (Group.select(Group.unit).join(Enrolment)
                   .where(Enrolment.active(day) & Enrolment.child.in_(their_children)))
    return (_takes_part(user, GUARDIAN)
            & ((Thread.child.is_null(False) & Thread.child.in_(their_children)
                & child_in_unit)
               | (Thread.child.is_null() & Thread.unit.in_(their_units))))


def _staff_thread_condition(user, day):
    """School, SFO and kindergarten leaders and SFO/kindergarten staff read every thread
    of their unit; a contact teacher every thread of the school about the children of
    their groups (and announcements to those groups); other staff only the threads they
    take part in, about children they are attached to. None of them, by their role, a
    thread about their own family's child."""
    wide_units = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & StaffRole.role.in_(UNIT_WIDE_ROLES))
    contact = StaffRole.alias("contact")
    contact_groups = contact.select(contact.group).where(
        (contact.user == user) & (contact.role == CONTACT_TEACHER))
    contact_group = Group.alias("contact_group")
    about_their_pupil = fn.EXISTS(
        Enrolment.select(Enrolment.id)
        .join(contact_group, on=(Enrolment.group == contact_group.id))
        .where((Enrolment.child == Thread.child) & Enrolment.active(day)
               & Enrolment.group.in_(contact_groups) & (contact_group.unit == Thread.unit)))
    attached = _enrolled_in(day, staff_group_ids(user))
    # Never by their role about their own child or a child they are close to (with or
    # without parental responsibility, or as a caregiver): a member of staff who is
    # also a parent does not read, at work, what the other parent wrote to the unit
    # without copying them (their choice), nor handle their own child's matters
    # (forvaltningsloven § 6). They read those threads as the child's family (rules 1
    # and 2), or when they take part in them as staff.
    family = (Guardianship.select(Guardianship.child).where(Guardianship.guardian == user)
              | CaregiverGrant.select(CaregiverGrant.child)
              .where(CaregiverGrant.caregiver == user))
    return (((Thread.unit.in_(wide_units) | about_their_pupil)
             & (Thread.child.is_null() | Thread.child.not_in(family)))
            | (Thread.child.is_null() & Thread.group.in_(contact_groups))
            | (_takes_part(user, STAFF)
               & ((Thread.child.is_null(False) & attached)
                  | (Thread.child.is_null() & Thread.group.in_(staff_group_ids(user))))))


def _enrolled_in(day, groups):
    """The thread's child is a member of one of `groups` today."""
    return fn.EXISTS(Enrolment.select(Enrolment.id).where(
        (Enrolment.child == Thread.child) & Enrolment.active(day)
        & Enrolment.group.in_(groups)))


def _candidate_thread_ids(user, staff=True):
    """A cheap superset of the threads the user may read, found through indexes: the
    threads they take part in, their units' threads, and those about the children of
    their groups (staff=False: someone with no staff role, who reads only threads they
    take part in). The exact rule then only looks at these, not at every thread."""
    own = ThreadParticipant.select(ThreadParticipant.thread).where(
        ThreadParticipant.user == user)
    if not staff:
        return own
    wide_units = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & StaffRole.role.in_(UNIT_WIDE_ROLES))
    contact = StaffRole.alias("candidate_contact")
    contact_groups = contact.select(contact.group).where(
        (contact.user == user) & (contact.role == CONTACT_TEACHER))
    pupils = Enrolment.select(Enrolment.child).where(Enrolment.group.in_(contact_groups))
    # UNION ALL: IN does not need the duplicates removed.
    return (own
            + Thread.select(Thread.id).where(Thread.unit.in_(wide_units))
            + Thread.select(Thread.id).where(Thread.child.in_(pupils))
            + Thread.select(Thread.id).where(Thread.group.in_(contact_groups)))


def _sensitive_reader(user):
    """A sensitive thread (issue 22) is read only by those who take part in it and by
    the leader of its unit, not by the rest of the unit as rule 3 otherwise allows;
    each still under their own rule 3 condition (a guardian: access to the child,
    the child in the unit)."""
    takes_part = ThreadParticipant.alias("sensitive_part")
    led = StaffRole.alias("sensitive_led")
    return ((Thread.sensitive == False)  # noqa: E712
            | fn.EXISTS(takes_part.select(takes_part.id).where(
                (takes_part.thread == Thread.id) & (takes_part.user == user)))
            | Thread.unit.in_(led.select(led.unit).where(
                (led.user == user) & (led.role == UNIT_LEADER))))


def thread_condition(user, day, adult_cutoff, candidates=True, staff=True):
    """Rule 3 as a condition on Thread, for queries that join more to it. A query that
    already starts from the user's own participations can leave the candidates out."""
    # On PostgreSQL, staff's branch first: its checks are lookups in small sets made
    # once (the user's units and groups), where the guardian's begins with a look-up
    # per thread, and a school leader's inbox asks the rule of each of the school's
    # threads (15 → 8 ms at 50,000 children). SQLite's parser has no stack for the
    # deeper branch on the left.
    as_guardian = _guardian_thread_condition(user, day, adult_cutoff)
    as_staff = _staff_thread_condition(user, day)
    either = (as_staff | as_guardian) if isinstance(database.obj, peewee.PostgresqlDatabase) \
        else (as_guardian | as_staff)
    rule = either & _sensitive_reader(user)
    if not candidates:
        return rule
    return Thread.id.in_(_candidate_thread_ids(user, staff)) & rule


def threads(user, day=None):
    """Threads the user may read (rule 3), as a query to compose with. The
    administrator reads none this way: opening a thread takes a stated reason."""
    day = day or today()
    return Thread.select().where(thread_condition(user, day, eighteenth_birthday_cutoff(day)))


@dataclass(frozen=True)
class ThreadView:
    """A thread as its page shows it."""
    audit_type: ClassVar[str] = "thread"
    id: int
    kind: str
    subject: str
    replies_allowed: bool
    last_message_at: datetime.datetime
    unit_id: int
    unit_name: str
    child_id: int | None
    child_name: str | None
    group_id: int | None
    group_name: str | None
    sensitive: bool = False  # issue 22: participants and the unit leader, after step-up
    # Issue 22, staff's folders (models/messaging/folders.py shows them to staff only):
    # done, when and by whom; the reading user's own follow-up and its day.
    done_at: datetime.datetime | None = None
    done_by: str = ""
    follow_up: bool = False
    due: datetime.date | None = None


def _thread_columns(user=0):
    return with_filing(Thread.select(Thread.id, Thread.kind, Thread.subject, Thread.replies_allowed,
                          Thread.last_message_at, Unit.id, Unit.name, Child.id,
                          Child.first_name, Child.last_name, Group.id, Group.name,
                          Thread.sensitive)
            .join(Unit, on=(Thread.unit == Unit.id))
            .switch(Thread).join(Child, peewee.JOIN.LEFT_OUTER, on=(Thread.child == Child.id))
            .switch(Thread).join(Group, peewee.JOIN.LEFT_OUTER, on=(Thread.group == Group.id))
            .tuples(), user)


_thread = Prepared(
    lambda user, day, adult_cutoff, thread: _thread_columns(user)
    .where(thread_condition(user, day, adult_cutoff) & (Thread.id == thread)),
    user=int, day=datetime.date, adult_cutoff=datetime.date, thread=int)


_any_thread = Prepared(lambda thread: _thread_columns().where(Thread.id == thread), thread=int)


def _thread_view(rows):
    if not rows:
        return None
    (tid, kind, subject, replies, last_at, unit_id, unit_name, child_id, first, last,
     group_id, group_name, sensitive, done_at, done_first, done_last, follow_id,
     due) = rows[0]
    return ThreadView(tid, kind, subject, replies, last_at, unit_id, unit_name, child_id,
                      f"{first} {last}" if child_id else None, group_id, group_name,
                      bool(sensitive), done_at,
                      f"{done_first} {done_last}" if done_first else "", bool(follow_id),
                      due)


def thread_or_none(user, thread_id, day=None):
    """One thread the user may read (a ThreadView), or None."""
    try:
        thread_id = int(thread_id)
    except (TypeError, ValueError):
        return None
    day = day or today()
    return _thread_view(_thread(user=user.id, day=day,
                                adult_cutoff=eighteenth_birthday_cutoff(day), thread=thread_id))


def thread_for_inspection(thread_id):
    """Any thread, whoever takes part: only for the administrator's reading with a
    stated reason, which the caller writes to the audit log first. Never a sensitive
    thread (issue 22): only its participants and the unit leader read it."""
    found = _thread_view(_any_thread(thread=thread_id))
    return None if found is None or found.sensitive else found


def staff_units_for(user, child, day=None):
    """The units through which a member of staff reaches a child (where a thread they
    start about the child belongs)."""
    day = day or today()
    return (Unit.select().join(Group).join(Enrolment)
            .where((Enrolment.child == child.id) & Enrolment.active(day)
                   & Group.id.in_(staff_group_ids(user)))
            .distinct().order_by(Unit.name))


def announcement_targets(user):
    """Where the user may send an announcement: [(key, unit, group or None), …].

    A unit leader: the whole unit, or any of its groups. SFO and kindergarten staff: any
    group of their unit. A contact teacher: their own groups. Other staff: nowhere."""
    targets = []
    roles = (StaffRole.select(StaffRole.role, StaffRole.unit, StaffRole.group)
             .where(StaffRole.user == user).tuples())
    led = {unit for role, unit, _ in roles if role == UNIT_LEADER}
    wide = {unit for role, unit, _ in roles if role in UNIT_WIDE_ROLES}
    own = {group for role, _, group in roles if role == CONTACT_TEACHER and group}
    for unit in Unit.select().where(Unit.id.in_(list(led))).order_by(Unit.name):
        targets.append((f"unit:{unit.id}", unit, None))
    groups = (Group.select(Group, Unit).join(Unit)
              .where(Group.unit.in_(list(wide)) | Group.id.in_(list(own)))
              .order_by(Unit.name, Group.name))
    for group in groups:
        targets.append((f"group:{group.id}", group.unit, group))
    return targets


def acts_as_guardian(participants, user_id):
    """Does the user take part in the thread as a guardian (not as staff)? From the
    thread's participants, already read."""
    return any(p.user_id == user_id and p.role == GUARDIAN for p in participants)


def reply_rights(thread, me):
    """(may the user reply in the thread, does the reply go to the sender alone), for a
    thread the user reads (`thread_or_none`) and their participation (None when they
    read it without taking part). Anyone who reads a conversation replies in it; in an
    announcement staff reply, guardians only when replies are allowed, and a guardian's
    reply to a group announcement starts a conversation with the sender alone."""
    may_reply = thread.kind == CONVERSATION or (
        me is not None and (me.role == STAFF or thread.replies_allowed))
    return may_reply, replies_privately(thread, me is not None and me.role == GUARDIAN)


def may_reply_as(thread, as_guardian):
    """May someone who reads the thread reply in it, as a guardian or as staff?"""
    return not (thread.kind == ANNOUNCEMENT and as_guardian and not thread.replies_allowed)


def replies_privately(thread, as_guardian):
    """Does a reply go to the sender alone, in a conversation of its own? A guardian's
    reply to a group announcement, where everyone of the group is in the shared thread."""
    return thread.kind == ANNOUNCEMENT and thread.child_id is None and as_guardian


def urgent_units(targets):
    """Ids of the units where the user may mark an announcement urgent (past digests
    and quiet hours): the units they lead, from their `announcement_targets`."""
    return {unit.id for key, unit, _ in targets if key.startswith("unit:")}


def children_to_write_about(user, staff):
    """The children a guardian (staff=False) or a member of staff may start a
    conversation about, by first name."""
    day = today()
    condition = (staff_condition(user, day) if staff
                 else guardian_condition(user, day, eighteenth_birthday_cutoff(day)))
    return list(Child.select().where(condition).order_by(Child.first_name, Child.last_name))
