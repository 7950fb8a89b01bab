"""The pick-up list of a child in kindergarten or after-school care, and what a guardian
says about today.

A person on the list counts once every guardian with parental responsibility has
approved them (as caregiver access does, models/school/caregivers.py); any of those
guardians can take them off at once. "Today X picks up" is one row per child and day:
a person from the list, or a one-off name and phone."""
import peewee

from models.db import BaseModel, utcnow
from models.school.tables import Child, User

PICKUP_RELATIONS = ("grandparent", "step_parent", "relative", "family_friend", "neighbour",
                    "other")
NAME_MAX, PHONE_MAX = 100, 40


class PickupPerson(BaseModel):
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    first_name = peewee.CharField(max_length=NAME_MAX)
    last_name = peewee.CharField(max_length=NAME_MAX, default="")
    relation = peewee.CharField(max_length=20, default="other")
    phone = peewee.CharField(max_length=PHONE_MAX, default="")
    requested_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    removed_at = peewee.DateTimeField(null=True)
    removed_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("child", "removed_at"), False),)

    @property
    def name(self):
        return f"{self.first_name} {self.last_name}".strip()


class PickupApproval(BaseModel):
    person = peewee.ForeignKeyField(PickupPerson, backref="approvals", on_delete="CASCADE")
    guardian = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    approved_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("person", "guardian"), True),)


class PickupToday(BaseModel):
    """Who fetches the child on `day`: a person from the list, or a one-off name."""
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    day = peewee.DateField()
    person = peewee.ForeignKeyField(PickupPerson, null=True, backref="+",
                                    on_delete="CASCADE")
    name = peewee.CharField(max_length=NAME_MAX, default="")
    phone = peewee.CharField(max_length=PHONE_MAX, default="")
    said_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    said_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("child", "day"), True),)
