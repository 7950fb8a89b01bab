"""Each person's notification preferences: which events reach them through which
channels, at once or in a daily summary, when their quiet hours are, and their devices
with push turned on."""
from models.db import Prepared, database, utcnow
from models.notifications.tables import (CHANNELS, DEFAULT_CHOICES, DIGEST, EVENTS, NOW, PENDING,
                                         Notification, NotificationChoice, NotificationSchedule,
                                         PushSubscription, Schedule)
from models.notifications.timing import due_time, municipality_zone

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


def choices_and_schedules(user_ids, event):
    """({user id: Choice}, {user id: Schedule}) of those of the people who chose
    something for `event` or set their schedule (the others have the defaults): two
    queries for any number of people."""
    chosen = {row.user_id: row.choice for row in NotificationChoice.select().where(
        NotificationChoice.user.in_(user_ids), NotificationChoice.event == event)}
    schedules = {row.user_id: _schedule(row) for row in
                 NotificationSchedule.select().where(NotificationSchedule.user.in_(user_ids))}
    return chosen, schedules


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
                                           Notification.attempts == 0,
                                           Notification.urgent == False):  # noqa: E712
        choice = choices.get(row.event, DEFAULT_CHOICES[row.event])
        digest = choice.mode == DIGEST and not row.urgent
        due = due_time(now, row.channel, DIGEST if digest else NOW, row.urgent, schedule,
                       municipality_zone())
        if (due, digest) != (row.due_at, row.digest):
            (Notification.update(due_at=due, digest=digest)
             .where(Notification.id == row.id).execute())
