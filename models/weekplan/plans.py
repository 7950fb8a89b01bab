"""Writing weekly plans: the plan of a group's week, its entries, copying last week's
as a start, and publishing at a chosen time. Every change is one transaction with its
audit row; a change that families may already have seen marks the entry, and bumps
the unit's calendar stamp (homework shows in "this week" and the month view)."""
import datetime
from dataclasses import dataclass

import peewee

from models import audit
from models.calendar import stamp
from models.db import database, utcnow
from models.weekplan.tables import SUBJECT_MAX, WeekPlan, WeekPlanEntry

TEXT_MAX = 2000
NOTE_MAX = 4000
ENTRY_FIELDS = ("subject", "activity", "homework", "bring")
LIMITS = {"subject": SUBJECT_MAX, "activity": TEXT_MAX, "homework": TEXT_MAX,
          "bring": TEXT_MAX}
# Entries of one plan: far more than a week of lessons, few enough that a page stays small.
ENTRIES_MAX = 200


class Refused(Exception):
    """A change the plan's state does not allow; `reason` says which."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class EntryText:
    subject: str = ""
    activity: str = ""
    homework: str = ""
    bring: str = ""

    def as_dict(self):
        return {name: getattr(self, name) for name in ENTRY_FIELDS}


def is_published(plan, now=None):
    """Families see the plan: its publication time has come."""
    return plan.publish_at is not None and plan.publish_at <= (now or utcnow())


def plan_for(group, monday, user):
    """The group's plan for the week, made (as a draft) when there is none. Two writers
    making it at once both get the one row (the unique index decides)."""
    plan = WeekPlan.get_or_none((WeekPlan.group == group.id) & (WeekPlan.week_start == monday))
    if plan is not None:
        return plan
    try:
        with database.atomic():
            now = utcnow()
            return WeekPlan.create(group=group.id, week_start=monday, created_by=user,
                                   created_at=now, updated_at=now)
    except peewee.IntegrityError:
        return WeekPlan.get((WeekPlan.group == group.id) & (WeekPlan.week_start == monday))


def _touch(group, plan):
    """A plan that is out or scheduled may be on a calendar already (homework)."""
    if plan.publish_at is not None:
        stamp.touch([group.unit_id])


def _next_position(plan, day):
    last = (WeekPlanEntry.select(peewee.fn.MAX(WeekPlanEntry.position))
            .where((WeekPlanEntry.plan == plan.id)
                   & (WeekPlanEntry.day.is_null() if day is None
                      else (WeekPlanEntry.day == day))).scalar())
    return (last or 0) + 1


def add_entry(group, monday, user, day, text, ip=""):
    """A new entry on `day` (None: the whole week), written by `user`. After
    publication it is marked as changed, so families notice it."""
    with database.atomic():
        plan = plan_for(group, monday, user)
        if WeekPlanEntry.select().where(WeekPlanEntry.plan == plan.id).count() >= ENTRIES_MAX:
            raise Refused("full")
        now = utcnow()
        entry = WeekPlanEntry.create(plan=plan, day=day, author=user, created_at=now,
                                     updated_at=now, position=_next_position(plan, day),
                                     changed_after_publish=is_published(plan, now),
                                     **text.as_dict())
        audit.record("weekplan.entry_added", user, entry, ip, group=group.id,
                     week=monday.isoformat())
        _touch(group, plan)
    return entry


def update_entry(group, plan, entry, user, day, text, ip=""):
    """Change an entry's day and text; after publication it is marked as changed (only
    when something families see did change)."""
    fields = {**text.as_dict(), "day": day}
    changed = [name for name, value in fields.items() if getattr(entry, name) != value]
    if not changed:
        return entry
    with database.atomic():
        now = utcnow()
        published = is_published(plan, now)
        (WeekPlanEntry.update(updated_at=now,
                              changed_after_publish=(WeekPlanEntry.changed_after_publish
                                                     | published), **fields)
         .where(WeekPlanEntry.id == entry.id).execute())
        audit.record("weekplan.entry_changed", user, entry, ip, group=group.id,
                     week=plan.week_start.isoformat(), fields=changed,
                     after_publication=published)
        _touch(group, plan)
    return entry


def delete_entry(group, plan, entry, user, ip=""):
    with database.atomic():
        WeekPlanEntry.delete().where(WeekPlanEntry.id == entry.id).execute()
        audit.record("weekplan.entry_deleted", user, entry, ip, group=group.id,
                     week=plan.week_start.isoformat(),
                     after_publication=is_published(plan))
        _touch(group, plan)


def set_note(group, monday, user, note, ip=""):
    with database.atomic():
        plan = plan_for(group, monday, user)
        if plan.note == note:
            return plan
        now = utcnow()
        WeekPlan.update(note=note, updated_at=now).where(WeekPlan.id == plan.id).execute()
        audit.record("weekplan.note_changed", user, plan, ip, group=group.id,
                     week=monday.isoformat(), after_publication=is_published(plan, now))
        _touch(group, plan)
    return plan


def copy_last_week(group, monday, user, ip=""):
    """Start the week from the week before: its note and entries, each moved 7 days on,
    homework kept for the teacher to change. Refused when this week already has entries
    (a copy never overwrites) or last week has none. Returns how many entries came."""
    last_monday = monday - datetime.timedelta(days=7)
    with database.atomic():
        source = WeekPlan.get_or_none((WeekPlan.group == group.id)
                                      & (WeekPlan.week_start == last_monday))
        entries = (list(WeekPlanEntry.select().where(WeekPlanEntry.plan == source.id)
                        .order_by(WeekPlanEntry.id)) if source is not None else [])
        if not entries:
            raise Refused("nothing")
        plan = plan_for(group, monday, user)
        if WeekPlanEntry.select().where(WeekPlanEntry.plan == plan.id).exists():
            raise Refused("not_empty")
        now = utcnow()
        published = is_published(plan, now)
        WeekPlanEntry.insert_many([{
            "plan": plan.id, "subject": e.subject, "activity": e.activity,
            "homework": e.homework, "bring": e.bring, "position": e.position,
            "day": e.day + datetime.timedelta(days=7) if e.day else None,
            "author": e.author_id, "created_at": now, "updated_at": now,
            "changed_after_publish": published} for e in entries]).execute()
        if not plan.note and source.note:
            WeekPlan.update(note=source.note, updated_at=now).where(
                WeekPlan.id == plan.id).execute()
        audit.record("weekplan.copied", user, plan, ip, group=group.id,
                     week=monday.isoformat(), entries=len(entries))
        _touch(group, plan)
    return len(entries)


def publish(group, monday, user, at, ip=""):
    """Publish the plan at `at` (naive UTC; now or later). A plan families have seen
    keeps its publication time: it cannot be moved into the future again."""
    with database.atomic():
        plan = plan_for(group, monday, user)
        now = utcnow()
        if is_published(plan, now):
            raise Refused("seen")
        at = max(at, now)
        WeekPlan.update(publish_at=at, updated_at=now).where(WeekPlan.id == plan.id).execute()
        audit.record("weekplan.published", user, plan, ip, group=group.id,
                     week=monday.isoformat(), at=at.isoformat(timespec="minutes"))
        stamp.touch([group.unit_id])
    return at


def unpublish(group, plan, user, ip=""):
    """Back to a draft, only while families cannot have seen it (publication still
    ahead): what a guardian has read is not taken back silently."""
    with database.atomic():
        if plan.publish_at is None:
            return
        if is_published(plan):
            raise Refused("seen")
        WeekPlan.update(publish_at=None, updated_at=utcnow()).where(
            WeekPlan.id == plan.id).execute()
        audit.record("weekplan.unpublished", user, plan, ip, group=group.id,
                     week=plan.week_start.isoformat())
        stamp.touch([group.unit_id])
