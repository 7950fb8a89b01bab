"""The tables of events: the event with its texts in other languages, who is invited
(the whole unit, groups or chosen children) and each child's reply."""
import peewee

from models.db import BaseModel, utcnow
from models.school.tables import Child, Group, Unit, User

YES, NO, MAYBE = "yes", "no", "maybe"
ANSWERS = (YES, NO, MAYBE)
COUNT_MAX = 20  # children or adults coming with one reply
TITLE_MAX, PLACE_MAX, TEXT_MAX = 120, 200, 5000


class Event(BaseModel):
    unit = peewee.ForeignKeyField(Unit, backref="+", on_delete="CASCADE")
    title = peewee.CharField(max_length=TITLE_MAX)
    body = peewee.TextField(default="")
    place = peewee.CharField(max_length=PLACE_MAX, default="")
    bring = peewee.TextField(default="")  # what to bring
    language = peewee.CharField(max_length=5)  # of title, body and bring
    all_day = peewee.BooleanField(default=False)
    # UTC; for an all-day event the local midnight starting first_day and the one
    # ending last_day.
    starts_at = peewee.DateTimeField()
    ends_at = peewee.DateTimeField()
    # The local days the event touches: every date-range query uses these.
    first_day = peewee.DateField()
    last_day = peewee.DateField()
    whole_unit = peewee.BooleanField(default=False)
    reply_wanted = peewee.BooleanField(default=False)
    asks_counts = peewee.BooleanField(default=False)
    reply_deadline = peewee.DateTimeField(null=True)
    uid = peewee.CharField(max_length=64, unique=True)
    sequence = peewee.IntegerField(default=0)  # RFC 5545: +1 on each change of time/place
    changed_at = peewee.DateTimeField(null=True)
    previous = peewee.TextField(default="")  # JSON: what the last change changed, from what
    cancelled_at = peewee.DateTimeField(null=True)
    # Set when staff or the day-before job last reminded those without a reply.
    reminded_at = peewee.DateTimeField(null=True)
    created_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("unit", "first_day"), False), (("first_day", "last_day"), False))


class EventText(BaseModel):
    """The event's title, text and what to bring in another of the municipality's
    languages."""
    event = peewee.ForeignKeyField(Event, backref="texts", on_delete="CASCADE")
    language = peewee.CharField(max_length=5)
    title = peewee.CharField(max_length=TITLE_MAX)
    body = peewee.TextField(default="")
    bring = peewee.TextField(default="")

    class Meta:
        indexes = ((("event", "language"), True),)


class EventAudience(BaseModel):
    """A group or a child invited (exactly one of them set). Invited children are those
    enrolled in the group on the day asked, so a child who joins later is invited too."""
    event = peewee.ForeignKeyField(Event, backref="audience", on_delete="CASCADE")
    group = peewee.ForeignKeyField(Group, null=True, backref="+", on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, null=True, backref="+", on_delete="CASCADE")


class EventReply(BaseModel):
    event = peewee.ForeignKeyField(Event, backref="replies", on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    answer = peewee.CharField(max_length=5)
    children = peewee.IntegerField(null=True)
    adults = peewee.IntegerField(null=True)
    answered_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    answered_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("event", "child"), True),)
