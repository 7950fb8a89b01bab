"""The weekly plan's tables (issue 20, SPEC20): a plan per group and ISO week, and its
entries per day (or for the whole week)."""
import peewee

from models.db import BaseModel, utcnow
from models.school.tables import Group, User

SUBJECT_MAX = 80


class WeekPlan(BaseModel):
    """A group's plan for the week starting on `week_start` (a Monday). Guardians see it
    once `publish_at` (UTC) has come; null is a draft."""
    group = peewee.ForeignKeyField(Group, backref="+", on_delete="CASCADE")
    week_start = peewee.DateField()
    note = peewee.TextField(default="")
    publish_at = peewee.DateTimeField(null=True)
    created_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "week_plan"
        indexes = ((("group", "week_start"), True),)


class WeekPlanEntry(BaseModel):
    """One line of a plan: a subject on a day (null: the whole week), what happens,
    the homework, what to bring. The author is the teacher who wrote it."""
    plan = peewee.ForeignKeyField(WeekPlan, backref="+", on_delete="CASCADE")
    day = peewee.DateField(null=True)
    subject = peewee.CharField(max_length=SUBJECT_MAX, default="")
    activity = peewee.TextField(default="")
    homework = peewee.TextField(default="")
    bring = peewee.TextField(default="")
    author = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
    changed_after_publish = peewee.BooleanField(default=False)
    position = peewee.IntegerField(default=0)

    class Meta:
        table_name = "week_plan_entry"
        indexes = ((("plan", "day", "position"), False),)
