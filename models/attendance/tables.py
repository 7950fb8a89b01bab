"""The table of attendance marks and its fixed choices.

One mark per child, day and lesson. Lesson 0 is the day register; a unit that registers
per lesson (its AttendanceSetting) uses 1, 2, … in the same table. A child marked absent
with no word from home gets one AbsenceNotice for the day: when it goes to the
guardians, and who answered what."""
import peewee

from models.db import BaseModel, utcnow
from models.school.tables import Child, Group, Unit, User

PRESENT, ABSENT, LATE = "present", "absent", "late"
STATUSES = (PRESENT, ABSENT, LATE)
DAY_REGISTER = 0
MAX_LESSONS = 12

# Why staff mark a child absent when no guardian reported it (never free text: rule 6).
UNKNOWN, PHONED, ACTIVITY, SENT_HOME = "unknown", "phoned", "activity", "sent_home"
STAFF_REASONS = (UNKNOWN, PHONED, ACTIVITY, SENT_HOME)
DEFAULT_EXEMPT = (PHONED, ACTIVITY)  # reasons that need no notice to the guardians

# The guardians' one-tap answers to a notice.
ILL_TODAY, ON_THE_WAY, CALL_ME = "ill", "on_the_way", "call_me"
ANSWERS = (ILL_TODAY, ON_THE_WAY, CALL_ME)


class AttendanceMark(BaseModel):
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    group = peewee.ForeignKeyField(Group, backref="+", on_delete="CASCADE")
    day = peewee.DateField()
    lesson = peewee.IntegerField(default=DAY_REGISTER)
    status = peewee.CharField(max_length=10)
    late_at = peewee.TimeField(null=True)      # when a late child came
    reason = peewee.CharField(max_length=12, default=UNKNOWN)  # of an absent mark
    marked_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    marked_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("child", "day", "lesson"), True), (("group", "day"), False))


class AttendanceSetting(BaseModel):
    """A unit's way of keeping its registers (no row: the defaults)."""
    unit = peewee.ForeignKeyField(Unit, backref="+", on_delete="CASCADE", unique=True)
    lessons = peewee.IntegerField(default=0)         # per day; 0: one register a day
    notice_after = peewee.TimeField(null=True)       # local time; None: at once
    exempt = peewee.CharField(max_length=60, default=",".join(DEFAULT_EXEMPT))
    changed_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    changed_at = peewee.DateTimeField(default=utcnow)

    @property
    def exempt_reasons(self):
        return tuple(r for r in self.exempt.split(",") if r in STAFF_REASONS)


class AbsenceNotice(BaseModel):
    """The guardians are told that a child is absent with no word from home: one a
    child and day, withdrawn when the child is marked present again."""
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    day = peewee.DateField()
    group = peewee.ForeignKeyField(Group, backref="+", on_delete="CASCADE")
    marked_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    due_at = peewee.DateTimeField(default=utcnow)    # when the guardians are told (UTC)
    told = peewee.CharField(max_length=300, default="")  # the guardians' names then
    withdrawn_at = peewee.DateTimeField(null=True)
    answer = peewee.CharField(max_length=12, default="")
    answered_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    answered_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("child", "day"), True), (("group", "day"), False))
