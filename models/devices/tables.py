"""A paired shared device (the department's tablet) and each staff member's PIN.

The device's cookie holds a long random secret; only its SHA-256 is stored, as for login
sessions. A device counts wrong PINs in a row; at MAX_FAILED_PINS it is locked until a
leader unlocks it. Unpairing keeps the row (who paired and unpaired it, and when) and
refuses the cookie from the next request on."""
import peewee

from models.db import BaseModel, utcnow
from models.school.tables import Group, User

MAX_FAILED_PINS = 5


class Device(BaseModel):
    group = peewee.ForeignKeyField(Group, backref="+", on_delete="CASCADE")
    name = peewee.CharField(max_length=100)
    token_hash = peewee.CharField(max_length=64, unique=True)
    paired_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    paired_at = peewee.DateTimeField(default=utcnow)
    unpaired_at = peewee.DateTimeField(null=True)
    unpaired_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    failed_pins = peewee.IntegerField(default=0)
    locked_at = peewee.DateTimeField(null=True)
    last_seen_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("group", "unpaired_at"), False),)

    audit_type = "device"


class StaffPin(BaseModel):
    """A staff member's personal PIN for shared devices: an argon2 hash, never the PIN."""
    user = peewee.ForeignKeyField(User, unique=True, backref="+", on_delete="CASCADE")
    pin_hash = peewee.CharField(max_length=200)
    set_at = peewee.DateTimeField(default=utcnow)
