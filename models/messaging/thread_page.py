"""One thread as its page shows it: its messages, their files, everyone in it with the
children through whom they are, and who of them a viewer is shown (rule 11); and
marking it read. The thread comes from the access check (models/access/threads.py);
the reads are prepared queries of plain rows, one each whatever the thread's size."""
import datetime
from dataclasses import dataclass

from peewee import JOIN, fn

from models.db import Prepared, today, utcnow
from models.messaging.tables import (GUARDIAN, STAFF, Attachment, Message, Thread,
                                     ThreadParticipant)
from models.school.tables import CaregiverGrant, Child, Enrolment, Group, Guardianship, User
from models.translation.offer import target_language
from models.translation.tables import cached, columns, joined


@dataclass(frozen=True)
class MessageLine:
    id: int
    sender_id: int
    sender: str
    body: str
    created_at: datetime.datetime
    withdrawn: bool
    language: str | None = None  # the writer's, when known
    translation: object = None  # its cached machine translation (models/translation/)


def _message_rows(target):
    """The messages with each one's cached machine translation into `target` (the
    reader's language), in the same query."""
    translation, on = joined("message", Message.id, target)
    return (Message.select(Message.id, Message.sender, User.first_name, User.last_name,
                           Message.body, Message.created_at, Message.withdrawn_at,
                           Message.language, *columns(translation))
            .join(User, on=(Message.sender == User.id))
            .join_from(Message, translation, JOIN.LEFT_OUTER, on=on))


_messages = Prepared(lambda thread, target: _message_rows(target)
                     .where(Message.thread == thread)
                     .order_by(Message.created_at, Message.id).tuples(),
                     thread=int, target=str)

_messages_after = Prepared(lambda thread, after, target: _message_rows(target)
                           .where((Message.thread == thread) & (Message.id > after))
                           .order_by(Message.created_at, Message.id).tuples(),
                           thread=int, after=int, target=str)


_attachments = Prepared(lambda thread: Attachment.select(
    Attachment.id, Attachment.message, Attachment.filename, Attachment.mimetype,
    Attachment.size, Attachment.width, Attachment.height)
    .join(Message, on=(Attachment.message == Message.id))
    .where((Message.thread == thread) & Message.withdrawn_at.is_null())
    .order_by(Attachment.id).tuples(), thread=int)


@dataclass(frozen=True)
class FileLine:
    id: int
    filename: str
    mimetype: str
    size: int
    width: int | None
    height: int | None

    @property
    def is_image(self):
        return self.mimetype.startswith("image/")


def attachments_by_message(thread):
    """{message id: [FileLine, …]} for the thread (withdrawn messages' files hidden)."""
    result = {}
    for aid, message, *rest in _attachments(thread=thread.id):
        result.setdefault(message, []).append(FileLine(aid, *rest))
    return result


def attachment_in(thread, attachment_id):
    """An attachment of a message in this thread that has not been withdrawn."""
    return (Attachment.select().join(Message)
            .where((Attachment.id == attachment_id) & (Message.thread == thread.id)
                   & Message.withdrawn_at.is_null()).first())


def _lines(rows):
    return [MessageLine(mid, sender, f"{first} {last}", "" if withdrawn else body, at,
                        withdrawn is not None, language,
                        None if withdrawn else cached(translation, {"body": body}))
            for mid, sender, first, last, body, at, withdrawn, language, *translation in rows]


def messages(thread, after=None):
    """The thread's messages, oldest first (only those after a message id, if given),
    each with its cached translation into the reader's language where one is offered."""
    target = target_language()
    if after is None:
        return _lines(_messages(thread=thread.id, target=target))
    return _lines(_messages_after(thread=thread.id, after=after, target=target))


@dataclass(frozen=True)
class Participant:
    user_id: int
    name: str
    role: str
    last_read_at: datetime.datetime | None
    archived: bool
    # For a guardian or caregiver: the children through whom they are in the thread,
    # ((child id, child name, GUARDIAN or CAREGIVER), …) — the thread's own child, or
    # for an announcement to a group or unit the children enrolled there today.
    children: tuple = ()
    copied: bool = False  # copied in by a co-guardian (models/messaging/copies.py)


CAREGIVER = "caregiver"


def _in_scope(child, day):
    """`child` (a column) is the thread's child, or, for an announcement to a group or a
    unit, a child enrolled there on `day`."""
    scope_group = Group.alias("scope_group")
    enrolled = fn.EXISTS(
        Enrolment.select(Enrolment.id)
        .join(scope_group, on=(Enrolment.group == scope_group.id))
        .where((Enrolment.child == child) & Enrolment.active(day)
               & ((Enrolment.group == Thread.group)
                  | (Thread.group.is_null() & (scope_group.unit == Thread.unit)))))
    return (child == Thread.child) | (Thread.child.is_null() & enrolled)


