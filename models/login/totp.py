"""A second factor for local accounts: time-based one-time codes (RFC 6238, 30-second
steps, six digits) from an authenticator app, with `pyotp`.

The secret is kept encrypted with the data key (models/protect.py), like an ID token:
a copy of the database does not give it away. It counts only once confirmed with a
first code from the app; a code is accepted once (the step it belongs to is kept, so
a code seen over someone's shoulder cannot be used again), one step either side of now
to allow for a phone's clock. The enrolment page shows the secret as a QR code drawn
here as inline SVG (`segno`): no script, no request to another host.

A secret being set up is shown once, by the request that makes it, and never again, not
even to someone who has just typed the account's password: the visit that made it may
have been someone else's at a session left open, and the owner, confirming later with
their password, must not be handed a secret that person knows. A code that is wrong
leaves the setup waiting; the person types the code their app shows, or starts again. It waits
PENDING_FOR to be confirmed; after that it is gone and the setup starts again.
Starting again before that takes the password (the view checks it): someone at an open
session must not swap in a secret they know, for the person to confirm unawares. The
confirming form names the setup it was shown for (`setup_mark`), so a setup started
again elsewhere in the meantime is refused, never revealed.
"""
import datetime
import hashlib

import pyotp
import segno
from markupsafe import Markup

import peewee

from models.db import BaseModel, clock, database, utcnow
from models.protect import ProtectedText
from models.school.tables import User

ISSUER = "Kontaktbok"
VALID_WINDOW = 1  # steps either side of now
PENDING_FOR = datetime.timedelta(minutes=10)


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


def _expired(row, now):
    return row.confirmed_at is None and now - row.created_at > PENDING_FOR


def _mark(secret):
    # Names one setup without giving its secret away (a new secret: a new mark; a row's
    # id or time could come back the same after a delete).
    return hashlib.sha256(b"kontaktbok-totp-setup\0" + secret.encode()).hexdigest()[:24]


def state(user):
    """(confirmed_at, pending_since, setup_mark) of the person's second factor: when it
    was confirmed, or when the setup now waiting to be confirmed began and the mark
    naming it (None, None, None: none, or a setup that expired)."""
    row = _row(user)
    if row is None or _expired(row, utcnow()):
        return None, None, None
    if row.confirmed_at is not None:
        return row.confirmed_at, None, None
    return None, row.created_at, _mark(row.secret.reveal())


def setup_mark(secret):
    """The mark of the setup of `secret` (for the form that shows it)."""
    return _mark(secret)


def pending_secret(user):
    """A new secret to set up, when there is none (a setup that expired is dropped
    first): returned this once. None when one is set up, or a setup is already waiting
    (its secret is never shown again: start_again, with the password, makes a new one)."""
    now = utcnow()
    (TotpSecret.delete().where((TotpSecret.user == user.id)
                               & TotpSecret.confirmed_at.is_null()
                               & (TotpSecret.created_at < now - PENDING_FOR)).execute())
    secret = pyotp.random_base32()
    try:
        with database.atomic():
            TotpSecret.create(user=user.id, secret=secret, created_at=now)
    except peewee.IntegrityError:  # one is there (or made by a request at the same moment)
        return None
    return secret


def start_again(user):
    """Drop a setup that is not confirmed (the next pending_secret makes a new one)."""
    return (TotpSecret.delete().where((TotpSecret.user == user.id)
                                      & TotpSecret.confirmed_at.is_null()).execute())


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
        if row is None or (row.confirmed_at is None) != confirm or _expired(row, utcnow()):
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
