"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this when the account does not exist takes as long as a real check,
# so the response time does not tell whether a username exists.
_DUMMY = _hasher.hash("kontaktbok: no such account")


def use_fast_hashing_for_tests():
    global _hasher, _DUMMY
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _DUMMY = _hasher.hash("kontaktbok: no such account")


def hash_password(password):
    return _hasher.hash(password)


def check_password(user, password):
    """True when the password is right; rehashes a hash made with older parameters."""
    stored = user.password_hash if user is not None else None
    try:
        _hasher.verify(stored or _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return False
    if stored is None:
        return False
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
        user.save(only=[type(user).password_hash])
    return True