def _participants_query(thread, day, viewer):
    """One row per participant and child they are related to (LEFT JOINs: a participant
    without such a child still has one row), so the page costs one query whatever the
    number of guardians. A guardian viewing an announcement shared by a group or unit
    is shown none of the others (people_for): their children are not looked up."""
    related = Guardianship.alias("related")
    granted = CaregiverGrant.alias("granted")
    guarded = Child.alias("guarded")
    cared_for = Child.alias("cared_for")
    viewer_in_it = ThreadParticipant.alias("viewer_in_it")
    shown_by_child = Thread.child.is_null(False) | ~fn.EXISTS(
        viewer_in_it.select(viewer_in_it.id).where(
            (viewer_in_it.thread == Thread.id) & (viewer_in_it.user == viewer)
            & (viewer_in_it.role == GUARDIAN)))
    as_guardian = (ThreadParticipant.role == GUARDIAN) & shown_by_child
    return (ThreadParticipant.select(
        ThreadParticipant.user, User.first_name, User.last_name, ThreadParticipant.role,
        ThreadParticipant.last_read_at, ThreadParticipant.archived_at.is_null(False),
        ThreadParticipant.copied_by.is_null(False),
        guarded.id, guarded.first_name, guarded.last_name,
        cared_for.id, cared_for.first_name, cared_for.last_name)
        .join(User, on=(ThreadParticipant.user == User.id))
        .switch(ThreadParticipant).join(Thread, on=(ThreadParticipant.thread == Thread.id))
        .join(related, JOIN.LEFT_OUTER, on=(
            as_guardian & (related.guardian == ThreadParticipant.user)
            & _in_scope(related.child, day)))
        .join(guarded, JOIN.LEFT_OUTER, on=(related.child == guarded.id))
        .switch(Thread).join(granted, JOIN.LEFT_OUTER, on=(
            as_guardian & (granted.caregiver == ThreadParticipant.user)
            & granted.revoked_at.is_null() & granted.confirmed_at.is_null(False)
            & _in_scope(granted.child, day)))
        .join(cared_for, JOIN.LEFT_OUTER, on=(granted.child == cared_for.id))
        .where(ThreadParticipant.thread == thread)
        .order_by(ThreadParticipant.role, User.first_name, User.last_name,
                  ThreadParticipant.user)
        .tuples())


_participants = Prepared(_participants_query, thread=int, day=datetime.date, viewer=int)


def participants(thread, viewer=None, day=None):
    """Everyone in the thread, staff first, each guardian or caregiver with the children
    through whom they are in it (what `viewer`, a user id, will be shown of them:
    people_for)."""
    rows = _participants(thread=thread.id, day=day or today(), viewer=viewer or 0)
    people, children, copied_in = {}, {}, set()
    for (uid, first, last, role, read_at, archived, copied, guarded, g_first, g_last,
         cared_for, c_first, c_last) in rows:
        if uid not in people:
            people[uid] = (f"{first} {last}", role, read_at, bool(archived))
            if copied:
                copied_in.add(uid)
            children[uid] = {}
        if guarded:
            children[uid][guarded] = (guarded, f"{g_first} {g_last}", GUARDIAN)
        if cared_for and cared_for not in children[uid]:
            children[uid][cared_for] = (cared_for, f"{c_first} {c_last}", CAREGIVER)
    return [Participant(uid, *row, tuple(sorted(children[uid].values(),
                                                 key=lambda c: (c[1], c[0]))),
                        uid in copied_in)
            for uid, row in people.items()]


@dataclass(frozen=True)
class ChildPeople:
    """The guardians and caregivers in a thread through one child."""
    name: str | None  # None: those who have no child in the thread's scope any longer
    people: list  # [(Participant, GUARDIAN or CAREGIVER or None), …]


@dataclass(frozen=True)
class People:
    """Who a viewer of a thread is shown in it (rule 11: no family learns about
    another)."""
    staff: list
    children: list  # [ChildPeople, …]
    readers: list  # the guardians whose read status the viewer sees: all, or none

    @property
    def guardians_read(self):
        return bool(self.readers)

    @property
    def count(self):
        return len({p.user_id for p in self.staff}
                   | {p.user_id for group in self.children for p, _ in group.people})


def people_for(thread, people, me):
    """The sender and the staff rule 3 lets read the thread (`me` is None or takes part
    as staff) see everyone, grouped by child, and who has read what. A guardian or
    caregiver sees the staff and the other adults of the same child, without their read
    status; in an announcement shared by a group or unit, nobody (the page names the
    sender and whom it went to)."""
    staff = [p for p in people if p.role == STAFF]
    guardians = [p for p in people if p.role == GUARDIAN]
    if me is None or me.role == STAFF:
        by_child, others = {}, []
        for p in guardians:
            for child_id, name, kind in p.children:
                by_child.setdefault((name, child_id), []).append((p, kind))
            if not p.children:
                others.append((p, None))
        groups = [ChildPeople(key[0], by_child[key]) for key in sorted(by_child)]
        if others:
            groups.append(ChildPeople(None, others))
        return People(staff, groups, guardians)
    if thread.child_id is None:
        return People([], [], [])
    family = [(p, kind) for p in guardians for child_id, _, kind in p.children
              if child_id == thread.child_id]
    return People(staff, [ChildPeople(thread.child_name, family)] if family else [], [])


def mark_read(thread, user, at=None):
    """The participant has read the thread up to now (no write when nothing is new)."""
    (ThreadParticipant.update(last_read_at=at or utcnow())
     .where((ThreadParticipant.thread == thread.id) & (ThreadParticipant.user == user)
            & (ThreadParticipant.last_read_at.is_null()
               | (ThreadParticipant.last_read_at < thread.last_message_at)))
     .execute())
