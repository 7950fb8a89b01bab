"""Which days a unit is closed, and whether a day is a school day for a child.

A school child has no school on Saturdays, Sundays and the school's days off (the
municipality's holidays, planning days), so absence cannot be reported for them and
leave does not count them. Kindergartens and after-school care keep their own days off
in the same table; what they mean for those units (an SFO is often open in the school
holidays) is left to the feature that asks.

Events, a calendar feed and attendance figures that leave holidays out ask `periods`
and `days_off` too: the periods of some units between two days, in one query.
"""
import datetime
from dataclasses import dataclass, field

from peewee import JOIN

from models import audit
from models.calendar.stamp import touch
from models.calendar.tables import DayOff
from models.db import database, today
from models.school.tables import Enrolment, Group, Unit

SCHOOL = "school"
WEEKEND, HOLIDAY = "weekend", "holiday"


@dataclass(frozen=True)
class Period:
    id: int
    unit_id: int
    first_day: datetime.date
    last_day: datetime.date
    name: str


def _periods_query(unit_ids, first, last):
    return (DayOff.select(DayOff.id, DayOff.unit, DayOff.first_day, DayOff.last_day,
                          DayOff.name)
            .where(DayOff.unit.in_(unit_ids) & (DayOff.first_day <= last)
                   & (DayOff.last_day >= first))
            .order_by(DayOff.first_day, DayOff.last_day, DayOff.id).tuples())


def periods(unit_ids, first, last):
    """The days-off periods of the units (ids or a subquery) that touch first..last,
    by first day. One query."""
    return [Period(*row) for row in _periods_query(unit_ids, first, last)]


def spread(found, first, last):
    """{date: name} of each day from first to last inside one of the periods
    (`(first_day, last_day, name)` or Period); the earliest period names a day."""
    days = {}
    for period in found:
        start, end, name = (period[-3:] if isinstance(period, tuple)
                            else (period.first_day, period.last_day, period.name))
        day = max(start, first)
        while day <= min(end, last):
            days.setdefault(day, name)
            day += datetime.timedelta(days=1)
    return days


def days_off(unit_ids, first, last):
    """{date: name} of the days from first to last on which one of the units is closed
    by its calendar (weekends come from `is_weekend`, not from here). One query."""
    return spread(periods(unit_ids, first, last), first, last)


def is_weekend(day):
    return day.weekday() >= 5


@dataclass(frozen=True)
class ChildCalendar:
    """The school calendar as it applies to one child between two days."""
    school: bool = False                  # enrolled in a group of a school
    off: dict = field(default_factory=dict)  # {date: name}: the school's days off

    def closed(self, day):
        """Why `day` is no school day for the child: (WEEKEND, None), (HOLIDAY, name),
        or None (a school day, or any day for a child not at school)."""
        if not self.school:
            return None
        if is_weekend(day):
            return WEEKEND, None
        if day in self.off:
            return HOLIDAY, self.off[day]
        return None

    def school_days(self, first, last):
        """The days from first to last that are school days for the child (for a child
        not at school: Monday to Friday)."""
        return sum(1 for day in _each_day(first, last)
                   if not is_weekend(day) and self.closed(day) is None)

    def holidays(self, first, last):
        """{name: number of weekdays} of the days off from first to last."""
        counted = {}
        for day in _each_day(first, last):
            if self.school and not is_weekend(day) and day in self.off:
                counted[self.off[day]] = counted.get(self.off[day], 0) + 1
        return counted


def _each_day(first, last):
    for n in range((last - first).days + 1):
        yield first + datetime.timedelta(days=n)


def for_children(child_ids, first, last, day=None):
    """{child id: ChildCalendar} between first and last for the children enrolled on
    `day` (default today); children at no school get the default. One query."""
    day = day or today()
    rows = (Enrolment.select(Enrolment.child, DayOff.first_day, DayOff.last_day,
                             DayOff.name)
            .join(Group, on=(Enrolment.group == Group.id))
            .join(Unit, on=(Group.unit == Unit.id))
            .join(DayOff, JOIN.LEFT_OUTER,
                  on=((DayOff.unit == Unit.id) & (DayOff.first_day <= last)
                      & (DayOff.last_day >= first)))
            .where(Enrolment.child.in_(list(child_ids)) & Enrolment.active(day)
                   & (Unit.kind == SCHOOL))
            .order_by(DayOff.first_day).tuples())
    periods_of = {}
    for child_id, start, end, name in rows:
        found = periods_of.setdefault(child_id, [])
        if start is not None:
            found.append((start, end, name))
    return {child_id: ChildCalendar(True, spread(found, first, last))
            for child_id, found in periods_of.items()}


def for_child(child_id, first, last, day=None):
    return for_children([child_id], first, last, day).get(child_id, ChildCalendar())


def unit_periods(unit_id):
    """Every days-off period of a unit, for its calendar page: the coming ones first,
    in the order they come, then the passed ones, the latest first."""
    found = [Period(*row) for row in (DayOff.select(
        DayOff.id, DayOff.unit, DayOff.first_day, DayOff.last_day, DayOff.name)
        .where(DayOff.unit == unit_id)
        .order_by(DayOff.first_day, DayOff.id).tuples())]
    now = today()
    return ([p for p in found if p.last_day >= now]
            + [p for p in reversed(found) if p.last_day < now])


def add(unit_id, by, first, last, name, ip=""):
    with database.atomic():
        row = DayOff.create(unit=unit_id, first_day=first, last_day=last, name=name,
                            created_by=by)
        touch([unit_id])
        audit.record("calendar.day_off_added", actor=by, ip=ip, unit=unit_id, name=name,
                     first=first.isoformat(), last=last.isoformat())
    return row


def remove(period, by, ip=""):
    with database.atomic():
        DayOff.delete().where(DayOff.id == period.id).execute()
        touch([period.unit_id])
        audit.record("calendar.day_off_removed", actor=by, ip=ip, unit=period.unit_id,
                     name=period.name, first=period.first_day.isoformat(),
                     last=period.last_day.isoformat())
