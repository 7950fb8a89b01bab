"""The school and its people: units and groups, user accounts, children, enrolments,
guardianships, caregiver grants, staff roles, and what guardians share in class lists."""
import datetime
from dataclasses import dataclass

import peewee
from peewee import fn

from models.db import BaseModel, Prepared, utcnow
from models.protect import ProtectedField, mask

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


# Address protection as the population registers name it. Norway (Folkeregisteret):
# ugradert, klientadresse, fortrolig (former code 7), strengtFortrolig (former code 6).
# Sweden (SS 12000 securityMarking): Ingen, Sekretessmarkering, Skyddad folkbokföring.
# The level itself is confidential: code may ask `is_protected`, pages never show it.
ADDRESS_PROTECTION = (
    "ugradert", "klientadresse", "fortrolig", "strengtFortrolig",
    "Ingen", "Sekretessmarkering", "Skyddad folkbokföring",
)
UNPROTECTED = ("ugradert", "Ingen")


class PersonMixin:
    @property
    def name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def is_protected(self):
        return self.address_protection not in UNPROTECTED

    @property
    def national_id_masked(self):
        return mask(self.national_id) if self.national_id else ""


class User(PersonMixin, BaseModel):
    """Anyone who logs in: a guardian, a caregiver, a member of staff, or several of these."""
    username = peewee.CharField(max_length=150, unique=True)
    password_hash = peewee.CharField(max_length=200, null=True)
    first_name = peewee.CharField(max_length=100)
    last_name = peewee.CharField(max_length=100)
    email = peewee.CharField(max_length=200, default="")
    phone = peewee.CharField(max_length=40, default="")
    address = peewee.CharField(max_length=300, default="")
    address_protection = peewee.CharField(max_length=30, default="ugradert")
    national_id = ProtectedField(null=True)
    national_id_index = peewee.CharField(max_length=64, null=True, unique=True)
    locale = peewee.CharField(max_length=5, null=True)
    # Rule 8: the guardian has refused electronic contact; staff send paper letters.
    paper_letters = peewee.BooleanField(default=False)
    is_active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=utcnow)
    # When a roster import last overwrote contact details the person had changed (the
    # register wins, seed 002); their home page says so for a while.
    contact_updated_at = peewee.DateTimeField(null=True)
    # Login without a national eID (newly arrived families): staff verified this address
    # and allowed one-time codes to it. Such a session is of lower assurance.
    code_login_email = peewee.CharField(max_length=200, null=True)
    code_login_since = peewee.DateTimeField(null=True)
    # A caregiver invited by SMS logs in with codes to this mobile number (E.164).
    code_login_phone = peewee.CharField(max_length=40, null=True)

    # flask-login: the id in the session cookie is the login session's random token
    # (models/login/sessions.py), never the account id, so logging out really ends it.
    is_authenticated = True
    is_anonymous = False
    session_token = None
    login_method = None  # how this session logged in (models/login/sessions.py)
    # Whether the person holds a staff or administrator role, as the session's load
    # found it; unknown counts as yes, so a page view is never left out of the access log.
    holds_role = True

    @property
    def lower_assurance(self):
        """Logged in with a one-time code, not the national eID or a password: may read
        and send messages, not change consents, class-list sharing or caregivers."""
        return self.login_method == "code"

    def get_id(self):
        return self.session_token


class Child(PersonMixin, BaseModel):
    first_name = peewee.CharField(max_length=100)
    last_name = peewee.CharField(max_length=100)
    birth_date = peewee.DateField()
    national_id = ProtectedField(null=True)
    national_id_index = peewee.CharField(max_length=64, null=True, unique=True)
    address = peewee.CharField(max_length=300, default="")
    address_protection = peewee.CharField(max_length=30, default="ugradert")
    # Rule 2: a pupil of 18 in upper secondary may consent to guardians keeping access.
    guardian_access_until = peewee.DateField(null=True)
    # The pupil's own login, when the pupil has one (to answer consents about
    # themselves where the municipality lets them).
    account = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")


class Enrolment(BaseModel):
    """A child's membership of a group, from start to end (None: still a member)."""
    child = peewee.ForeignKeyField(Child, backref="enrolments", on_delete="CASCADE")
    group = peewee.ForeignKeyField(Group, backref="enrolments", on_delete="CASCADE")
    start_date = peewee.DateField()
    end_date = peewee.DateField(null=True)

    class Meta:
        indexes = ((("group", "child"), False),)

    @classmethod
    def active(cls, day):
        return (cls.start_date <= day) & (cls.end_date.is_null() | (cls.end_date >= day))


# Parental responsibility (foreldreansvar / vårdnad): shared or sole. A parent without it
# ("none") is information-only: a right to information on request (barneloven § 47),
# never access in the app.
RESPONSIBILITY = ("shared", "sole", "none")
WITH_RESPONSIBILITY = ("shared", "sole")


class Guardianship(BaseModel):
    guardian = peewee.ForeignKeyField(User, backref="guardianships", on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, backref="guardianships", on_delete="CASCADE")
    responsibility = peewee.CharField(max_length=10, choices=[(r, r) for r in RESPONSIBILITY])
    fixed_residence = peewee.BooleanField(default=False)
    main_addressee = peewee.BooleanField(default=False)

    class Meta:
        indexes = ((("guardian", "child"), True), (("child", "responsibility"), False))


class EndedGuardianship(BaseModel):
    """A guardianship the register no longer has: ended by a roster import, kept as
    history (who had access to the child, and until when). Access ends with the live
    row, which is deleted."""
    guardian = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    responsibility = peewee.CharField(max_length=10)
    ended_at = peewee.DateTimeField(default=utcnow)
    reason = peewee.CharField(max_length=20, default="import")

    class Meta:
        indexes = ((("child",), False), (("guardian",), False))


