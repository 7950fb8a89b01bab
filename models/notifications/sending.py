"""Sending what is due: `dispatch` claims the due rows, checks again that each
recipient may still see what the notification is about, sends one note per row (or
one per person's daily summary) through the channel's sender (models/notifications/
senders.py), and marks each row sent — or schedules a retry with backoff, or falls back
from push or SMS to e-mail. The queue (models/notifications/queue.py) runs it.
"""
import datetime
import logging
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass

import peewee

from models import access
from models.access.attendance import notice_still_due
from models.access.pickup import keeps as keeps_pickup_list
from models.db import database, utcnow
from models.notifications.preferences import schedule_of
from models.notifications.tables import (ABSENCE_NOTICE, CONSENT, DROPPED, EMAIL, FAILED,
                                         FELL_BACK, HELD_CHANNELS, LEAVE_APPLICATION,
                                         MAX_ATTEMPTS, NOW, PENDING, PICKUP, SENDING, SENT,
                                         STALE_CLAIM, Notification)
from models.notifications.timing import due_time, municipality_zone
from models.messaging.tables import Thread
from models.school.tables import Unit, User

log = logging.getLogger("kontaktbok.notify")

# Not an event anyone chooses about: the title of any note about a sensitive thread.
SENSITIVE_MESSAGE = "sensitive_message"


class Undeliverable(Exception):
    """This channel cannot reach the person (no address, no device, the SMS cap is
    reached): e-mail takes over, or for e-mail itself, the row is dropped."""


class Transient(Exception):
    """The channel failed this time (a server down, a timeout): try again later."""


@dataclass
class Note:
    """What a channel sends: never the content, only that something arrived."""
    id: int
    user: User
    channel: str
    events: dict  # (event, unit name) -> count
    path: str
    urgent: bool = False
    digest: bool = False
    at: datetime.datetime | None = None  # the dispatch's now (UTC, naive): when it is sent

    @property
    def count(self):
        return sum(self.events.values())


def backoff(attempts):
    """30 s, 2 min, 8 min, 32 min: a short outage costs little, a long one no flood."""
    return datetime.timedelta(seconds=30 * 4 ** max(attempts - 1, 0))


def release_claims(started):
    """At a worker's start: rows still claimed from before `started` belong to a worker
    that stopped (killed, or the host went down). They go back in line at once, as a
    failed attempt, instead of waiting out STALE_CLAIM. Safe because one worker
    process runs (models/notifications/single_worker.py; its threads share its
    start). An e-mail the
    mail server had taken just before the crash goes out again, with the same
    Message-ID: at least once, never lost. Returns the number put back."""
    claimed = (Notification.status == SENDING) & (Notification.claimed_at < started)
    with database.atomic():
        (Notification.update(status=FAILED, claim=None, error="stopped while sending")
         .where(claimed & (Notification.attempts >= MAX_ATTEMPTS - 1)).execute())
        return (Notification.update(status=PENDING, claim=None,
                                    attempts=Notification.attempts + 1,
                                    error="stopped while sending")
                .where(claimed).execute())


def _claim(now, limit):
    """Take up to `limit` due rows for this dispatcher. The status check in the UPDATE
    makes two dispatchers at once take different rows."""
    token = secrets.token_hex(8)
    # A dispatcher that crashed (or a sender that hung) left rows claimed: they go back
    # in line as a failed attempt, and fail for good after the last one, so one bad row
    # cannot hold up the others forever.
    stale = (Notification.status == SENDING) & (Notification.claimed_at < now - STALE_CLAIM)
    (Notification.update(status=FAILED, claim=None, error="stopped while sending")
     .where(stale & (Notification.attempts >= MAX_ATTEMPTS - 1)).execute())
    (Notification.update(status=PENDING, claim=None, attempts=Notification.attempts + 1,
                         error="stopped while sending")
     .where(stale).execute())
    while True:
        ids = [row.id for row in Notification.select(Notification.id)
               .where(Notification.status == PENDING, Notification.due_at <= now)
               .order_by(Notification.due_at, Notification.id).limit(limit)]
        if not ids:
            return token, []
        with database.atomic():
            claimed = (Notification.update(status=SENDING, claim=token, claimed_at=now)
                       .where(Notification.id.in_(ids), Notification.status == PENDING)
                       .execute())
        if claimed:  # else another dispatcher took these first: look again
            break
    # A person's daily summary is one message: take the rest of theirs that are due too,
    # even past the batch's limit.
    people = [user for (user,) in Notification.select(Notification.user)
              .where(Notification.claim == token, Notification.digest == True)  # noqa: E712
              .distinct().tuples()]
    if people:
        (Notification.update(status=SENDING, claim=token, claimed_at=now)
         .where(Notification.status == PENDING, Notification.digest == True,  # noqa: E712
                Notification.due_at <= now, Notification.user.in_(people))
         .execute())
    return token, list(Notification.select(Notification, User, Unit)
                       .join(User).switch(Notification).join(Unit, peewee.JOIN.LEFT_OUTER)
                       .where(Notification.claim == token, Notification.status == SENDING)
                       .order_by(Notification.id))


