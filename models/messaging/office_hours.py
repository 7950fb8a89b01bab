"""Office hours (issue 22): when a member of staff, or a unit, answers messages.

Hours are one span a weekday, in minutes after local midnight on the municipality's
clock (models/notifications/timing.py). A person without hours of their own follows the
unit's; a unit without hours has none, and then nothing waits and no notice is shown.
The unit's days off (models/calendar/) close it all day, whatever the weekday says.

Two things read them: the notice a guardian sees before writing outside the hours
(`notice_for`), and the due time of a staff member's notification of a guardian's
message (`openings`, called where quiet hours are computed: models/notifications/).
Both load what they need in one query (`_load`).
"""
import datetime
from dataclasses import dataclass, field

import peewee
from peewee import JOIN, SQL

from models import access
from models.calendar.tables import DayOff
from models.db import BaseModel, Prepared, database, today, utcnow
from models.notifications.timing import municipality_zone
from models.school.tables import Unit, User, eighteenth_birthday_cutoff

DAY_MINUTES = 24 * 60
WEEKDAYS = tuple(range(7))  # Monday first, as datetime.weekday() counts
# How far ahead an opening is looked for (a summer holiday is shorter than this).
HORIZON_DAYS = 100


class StaffOfficeHours(BaseModel):
    """When one member of staff answers messages on one weekday (no row: not that day;
    no rows at all: the unit's hours)."""
    user = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    weekday = peewee.SmallIntegerField()
    opens = peewee.SmallIntegerField()
    closes = peewee.SmallIntegerField()

    class Meta:
        table_name = "staff_office_hours"
        indexes = ((("user", "weekday"), True),)


class UnitOfficeHours(BaseModel):
    """When a unit answers messages on one weekday (no rows at all: no hours)."""
    unit = peewee.ForeignKeyField(Unit, backref="+", on_delete="CASCADE")
    weekday = peewee.SmallIntegerField()
    opens = peewee.SmallIntegerField()
    closes = peewee.SmallIntegerField()

    class Meta:
        table_name = "unit_office_hours"
        indexes = ((("unit", "weekday"), True),)


# Reading and writing one owner's week ---------------------------------------------------

def week_of(rows):
    """{weekday: (opens, closes)} from (weekday, opens, closes) rows."""
    return {weekday: (opens, closes) for weekday, opens, closes in rows}


def own_week(user):
    return week_of(StaffOfficeHours.select(StaffOfficeHours.weekday, StaffOfficeHours.opens,
                                           StaffOfficeHours.closes)
                   .where(StaffOfficeHours.user == user.id).tuples())


def unit_week(unit):
    return week_of(UnitOfficeHours.select(UnitOfficeHours.weekday, UnitOfficeHours.opens,
                                          UnitOfficeHours.closes)
                   .where(UnitOfficeHours.unit == unit.id).tuples())


def _units_weeks_query(user, day, cutoff):
    return (access.units(user, day, cutoff)
            .select(Unit.id, Unit.name, UnitOfficeHours.weekday, UnitOfficeHours.opens,
                    UnitOfficeHours.closes)
            .join(UnitOfficeHours, JOIN.LEFT_OUTER, on=(UnitOfficeHours.unit == Unit.id))
            .order_by(Unit.name, Unit.id).tuples())


# The units' rule is a large expression: its SQL is built once (models/db.py, Prepared).
_units_weeks = Prepared(_units_weeks_query, user=int, day=datetime.date,
                        cutoff=datetime.date)


def units_weeks(user):
    """[(unit id, name, week)] for the units where the member of staff works, by name, in
    one query; a unit without hours has an empty week."""
    found = {}
    day = today()
    for unit_id, name, weekday, opens, closes in _units_weeks(
            user=user.id, day=day, cutoff=eighteenth_birthday_cutoff(day)):
        week = found.setdefault(unit_id, (name, {}))[1]
        if weekday is not None:
            week[weekday] = (opens, closes)
    return [(unit_id, name, week) for unit_id, (name, week) in found.items()]


