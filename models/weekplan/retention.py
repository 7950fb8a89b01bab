"""The retention of weekly plans (models/retention/kinds.py's protocol): a plan and its
entries go `week_plans_months` months after the end of its week (Sunday). Counts only."""
import datetime

from models.db import database
from models.retention.common import CHUNK, months_before
from models.weekplan.tables import WeekPlan, WeekPlanEntry

SETTING = "week_plans_months"


def _last_monday_kept(settings, day):
    """Plans of weeks starting before this Monday ended more than the period ago: the
    week's Sunday is week_start + 6 days, which must lie before the cut-off."""
    return months_before(day, settings[SETTING]) - datetime.timedelta(days=6)


def _due(settings, day):
    return WeekPlan.select(WeekPlan.id).where(
        WeekPlan.week_start < _last_monday_kept(settings, day))


def due(settings, day):
    return _due(settings, day).count()


def purge(settings, day):
    ids = [plan_id for (plan_id,) in _due(settings, day).tuples()]
    for start in range(0, len(ids), CHUNK):
        some = ids[start:start + CHUNK]
        with database.atomic():
            WeekPlanEntry.delete().where(WeekPlanEntry.plan.in_(some)).execute()
            WeekPlan.delete().where(WeekPlan.id.in_(some)).execute()
    return len(ids)
