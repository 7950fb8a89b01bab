"""The tables of absence reports and leave applications, and their fixed choices."""
import datetime

import peewee

from models.db import BaseModel, today, utcnow
from models.messaging.tables import Thread
from models.school.tables import Child, User

ILL, APPOINTMENT, OTHER = "ill", "appointment", "other"
GUARDIAN_REASONS = (ILL, APPOINTMENT, OTHER)
NOTICED = "noticed"       # recorded by staff: absent without a report
LEAVE = "leave"           # approved leave
REASONS = GUARDIAN_REASONS + (NOTICED, LEAVE)
WHOLE_DAY, ARRIVES_LATE, LEAVES_EARLY = "whole", "late", "early"
PARTS = (WHOLE_DAY, ARRIVES_LATE, LEAVES_EARLY)
PENDING, APPROVED, DECLINED, WITHDRAWN = "pending", "approved", "declined", "withdrawn"
NOTE_MAX = 200
MAX_DAYS = 60             # a report or an application covers at most this many days


class LeaveApplication(BaseModel):
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    start_date = peewee.DateField()
    end_date = peewee.DateField()
    reason = peewee.CharField(max_length=500)
    applied_by = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    applied_at = peewee.DateTimeField(default=utcnow)
    status = peewee.CharField(max_length=10, default=PENDING)
    decided_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decided_at = peewee.DateTimeField(null=True)
    decision_reason = peewee.CharField(max_length=500, default="")
    # The conversation the guardians were told in; the decision is written there too.
    thread = peewee.ForeignKeyField(Thread, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("child", "start_date"), False), (("status",), False))

    @property
    def days(self):
        return school_days(self.start_date, self.end_date)


class Absence(BaseModel):
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    start_date = peewee.DateField()
    end_date = peewee.DateField()
    part = peewee.CharField(max_length=10, default=WHOLE_DAY)
    at_time = peewee.TimeField(null=True)          # arrives at / leaves at
    picked_up_by = peewee.CharField(max_length=100, default="")
    reason = peewee.CharField(max_length=12)
    note = peewee.CharField(max_length=NOTE_MAX, default="")
    reported_by = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    reported_at = peewee.DateTimeField(default=utcnow)
    by_staff = peewee.BooleanField(default=False)
    withdrawn_at = peewee.DateTimeField(null=True)
    leave = peewee.ForeignKeyField(LeaveApplication, null=True, backref="+",
                                   on_delete="CASCADE")

    class Meta:
        indexes = ((("child", "start_date"), False), (("start_date", "end_date"), False))


def school_days(start, end):
    """Monday to Friday from start to end, both included."""
    return sum(1 for n in range((end - start).days + 1)
               if (start + datetime.timedelta(days=n)).weekday() < 5)


def changeable(absence, day=None):
    """A guardian may change or withdraw their report until its last day has passed."""
    return absence.withdrawn_at is None and absence.end_date >= (day or today())
