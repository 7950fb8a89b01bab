"""What the message pages read and write. Every read goes through the rule 3 condition
of models/access.py; the hot reads are prepared queries of plain rows."""
import datetime
import secrets
from dataclasses import dataclass

import peewee
from peewee import JOIN, fn

from models import access
from models.db import Prepared, database, today, utcnow
from models.messaging.tables import (ANNOUNCEMENT, CONVERSATION, GUARDIAN, STAFF, Attachment,
                                     Message, Thread, ThreadParticipant)
from models.notifications import notify
from models.notifications.tables import GUARDIAN_MESSAGE, MESSAGE, REPLY
from models.school.tables import (CaregiverGrant, Child, Enrolment, Group, Guardianship, Unit,
                                  User, eighteenth_birthday_cutoff)

PAGE_SIZE = 30


@dataclass(frozen=True)
class InboxLine:
    id: int
    subject: str
    kind: str
    last_message_at: datetime.datetime
    needs_answer: bool
    about: str          # the child's name, or the group of an announcement
    unit: str
    unread: bool


def _inbox_query(user, day, adult_cutoff, limit, offset, group=None, needs_answer=False,
                 archived=False, staff=True):
    me = ThreadParticipant.alias("me")
    condition = access.thread_condition(user, day, adult_cutoff, staff=staff)
    if group is not None:
        in_group = fn.EXISTS(Enrolment.select(Enrolment.id).where(
            (Enrolment.child == Thread.child) & (Enrolment.group == group)
            & Enrolment.active(day)))
        condition &= in_group | (Thread.group == group)
    if needs_answer:
        condition &= Thread.last_from_guardian == True  # noqa: E712
    return (Thread.select(Thread.id, Thread.subject, Thread.kind, Thread.last_message_at,
                          Thread.last_from_guardian, Child.first_name, Child.last_name,
                          Group.name, Unit.name, me.id, me.last_read_at)
            .join(Unit, on=(Thread.unit == Unit.id))
            .switch(Thread).join(Child, JOIN.LEFT_OUTER, on=(Thread.child == Child.id))
            .switch(Thread).join(Group, JOIN.LEFT_OUTER, on=(Thread.group == Group.id))
            .switch(Thread).join(me, JOIN.LEFT_OUTER,
                                 on=((me.thread == Thread.id) & (me.user == user)))
            .where(condition & (me.archived_at.is_null(False) if archived
                                else me.archived_at.is_null()))
            .order_by(Thread.last_message_at.desc(), Thread.id.desc())
            .limit(limit).offset(offset)
            .tuples())


_PARAMS = {"user": int, "day": datetime.date, "adult_cutoff": datetime.date,
           "limit": int, "offset": int}


def _variant(by_group, needs_answer, archived, staff):
    def build(**params):
        return _inbox_query(needs_answer=needs_answer, archived=archived, staff=staff,
                            **params)
    build.__name__ = "_inbox_query"
    return Prepared(build, **_PARAMS, **({"group": int} if by_group else {}))


# One prepared query per combination of filters (their SQL differs).
_inbox_variants = {(g, n, a, s): _variant(g, n, a, s) for g in (False, True)
                   for n in (False, True) for a in (False, True) for s in (False, True)}


def inbox(user, page=0, group=None, needs_answer=False, archived=False, staff=True,
          day=None):
    """The threads the user may read, newest first, one page (and whether there is a
    next one). A thread the user archived shows only among their archived ones.
    staff=False (no staff role) makes the query start from the user's own threads."""
    day = day or today()
    params = {"user": user.id, "day": day, "adult_cutoff": eighteenth_birthday_cutoff(day),
              "limit": PAGE_SIZE + 1, "offset": page * PAGE_SIZE}
    if group is not None:
        params["group"] = group
    rows = _inbox_variants[(group is not None, needs_answer, archived, staff)](**params)
    lines = []
    for (thread_id, subject, kind, last_at, from_guardian, first, last, group_name, unit,
         takes_part, read_at) in rows[:PAGE_SIZE]:
        lines.append(InboxLine(
            thread_id, subject, kind, last_at, from_guardian,
            f"{first} {last}" if first else (group_name or ""), unit,
            bool(takes_part) and (read_at is None or read_at < last_at)))
    return lines, len(rows) > PAGE_SIZE


def _unread_query(user, day, adult_cutoff):
    me = ThreadParticipant.alias("me")
    return (Thread.select(fn.COUNT(Thread.id))
            .join(me, on=((me.thread == Thread.id) & (me.user == user)))
            .where(access.thread_condition(user, day, adult_cutoff, candidates=False)
                   & me.archived_at.is_null()
                   & (me.last_read_at.is_null() | (me.last_read_at < Thread.last_message_at)))
            .tuples())


