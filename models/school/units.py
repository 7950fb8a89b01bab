"""Units (school, SFO/fritidshem, kindergarten) and their groups."""
import peewee

from models.db import BaseModel

UNIT_KINDS = ("school", "sfo", "kindergarten")


def school_year_of(day):
    """The school year a day belongs to, named by the calendar year it starts (August)."""
    return day.year if day.month >= 8 else day.year - 1


class Unit(BaseModel):
    name = peewee.CharField(max_length=200)
    kind = peewee.CharField(max_length=20, choices=[(k, k) for k in UNIT_KINDS])
    phone = peewee.CharField(max_length=40, default="")
    email = peewee.CharField(max_length=200, default="")
    address = peewee.CharField(max_length=300, default="")
    source_id = peewee.CharField(max_length=100, null=True, unique=True)  # roster import


class Group(BaseModel):
    unit = peewee.ForeignKeyField(Unit, backref="groups", on_delete="CASCADE")
    name = peewee.CharField(max_length=100)
    school_year = peewee.IntegerField()
    source_id = peewee.CharField(max_length=100, null=True, unique=True)  # roster import

    class Meta:
        indexes = ((("unit", "school_year", "name"), True),)
