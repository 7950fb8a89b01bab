"""The tables of notifications: each person's choices and schedule, their push devices,
the notifications themselves (the queue of record), and settings the administrator
changes in the browser."""
import datetime
from dataclasses import dataclass

import peewee

from models.db import BaseModel, utcnow
from models.messaging.tables import Thread
from models.school.tables import Child, Unit, User

# Events a guardian hears about, and events staff hear about.
MESSAGE, REPLY, CONSENT, LEAVE, POST = "message", "reply", "consent", "leave", "post"
GUARDIAN_MESSAGE, LEAVE_APPLICATION = "guardian_message", "leave_application"
# A child is absent with no word from home (guardians); a guardian asks to be called.
ABSENCE_NOTICE, ABSENCE_CALL = "absence_notice", "absence_call"
PICKUP = "pickup"  # a person on a pick-up list waits for the guardian's approval
# A rectification request to answer (staff); its answer or a comment (the requester).
RECTIFICATION, RECTIFIED = "rectification", "rectification_answer"
# The calendar (issue 20): an event invitation; an event changed or cancelled; a reply
# still owed before the deadline; a round of parent–teacher meetings to book (opened, or
# a reminder to book); a booked meeting in two days.
EVENT, EVENT_CHANGED, EVENT_REMINDER = "event", "event_changed", "event_reminder"
MEETINGS, MEETING_SOON = "meetings", "meeting_soon"
GUARDIAN_EVENTS = (MESSAGE, REPLY, CONSENT, LEAVE, POST, ABSENCE_NOTICE, PICKUP, RECTIFIED,
                   EVENT, EVENT_CHANGED, EVENT_REMINDER, MEETINGS, MEETING_SOON)
# Issue 22: an announcement of the sender's was not sent (models/messaging/outbox_send.py).
ANNOUNCEMENT_NOT_SENT = "announcement_not_sent"
STAFF_EVENTS = (GUARDIAN_MESSAGE, LEAVE_APPLICATION, ABSENCE_CALL, RECTIFICATION,
                ANNOUNCEMENT_NOT_SENT)
# Everyone's own: their copy of their data is ready (models/data_export/).
EXPORT_READY = "export_ready"
PERSONAL_EVENTS = (EXPORT_READY,)
EVENTS = GUARDIAN_EVENTS + STAFF_EVENTS + PERSONAL_EVENTS

PUSH, EMAIL, SMS = "push", "email", "sms"
CHANNELS = (PUSH, EMAIL, SMS)
HELD_CHANNELS = (PUSH, SMS)  # quiet hours hold these; e-mail waits in the inbox anyway
NOW, DIGEST = "now", "digest"


# Rows move: pending → sending → sent; or back to pending with a later due_at (retry);
# failed after the last try; dropped when there is nothing to send (the recipient lost
# access, has no address); fell_back when e-mail took over.
PENDING, SENDING, SENT = "pending", "sending", "sent"
FAILED, DROPPED, FELL_BACK = "failed", "dropped", "fell_back"
STATUSES = (PENDING, SENDING, SENT, FAILED, DROPPED, FELL_BACK)

MAX_ATTEMPTS = 5
STALE_CLAIM = datetime.timedelta(minutes=10)
DEFAULT_DIGEST_MINUTE = 17 * 60
DEFAULT_QUIET = (21 * 60, 7 * 60)


@dataclass(frozen=True)
class Choice:
    channels: frozenset
    mode: str = NOW

    @property
    def on(self):
        return bool(self.channels)


# Push falls back to e-mail when the person has no device with push turned on, so the
# default reaches everyone with an e-mail address without anyone setting anything up.
DEFAULT_CHOICES = {
    **{event: Choice(frozenset({PUSH})) for event in EVENTS},
    POST: Choice(frozenset()),  # a new post: off unless asked for
}


class NotificationChoice(BaseModel):
    """A person's own choice for one kind of event (no row: the default)."""
    user = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    event = peewee.CharField(max_length=30)
    push = peewee.BooleanField(default=False)
    email = peewee.BooleanField(default=False)
    sms = peewee.BooleanField(default=False)
    digest = peewee.BooleanField(default=False)

    class Meta:
        indexes = ((("user", "event"), True),)

    @property
    def choice(self):
        return Choice(frozenset(c for c in CHANNELS if getattr(self, c)),
                      DIGEST if self.digest else NOW)


class NotificationSchedule(BaseModel):
    """When a person's daily digest goes out and when push and SMS keep quiet, as
    minutes after local midnight (no row: 17:00 and 21–07)."""
    user = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE", unique=True)
    digest_minute = peewee.IntegerField(default=DEFAULT_DIGEST_MINUTE)
    quiet = peewee.BooleanField(default=True)
    quiet_from = peewee.IntegerField(default=DEFAULT_QUIET[0])
    quiet_until = peewee.IntegerField(default=DEFAULT_QUIET[1])


@dataclass(frozen=True)
class Schedule:
    digest_minute: int = DEFAULT_DIGEST_MINUTE
    quiet: bool = True
    quiet_from: int = DEFAULT_QUIET[0]
    quiet_until: int = DEFAULT_QUIET[1]


class PushSubscription(BaseModel):
    """A browser or installed app that receives Web Push for a person. The endpoint is
    the push service's address for that device; p256dh and auth encrypt the payload."""
    user = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    endpoint = peewee.CharField(max_length=1000, unique=True)
    p256dh = peewee.CharField(max_length=200)
    auth = peewee.CharField(max_length=100)
    label = peewee.CharField(max_length=100, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    last_sent_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("user",), False),)


class Notification(BaseModel):
    """One notification to one person through one channel."""
    user = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    event = peewee.CharField(max_length=30)
    channel = peewee.CharField(max_length=10)
    unit = peewee.ForeignKeyField(Unit, null=True, backref="+", on_delete="CASCADE")
    thread = peewee.ForeignKeyField(Thread, null=True, backref="+", on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, null=True, backref="+", on_delete="CASCADE")
    path = peewee.CharField(max_length=200)
    urgent = peewee.BooleanField(default=False)
    digest = peewee.BooleanField(default=False)  # goes out with the day's others
    # Event, source, recipient and channel: the same event published twice (a retried
    # request, a reminder sent twice) makes no second notification.
    key = peewee.CharField(max_length=150, unique=True)
    status = peewee.CharField(max_length=10, default=PENDING)
    due_at = peewee.DateTimeField(default=utcnow)
    created_at = peewee.DateTimeField(default=utcnow)
    attempts = peewee.IntegerField(default=0)
    claim = peewee.CharField(max_length=32, null=True)
    claimed_at = peewee.DateTimeField(null=True)
    sent_at = peewee.DateTimeField(null=True)
    error = peewee.CharField(max_length=60, default="")

    class Meta:
        indexes = ((("status", "due_at"), False), (("thread",), False),
                   (("user", "created_at"), False))


class Setting(BaseModel):
    """A setting the administrator changes in the browser (not in the config file)."""
    name = peewee.CharField(max_length=50, primary_key=True)
    value = peewee.CharField(max_length=200)


SMS_CAP = "sms_monthly_cap"
