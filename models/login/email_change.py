"""A person changes their own e-mail address (rule 8): the new address is used only once
its owner has opened the link sent to it. Asking says the same whatever the address, so
nobody learns whether someone else in Kontaktbok uses it, and nobody can take an address
they cannot read."""
import datetime
import hashlib
import secrets

import peewee

from models import audit
from models.db import BaseModel, database, utcnow
from models.login.code_login import masked
from models.school.tables import User

LINK_HOURS = 24


class EmailChange(BaseModel):
    """The one address a person has asked to change to and not yet confirmed."""
    user = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE", unique=True)
    address = peewee.CharField(max_length=200)
    token_hash = peewee.CharField(max_length=64, unique=True)
    created_at = peewee.DateTimeField(default=utcnow)
    expires_at = peewee.DateTimeField()


def digest(token):
    """The link's token is random and long: a plain hash keeps a copy of the database
    from holding live links."""
    return hashlib.sha256(token.encode()).hexdigest()


def ask(user, address, ip="", now=None):
    """A new link for `address` (an earlier one stops working); returns its token."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with database.atomic():
        EmailChange.delete().where(EmailChange.user == user.id).execute()
        EmailChange.create(user=user, address=address, token_hash=digest(token),
                           created_at=now, expires_at=now + datetime.timedelta(hours=LINK_HOURS))
        audit.record("email.change_asked", actor=user, obj=user, ip=ip,
                     address=masked(address))
    return token


def pending(user, now=None):
    """The address waiting for its link to be opened, or None."""
    row = EmailChange.get_or_none((EmailChange.user == user.id)
                                  & (EmailChange.expires_at > (now or utcnow())))
    return row.address if row else None


def confirm(user, token, ip="", now=None):
    """The link was opened by the person who asked: the address is theirs from now on.
    Returns the address, or None for an unknown, used, expired or someone else's link."""
    now = now or utcnow()
    with database.atomic():
        row = EmailChange.get_or_none((EmailChange.token_hash == digest(token))
                                      & (EmailChange.user == user.id)
                                      & (EmailChange.expires_at > now))
        if row is None:
            return None
        EmailChange.delete().where(EmailChange.id == row.id).execute()
        User.update(email=row.address).where(User.id == user.id).execute()
        audit.record("email.changed", actor=user, obj=user, ip=ip, address=masked(row.address))
    return row.address
