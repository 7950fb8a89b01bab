"""A person's agenda: their children's events, meetings and homework, the events and
meetings of the units they work at, and the days off of those units, from ONE query.

Each area gives unexecuted queries of the same columns (SPEC20's agenda contract:
models/events/agenda.py, models/meetings/agenda.py, models/weekplan/agenda.py); this
module joins them with UNION ALL, adds the units' days off, and adds one row per child
the person sees as a family member (their first name, whether the child's address is
protected), so the pages and the feed name children without asking again. The home
page's "this week", the month view and the calendar feed all read it.

Who sees what is each area's rule (rule 1 for families, the units' staff for staff);
a row naming a child that is not one of the family rows is dropped here as well, so no
page can name another family's child by mistake.
"""
import datetime
from dataclasses import dataclass, field
from functools import reduce

import peewee
from peewee import SQL, Case, Cast, Value

from models.access.children import enrolled, guarded_child_ids
from models.access.events import staff_unit_ids
from models.calendar.tables import DayOff
from models.db import Prepared, database, today, utcnow
from models.events import agenda as events_agenda
from models.meetings import agenda as meetings_agenda
from models.meetings.agenda import sqlite_offset
from models.school.tables import (UNPROTECTED, Child, Enrolment, Group, Unit,
                                  eighteenth_birthday_cutoff)
from models.weekplan import agenda as weekplan_agenda

EVENT, MEETING, HOMEWORK, DAY_OFF = "event", "meeting", "homework", "day_off"
CHILD, UNIT = "child", "unit"  # rows that name the family's children, the staff's units
AREAS = (events_agenda, meetings_agenda, weekplan_agenda)
LONGEST = 62  # days one agenda query may span (the month view asks 28–31)


@dataclass(frozen=True)
class CalendarItem:
    kind: str             # EVENT, MEETING, HOMEWORK or DAY_OFF
    item_id: int
    title: str
    starts_at: datetime.datetime | None   # UTC, naive; None for a day off
    ends_at: datetime.datetime | None
    first_day: datetime.date              # local days
    last_day: datetime.date
    all_day: bool
    place: str            # for a day off: the unit's name
    cancelled: bool
    owed: bool            # a reply or a booking is still owed
    link_id: int          # event id, meeting round id, group id (homework), unit id (day off)
    children: tuple = ()  # (child id, first name, protected) of the family it concerns
    staff: bool = False   # the person sees it as staff of the unit

    @property
    def key(self):
        # a family's two children booked in one round meet at different times
        return (self.kind, self.item_id, self.starts_at)

    def on(self, day):
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class FamilyChild:
    id: int
    first_name: str
    last_name: str
    protected: bool
    guarded: bool  # seen as guardian or caregiver (not only as the pupil themselves)


@dataclass
class Agenda:
    items: list = field(default_factory=list)     # [CalendarItem] without days off
    days_off: list = field(default_factory=list)  # [CalendarItem] of kind DAY_OFF
    children: dict = field(default_factory=dict)  # {child id: FamilyChild}
    units: dict = field(default_factory=dict)     # {unit id: name} where the person works

    @property
    def anything(self):
        """Whether the person has a calendar at all: a child as family, or a unit."""
        return bool(self.children or self.units)

    def on(self, day):
        return [item for item in self.items if item.on(day)]

    def off(self, day):
        """The names of the days-off periods on `day` (one per name)."""
        return list(dict.fromkeys(item.title for item in self.days_off if item.on(day)))

    def by_day(self, first, last):
        """[(day, last day, [items], [day-off names]), …] for the days from first to last
        that have something; a run of days with nothing but the same days off is one
        entry (a two-week holiday is one line, not fourteen)."""
        found = []
        day = first
        while day <= last:
            items, off = self.on(day), self.off(day)
            if items or off:
                previous = found[-1] if found else None
                if (not items and previous and not previous[2] and previous[3] == off
                        and previous[1] == day - datetime.timedelta(days=1)):
                    found[-1] = (previous[0], day, [], off)
                else:
                    found.append((day, day, items, off))
            day += datetime.timedelta(days=1)
        return found


def _null(kind):
    return SQL(f"CAST(NULL AS {kind})")


