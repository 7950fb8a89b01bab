"""Notifications: that something arrived, never what (DESIGN.md; issue 9).

An event (a new message, a consent request, a leave decision …) becomes one row per
recipient and channel in `notification`, written in the same transaction as the event
itself, so nothing is lost and nothing is sent for an event that was rolled back. The
rows are the queue of record: the task queue (models/queue.py) only runs `dispatch`,
which claims due rows, checks again that the recipient may still see the child or the
thread, sends, and marks each row sent — or schedules a retry with backoff, or falls
back from push or SMS to e-mail.

What a notification says: the kind of event, the sender's unit, a link. Never the
message text, a child's name or any other personal detail.
"""
import contextlib
import datetime
import logging
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field

import peewee
from peewee import fn

from models.db import Prepared, database, utcnow
from models.messaging.tables import Thread
from models.notifications.tables import (CHANNELS, CONSENT, DEFAULT_CHOICES, DIGEST, DROPPED,
                                         EMAIL, EVENTS, FAILED, FELL_BACK, HELD_CHANNELS,
                                         LEAVE_APPLICATION, MAX_ATTEMPTS, MESSAGE, NOW, PENDING,
                                         SENDING, SENT, SMS, SMS_CAP, STALE_CLAIM, Notification,
                                         NotificationChoice, NotificationSchedule,
                                         PushSubscription, Schedule, Setting)
from models.school.tables import Unit, User

log = logging.getLogger("kontaktbok.notify")


# --- choices ------------------------------------------------------------------------

_choices = Prepared(lambda user: NotificationChoice.select()
                    .where(NotificationChoice.user == user), user=int)
_schedules = Prepared(lambda user: NotificationSchedule.select()
                      .where(NotificationSchedule.user == user), user=int)
_devices = Prepared(lambda user: PushSubscription.select()
                    .where(PushSubscription.user == user)
                    .order_by(PushSubscription.created_at), user=int)


def choices_of(user):
    """{event: Choice} for every event, the person's own or the default."""
    chosen = {row.event: row.choice for row in _choices(user=user.id)}
    return {event: chosen.get(event, DEFAULT_CHOICES[event]) for event in EVENTS}


def schedule_of(user):
    rows = _schedules(user=user.id)
    return _schedule(rows[0] if rows else None)


def devices_of(user):
    """The person's devices with push turned on, oldest first."""
    return _devices(user=user.id)


def _schedule(row):
    if row is None:
        return Schedule()
    return Schedule(row.digest_minute, row.quiet, row.quiet_from, row.quiet_until)


def save_choices(user, choices, schedule):
    """Replace the person's choices ({event: Choice}) and schedule, all at once."""
    with database.atomic():
        NotificationChoice.delete().where(NotificationChoice.user == user.id).execute()
        NotificationChoice.insert_many([
            {"user": user.id, "event": event, "digest": choice.mode == DIGEST,
             **{c: c in choice.channels for c in CHANNELS}}
            for event, choice in choices.items()]).execute()
        (NotificationSchedule.insert(user=user.id, digest_minute=schedule.digest_minute,
                                     quiet=schedule.quiet, quiet_from=schedule.quiet_from,
                                     quiet_until=schedule.quiet_until)
         .on_conflict(conflict_target=[NotificationSchedule.user],
                      preserve=[NotificationSchedule.digest_minute,
                                NotificationSchedule.quiet, NotificationSchedule.quiet_from,
                                NotificationSchedule.quiet_until])
         .execute())
        _reschedule(user, choices, schedule)


def _reschedule(user, choices, schedule, now=None):
    """What still waits follows the new choice: at once now, or at the new summary
    time, or after the new quiet hours."""
    now = now or utcnow()
    for row in Notification.select().where(Notification.user == user.id,
                                           Notification.status == PENDING,
                                           Notification.attempts == 0):
        choice = choices.get(row.event, DEFAULT_CHOICES[row.event])
        digest = choice.mode == DIGEST and not row.urgent
        due = due_time(now, row.channel, DIGEST if digest else NOW, row.urgent, schedule,
                       _config["zone"])
        if (due, digest) != (row.due_at, row.digest):
            (Notification.update(due_at=due, digest=digest)
             .where(Notification.id == row.id).execute())


# --- time ---------------------------------------------------------------------------

def _local(moment, zone):
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(zone)


def _utc(local):
    return local.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _at_minute(day, minute, zone):
    return datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60),
                                     tzinfo=zone)


def _next_minute(now_local, minute, zone):
    """The first moment at or after now_local whose local clock shows `minute`."""
    candidate = _at_minute(now_local.date(), minute, zone)
    if candidate < now_local:
        candidate = _at_minute(now_local.date() + datetime.timedelta(days=1), minute, zone)
    return candidate


