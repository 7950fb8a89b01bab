"""The archive packages made, and whether the municipality's archive took them."""
import peewee

from models.db import BaseModel, utcnow
from models.school.tables import Unit, User


class ArchiveExport(BaseModel):
    """One package: a unit's records of some kinds for a period (both days included).
    Once the archive confirms it took the package (confirmed_at), the purge may delete
    what it covers."""
    audit_type = "archive_export"

    unit = peewee.ForeignKeyField(Unit, backref="+", on_delete="CASCADE")
    period_start = peewee.DateField()
    period_end = peewee.DateField()
    kinds = peewee.CharField(max_length=100)  # comma-separated, sorted
    created_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    stored_name = peewee.CharField(max_length=100, default="")  # in the archive folder
    sha256 = peewee.CharField(max_length=64)
    size = peewee.BigIntegerField()
    counts = peewee.TextField(default="{}")  # JSON: records per kind, files
    confirmed_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    confirmed_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("unit", "period_start"), False),)

    @property
    def kind_list(self):
        return [k for k in self.kinds.split(",") if k]