def _check(week):
    for weekday, (opens, closes) in week.items():
        if weekday not in WEEKDAYS or not 0 <= opens < closes <= DAY_MINUTES:
            raise ValueError(f"office hours: bad span {weekday} {opens}-{closes}")


def save_own(user, week):
    """A person's own week (empty: they follow their unit's hours again)."""
    _check(week)
    with database.atomic():
        StaffOfficeHours.delete().where(StaffOfficeHours.user == user.id).execute()
        if week:
            StaffOfficeHours.insert_many(
                [{"user": user.id, "weekday": d, "opens": o, "closes": c}
                 for d, (o, c) in sorted(week.items())]).execute()


def save_unit(unit, week, phone):
    """A unit's week (empty: no hours) and its phone number for urgent matters."""
    _check(week)
    with database.atomic():
        UnitOfficeHours.delete().where(UnitOfficeHours.unit == unit.id).execute()
        if week:
            UnitOfficeHours.insert_many(
                [{"unit": unit.id, "weekday": d, "opens": o, "closes": c}
                 for d, (o, c) in sorted(week.items())]).execute()
        Unit.update(phone=phone).where(Unit.id == unit.id).execute()


# The next opening -------------------------------------------------------------------------

def _local(moment, zone):
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(zone)


def _at(day, minute, zone):
    # A time the spring night skips (02:30) is read with the offset before the change,
    # as zoneinfo does: it then means 03:30, the first moment that exists after it.
    return datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60),
                                     tzinfo=zone)


def is_open(week, local, days_off=frozenset()):
    span = week.get(local.weekday())
    if span is None or local.date() in days_off:
        return False
    minute = local.hour * 60 + local.minute
    return span[0] <= minute < span[1]


def next_opening(week, local, days_off=frozenset()):
    """The first moment (aware, in `local`'s zone) after `local` when the hours begin,
    skipping days off; None when there are none within HORIZON_DAYS. Call it when
    not `is_open`."""
    zone = local.tzinfo
    for ahead in range(HORIZON_DAYS + 1):
        day = local.date() + datetime.timedelta(days=ahead)
        span = week.get(day.weekday())
        if span is None or day in days_off:
            continue
        start = _at(day, span[0], zone)
        if start > local:
            return start
    return None


# What is loaded for a notice or a notification: one query --------------------------------

@dataclass
class Loaded:
    unit_id: int | None = None
    unit_name: str = ""
    phone: str = ""
    unit_week: dict = field(default_factory=dict)
    own: dict = field(default_factory=dict)  # user id -> week
    days_off: set = field(default_factory=set)


def _as_date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _load_query(first, last, unit=None, **ids):
    """The query of `_load` (for the unit `unit` when given, and the people `ids`)."""
    null = SQL("NULL")
    parts = []
    if unit is not None:
        parts.append(DayOff.select(SQL("0"), DayOff.unit, null, null, null, DayOff.first_day,
                                   DayOff.last_day, null, null)
                     .where((DayOff.unit == unit) & (DayOff.last_day >= first)
                            & (DayOff.first_day <= last)))
        parts.append(Unit.select(SQL("1"), Unit.id, UnitOfficeHours.weekday,
                                 UnitOfficeHours.opens, UnitOfficeHours.closes, null, null,
                                 Unit.phone, Unit.name)
                     .join(UnitOfficeHours, JOIN.LEFT_OUTER,
                           on=(UnitOfficeHours.unit == Unit.id))
                     .where(Unit.id == unit))
    if ids:
        parts.append(StaffOfficeHours.select(
            SQL("2"), StaffOfficeHours.user, StaffOfficeHours.weekday, StaffOfficeHours.opens,
            StaffOfficeHours.closes, null, null, null, null)
            .where(StaffOfficeHours.user.in_(list(ids.values()))))
    query = parts[0]
    for part in parts[1:]:
        query = query.union_all(part)
    return query.tuples()


# Built once per shape (with or without the unit; the people as 1, 2, 4 … 64 ids, the
# unused ones 0), never per request: a thread's page asks on every view.
_SHAPES = {}
_MOST_IDS = 64