_unread = Prepared(_unread_query, user=int, day=datetime.date, adult_cutoff=datetime.date)


def unread_count(user, day=None):
    """Threads the user takes part in with a message they have not read."""
    day = day or today()
    return _unread(user=user.id, day=day, adult_cutoff=eighteenth_birthday_cutoff(day))[0][0]


@dataclass(frozen=True)
class MessageLine:
    id: int
    sender_id: int
    sender: str
    body: str
    created_at: datetime.datetime
    withdrawn: bool


_messages = Prepared(lambda thread: Message.select(
    Message.id, Message.sender, User.first_name, User.last_name, Message.body,
    Message.created_at, Message.withdrawn_at)
    .join(User, on=(Message.sender == User.id))
    .where(Message.thread == thread).order_by(Message.created_at, Message.id).tuples(),
    thread=int)

_messages_after = Prepared(lambda thread, after: Message.select(
    Message.id, Message.sender, User.first_name, User.last_name, Message.body,
    Message.created_at, Message.withdrawn_at)
    .join(User, on=(Message.sender == User.id))
    .where((Message.thread == thread) & (Message.id > after))
    .order_by(Message.created_at, Message.id).tuples(),
    thread=int, after=int)


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
                        withdrawn is not None)
            for mid, sender, first, last, body, at, withdrawn in rows]