CAREGIVER_RELATIONS = ("grandparent", "step_parent", "relative", "family_friend", "other")
DECLINED, WITHDRAWN_GRANT = "declined", "withdrawn"


class CaregiverGrant(BaseModel):
    """Access for another adult close to the child (a grandparent, say), asked for by a
    guardian with parental responsibility (seed 000). It counts only while every
    guardian with parental responsibility has approved it and once the unit leader has
    confirmed it; any of those guardians can end it at once. The person is named as the
    requester typed them; `caregiver` stays empty until the invited person accepts,
    logged in (models/school/caregivers.py)."""
    caregiver = peewee.ForeignKeyField(User, null=True, backref="caregiver_grants",
                                       on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, backref="caregiver_grants", on_delete="CASCADE")
    created_at = peewee.DateTimeField(default=utcnow)
    revoked_at = peewee.DateTimeField(null=True)
    requested_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    relation = peewee.CharField(max_length=20, default="other")
    confirmed_at = peewee.DateTimeField(null=True)
    confirmed_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    ended_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    end_reason = peewee.CharField(max_length=10, default="")
    first_name = peewee.CharField(max_length=100, default="")
    last_name = peewee.CharField(max_length=100, default="")
    email = peewee.CharField(max_length=200, default="")
    phone = peewee.CharField(max_length=40, default="")
    invitation_hash = peewee.CharField(max_length=64, null=True, unique=True)
    invited_at = peewee.DateTimeField(null=True)
    accepted_at = peewee.DateTimeField(null=True)
    # Optional: the invited person's national identity number, encrypted, so that the
    # eID login that returns it (and only that one) accepts the invitation.
    national_id = ProtectedField(null=True)
    national_id_index = peewee.CharField(max_length=64, null=True, index=True)
    # The confirming leader allowed a one-time code login (proves only the e-mail
    # address or mobile number the invitation went to).
    code_login = peewee.BooleanField(default=False)

    class Meta:
        indexes = ((("caregiver", "child"), False),)


class CaregiverApproval(BaseModel):
    grant = peewee.ForeignKeyField(CaregiverGrant, backref="approvals", on_delete="CASCADE")
    guardian = peewee.ForeignKeyField(User, on_delete="CASCADE")
    approved_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("grant", "guardian"), True),)


# Staff roles (rule 3 of DESIGN.md says what each one reaches; models/access/ does it).
UNIT_LEADER = "unit_leader"
CONTACT_TEACHER = "contact_teacher"
GROUP_STAFF = "group_staff"          # subject teacher, assistant: attached to groups
SFO_STAFF = "sfo_staff"
KINDERGARTEN_STAFF = "kindergarten_staff"
ADMINISTRATOR = "administrator"
# Sees the installation's privacy figures and documents, never a child (rule 12); not
# staff of any unit. Unit null: the whole municipality.
DATA_PROTECTION_OFFICER = "data_protection_officer"
ROLES = (UNIT_LEADER, CONTACT_TEACHER, GROUP_STAFF, SFO_STAFF, KINDERGARTEN_STAFF,
         ADMINISTRATOR, DATA_PROTECTION_OFFICER)
# Roles that reach every child of their unit, and roles that reach only their groups.
UNIT_WIDE_ROLES = (UNIT_LEADER, SFO_STAFF, KINDERGARTEN_STAFF)
GROUP_ROLES = (CONTACT_TEACHER, GROUP_STAFF)


class StaffRole(BaseModel):
    user = peewee.ForeignKeyField(User, backref="staff_roles", on_delete="CASCADE")
    role = peewee.CharField(max_length=30, choices=[(r, r) for r in ROLES])
    unit = peewee.ForeignKeyField(Unit, null=True, backref="staff_roles", on_delete="CASCADE")
    group = peewee.ForeignKeyField(Group, null=True, backref="staff_roles",
                                   on_delete="CASCADE")

    class Meta:
        indexes = ((("user", "role", "unit", "group"), True),)


def birthday_cutoff(day, years):
    """Children born on or before this date are `years` old or older on `day`."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February: those born on 28 February that year have turned
        return datetime.date(day.year - years, 2, 28)


def eighteenth_birthday_cutoff(day):
    """Children born on or before this date are 18 or older on `day`."""
    return birthday_cutoff(day, 18)


@dataclass(frozen=True)
class Counts:
    units: int
    groups: int
    children: int
    users: int
    staff: int


# A SELECT without FROM, so a new installation with no units yet still counts.
_counts = Prepared(lambda: peewee.Select(columns=[
    Unit.select(fn.COUNT(Unit.id)),
    Group.select(fn.COUNT(Group.id)),
    Child.select(fn.COUNT(Child.id)),
    User.select(fn.COUNT(User.id)),
    StaffRole.select(fn.COUNT(fn.DISTINCT(StaffRole.user))),
]).tuples())


def installation_counts():
    """What the installation holds, for the administrator: numbers, no names."""
    return Counts(*_counts()[0])


class ClassListShare(BaseModel):
    """What one guardian shares about one child in one group."""
    guardian = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")
    group = peewee.ForeignKeyField(Group, backref="+", on_delete="CASCADE")
    child_name = peewee.BooleanField(default=False)
    my_name = peewee.BooleanField(default=False)
    email = peewee.BooleanField(default=False)
    phone = peewee.BooleanField(default=False)
    address = peewee.BooleanField(default=False)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("guardian", "child", "group"), True), (("group", "child"), False))
