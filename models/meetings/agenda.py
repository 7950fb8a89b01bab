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


def sqlite_offset(first):
    """SQLite's modifier for the municipality's UTC offset on `first` ("+60 minutes")."""
    offset = datetime.datetime.combine(first, datetime.time(12)).replace(
        tzinfo=municipality_zone()).utcoffset()
    return f"{int(offset.total_seconds() // 60):+d} minutes"


def _local_day(moment, first, offset=None):
    """The local calendar day of a stored (UTC) moment, in SQL. PostgreSQL converts with
    the zone itself; SQLite, which has no zones, with the offset in force on `first`
    (`offset`: sqlite_offset(first), when the caller prepares the query)."""
    if isinstance(database.obj, SqliteDatabase):
        return fn.date(moment, offset or sqlite_offset(first))
    return Cast(fn.timezone(municipality_zone().key, fn.timezone("UTC", moment)), "date")


def guardian_items(user, first, last, language, day=None, cutoff=None, now=None,
                   offset=None):
    """The family's booked times and the rounds still to book (see the module's text).
    `day`, `cutoff`, `now`: as for models/events/agenda.py; `offset`: _local_day's."""
    household = getattr(user, "id", user)
    booked = (MeetingBooking.select(*_slot_columns(MeetingBooking.child, MeetingRound.title))
              .join(MeetingSlot).switch(MeetingBooking).join(MeetingRound)
              .where(MeetingBooking.child.in_(guarded_ids(user, day, cutoff))
                     & MeetingBooking.household.in_([0, household])
                     & (MeetingSlot.first_day >= first) & (MeetingSlot.first_day <= last)))
    local = _local_day(MeetingRound.deadline, first, offset)
    has_booking = fn.EXISTS(MeetingBooking.select(MeetingBooking.id).where(
        (MeetingBooking.round == MeetingRound.id)
        & (MeetingBooking.child == MeetingRoundChild.child)
        & MeetingBooking.household.in_([0, household])))
    owed = (MeetingRoundChild.select(
        _text(KIND).alias("kind"), MeetingRound.id.alias("item_id"),
        MeetingRoundChild.child.alias("child_id"), MeetingRound.title.alias("title"),
        MeetingRound.deadline.alias("starts_at"), MeetingRound.deadline.alias("ends_at"),
        local.alias("first_day"), local.alias("last_day"), _flag(False).alias("all_day"),
        _text("").alias("place"), _flag(False).alias("cancelled"),
        _flag(True).alias("owed"), MeetingRound.id.alias("link_id"))
        .join(MeetingRound)
        .where(MeetingRoundChild.child.in_(booking_ids(user, day, cutoff))
               & MeetingRound.cancelled_at.is_null()
               & (MeetingRound.deadline > (now or utcnow()))
               & ~has_booking & (local >= first) & (local <= last)))
    return booked.union_all(owed)


def staff_items(user, first, last, language, **_):
    """Booked times in rounds the user manages (child_id 0, never a child's name)."""
    return (MeetingBooking.select(*_slot_columns(Cast(Value(0), "integer"),
                                                 MeetingRound.title))
            .join(MeetingSlot).switch(MeetingBooking).join(MeetingRound)
            .where(manager_condition(user)
                   & (MeetingSlot.first_day >= first) & (MeetingSlot.first_day <= last)))
