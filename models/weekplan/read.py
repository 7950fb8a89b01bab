"""Reading weekly plans: a group's week for its writers, and the published weeks of a
family's groups. Each is one query, however many entries a plan has."""
import datetime
from dataclasses import dataclass, field

from peewee import JOIN

from models.db import utcnow
from models.school.tables import User
from models.weekplan.tables import WeekPlan, WeekPlanEntry
from models.weekplan.weeks import SCHOOL_DAYS, days_of


@dataclass
class Entry:
    id: int
    day: datetime.date | None
    subject: str
    activity: str
    homework: str
    bring: str
    author_id: int | None
    author_name: str
    changed: bool
    position: int


@dataclass
class Plan:
    id: int | None
    group_id: int
    week_start: datetime.date
    note: str = ""
    publish_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    entries: list = field(default_factory=list)
    now: datetime.datetime | None = None

    @property
    def published(self):
        """Guardians see it: its publication time has come."""
        return self.publish_at is not None and self.publish_at <= self.now

    @property
    def scheduled(self):
        return self.publish_at is not None and self.publish_at > self.now

    @property
    def note_changed(self):
        return (self.published and self.updated_at is not None
                and self.updated_at > self.publish_at)

    @property
    def week_entries(self):
        """The entries for the whole week (no day)."""
        return [e for e in self.entries if e.day is None]

    def days(self, always=SCHOOL_DAYS):
        """[(day, entries)] from Monday: the school days always, Saturday and Sunday
        only when they have entries."""
        by_day = {}
        for entry in self.entries:
            if entry.day is not None:
                by_day.setdefault(entry.day, []).append(entry)
        return [(day, by_day.get(day, [])) for day in days_of(self.week_start)
                if day in by_day or day.weekday() < always]

    @property
    def homework(self):
        return [e for e in self.entries if e.homework]

    @property
    def bring(self):
        return [e for e in self.entries if e.bring]


def _rows(condition):
    return (WeekPlan.select(WeekPlan.id, WeekPlan.group, WeekPlan.week_start, WeekPlan.note,
                            WeekPlan.publish_at, WeekPlan.updated_at, WeekPlanEntry.id,
                            WeekPlanEntry.day, WeekPlanEntry.subject, WeekPlanEntry.activity,
                            WeekPlanEntry.homework, WeekPlanEntry.bring,
                            WeekPlanEntry.author, User.first_name, User.last_name,
                            WeekPlanEntry.changed_after_publish, WeekPlanEntry.position)
            .join(WeekPlanEntry, JOIN.LEFT_OUTER, on=(WeekPlanEntry.plan == WeekPlan.id))
            .join(User, JOIN.LEFT_OUTER, on=(WeekPlanEntry.author == User.id))
            .where(condition)
            .order_by(WeekPlan.group, WeekPlan.week_start, WeekPlanEntry.day.asc(nulls="first"),
                      WeekPlanEntry.position, WeekPlanEntry.id)
            .tuples())


def _plans(rows, now):
    plans = {}
    for row in rows:
        plan_id, group_id, week_start, note, publish_at, updated_at = row[:6]
        plan = plans.get(plan_id)
        if plan is None:
            plan = plans[plan_id] = Plan(plan_id, group_id, week_start, note, publish_at,
                                         updated_at, now=now)
        if row[6] is not None:
            first, last = row[13] or "", row[14] or ""
            plan.entries.append(Entry(row[6], row[7], row[8], row[9], row[10], row[11],
                                      row[12], f"{first} {last}".strip(), row[15], row[16]))
    return plans


def staff_week(group_id, monday):
    """The group's plan for the week, drafts included, with its entries and their
    authors; an empty unsaved Plan when there is none yet. One query."""
    now = utcnow()
    found = _plans(_rows((WeekPlan.group == group_id) & (WeekPlan.week_start == monday)),
                   now)
    return next(iter(found.values()), None) or Plan(None, group_id, monday, now=now)


def published_weeks(group_ids, mondays):
    """{(group id, Monday): Plan} of the plans of those groups and weeks that guardians
    see now (publication time come). One query."""
    group_ids, mondays = list(group_ids), list(mondays)
    if not group_ids or not mondays:
        return {}
    now = utcnow()
    rows = _rows(WeekPlan.group.in_(group_ids) & WeekPlan.week_start.in_(mondays)
                 & WeekPlan.publish_at.is_null(False) & (WeekPlan.publish_at <= now))
    return {(p.group_id, p.week_start): p for p in _plans(rows, now).values()}


def published_week(group_id, monday):
    """The group's published plan for the week, or None."""
    return published_weeks([group_id], [monday]).get((group_id, monday))
