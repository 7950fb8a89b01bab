"""The inbox: the threads a user may read, a page at a time, and how many are unread;
and writing into threads: a reply, a new conversation, an announcement, taking a
message back. Every read goes through the rule 3 condition of models/access/; the hot
reads are prepared queries of plain rows. One thread's page is
models/messaging/thread_page.py."""
import datetime
import secrets
from dataclasses import dataclass

import peewee
from peewee import JOIN, fn

from models import access
from models.db import Prepared, database, today, utcnow
from models.messaging import copies, folders, reach, recipients, search_index
from models.messaging.tables import (ANNOUNCEMENT, CONVERSATION, GUARDIAN, STAFF, Attachment,
                                     Message, Thread, ThreadParticipant)
from models.notifications import notify
from models.notifications.tables import GUARDIAN_MESSAGE, MESSAGE, REPLY
from models.school.tables import Child, Enrolment, Group, Unit, eighteenth_birthday_cutoff
from models.translation.tables import Translation

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
    sensitive: bool = False  # issue 22: the line shows no subject ("" here)
    filing: object = None  # issue 22: done, follow-up, copies (folders.Filing); staff only


def _inbox_query(user, day, adult_cutoff, limit, offset, group=None, needs_answer=False,
                 archived=False, staff=True, folder=None, place=None):
    me = ThreadParticipant.alias("me")
    # The follow-up folder starts from the user's own flags (folders.filed): no need
    # for the wider candidates.
    condition = access.thread_condition(user, day, adult_cutoff, staff=staff,
                                        candidates=folder != folders.FOLLOW_UP)
    if place is not None:  # a member of staff who is also a parent (folders.WORK, MINE)
        condition &= _in_place(me, place)
    if group is not None:
        in_group = fn.EXISTS(Enrolment.select(Enrolment.id).where(
            (Enrolment.child == Thread.child) & (Enrolment.group == group)
            & Enrolment.active(day)))
        condition &= in_group | (Thread.group == group)
    if needs_answer:
        condition &= Thread.last_from_guardian == True  # noqa: E712
    # A sensitive thread's subject stays in the database (issue 22).
    subject = peewee.Case(None, [(Thread.sensitive == True, "")], Thread.subject)  # noqa: E712
    # The names a line shows as subqueries, not joins: PostgreSQL then reads them for
    # the page's lines only, after the sort, not for each of the thousands of threads
    # a school leader's inbox sorts (its query 21 → 16 ms at 50,000 children).

    def name(table, column, key):
        return table.select(column).where(table.id == key)
    return folders.filed((Thread.select(Thread.id, subject, Thread.kind, Thread.last_message_at,
                          Thread.last_from_guardian,
                          name(Child, Child.first_name, Thread.child),
                          name(Child, Child.last_name, Thread.child),
                          name(Group, Group.name, Thread.group),
                          name(Unit, Unit.name, Thread.unit),
                          me.id, me.last_read_at, Thread.sensitive)
            .join(me, JOIN.LEFT_OUTER,
                                 on=((me.thread == Thread.id) & (me.user == user)))
            .where(condition & (me.archived_at.is_null(False) if archived
                                else me.archived_at.is_null()))
            .order_by(Thread.last_message_at.desc(), Thread.id.desc())
            .limit(limit).offset(offset)
            .tuples()), me, user, staff, folders.folder_of(folder, needs_answer, archived))


def _in_place(me, place):
    """The threads of one place of a member of staff who is also a parent: those they
    take part in as a guardian or caregiver (MINE), or all the others (WORK)."""
    if place == folders.MINE:
        return me.role == GUARDIAN
    return me.role.is_null() | (me.role != GUARDIAN)


_PARAMS = {"user": int, "day": datetime.date, "adult_cutoff": datetime.date,
           "limit": int, "offset": int}


def _variant(by_group, needs_answer, archived, staff, folder=None, place=None):
    def build(**params):
        return _inbox_query(needs_answer=needs_answer, archived=archived, staff=staff,
                            folder=folder, place=place, **params)
    build.__name__ = "_inbox_query"
    return Prepared(build, **_PARAMS, **({"group": int} if by_group else {}))


# One prepared query per combination of filters (their SQL differs), made when first
# asked for: (by group, needs an answer, archived, staff, folder, place).
_inbox_variants = {}


def inbox(user, page=0, group=None, needs_answer=False, archived=False, staff=True,
          day=None, folder=None, place=None):
    """The threads the user may read, newest first, one page (and whether there is a
    next one). A thread the user archived shows only among their archived ones.
    staff=False (no staff role) makes the query start from the user's own threads.
    `place`: for a member of staff who is also a parent, folders.WORK or MINE."""
    day = day or today()
    params = {"user": user.id, "day": day, "adult_cutoff": eighteenth_birthday_cutoff(day),
              "limit": PAGE_SIZE + 1, "offset": page * PAGE_SIZE}
    if group is not None:
        params["group"] = group
    # `folder`: one of folders.EXTRA (follow-up, done), for staff.
    key = ((group is not None, False, False, staff, folder, place)
           if folder in folders.EXTRA
           else (group is not None, needs_answer, archived, staff, None, place))
    variant = _inbox_variants.get(key)
    if variant is None:
        variant = _inbox_variants.setdefault(key, _variant(*key))
    rows = variant(**params)
    lines = []
    filings = folders.page_filings(user, staff, rows[:PAGE_SIZE])  # staff: one query
    for (thread_id, subject, kind, last_at, from_guardian, first, last, group_name, unit,
         takes_part, read_at, sensitive, *_) in rows[:PAGE_SIZE]:
        lines.append(InboxLine(
            thread_id, subject, kind, last_at, from_guardian,
            f"{first} {last}" if first else (group_name or ""), unit,
            bool(takes_part) and (read_at is None or read_at < last_at), bool(sensitive),
            filing=filings.get(thread_id)))
    return lines, len(rows) > PAGE_SIZE


