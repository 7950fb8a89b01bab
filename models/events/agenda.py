"""Events in the calendar's shared shape (SPEC20's agenda contract): unexecuted queries
that models/calendar/agenda.py joins with UNION ALL. Columns, in order: kind, item_id,
child_id, title, starts_at, ends_at, first_day, last_day, all_day, place, cancelled,
owed, link_id."""
from peewee import JOIN, Case, Cast, Value, fn

from models.access.events import family_child_ids, invited, replier_child_ids, staff_unit_ids
from models.db import today, utcnow
from models.events.tables import Event, EventReply, EventText
from models.school.tables import Child, eighteenth_birthday_cutoff

KIND = "event"


def _columns(text, child_id, owed):
    return [Cast(Value(KIND), "text").alias("kind"),
            Event.id.alias("item_id"),
            child_id.alias("child_id"),
            fn.COALESCE(text.title, Event.title).alias("title"),
            Event.starts_at.alias("starts_at"),
            Event.ends_at.alias("ends_at"),
            Event.first_day.alias("first_day"),
            Event.last_day.alias("last_day"),
            Event.all_day.alias("all_day"),
            Event.place.alias("place"),
            Case(None, [(Event.cancelled_at.is_null(False), True)], False).alias("cancelled"),
            owed.alias("owed"),
            Event.id.alias("link_id")]


def guardian_items(user, first, last, language, day=None, cutoff=None, now=None, **_):
    """One row per (invited event, own child) touching first..last: cancelled ones
    too; `owed` while a reply is wanted from this user for the child and still open.
    `day`, `cutoff` and `now`: today, its adult cutoff and the moment (by default read
    from the clock; models/calendar/agenda.py passes them to prepare the query)."""
    day = day or today()
    cutoff = cutoff or eighteenth_birthday_cutoff(day)
    text = EventText.alias("agenda_text")
    now = now or utcnow()
    answered = fn.EXISTS(EventReply.select(EventReply.id).where(
        (EventReply.event == Event.id) & (EventReply.child == Child.id)))
    closes = fn.COALESCE(Event.reply_deadline, Event.starts_at)
    owed = Case(None, [(Event.reply_wanted & Event.cancelled_at.is_null() & (closes >= now)
                        & ~answered & Child.id.in_(replier_child_ids(user, day, cutoff)),
                        True)], False)
    return (Event.select(*_columns(text, Child.id, owed))
            .join(Child, on=invited(day))
            .join_from(Event, text, JOIN.LEFT_OUTER,
                       on=((text.event == Event.id) & (text.language == language)))
            .where(Child.id.in_(family_child_ids(user, day, cutoff))
                   & (Event.first_day <= last) & (Event.last_day >= first)))


def staff_items(user, first, last, language, **_):
    """The events of the units where the user is staff touching first..last, once each
    (child_id 0)."""
    text = EventText.alias("agenda_text")
    return (Event.select(*_columns(text, Cast(Value(0), "integer"),
                                   Cast(Value(False), "boolean")))
            .join(text, JOIN.LEFT_OUTER,
                  on=((text.event == Event.id) & (text.language == language)))
            .where(Event.unit.in_(staff_unit_ids(user))
                   & (Event.first_day <= last) & (Event.last_day >= first)))
