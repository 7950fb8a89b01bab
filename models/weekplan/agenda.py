"""The weekly plan's part of the agenda contract (SPEC20): homework due, as rows the
calendar composes with events and meetings in one UNION ALL query.

A homework row is one published entry with homework, on a day from `first` to `last`,
for each child of the family enrolled in the plan's group today: title = the subject,
all day, no place, link_id = the group (the plan's page is per group and week).
starts_at and ends_at are the day's midnight (naive; an all-day row is placed by its
first_day/last_day, as the calendar does for all-day events)."""
import peewee
from peewee import SQL, Cast, Value

from models.access.weekplan import family_child_ids
from models.db import database, today, utcnow
from models.school.tables import Enrolment, eighteenth_birthday_cutoff
from models.weekplan.tables import WeekPlan, WeekPlanEntry

KIND = "homework"


def _midnight(day_column):
    """The day as a timestamp at 00:00, typed as one on both databases (SQLite's CAST
    to "timestamp" would make a number of it)."""
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        return Cast(day_column, "timestamp")
    return peewee.fn.datetime(day_column)


def _columns(child_id):
    return [Cast(Value(KIND), "text").alias("kind"),
            WeekPlanEntry.id.alias("item_id"),
            child_id.alias("child_id"),
            Cast(WeekPlanEntry.subject, "text").alias("title"),
            _midnight(WeekPlanEntry.day).alias("starts_at"),
            _midnight(WeekPlanEntry.day).alias("ends_at"),
            WeekPlanEntry.day.alias("first_day"),
            WeekPlanEntry.day.alias("last_day"),
            Cast(Value(True), "boolean").alias("all_day"),
            Cast(Value(""), "text").alias("place"),
            Cast(Value(False), "boolean").alias("cancelled"),
            Cast(Value(False), "boolean").alias("owed"),
            WeekPlan.group.alias("link_id")]


def guardian_items(user, first, last, language, day=None, cutoff=None, now=None, **_):
    """Homework due from `first` to `last` (local days) for the children the user sees
    as a guardian or caregiver (rule 1), or for the pupil themselves: one row per entry
    and child, published plans only. Not executed. `day`, `cutoff`, `now`: as for
    models/events/agenda.py."""
    day = day or today()
    cutoff = cutoff or eighteenth_birthday_cutoff(day)
    return (WeekPlanEntry.select(*_columns(Enrolment.child))
            .join(WeekPlan, on=(WeekPlanEntry.plan == WeekPlan.id))
            .join(Enrolment, on=((Enrolment.group == WeekPlan.group) & Enrolment.active(day)))
            .where(Enrolment.child.in_(family_child_ids(user, day, cutoff))
                   & WeekPlan.publish_at.is_null(False)
                   & (WeekPlan.publish_at <= (now or utcnow()))
                   & (WeekPlanEntry.homework != "") & WeekPlanEntry.day.is_null(False)
                   & (WeekPlanEntry.day >= first) & (WeekPlanEntry.day <= last)))


def staff_items(user, first, last, language, **_):
    """Staff get no homework rows (their plans are on the plan pages): a query of the
    right columns that selects nothing. Not executed."""
    return (WeekPlanEntry.select(*_columns(Cast(Value(0), "integer")))
            .join(WeekPlan, on=(WeekPlanEntry.plan == WeekPlan.id))
            .where(SQL("1 = 0")))