def _prepared(with_unit, slots):
    key = (with_unit, slots)
    if key not in _SHAPES:
        kinds = {"first": datetime.date, "last": datetime.date,
                 **({"unit": int} if with_unit else {}),
                 **{f"u{n}": int for n in range(slots)}}
        _SHAPES[key] = Prepared(_load_query, **kinds)
    return _SHAPES[key]


def _load(unit_id, user_ids, first):
    """The unit's name, phone, hours and days off from `first` on, and the people's
    own hours, in one query. (The days off come first in the UNION: PostgreSQL types
    its columns pairwise from the left, and a NULL first would make them text.)"""
    last = first + datetime.timedelta(days=HORIZON_DAYS)
    user_ids = sorted(set(user_ids))
    loaded = Loaded(unit_id=unit_id)
    if unit_id is None and not user_ids:
        return loaded
    params = {"first": first, "last": last}
    if unit_id is not None:
        params["unit"] = unit_id
    if len(user_ids) > _MOST_IDS:  # a whole unit's staff: built for this call
        rows = database.execute(_load_query(**params, **{
            f"u{n}": user_id for n, user_id in enumerate(user_ids)}))
    else:
        slots = 1 << max(len(user_ids) - 1, 0).bit_length() if user_ids else 0
        padded = user_ids + [0] * (slots - len(user_ids))
        rows = _prepared(unit_id is not None, slots)(
            **params, **{f"u{n}": user_id for n, user_id in enumerate(padded)})
    for kind, owner, weekday, opens, closes, first_off, last_off, phone, name in rows:
        if kind == 0:
            day, end = _as_date(first_off), _as_date(last_off)
            while day <= end:
                loaded.days_off.add(day)
                day += datetime.timedelta(days=1)
        elif kind == 1:
            loaded.unit_name, loaded.phone = name, phone or ""
            if weekday is not None:
                loaded.unit_week[weekday] = (opens, closes)
        else:
            loaded.own.setdefault(owner, {})[weekday] = (opens, closes)
    return loaded


def openings(unit_id, user_ids, now=None, zone=None):
    """{user id: when their hours begin next (UTC, naive)} for the people outside
    their hours now (their own, else the unit's); the others are left out. For the due
    time of a staff member's notification (models/notifications/notify.py)."""
    zone = zone or municipality_zone()
    local = _local(now or utcnow(), zone)
    loaded = _load(unit_id, user_ids, local.date())
    found = {}
    for user_id in user_ids:
        week = loaded.own.get(user_id) or loaded.unit_week
        if not week or is_open(week, local, loaded.days_off):
            continue
        start = next_opening(week, local, loaded.days_off)
        if start is not None:
            found[user_id] = start.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return found


@dataclass(frozen=True)
class Notice:
    """What a guardian writing outside the hours is told before sending."""
    holders: list  # [(name, week)]: whose hours (a person's own, or the unit's)
    opens_at: datetime.datetime | None  # local, aware; None: not within the horizon
    phone: str
    now: datetime.datetime  # local, aware


def notice_for(unit_id, people, now=None, zone=None):
    """The notice for a message to `people` ([(user id, name)], the staff it goes to;
    none: the unit as a whole) at `unit_id`, or None when someone answers now or
    somebody has no hours at all. One query."""
    zone = zone or municipality_zone()
    local = _local(now or utcnow(), zone)
    loaded = _load(unit_id, [uid for uid, _ in people], local.date())
    holders = []
    for user_id, name in people or [(None, None)]:
        own = loaded.own.get(user_id)
        week = own or loaded.unit_week
        if not week or is_open(week, local, loaded.days_off):
            return None
        holder = (name, own) if own else (loaded.unit_name, loaded.unit_week)
        if holder not in holders:
            holders.append(holder)
    starts = [s for s in (next_opening(week, local, loaded.days_off) for _, week in holders)
              if s is not None]
    return Notice(holders=holders, opens_at=min(starts) if starts else None,
                  phone=loaded.phone, now=local)
