"""Parent–teacher meetings (issue 20): a booking round with its children and slots, and
the bookings. UNIQUE(slot) on meeting_booking is what stops double booking, whatever
the application does; UNIQUE(round, child, household) gives each child one meeting
(per household, where the guardians asked for separate meetings)."""
import peewee

from models.db import BaseModel, utcnow
from models.school.tables import Child, Group, Unit, User

TITLE_MAX, PLACE_MAX, LINK_MAX = 120, 200, 300


class MeetingRound(BaseModel):
    unit = peewee.ForeignKeyField(Unit, backref="+", on_delete="CASCADE")
    group = peewee.ForeignKeyField(Group, null=True, backref="+", on_delete="CASCADE")
    title = peewee.CharField(max_length=TITLE_MAX)
    intro = peewee.TextField(default="")
    deadline = peewee.DateTimeField()  # UTC: booking, rebooking and cancelling end then
    allow_separate = peewee.BooleanField(default=False)
    created_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    cancelled_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "meeting_round"


class MeetingRoundChild(BaseModel):
    round = peewee.ForeignKeyField(MeetingRound, backref="+", on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    agenda = peewee.TextField(default="")  # visible to the child's guardians
    separate = peewee.BooleanField(default=False)  # guardians asked for separate meetings

    class Meta:
        table_name = "meeting_round_child"
        indexes = ((("round", "child"), True),)


class MeetingSlot(BaseModel):
    round = peewee.ForeignKeyField(MeetingRound, backref="+", on_delete="CASCADE")
    starts_at = peewee.DateTimeField()  # UTC
    ends_at = peewee.DateTimeField()
    first_day = peewee.DateField()  # the local day
    place = peewee.CharField(max_length=PLACE_MAX, default="")
    video_link = peewee.CharField(max_length=LINK_MAX, default="")

    class Meta:
        table_name = "meeting_slot"
        indexes = ((("round", "starts_at"), False),)


class MeetingBooking(BaseModel):
    slot = peewee.ForeignKeyField(MeetingSlot, unique=True, backref="+", on_delete="CASCADE")
    round = peewee.ForeignKeyField(MeetingRound, backref="+", on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    # 0: the child's family together; a guardian's user id for separate meetings.
    household = peewee.IntegerField(default=0)
    booked_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    by_staff = peewee.BooleanField(default=False)  # assigned by staff (rule 8: paper)
    booked_at = peewee.DateTimeField(default=utcnow)
    reminded_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "meeting_booking"
        indexes = ((("round", "child", "household"), True),)
