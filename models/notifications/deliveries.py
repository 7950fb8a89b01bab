"""What was delivered: the SMS messages of the month against their cap, what the
administrator sees (a summary per channel and status, and what did not arrive), and the
purge of old rows. (Who of an announcement's guardians was told and has read it:
models/messaging/read_status.py.)"""
import datetime

import peewee
from peewee import fn

from models import audit
from models.db import Prepared, database, utcnow
from models.notifications.tables import (DROPPED, FAILED, FELL_BACK, PENDING, SENDING,
                                         SENT, SMS, SMS_CAP, Notification, Setting)
from models.school.tables import Unit, User


# --- the SMS cap ------------------------------------------------------------------

def sms_cap(default):
    row = Setting.get_or_none(Setting.name == SMS_CAP)
    return int(row.value) if row else default


def set_sms_cap(value, actor, ip):
    """A new monthly cap, set by an administrator (audited, in one transaction)."""
    with database.atomic():
        (Setting.insert(name=SMS_CAP, value=str(value))
         .on_conflict(conflict_target=[Setting.name], preserve=[Setting.value]).execute())
        audit.record("sms.cap_set", actor=actor, ip=ip, cap=value)


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


def purge(days, now=None):
    """Delete notifications older than `days` that are done with (sent or not)."""
    before = (now or utcnow()) - datetime.timedelta(days=days)
    return (Notification.delete()
            .where(Notification.created_at < before,
                   Notification.status.not_in([PENDING, SENDING])).execute())