def _still_allowed(row, day, known):
    """May the recipient still see what the notification is about? (A guardian who lost
    access before a digest went out hears nothing more.) `known` keeps the answers of
    this dispatch run: an e-mail taking over from push asks the same question."""
    if not row.user.is_active or row.user.paper_letters:
        return False
    key = (row.user_id, row.thread_id, row.child_id, row.event)
    if key not in known:
        if row.event == CONSENT and row.child_id is not None and row.thread_id is None:
            known[key] = access.consent_child(row.user, row.child_id, day)[0] is not None
        elif row.event == ABSENCE_NOTICE and row.child_id is not None:
            # Not if the child was marked present, or a report or leave came since.
            known[key] = notice_still_due(row.user, row.child_id, row.path, day)
        elif row.event == LEAVE_APPLICATION and row.child_id is not None:
            known[key] = access.authority_over(row.user, row.child_id, day) is not None
        elif row.event == PICKUP and row.child_id is not None:
            known[key] = keeps_pickup_list(row.user, row.child_id, day)
        elif row.thread_id is not None:
            known[key] = access.thread_or_none(row.user, row.thread_id, day) is not None
        elif row.child_id is not None:
            known[key] = access.child_or_none(row.user, row.child_id, day) is not None
        else:
            known[key] = True
    return known[key]


def _mark(ids, token, **values):
    """Change rows this dispatcher still holds (a row taken back as stale is not
    marked by the one that lost it)."""
    if ids:
        (Notification.update(**values)
         .where(Notification.id.in_(ids), Notification.claim == token).execute())


def _fall_back(rows, now, reason, token):
    """E-mail instead: one new e-mail row per failed row (unless the person already
    gets this by e-mail)."""
    with database.atomic():
        for row in rows:
            key = row.key.rsplit(":", 1)[0] + ":" + EMAIL
            Notification.insert(
                user=row.user_id, event=row.event, channel=EMAIL, unit=row.unit_id,
                thread=row.thread_id, child=row.child_id, path=row.path, urgent=row.urgent,
                digest=row.digest, key=key, status=PENDING, due_at=now, created_at=now,
            ).on_conflict_ignore().execute()
        _mark([r.id for r in rows], token, status=FELL_BACK, error=reason[:60])


def dispatch(senders, now=None, limit=200, day=None, known=None):
    """Send what is due. `senders` maps a channel to a callable taking a Note. Returns
    {status: count} for what this run did."""
    now = now or utcnow()
    known = {} if known is None else known
    outcome = defaultdict(int)
    token, rows = _claim(now, limit)
    allowed, lost = [], []
    for row in rows:
        (allowed if _still_allowed(row, day, known) else lost).append(row)
    sensitive = _sensitive_threads(allowed)
    _mark([r.id for r in lost], token, status=DROPPED, error="no access", claim=None)
    if lost:
        outcome[DROPPED] += len(lost)
    # One note per digest (person and channel); one note per row otherwise.
    notes = defaultdict(list)
    for row in allowed:
        group = ("digest", row.user_id, row.channel) if row.digest else ("one", row.id)
        notes[group].append(row)
    started = time.monotonic()
    for members in notes.values():
        ids = [m.id for m in members]
        if time.monotonic() - started > STALE_CLAIM.total_seconds() / 2:
            # Slow senders: give the rest back before anyone could take them as stale.
            _mark(ids, token, status=PENDING, claim=None)
            continue
        status = _send(senders, members, now, token, sensitive)
        outcome[status] += len(ids)
    return {status: count for status, count in outcome.items() if count}


def _sensitive_threads(rows):
    """Which of the rows' threads are sensitive (issue 22): their notes say only that
    a message came in a sensitive thread, whatever the event."""
    ids = sorted({row.thread_id for row in rows if row.thread_id is not None})
    if not ids:
        return frozenset()
    return frozenset(tid for (tid,) in Thread.select(Thread.id).where(
        Thread.id.in_(ids) & (Thread.sensitive == True)).tuples())  # noqa: E712


def _send(senders, members, now, token, sensitive=frozenset()):
    """Send one note for the rows and record how it went; returns the rows' status."""
    first = members[0]
    ids = [m.id for m in members]
    events = defaultdict(int)
    for member in members:
        event = SENSITIVE_MESSAGE if member.thread_id in sensitive else member.event
        events[(event, member.unit.name if member.unit_id else "")] += 1
    note = Note(id=first.id, user=first.user, channel=first.channel, events=dict(events),
                path=first.path if len(members) == 1 else "/", urgent=first.urgent,
                digest=first.digest, at=now)
    try:
        senders[first.channel](note)
    except Undeliverable as reason:
        if first.channel == EMAIL:
            _mark(ids, token, status=DROPPED, error=str(reason)[:60] or "undeliverable",
                  claim=None)
            return DROPPED
        _fall_back(members, now, str(reason) or "undeliverable", token)
        return FELL_BACK
    except Exception as error:  # noqa: BLE001 - a bug or an odd answer: try again later
        if not isinstance(error, Transient):
            log.exception("sending a %s notification failed", first.channel)
            error = Transient(type(error).__name__)
        attempts = first.attempts + 1
        if attempts < MAX_ATTEMPTS:
            due = now + backoff(attempts)
            if first.channel in HELD_CHANNELS and not first.urgent:
                due = due_time(due, first.channel, NOW, False, schedule_of(first.user),
                               municipality_zone())
            _mark(ids, token, status=PENDING, attempts=attempts, error=str(error)[:60],
                  claim=None, due_at=due)
            return "retry"
        if first.channel == EMAIL:
            _mark(ids, token, status=FAILED, attempts=attempts, error=str(error)[:60],
                  claim=None)
            return FAILED
        _mark(ids, token, attempts=attempts)
        _fall_back(members, now, str(error) or "failed", token)
        return FELL_BACK
    # The claim stays on sent rows: one note is one message (deliveries.sms_sent_since).
    _mark(ids, token, status=SENT, sent_at=now, attempts=first.attempts + 1, error="")
    return SENT
