"""The kindergarten and after-school day: one row per child and day, from check-in to
check-out. Check-in times are personal data, kept for the municipality's retention
period (retention.check_in_school_years) and then deleted by `flask purge`."""
import peewee

from models.db import BaseModel
from models.pickup.tables import NAME_MAX, PickupPerson
from models.school.tables import Child, Group, User


class Presence(BaseModel):
    """Moments are UTC (naive), as every table stores them; `day` is the local day."""
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    group = peewee.ForeignKeyField(Group, backref="+", on_delete="CASCADE")
    day = peewee.DateField()
    checked_in_at = peewee.DateTimeField()
    checked_in_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    checked_out_at = peewee.DateTimeField(null=True)
    checked_out_by = peewee.ForeignKeyField(User, null=True, backref="+",
                                            on_delete="SET NULL")
    # Who fetched the child: a person from the pick-up list, or a name (a guardian, or
    # someone the staff wrote down). Neither: went home alone (SFO) or not said.
    picked_up_by_person = peewee.ForeignKeyField(PickupPerson, null=True, backref="+",
                                                 on_delete="SET NULL")
    picked_up_by_name = peewee.CharField(max_length=NAME_MAX, default="")
    corrected_at = peewee.DateTimeField(null=True)
    corrected_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("child", "day"), True), (("group", "day"), False), (("day",), False))
