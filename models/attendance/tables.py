"""The table of attendance marks and its fixed choices.

One mark per child, day and lesson. Lesson 0 is the day register; registers per lesson
(a unit setting, later) use 1, 2, … in the same table. The notice of an unexplained
absence (later) is a column on the mark: when it went, and who answered."""
import peewee

from models.db import BaseModel, utcnow
from models.school.tables import Child, Group, User

PRESENT, ABSENT, LATE = "present", "absent", "late"
STATUSES = (PRESENT, ABSENT, LATE)
DAY_REGISTER = 0


class AttendanceMark(BaseModel):
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    group = peewee.ForeignKeyField(Group, backref="+", on_delete="CASCADE")
    day = peewee.DateField()
    lesson = peewee.IntegerField(default=DAY_REGISTER)
    status = peewee.CharField(max_length=10)
    late_at = peewee.TimeField(null=True)      # when a late child came
    marked_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    marked_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("child", "day", "lesson"), True), (("group", "day"), False))