def in_quiet_hours(moment_local, schedule):
    if not schedule.quiet or schedule.quiet_from == schedule.quiet_until:
        return False
    minute = moment_local.hour * 60 + moment_local.minute
    start, end = schedule.quiet_from, schedule.quiet_until
    return start <= minute < end if start < end else minute >= start or minute < end


def due_time(now, channel, mode, urgent, schedule, zone):
    """When a notification through `channel` should go out (UTC, naive)."""
    if urgent:
        return now
    moment = _local(now, zone)
    if mode == DIGEST:
        moment = _next_minute(moment, schedule.digest_minute, zone)
    if channel in HELD_CHANNELS and in_quiet_hours(moment, schedule):
        moment = _next_minute(moment, schedule.quiet_until, zone)
    return _utc(moment)


# --- publishing ---------------------------------------------------------------------

@dataclass
class Event:
    """Something people should hear about. `source` names the thing (a message, a
    consent request with the day of a reminder …) so publishing it twice is harmless.
    `path` may hold "{child}", filled in per recipient."""
    kind: str
    source: str
    path: str
    unit_id: int | None = None
    thread_id: int | None = None
    urgent: bool = False
    # recipient id -> the child the event concerns for that person (for the access
    # check at sending time), or None when the thread decides.
    recipients: dict = field(default_factory=dict)


_config = {"wake": None, "zone": datetime.timezone.utc, "silent": False}


def configure(wake, zone):
    """`wake()` asks the task queue to run dispatch soon (models/queue.py); `zone` is
    the municipality's clock, for digests and quiet hours."""
    _config.update(wake=wake, zone=zone)


@contextlib.contextmanager
def silenced():
    """No notifications for what happens inside (loading the demo municipality)."""
    _config["silent"] = True
    try:
        yield
    finally:
        _config["silent"] = False


def wake():
    if _config["wake"] is not None:
        _config["wake"]()


def publish(event, now=None, zone=None):
    """Write the notifications for an event; call inside the event's own transaction.
    People who chose paper letters, inactive accounts and people who turned the event
    off get nothing. Returns how many notifications were written."""
    zone = zone or _config["zone"]
    now = now or utcnow()
    ids = list(event.recipients)
    if not ids or _config["silent"]:
        return 0
    people = {u.id: u for u in User.select(User.id, User.email, User.phone,
                                           User.paper_letters, User.is_active)
              .where(User.id.in_(ids))}
    chosen = defaultdict(dict)
    for row in NotificationChoice.select().where(NotificationChoice.user.in_(ids),
                                                 NotificationChoice.event == event.kind):
        chosen[row.user_id] = row.choice
    schedules = {row.user_id: _schedule(row) for row in
                 NotificationSchedule.select().where(NotificationSchedule.user.in_(ids))}
    rows = []
    for user_id, child_id in event.recipients.items():
        person = people.get(user_id)
        if person is None or not person.is_active or person.paper_letters:
            continue
        choice = chosen.get(user_id) or DEFAULT_CHOICES[event.kind]
        schedule = schedules.get(user_id, Schedule())
        for channel in choice.channels:
            rows.append({
                "user": user_id, "event": event.kind, "channel": channel,
                "unit": event.unit_id, "thread": event.thread_id, "child": child_id,
                "path": event.path.format(child=child_id), "urgent": event.urgent,
                "key": f"{event.kind}:{event.source}:{user_id}:{channel}"[:150],
                "digest": choice.mode == DIGEST and not event.urgent,
                "due_at": due_time(now, channel, choice.mode, event.urgent, schedule, zone),
                "created_at": now,
            })
    for start in range(0, len(rows), 200):
        Notification.insert_many(rows[start:start + 200]).on_conflict_ignore().execute()
    if rows:
        database_after_commit(wake)
    return len(rows)


def database_after_commit(call):
    """Run `call` once the current transaction commits (at once outside one). The
    queue must not pick up rows another connection cannot see yet."""
    from flask import g, has_request_context
    if has_request_context():
        g.setdefault("after_commit", set()).add(call)
    else:
        call()


def run_after_request():
    from flask import g
    for call in g.pop("after_commit", ()):
        call()


# --- sending ------------------------------------------------------------------------

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
    from models import access
    if not row.user.is_active or row.user.paper_letters:
        return False
    key = (row.user_id, row.thread_id, row.child_id, row.event)
    if key not in known:
        if row.event == CONSENT and row.child_id is not None and row.thread_id is None:
            known[key] = access.consent_child(row.user, row.child_id, day)[0] is not None
        elif row.event == LEAVE_APPLICATION and row.child_id is not None:
            known[key] = access.leave_decider(row.user, row.child_id, day) is not None
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
        status = _send(senders, members, now, token)
        outcome[status] += len(ids)
    return {status: count for status, count in outcome.items() if count}