def unread_query(user, day, adult_cutoff, me=None):
    me = me or ThreadParticipant.alias("me")
    return (Thread.select(fn.COUNT(Thread.id))
            .join(me, on=((me.thread == Thread.id) & (me.user == user)))
            .where(access.thread_condition(user, day, adult_cutoff, candidates=False)
                   & me.archived_at.is_null()
                   & (me.last_read_at.is_null() | (me.last_read_at < Thread.last_message_at)))
            .tuples())


_unread = Prepared(unread_query, user=int, day=datetime.date, adult_cutoff=datetime.date)


def unread_count(user, day=None):
    """Threads the user takes part in with a message they have not read."""
    day = day or today()
    return _unread(user=user.id, day=day, adult_cutoff=eighteenth_birthday_cutoff(day))[0][0]


def _unread_by_role_query(user, day, adult_cutoff):
    me = ThreadParticipant.alias("me")
    return (unread_query(user, day, adult_cutoff, me).select_extend(me.role)
            .group_by(me.role))


_unread_by_role = Prepared(_unread_by_role_query, user=int, day=datetime.date,
                           adult_cutoff=datetime.date)


def unread_by_place(user, day=None):
    """{folders.WORK: n, folders.MINE: n}: the unread count of each place of a member of
    staff who is also a parent, in one query (the two add up to unread_count)."""
    day = day or today()
    counts = {folders.WORK: 0, folders.MINE: 0}
    for count, role in _unread_by_role(user=user.id, day=day,
                                       adult_cutoff=eighteenth_birthday_cutoff(day)):
        counts[folders.MINE if role == GUARDIAN else folders.WORK] += count
    return counts


# Writing ------------------------------------------------------------------------------

def _mark_sent(thread, user, at):
    """The sender has read everything up to their own message."""
    (ThreadParticipant.update(last_read_at=at)
     .where((ThreadParticipant.thread == thread.id) & (ThreadParticipant.user == user))
     .execute())


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
    with database.atomic():
        message.withdrawn_at = utcnow()
        message.save(only=[Message.withdrawn_at])
        # Its machine translations go with its text (models/translation/).
        Translation.delete().where(Translation.message == message.id).execute()
        search_index.withdrawn(message)  # and its words leave the search index
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
                          mimetype=f.mimetype, size=f.size, width=f.width,
                          height=f.height)
    (Thread.update(last_message_at=at, last_from_guardian=from_guardian,
                   **folders.reopened(from_guardian))
     .where(Thread.id == thread.id).execute())
    search_index.add(message, thread, files)  # in the caller's transaction
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
                 as_guardian, files=(), event=None, sensitive=False, copied=()):
    """A new conversation about a child: the thread, its participants, its first
    message and the notifications, all or nothing. `event` names what the guardians
    hear about (a new message, or a consent reminder); `sensitive` marks it so from
    the start (models/messaging/sensitive_threads.py); `copied`, the other guardians
    the writing guardian copies in (models/messaging/copies.py)."""
    with database.atomic():
        if Message.select().where(Message.client_token == token).exists():
            raise Duplicate()
        thread = Thread.create(kind=CONVERSATION, unit=unit, child=child, subject=subject,
                               created_by=sender, sensitive=sensitive)
        for user in guardians:
            ThreadParticipant.create(thread=thread, user=user, role=GUARDIAN)
        for user in staff:
            ThreadParticipant.create(thread=thread, user=user, role=STAFF)
        copies.add(thread, sender, copied)  # the other home, chosen by the writer
        message = _add_message(thread, sender, body, token, as_guardian, files)
        _mark_sent(thread, sender, message.created_at)
        _notify(thread, message, sender, as_guardian,
                kind=None if as_guardian else event or MESSAGE)
    return thread


def announce(sender, unit, group, subject, body, token, replies_allowed, per_child,
             urgent=False, files=(), copy=None, reached=None):
    """An announcement to every guardian with access to a child of the group (or unit):
    one shared thread, or one thread per child (each seen by that child's guardians).
    All or nothing. Returns the threads. `files` (stored, each with `stored_name`) go
    with the first thread's message, `copy(files)` with each further one's. Who it
    reaches is recipients.announcement_households, the rule the reach shown before
    sending counts (models/messaging/reach.py). `reached`: kept by the caller across the
    targets of one announcement in this unit, so that a family reached by two of them
    gets it once there (reach.once_each)."""
    children = list(recipients.children_in(unit, group))
    with database.atomic():
        if Message.select().where(Message.client_token == token).exists():
            raise Duplicate()
        by_child = recipients.announcement_households([(unit, group)])
        if reached is not None:
            by_child = reach.once_each(by_child, reached, per_child)
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
                                   token if n == 0 else f"{token}:{n}", False,
                                   files if n == 0 or not files else copy(files))
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
