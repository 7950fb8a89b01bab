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
