"""One row per child per opening of a page with the child's personal data by staff or
an administrator (rule 12)."""
import peewee

from models.db import BaseModel, utcnow
from models.school.tables import Child, Unit

# What was opened, as a short code; views/seen.py names each in plain words.
PAGE_KINDS = ("absence", "consents", "pickup", "thread", "thread_inspection", "register",
              "attendance", "day", "group_absence", "group_consents", "guardians",
              "leave", "headcount")


class AccessRecord(BaseModel):
    at = peewee.DateTimeField(default=utcnow, index=True)
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    # A plain id and a name snapshot, as in the audit log: the record outlives the
    # account, and shows the name the person had when they looked.
    viewer_id = peewee.IntegerField(null=True)
    viewer_name = peewee.CharField(max_length=200, default="")
    # The viewer's roles that reached the child, comma-separated (models/school/tables.py
    # ROLES), as they were at that moment.
    roles = peewee.CharField(max_length=200, default="")
    page = peewee.CharField(max_length=30)
    unit = peewee.ForeignKeyField(Unit, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("child", "at"), False),)