def _send(senders, members, now, token):
    """Send one note for the rows and record how it went; returns the rows' status."""
    first = members[0]
    ids = [m.id for m in members]
    events = defaultdict(int)
    for member in members:
        events[(member.event, member.unit.name if member.unit_id else "")] += 1
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
                               _config["zone"])
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
    # The claim stays on sent rows: one note is one message (models/notify.sms_sent_since).
    _mark(ids, token, status=SENT, sent_at=now, attempts=first.attempts + 1, error="")
    return SENT


def purge(days, now=None):
    """Delete notifications older than `days` that are done with (sent or not)."""
    before = (now or utcnow()) - datetime.timedelta(days=days)
    return (Notification.delete()
            .where(Notification.created_at < before,
                   Notification.status.not_in([PENDING, SENDING])).execute())


# --- the SMS cap ------------------------------------------------------------------


def sms_cap(default):
    row = Setting.get_or_none(Setting.name == SMS_CAP)
    return int(row.value) if row else default


def set_sms_cap(value):
    (Setting.insert(name=SMS_CAP, value=str(value))
     .on_conflict(conflict_target=[Setting.name], preserve=[Setting.value]).execute())


def month_start(now, zone):
    """The first moment of the current local month, in UTC."""
    local = _local(now, zone)
    return _utc(local.replace(day=1, hour=0, minute=0, second=0, microsecond=0))


def sms_sent_since(start):
    """SMS messages sent since a moment: a daily summary of several events is one."""
    return (Notification.select(Notification.claim, Notification.user)
            .where(Notification.channel == SMS, Notification.status == SENT,
                   Notification.sent_at >= start).distinct().count())


# --- what the administrator and the sender see ----------------------------------------

_summary = Prepared(lambda since: Notification.select(
    Notification.channel, Notification.status, fn.COUNT(Notification.id))
    .where(Notification.created_at >= since)
    .group_by(Notification.channel, Notification.status).tuples(), since=datetime.date)

_failures = Prepared(lambda since, limit: Notification.select(
    Notification.created_at, Notification.channel, Notification.status,
    Notification.event, Notification.error, Notification.attempts, Notification.unit,
    User.first_name, User.last_name, Unit.name)
    .join(User).switch(Notification).join(Unit, peewee.JOIN.LEFT_OUTER)
    .where((Notification.created_at >= since)
           & Notification.status.in_([FAILED, FELL_BACK, DROPPED])
           & (Notification.error != "no access"))
    .order_by(Notification.created_at.desc()).limit(limit),
    since=datetime.date, limit=int)


def delivery_summary(since):
    """{(channel, status): count} of notifications made since a day."""
    return {(channel, status): count for channel, status, count in _summary(since=since)}


def failures(since, limit=50):
    """Notifications that did not arrive through their channel since a day, newest
    first, with the recipient (the administrator fixes an address, or tells the
    person)."""
    return _failures(since=since, limit=limit)


@dataclass
class Recipient:
    name: str
    channels: dict  # channel -> status
    sent_at: datetime.datetime | None
    read: bool
    paper: bool
    has_access: bool = True


def thread_status(thread_id, with_access):
    """For an announcement: each guardian in it, how they were notified, whether they
    have read it (opened the thread after the announcement), and whether they still
    have access (`with_access`: their ids)."""
    from models.messaging.tables import GUARDIAN, ThreadParticipant
    read = ThreadParticipant.last_read_at >= Thread.created_at
    rows = (ThreadParticipant.select(read.alias("has_read"), User.id,
                                     User.first_name, User.last_name, User.paper_letters,
                                     Notification.channel, Notification.status,
                                     Notification.sent_at)
            .join(Thread, on=(ThreadParticipant.thread == Thread.id))
            .join(User, on=(ThreadParticipant.user == User.id))
            .join(Notification, peewee.JOIN.LEFT_OUTER,
                  on=((Notification.thread == ThreadParticipant.thread)
                      & (Notification.user == User.id)
                      & (Notification.event == MESSAGE)))
            .where(ThreadParticipant.thread == thread_id,
                   ThreadParticipant.role == GUARDIAN)
            .order_by(User.first_name, User.last_name).objects())
    people = {}
    for row in rows:
        person = people.setdefault(row.id, Recipient(
            f"{row.first_name} {row.last_name}", {}, None,
            bool(row.has_read), row.paper_letters,
            row.id in with_access))
        if row.channel:
            person.channels[row.channel] = row.status
            if row.status == SENT and (person.sent_at is None or row.sent_at < person.sent_at):
                person.sent_at = row.sent_at
    return list(people.values())
