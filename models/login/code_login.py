"""Login with a one-time code, for guardians without a national eID (newly arrived
families). Staff allow it per guardian, to a contact address they have verified with the
guardian; a leader allows it to a caregiver's invited e-mail address or mobile number
(models/school/caregivers.py). A code is six digits, lives ten minutes, works once, and
allows five tries; the session it opens is of lower assurance (it can read and send
messages, not change consents, class-list sharing or caregiver access).
"""
import datetime
import hmac
import secrets

import peewee
from peewee import fn

from models import audit
from models.db import BaseModel, database, utcnow
from models.login.sessions import LoginSession
from models.protect import index_of
from models.school.tables import WITH_RESPONSIBILITY, Guardianship, StaffRole, User

CODE_MINUTES = 10
CODE_TRIES = 5
CODES_PER_HOUR = 5
METHOD = "code"  # LoginSession.method of such a session


class LoginCode(BaseModel):
    user = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    code_hash = peewee.CharField(max_length=64)
    created_at = peewee.DateTimeField(default=utcnow)
    expires_at = peewee.DateTimeField()
    used_at = peewee.DateTimeField(null=True)
    attempts = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("user", "created_at"), False),)


def _digest(user_id, code):
    """Keyed with the data key: a copy of the database does not give the codes away."""
    return index_of(f"{user_id:012d}{code}")


class StaffAccount(Exception):
    """Staff log in with their staff account: a code would bypass it."""


def _is_staff(user_id):
    return StaffRole.select().where(StaffRole.user == user_id).exists()


def _end_code_sessions(user_id):
    LoginSession.delete().where((LoginSession.user == user_id)
                                & (LoginSession.method == METHOD)).execute()


def masked(email):
    """n…@example.org: enough to recognise an address in the audit log."""
    name, _, domain = email.partition("@")
    return f"{name[:1]}…@{domain}"


def responsible_guardians(child):
    """The child's guardians with parental responsibility, by first name: those staff
    may allow codes for. One query."""
    return list(User.select().join(Guardianship, on=(Guardianship.guardian == User.id))
                .where((Guardianship.child == child.id)
                       & Guardianship.responsibility.in_(WITH_RESPONSIBILITY))
                .order_by(User.first_name))


def allow(guardian, email, by, ip=""):
    """Allow codes to `email`; raises StaffAccount for anyone with a staff role. Codes
    to an earlier address, and sessions they opened, end."""
    if _is_staff(guardian.id):
        raise StaffAccount()
    address = email.strip().lower()
    with database.atomic():
        User.update(code_login_email=address, code_login_since=utcnow()).where(
            User.id == guardian.id).execute()
        LoginCode.delete().where(LoginCode.user == guardian.id).execute()
        _end_code_sessions(guardian.id)
        audit.record("code_login.allowed", actor=by, obj=guardian, ip=ip,
                     address=masked(address))


def stop(guardian, by, ip=""):
    with database.atomic():
        User.update(code_login_email=None, code_login_phone=None,
                    code_login_since=None).where(
            User.id == guardian.id).execute()
        LoginCode.delete().where(LoginCode.user == guardian.id).execute()
        _end_code_sessions(guardian.id)  # sessions it opened end too
        audit.record("code_login.stopped", actor=by, obj=guardian, ip=ip)


def holder(email):
    """The active account a code may be sent to at this address, or None. An address
    in E.164 ("+47…") is a mobile number (a caregiver invited by SMS)."""
    address = email.strip().lower()
    if not address:
        return None
    column = User.code_login_phone if address.startswith("+") else User.code_login_email
    user = User.get_or_none((column == address)
                            & User.code_login_since.is_null(False)
                            & (User.is_active == True))  # noqa: E712
    return None if user is None or _is_staff(user.id) else user


def new_code(user, now=None):
    """A fresh code for the user, or None when too many were asked for this hour."""
    now = now or utcnow()
    recent = (LoginCode.select(fn.COUNT(LoginCode.id))
              .where((LoginCode.user == user.id)
                     & (LoginCode.created_at > now - datetime.timedelta(hours=1))).scalar())
    if recent >= CODES_PER_HOUR:
        return None
    code = f"{secrets.randbelow(1_000_000):06d}"
    with database.atomic():
        # Only the newest code counts.
        LoginCode.update(used_at=now).where((LoginCode.user == user.id)
                                            & LoginCode.used_at.is_null()).execute()
        LoginCode.create(user=user, code_hash=_digest(user.id, code), created_at=now,
                         expires_at=now + datetime.timedelta(minutes=CODE_MINUTES))
        audit.record("code_login.sent", actor=user)
    return code


def check(email, code, now=None):
    """The user, when the code is the address's live code; None otherwise. Every wrong
    try counts against the code."""
    now = now or utcnow()
    user = holder(email)
    if user is None:
        return None
    with database.atomic():
        live = (LoginCode.select().where((LoginCode.user == user.id)
                                         & LoginCode.used_at.is_null()
                                         & (LoginCode.expires_at > now)
                                         & (LoginCode.attempts < CODE_TRIES))
                .order_by(LoginCode.created_at.desc()).first())
        if live is None:
            return None
        given = "".join(ch for ch in code if ch.isdigit())
        if not hmac.compare_digest(live.code_hash, _digest(user.id, given)):
            LoginCode.update(attempts=LoginCode.attempts + 1).where(
                LoginCode.id == live.id).execute()
            return None
        # Used once: of two answers at the same moment, only one marks it.
        used = LoginCode.update(used_at=now).where(
            (LoginCode.id == live.id) & LoginCode.used_at.is_null()).execute()
    return user if used == 1 else None
