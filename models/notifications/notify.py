"""Notifications: that something arrived, never what (DESIGN.md; issue 9).

An event (a new message, a consent request, a leave decision …) becomes one row per
recipient and channel in `notification`, written in the same transaction as the event
itself, so nothing is lost and nothing is sent for an event that was rolled back. The
rows are the queue of record: the task queue (models/notifications/queue.py) only runs
`dispatch` (models/notifications/sending.py), which claims due rows, checks again that
the recipient may still see the child or the thread, sends, and marks each row sent — or
schedules a retry with backoff, or falls back from push or SMS to e-mail.

What a notification says: the kind of event, the sender's unit, a link. Never the
message text, a child's name or any other personal detail.

This module publishes events; the person's preferences are in preferences.py, the
times in timing.py, the channels' texts and senders in senders.py, and what was
delivered in deliveries.py.
"""
import contextlib
import datetime
from dataclasses import dataclass, field

from models.db import utcnow
from models.messaging import office_hours
from models.notifications.preferences import choices_and_schedules
from models.notifications.tables import (DEFAULT_CHOICES, DIGEST, GUARDIAN_MESSAGE,
                                         Notification, Schedule)
from models.notifications.timing import due_time, municipality_zone, use_zone
from models.school.tables import User


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
    not_before: datetime.datetime | None = None  # UTC: not sent before this moment
    # recipient id -> the child the event concerns for that person (for the access
    # check at sending time), or None when the thread decides.
    recipients: dict = field(default_factory=dict)


# Events that wait for the recipient's office hours: a guardian's message to staff.
WAITS_FOR_OFFICE_HOURS = (GUARDIAN_MESSAGE,)

_config = {"wake": None, "silent": False}


def configure(wake, zone):
    """`wake()` asks the task queue to run dispatch soon (models/notifications/queue.py);
    `zone` is the municipality's clock, for digests and quiet hours."""
    _config.update(wake=wake)
    use_zone(zone)


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
    zone = zone or municipality_zone()
    now = now or utcnow()
    ids = list(event.recipients)
    if not ids or _config["silent"]:
        return 0
    people = {u.id: u for u in User.select(User.id, User.email, User.phone,
                                           User.paper_letters, User.is_active)
              .where(User.id.in_(ids))}
    chosen, schedules = choices_and_schedules(ids, event.kind)
    # Staff hear of a guardian's message when their office hours begin (issue 22).
    opening = (office_hours.openings(event.unit_id, ids, now, zone)
               if event.kind in WAITS_FOR_OFFICE_HOURS and not event.urgent else {})
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
                "due_at": max(due_time(now, channel, choice.mode, event.urgent, schedule, zone,
                                       opening.get(user_id)),
                              event.not_before or now),
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
