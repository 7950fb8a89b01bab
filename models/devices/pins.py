"""A staff member's personal PIN for the department's tablet: 4–6 digits, not a
guessable pattern, stored as an argon2 hash (never the PIN, not even in the log)."""
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from models import audit
from models.db import database, utcnow
from models.devices.tables import StaffPin
from models.login.passwords import hash_password

PIN_MIN, PIN_MAX = 4, 6
_DIGITS = re.compile(rf"[0-9]{{{PIN_MIN},{PIN_MAX}}}")
# Verifying reads the cost parameters from the stored hash, so any hasher will do.
_verifier = PasswordHasher()
_dummy = []

TOO_SHORT, NOT_DIGITS, GUESSABLE = "length", "digits", "guessable"


def problem(pin):
    """Why `pin` cannot be a PIN (TOO_SHORT, NOT_DIGITS or GUESSABLE), or None."""
    if not pin.isascii() or not pin.isdigit():
        return NOT_DIGITS
    if not _DIGITS.fullmatch(pin):
        return TOO_SHORT
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    if steps in ({0}, {1}, {9}):  # 0000, 1234, 7890, 4321
        return GUESSABLE
    for width in (2, 3):  # 1212, 121212, 123123
        if len(pin) % width == 0 and pin == pin[:width] * (len(pin) // width):
            return GUESSABLE
    return None


def set_pin(user, pin, ip=""):
    """Save the user's new PIN (replacing any old one), with its audit event."""
    if problem(pin):
        raise ValueError("not an acceptable PIN")
    hashed = hash_password(pin)
    with database.atomic():
        updated = (StaffPin.update(pin_hash=hashed, set_at=utcnow())
                   .where(StaffPin.user == user.id).execute())
        if not updated:
            StaffPin.create(user=user.id, pin_hash=hashed)
        audit.record("pin.set", actor=user, ip=ip)


def has_pin(user):
    return StaffPin.select().where(StaffPin.user == user.id).exists()


def matches(pin_hash, pin):
    """Whether `pin` is the one hashed; as slow without a hash as with one."""
    if not _dummy:
        _dummy.append(hash_password("kontaktbok: no PIN"))
    try:
        _verifier.verify(pin_hash or _dummy[0], pin)
    except (VerificationError, InvalidHashError):
        return False
    return pin_hash is not None