def _midnight(column):
    """A date as a timestamp at 00:00 on both databases (SQLite's CAST would give a
    number)."""
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        return Cast(column, "timestamp")
    return peewee.fn.datetime(column)


def _text(value):
    return Cast(Value(value), "text")


def _flag(value):
    return Cast(Value(value), "boolean")


def _family_units(user, day, cutoff):
    family = family_child_ids(user, day, cutoff)
    return (Enrolment.select(Group.unit).join(Group, on=(Enrolment.group == Group.id))
            .where(Enrolment.active(day) & Enrolment.child.in_(family)))


def family_child_ids(user, day, cutoff):
    """The children whose calendar the person reads as family (subquery): those they
    guard or are a caregiver of (rules 1 and 2), and a pupil's own record while the pupil
    is enrolled. `user` may be a column (the feed's owner, correlated)."""
    own = Child.select(Child.id).where((Child.account == user) & enrolled(day))
    return Child.select(Child.id).where(Child.id.in_(guarded_child_ids(user, day, cutoff))
                                        | Child.id.in_(own))


def _days_off(user, first, last, day, cutoff):
    units = (Unit.select(Unit.id).where(Unit.id.in_(_family_units(user, day, cutoff))
                                        | Unit.id.in_(staff_unit_ids(user))))
    return (DayOff.select(_text(DAY_OFF).alias("kind"), DayOff.id.alias("item_id"),
                          Cast(Value(0), "integer").alias("child_id"),
                          Cast(DayOff.name, "text").alias("title"),
                          _midnight(DayOff.first_day).alias("starts_at"),
                          _midnight(DayOff.last_day).alias("ends_at"),
                          DayOff.first_day.alias("first_day"),
                          DayOff.last_day.alias("last_day"), _flag(True).alias("all_day"),
                          Cast(Unit.name, "text").alias("place"),
                          _flag(False).alias("cancelled"), _flag(False).alias("owed"),
                          DayOff.unit.alias("link_id"))
            .join(Unit, on=(DayOff.unit == Unit.id))
            .where(DayOff.unit.in_(units) & (DayOff.first_day <= last)
                   & (DayOff.last_day >= first)))


def _family(user, day, cutoff):
    """One row per child of the family: item_id = child id, title = first name,
    place = last name, cancelled = the address is protected, owed = seen as guardian
    or caregiver (not only as the pupil themselves)."""
    guarded = Child.id.in_(guarded_child_ids(user, day, cutoff))
    return (Child.select(_text(CHILD).alias("kind"), Child.id.alias("item_id"),
                         Child.id.alias("child_id"),
                         Cast(Child.first_name, "text").alias("title"),
                         _null("TIMESTAMP").alias("starts_at"),
                         _null("TIMESTAMP").alias("ends_at"),
                         _null("DATE").alias("first_day"), _null("DATE").alias("last_day"),
                         _flag(False).alias("all_day"),
                         Cast(Child.last_name, "text").alias("place"),
                         Case(None, [(Child.address_protection.not_in(UNPROTECTED), True)],
                              False).alias("cancelled"),
                         Case(None, [(guarded, True)], False).alias("owed"),
                         Cast(Value(0), "integer").alias("link_id"))
            .where(Child.id.in_(family_child_ids(user, day, cutoff))))


def _units(user):
    """One row per unit where the person works: item_id = unit id, title = its name."""
    return (Unit.select(_text(UNIT).alias("kind"), Unit.id.alias("item_id"),
                        Cast(Value(0), "integer").alias("child_id"),
                        Cast(Unit.name, "text").alias("title"),
                        _null("TIMESTAMP").alias("starts_at"),
                        _null("TIMESTAMP").alias("ends_at"),
                        _null("DATE").alias("first_day"), _null("DATE").alias("last_day"),
                        _flag(False).alias("all_day"), _text("").alias("place"),
                        _flag(False).alias("cancelled"), _flag(False).alias("owed"),
                        Cast(Value(0), "integer").alias("link_id"))
            .where(Unit.id.in_(staff_unit_ids(user))))


