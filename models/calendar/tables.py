"""The days a unit is closed, as named periods."""
import peewee

from models.db import BaseModel, utcnow
from models.school.tables import Unit, User

NAME_MAX = 100


class DayOff(BaseModel):
    """A period the unit is closed, both ends included: "Christmas holiday", "Planning
    day". A one-day period has first_day == last_day. Weekends need no rows."""
    unit = peewee.ForeignKeyField(Unit, backref="+", on_delete="CASCADE")
    first_day = peewee.DateField()
    last_day = peewee.DateField()
    name = peewee.CharField(max_length=NAME_MAX)
    created_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "day_off"
        indexes = ((("unit", "first_day"), False),)


class CalendarFeed(BaseModel):
    """A person's calendar subscription. Only the SHA-256 of the secret in the feed's
    address is kept, so neither a database copy nor a log can rebuild the address."""
    user = peewee.ForeignKeyField(User, unique=True, backref="+", on_delete="CASCADE")
    secret_hash = peewee.CharField(max_length=64, unique=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "calendar_feed"


class CalendarStamp(BaseModel):
    """When something a unit's calendar shows last changed (models/calendar/stamp.py).
    `version` counts the changes, so two in the same instant still give a new ETag."""
    unit = peewee.ForeignKeyField(Unit, unique=True, backref="+", on_delete="CASCADE")
    changed_at = peewee.DateTimeField(default=utcnow)
    version = peewee.IntegerField(default=1)

    class Meta:
        table_name = "calendar_stamp"
