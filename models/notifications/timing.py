"""When a notification goes out: at once, at the person's daily summary time, or after
their quiet hours, all on the municipality's clock (its zone, set once by the queue)."""
import datetime

from models.notifications.tables import DIGEST, HELD_CHANNELS

_clock = {"zone": datetime.timezone.utc}


def use_zone(zone):
    """The municipality's zone, for digests and quiet hours (models/notifications/queue.py
    sets it when the app starts)."""
    _clock["zone"] = zone


def municipality_zone():
    return _clock["zone"]


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


def due_time(now, channel, mode, urgent, schedule, zone, opens=None):
    """When a notification through `channel` should go out (UTC, naive). `opens`: when
    the recipient's office hours begin next (UTC, naive; None: open now, or no hours),
    before which nothing goes, on any channel (models/messaging/office_hours.py)."""
    if urgent:
        return now
    moment = _local(max(now, opens) if opens else now, zone)
    if mode == DIGEST:
        moment = _next_minute(moment, schedule.digest_minute, zone)
    if channel in HELD_CHANNELS and in_quiet_hours(moment, schedule):
        moment = _next_minute(moment, schedule.quiet_until, zone)
    return _utc(moment)


def month_start(now, zone):
    """The first moment of the current local month, in UTC."""
    local = _local(now, zone)
    return _utc(local.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
