"""Meetings in the calendar's shared shape (SPEC20's agenda contract): unexecuted queries
that models/calendar/agenda.py joins with UNION ALL. Columns, in order: kind, item_id,
child_id, title, starts_at, ends_at, first_day, last_day, all_day, place, cancelled,
owed, link_id. A guardian gets the family's own booked time per child (never another
family's) and an "owed" row, dated by the deadline, for an open round not booked yet."""
import datetime

from peewee import Case, Cast, SqliteDatabase, Value, fn

from models.access.meetings import booking_ids, guarded_ids, manager_condition
from models.db import database, utcnow
from models.meetings.tables import MeetingBooking, MeetingRound, MeetingRoundChild, MeetingSlot
from models.notifications.timing import municipality_zone

KIND = "meeting"


def _text(value):
    return Cast(Value(value), "text")


def _flag(value):
    return Cast(Value(value), "boolean")


def _cancelled():
    return Case(None, [(MeetingRound.cancelled_at.is_null(False), True)], False)


def _slot_columns(child_id, title):
    return [_text(KIND).alias("kind"), MeetingRound.id.alias("item_id"),
            child_id.alias("child_id"), title.alias("title"),
            MeetingSlot.starts_at.alias("starts_at"), MeetingSlot.ends_at.alias("ends_at"),
            MeetingSlot.first_day.alias("first_day"), MeetingSlot.first_day.alias("last_day"),
            _flag(False).alias("all_day"), MeetingSlot.place.alias("place"),
            _cancelled().alias("cancelled"), _flag(False).alias("owed"),
            MeetingRound.id.alias("link_id")]


def _local_day(moment, first):
    """The local calendar day of a stored (UTC) moment, in SQL. PostgreSQL converts with
    the zone itself; SQLite, which has no zones, with the offset in force on `first`."""
    zone = municipality_zone()
    if isinstance(database.obj, SqliteDatabase):
        offset = datetime.datetime.combine(first, datetime.time(12)).replace(
            tzinfo=zone).utcoffset()
        return fn.date(moment, f"{int(offset.total_seconds() // 60):+d} minutes")
    return Cast(fn.timezone(zone.key, fn.timezone("UTC", moment)), "date")


def guardian_items(user, first, last, language):
    booked = (MeetingBooking.select(*_slot_columns(MeetingBooking.child, MeetingRound.title))
              .join(MeetingSlot).switch(MeetingBooking).join(MeetingRound)
              .where(MeetingBooking.child.in_(guarded_ids(user))
                     & MeetingBooking.household.in_([0, user.id])
                     & (MeetingSlot.first_day >= first) & (MeetingSlot.first_day <= last)))
    day = _local_day(MeetingRound.deadline, first)
    has_booking = fn.EXISTS(MeetingBooking.select(MeetingBooking.id).where(
        (MeetingBooking.round == MeetingRound.id)
        & (MeetingBooking.child == MeetingRoundChild.child)
        & MeetingBooking.household.in_([0, user.id])))
    owed = (MeetingRoundChild.select(
        _text(KIND).alias("kind"), MeetingRound.id.alias("item_id"),
        MeetingRoundChild.child.alias("child_id"), MeetingRound.title.alias("title"),
        MeetingRound.deadline.alias("starts_at"), MeetingRound.deadline.alias("ends_at"),
        day.alias("first_day"), day.alias("last_day"), _flag(False).alias("all_day"),
        _text("").alias("place"), _flag(False).alias("cancelled"),
        _flag(True).alias("owed"), MeetingRound.id.alias("link_id"))
        .join(MeetingRound)
        .where(MeetingRoundChild.child.in_(booking_ids(user))
               & MeetingRound.cancelled_at.is_null() & (MeetingRound.deadline > utcnow())
               & ~has_booking & (day >= first) & (day <= last)))
    return booked.union_all(owed)


def staff_items(user, first, last, language):
    """Booked times in rounds the user manages (child_id 0, never a child's name)."""
    return (MeetingBooking.select(*_slot_columns(Cast(Value(0), "integer"),
                                                 MeetingRound.title))
            .join(MeetingSlot).switch(MeetingBooking).join(MeetingRound)
            .where(manager_condition(user)
                   & (MeetingSlot.first_day >= first) & (MeetingSlot.first_day <= last)))
