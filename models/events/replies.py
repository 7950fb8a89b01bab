"""Replies to an event: a guardian with parental responsibility answers yes, no or maybe
for their child (and, when asked, how many children and adults come) until the
deadline; staff see the totals, and remind those who have not answered."""
import datetime

from peewee import JOIN, Case, fn

from models import audit
from models.access.events import invited
from models.db import database, today, utcnow
from models.events.tables import ANSWERS, COUNT_MAX, YES, Event, EventReply
from models.notifications import notify
from models.notifications.tables import EVENT_REMINDER
from models.school.tables import Child


class Refused(Exception):
    """The reply cannot be taken: `reason` is "closed" (past the deadline, cancelled,
    no reply asked) or "answer" / "children" / "adults" (a value out of range)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def closes_at(event):
    """When replies stop: the deadline, or else the start of the event."""
    return event.reply_deadline or event.starts_at


def open_for_replies(event, now=None):
    now = now or utcnow()
    return bool(event.reply_wanted) and event.cancelled_at is None and now <= closes_at(event)


def check(event, answer, children, adults):
    """The reply's values, checked: (answer, children, adults). Counts are asked only
    when the event asks for them, and only for a yes or a maybe."""
    if answer not in ANSWERS:
        raise Refused("answer")
    if not event.asks_counts or answer not in (YES, "maybe"):
        return answer, None, None
    for name, value in (("children", children), ("adults", adults)):
        if value is not None and not 0 <= value <= COUNT_MAX:
            raise Refused(name)
    return answer, children, adults


def answer(user, event, child, answer, children=None, adults=None, ip=""):
    """Save (or replace) the reply for `child`, whom the caller found the user answers
    for (models/access/events.py)."""
    answer, children, adults = check(event, answer, children, adults)
    with database.atomic():
        if not open_for_replies(event):
            raise Refused("closed")
        now = utcnow()
        (EventReply.insert(event=event.id, child=child.id, answer=answer, children=children,
                           adults=adults, answered_by=user.id, answered_at=now)
         .on_conflict(conflict_target=[EventReply.event, EventReply.child],
                      update={EventReply.answer: answer, EventReply.children: children,
                              EventReply.adults: adults, EventReply.answered_by: user.id,
                              EventReply.answered_at: now})
         .execute())
        audit.record("event.replied", user, event, ip=ip, child=child.id, answer=answer)
    return EventReply.get((EventReply.event == event.id) & (EventReply.child == child.id))


def totals(event, day=None):
    """{"invited", "yes", "no", "maybe", "unanswered", "children", "adults"} over every
    invited child (also those not named to the viewer). Counts of children and adults
    are those of the yes answers. One query."""
    yes = EventReply.answer == YES

    def count(condition):
        return fn.COALESCE(fn.SUM(Case(None, [(condition, 1)], 0)), 0)

    row = (Child.select(
        fn.COUNT(Child.id), count(yes), count(EventReply.answer == "no"),
        count(EventReply.answer == "maybe"), count(EventReply.id.is_null()),
        fn.COALESCE(fn.SUM(Case(None, [(yes, EventReply.children)], 0)), 0),
        fn.COALESCE(fn.SUM(Case(None, [(yes, EventReply.adults)], 0)), 0))
        .join(Event, on=(Event.id == event.id))
        .join_from(Child, EventReply, JOIN.LEFT_OUTER,
                   on=((EventReply.child == Child.id) & (EventReply.event == event.id)))
        .where(invited(day or today())).tuples())[0]
    keys = ("invited", "yes", "no", "maybe", "unanswered", "children", "adults")
    return dict(zip(keys, (int(value or 0) for value in row)))


def remind(user, event, ip="", automatic=False):
    """Tell the guardians with parental responsibility of invited children without a
    reply that one is wanted: once a day at most (the day is in the notification's
    key). Returns how many people were told."""
    from models.events.events import invited_people
    with database.atomic():
        people = invited_people(event, only_unanswered=True)
        source = f"{event.id}:{'auto' if automatic else today().isoformat()}"
        notify.publish(notify.Event(kind=EVENT_REMINDER, source=source,
                                    path=f"/events/{event.id}", unit_id=event.unit_id,
                                    recipients=people))
        Event.update(reminded_at=utcnow()).where(Event.id == event.id).execute()
        audit.record("event.reminded", user, event, ip=ip, people=len(people),
                     automatic=automatic)
    return len(people)


def remind_day_before(now=None):
    """The automatic reminder: for every open event whose reply deadline is less than a
    day away, those who owe a reply are told once. For a periodic task of the queue.
    Returns how many events were reminded about."""
    now = now or utcnow()
    day = datetime.timedelta(days=1)
    due = [event for event in Event.select().where(
        Event.reply_wanted & Event.cancelled_at.is_null()
        & (Event.reply_deadline > now) & (Event.reply_deadline <= now + day))
        # Once: the task runs every hour; a reminder already sent within the last day
        # before the deadline (by staff, or by an earlier run) is enough.
        if event.reminded_at is None or event.reminded_at < event.reply_deadline - day]
    for event in due:
        remind(None, event, automatic=True)
    return len(due)