def messages(thread, after=None):
    """The thread's messages, oldest first (only those after a message id, if given)."""
    if after is None:
        return _lines(_messages(thread=thread.id))
    return _lines(_messages_after(thread=thread.id, after=after))


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
    people, children = {}, {}
    for (uid, first, last, role, read_at, archived, guarded, g_first, g_last, cared_for,
         c_first, c_last) in rows:
        if uid not in people:
            people[uid] = (f"{first} {last}", role, read_at, bool(archived))
            children[uid] = {}
        if guarded:
            children[uid][guarded] = (guarded, f"{g_first} {g_last}", GUARDIAN)
        if cared_for and cared_for not in children[uid]:
            children[uid][cared_for] = (cared_for, f"{c_first} {c_last}", CAREGIVER)
    return [Participant(uid, *row, tuple(sorted(children[uid].values(),
                                                 key=lambda c: (c[1], c[0]))))
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


def _mark_sent(thread, user, at):
    """The sender has read everything up to their own message."""
    (ThreadParticipant.update(last_read_at=at)
     .where((ThreadParticipant.thread == thread.id) & (ThreadParticipant.user == user))
     .execute())


# Writing ------------------------------------------------------------------------------

def set_archived(thread, user, archived):
    """Put a thread away (or back) for this participant only."""
    return (ThreadParticipant.update(archived_at=utcnow() if archived else None)
            .where((ThreadParticipant.thread == thread.id)
                   & (ThreadParticipant.user == user)).execute())


def withdraw(thread, message_id, user, window):
    """The sender takes a message back within `window` of sending it; it stays in the
    thread as withdrawn. Returns the message, or None when it is not theirs or too late."""
    message = Message.get_or_none((Message.id == message_id) & (Message.thread == thread.id)
                                  & (Message.sender == user) & Message.withdrawn_at.is_null())
    if message is None or utcnow() - message.created_at > window:
        return None
    message.withdrawn_at = utcnow()
    message.save(only=[Message.withdrawn_at])
    return message


class Duplicate(Exception):
    """The same form was sent twice (a double tap on a slow phone)."""


def new_form_token():
    return secrets.token_urlsafe(16)


def _add_message(thread, sender, body, token, from_guardian, files=()):
    """The message and its attachments (already checked, stored under `stored_name`)."""
    at = utcnow()
    try:
        with database.atomic():
            message = Message.create(thread=thread.id, sender=sender, body=body,
                                     client_token=token, created_at=at)
    except peewee.IntegrityError:
        raise Duplicate() from None
    for f in files:
        Attachment.create(message=message, filename=f.filename, stored_name=f.stored_name,
                          mimetype=f.mimetype, size=len(f.data), width=f.width,
                          height=f.height)
    (Thread.update(last_message_at=at, last_from_guardian=from_guardian)
     .where(Thread.id == thread.id).execute())
    return message


def _notify(thread, message, sender, as_guardian, kind=None, urgent=False):
    """Tell the others in the thread that something arrived: staff hear about a
    guardian's message; guardians (those who still see the thread's child) about
    staff's. A message from one guardian does not notify the other guardians."""
    rows = list(ThreadParticipant.select(ThreadParticipant.user, ThreadParticipant.role)
                .where(ThreadParticipant.thread == thread.id,
                       ThreadParticipant.user != sender.id).tuples())
    wanted = STAFF if as_guardian else GUARDIAN
    recipients = {user: None for user, role in rows if role == wanted}
    if not recipients:
        return
    kind = kind or (GUARDIAN_MESSAGE if as_guardian else REPLY)
    notify.publish(notify.Event(
        kind=kind, source=f"m{message.id}", path=f"/messages/{thread.id}",
        unit_id=thread.unit_id, thread_id=thread.id,
        urgent=urgent, recipients=recipients))


def reply(thread, sender, body, token, as_guardian, files=()):
    """A message in the thread, in one transaction with the thread's new state and the
    notifications; the sender takes part from now on and has read everything up to
    it."""
    with database.atomic():
        message = _add_message(thread, sender, body, token, as_guardian, files)
        participant = ThreadParticipant.get_or_none(thread=thread.id, user=sender)
        if participant is None:
            ThreadParticipant.create(thread=thread.id, user=sender,
                                     role=GUARDIAN if as_guardian else STAFF,
                                     last_read_at=message.created_at)
        else:
            _mark_sent(thread, sender, message.created_at)
        _notify(thread, message, sender, as_guardian)
    return message


def start_thread(unit, child, subject, body, sender, token, guardians, staff,
                 as_guardian, files=(), event=None):
    """A new conversation about a child: the thread, its participants, its first
    message and the notifications, all or nothing. `event` names what the guardians
    hear about (a new message, or a consent reminder)."""
    with database.atomic():
        if Message.select().where(Message.client_token == token).exists():
            raise Duplicate()
        thread = Thread.create(kind=CONVERSATION, unit=unit, child=child, subject=subject,
                               created_by=sender)
        for user in guardians:
            ThreadParticipant.create(thread=thread, user=user, role=GUARDIAN)
        for user in staff:
            ThreadParticipant.create(thread=thread, user=user, role=STAFF)
        message = _add_message(thread, sender, body, token, as_guardian, files)
        _mark_sent(thread, sender, message.created_at)
        _notify(thread, message, sender, as_guardian,
                kind=None if as_guardian else event or MESSAGE)
    return thread


def announce(sender, unit, group, subject, body, token, replies_allowed, per_child,
             urgent=False):
    """An announcement to every guardian with access to a child of the group (or unit):
    one shared thread, or one thread per child (each seen by that child's guardians).
    All or nothing. Returns the threads."""
    children = list(access.children_in(unit, group))
    with database.atomic():
        if Message.select().where(Message.client_token == token).exists():
            raise Duplicate()
        by_child = {}
        for user_id, child_id in access.guardian_pairs([c.id for c in children]):
            by_child.setdefault(child_id, []).append(user_id)
        if per_child:
            plans = [(child, by_child[child.id]) for child in children
                     if child.id in by_child]
        else:
            everyone = sorted({g for guardians in by_child.values() for g in guardians})
            plans = [(None, everyone)] if everyone else []
        threads = []
        for n, (child, guardians) in enumerate(plans):
            thread = Thread.create(kind=ANNOUNCEMENT, unit=unit, group=group, child=child,
                                   subject=subject, created_by=sender,
                                   replies_allowed=replies_allowed, urgent=urgent)
            ThreadParticipant.create(thread=thread, user=sender, role=STAFF)
            ThreadParticipant.insert_many(
                [{"thread": thread.id, "user": guardian, "role": GUARDIAN}
                 for guardian in guardians if guardian != sender.id]).execute()
            message = _add_message(thread, sender, body,
                                   token if n == 0 else f"{token}:{n}", False)
            _mark_sent(thread, sender, message.created_at)
            _notify(thread, message, sender, False, kind=MESSAGE, urgent=urgent)
            threads.append(thread)
    return threads


def reply_privately(announcement, guardian, body, token, files=()):
    """A guardian's answer to an announcement shared by many: a new conversation
    between the guardian and the sender only, about the guardian's child in that group
    (or unit). Returns the new thread, or None when the guardian has no such child."""
    children = access.guarded_children(guardian).join(Enrolment).join(Group).where(
        Enrolment.active(today())
        & ((Group.id == announcement.group_id) if announcement.group_id
           else (Group.unit == announcement.unit_id)))
    child = children.order_by(Child.first_name).first()
    if child is None:
        return None
    sender = Thread.get_by_id(announcement.id).created_by
    subject = f"Re: {announcement.subject}"[:200]
    return start_thread(Unit.get_by_id(announcement.unit_id), child, subject, body,
                        guardian, token, guardians=[guardian], staff=[sender],
                        as_guardian=True, files=files)
