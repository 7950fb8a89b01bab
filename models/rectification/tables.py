"""The tables of rectification requests: the request, the units whose leaders answer
it, and its history (the request, comments, the answer, a withdrawal)."""
import peewee

from models.absence.tables import Absence
from models.attendance.tables import AttendanceMark
from models.db import BaseModel, utcnow
from models.school.tables import Child, Unit, User

# What the request is about: the person's own contact details, a child's details, or
# one recorded absence (or leave) or attendance mark of a child.
CONTACT, CHILD, ABSENCE, MARK = "contact", "child", "absence", "mark"
ABOUT = (CONTACT, CHILD, ABSENCE, MARK)
# Which detail is wrong. Name, birth date, address and the national identity number
# come from the population register: the administrator answers those, and the register
# must be corrected at its source (it wins at the next import).
EMAIL, PHONE, ADDRESS, NAME, BIRTH_DATE, NATIONAL_ID, GROUP = (
    "email", "phone", "address", "name", "birth_date", "national_id", "group")
RECORD = "record"  # the absence or attendance mark itself
CONTACT_FIELDS = (EMAIL, PHONE, ADDRESS, NAME, NATIONAL_ID)
CHILD_FIELDS = (NAME, BIRTH_DATE, ADDRESS, NATIONAL_ID, GROUP)
REGISTER_FIELDS = (NAME, BIRTH_DATE, ADDRESS, NATIONAL_ID)

OPEN, CORRECTED, DECLINED, WITHDRAWN = "open", "corrected", "declined", "withdrawn"
STATUSES = (OPEN, CORRECTED, DECLINED, WITHDRAWN)
# The kinds of line in a request's history.
REQUESTED, COMMENT = "requested", "comment"
ENTRY_KINDS = (REQUESTED, COMMENT, CORRECTED, DECLINED, WITHDRAWN)

TEXT_MAX = 500


class Rectification(BaseModel):
    requester = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    about = peewee.CharField(max_length=10)
    field = peewee.CharField(max_length=20)
    child = peewee.ForeignKeyField(Child, null=True, backref="+", on_delete="CASCADE")
    absence = peewee.ForeignKeyField(Absence, null=True, backref="+", on_delete="SET NULL")
    mark = peewee.ForeignKeyField(AttendanceMark, null=True, backref="+",
                                  on_delete="SET NULL")
    # Register data: the administrator answers (not a unit leader).
    register = peewee.BooleanField(default=False)
    status = peewee.CharField(max_length=10, default=OPEN)
    created_at = peewee.DateTimeField(default=utcnow)
    closed_at = peewee.DateTimeField(null=True)
    closed_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("requester", "created_at"), False), (("status", "register"), False))


class RectificationUnit(BaseModel):
    """A unit whose leaders answer the request (a child's units when it was made, or
    the units of the requester's children for their own contact details)."""
    rectification = peewee.ForeignKeyField(Rectification, backref="+", on_delete="CASCADE")
    unit = peewee.ForeignKeyField(Unit, backref="+", on_delete="CASCADE")

    class Meta:
        indexes = ((("rectification", "unit"), True), (("unit",), False))


class RectificationEntry(BaseModel):
    """One line of a request's history: who wrote what, and when."""
    rectification = peewee.ForeignKeyField(Rectification, backref="+", on_delete="CASCADE")
    kind = peewee.CharField(max_length=10)
    author = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    text = peewee.CharField(max_length=TEXT_MAX, default="")
    at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("rectification", "at"), False),)
