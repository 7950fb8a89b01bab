"""A second factor for local accounts: time-based one-time codes (RFC 6238, 30-second
steps, six digits) from an authenticator app, with `pyotp`.

The secret is kept encrypted with the data key (models/protect.py), like an ID token:
a copy of the database does not give it away. It counts only once confirmed with a
first code from the app; a code is accepted once (the step it belongs to is kept, so
a code seen over someone's shoulder cannot be used again), one step either side of now
to allow for a phone's clock. The enrolment page shows the secret as a QR code drawn
here as inline SVG (`segno`): no script, no request to another host.
"""
import pyotp
import segno
from markupsafe import Markup

import peewee

from models.db import BaseModel, clock, database, utcnow
from models.protect import ProtectedText
from models.school.tables import User

ISSUER = "Kontaktbok"
VALID_WINDOW = 1  # steps either side of now


class TotpSecret(BaseModel):
    user = peewee.ForeignKeyField(User, unique=True, backref="+", on_delete="CASCADE")
    secret = ProtectedText()
    created_at = peewee.DateTimeField(default=utcnow)
    confirmed_at = peewee.DateTimeField(null=True)
    # The last time step a code was accepted for: no code twice.
    last_step = peewee.BigIntegerField(default=0)

    class Meta:
        table_name = "totp_secret"


def _row(user):
    return TotpSecret.get_or_none(TotpSecret.user == user.id)


def confirmed(user):
    """Has the person a second factor that counts (enrolled and confirmed)?"""
    return TotpSecret.select().where((TotpSecret.user == user.id)
                                     & TotpSecret.confirmed_at.is_null(False)).exists()


def enrolled_at(user):
    row = _row(user)
    return row.confirmed_at if row is not None else None


def pending_secret(user):
    """The secret being set up (made now if there is none); None once confirmed (it is
    never shown again)."""
    row = _row(user)
    if row is None:
        secret = pyotp.random_base32()
        try:
            with database.atomic():
                TotpSecret.create(user=user.id, secret=secret)
        except peewee.IntegrityError:  # made by a request at the same moment
            return pending_secret(user)
        return secret
    if row.confirmed_at is not None:
        return None
    return row.secret.reveal()


def provisioning_uri(user, secret, municipality):
    return pyotp.TOTP(secret).provisioning_uri(name=f"{user.username} ({municipality})",
                                               issuer_name=ISSUER)


def qr_svg(uri, title):
    """The QR code as inline SVG markup (made here from our own secret, not from
    anything a user wrote)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, title=title,
                                                 dark="#000", light="#fff")
    return Markup(svg)


def _step_of(secret, code, now):
    """The time step the code is valid for, or None."""
    code = "".join(ch for ch in str(code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(candidate), code):
            return candidate
    return None


def check(user, code, confirm=False):
    """Is `code` right for the person's second factor, and not used before? Marks it
    used. `confirm`: the first code of a secret being set up, which it confirms."""
    now = clock.now()
    with database.atomic():
        row = _row(user)
        if row is None or (row.confirmed_at is None) != confirm:
            return False
        step = _step_of(row.secret.reveal(), code, now)
        if step is None or step <= row.last_step:
            return False
        # Only one request can move the step on: a code sent twice at once counts once.
        changes = {"last_step": step}
        if confirm:
            changes["confirmed_at"] = utcnow()
        updated = (TotpSecret.update(**changes)
                   .where((TotpSecret.id == row.id) & (TotpSecret.last_step < step))
                   .execute())
    return bool(updated)


def remove(user):
    """Take the second factor away (to set up a new one)."""
    return TotpSecret.delete().where(TotpSecret.user == user.id).execute()