def query(user, first, last, language, family=True, staff=True, day=None, cutoff=None,
          now=None, offset=None):
    """The unexecuted UNION ALL of every part (for tests and the feed). `day`, `cutoff`,
    `now` and `offset` (SQLite's UTC offset, models/meetings/agenda.py) are read from
    the clock unless given (as _prepared gives them)."""
    day = day or today()
    cutoff = cutoff or eighteenth_birthday_cutoff(day)
    moments = {"day": day, "cutoff": cutoff, "now": now or utcnow()}
    parts = [_family(user, day, cutoff), _units(user),
             _days_off(user, first, last, day, cutoff)]
    for area in AREAS:
        if family:
            parts.append(area.guardian_items(user, first, last, language, **moments,
                                             **({"offset": offset} if offset else {})))
        if staff:
            parts.append(area.staff_items(user, first, last, language))
    return reduce(lambda union, part: union.union_all(part), parts).tuples()


# The union is large: building its SQL cost 70 ms a request on the home page, far more
# than running it. It is built once per variant (family part, staff part, and whether
# SQLite's UTC offset is a parameter: PostgreSQL converts zones itself).
_KINDS = {"user": int, "first": datetime.date, "last": datetime.date, "language": str,
          "day": datetime.date, "cutoff": datetime.date, "now": datetime.datetime}
_prepared = {(family, staff, sqlite): Prepared(
    lambda family=family, staff=staff, **params: query(family=family, staff=staff,
                                                       **params),
    **_KINDS, **({"offset": str} if sqlite else {}))
    for family in (True, False) for staff in (True, False) for sqlite in (True, False)}


def _as_date(value):
    if value is None or isinstance(value, datetime.date) and not isinstance(
            value, datetime.datetime):
        return value
    if isinstance(value, datetime.datetime):
        return value.date()
    return datetime.date.fromisoformat(str(value)[:10])


def _as_moment(value):
    if value is None or isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    return datetime.datetime.fromisoformat(str(value))


def _sort_key(item):
    return (item.first_day, not item.all_day, item.starts_at or datetime.datetime.min,
            item.kind, item.title, item.item_id)


def agenda_for(user, first, last, language, family=True, staff=True, longest=LONGEST):
    """The person's Agenda from `first` to `last` (local days, at most LONGEST days).
    One query. Rows of one item for several of the family's children become one item
    naming them all; an item the person also sees as staff is marked so."""
    if (last - first).days > longest or last < first:
        raise ValueError(f"an agenda spans 1 to {longest} days")
    day = today()
    sqlite = isinstance(database.obj, peewee.SqliteDatabase)
    rows = _prepared[family, staff, sqlite](
        user=user.id, first=first, last=last, language=language, day=day,
        cutoff=eighteenth_birthday_cutoff(day), now=utcnow(),
        **({"offset": sqlite_offset(first)} if sqlite else {}))
    children = {row[1]: FamilyChild(row[1], row[3], row[9], bool(row[10]), bool(row[11]))
                for row in rows if row[0] == CHILD}
    units = {row[1]: row[3] for row in rows if row[0] == UNIT}
    merged, days_off = {}, []
    for (kind, item_id, child_id, title, starts_at, ends_at, first_day, last_day, all_day,
         place, cancelled, owed, link_id) in rows:
        if kind in (CHILD, UNIT):
            continue
        if child_id and child_id not in children:
            continue  # never another family's child
        item = CalendarItem(kind, item_id, title or "", _as_moment(starts_at),
                            _as_moment(ends_at), _as_date(first_day), _as_date(last_day),
                            bool(all_day), place or "", bool(cancelled), bool(owed),
                            link_id or 0)
        if kind == DAY_OFF:
            days_off.append(item)
            continue
        known = merged.get(item.key)
        named = ((child_id, children[child_id].first_name, children[child_id].protected),
                 ) if child_id else ()
        if known is None:
            merged[item.key] = _with(item, named, not child_id)
        else:
            merged[item.key] = _with(known, named, not child_id, owed=known.owed or item.owed)
    items = sorted(merged.values(), key=_sort_key)
    return Agenda(items, sorted(days_off, key=_sort_key), children, units)


def _with(item, named, staff, owed=None):
    seen = {child[0] for child in item.children}
    return CalendarItem(
        item.kind, item.item_id, item.title, item.starts_at, item.ends_at, item.first_day,
        item.last_day, item.all_day, item.place, item.cancelled,
        item.owed if owed is None else owed, item.link_id,
        item.children + tuple(child for child in named if child[0] not in seen),
        item.staff or staff)
