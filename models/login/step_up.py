"""Step-up for sensitive threads (issue 22): opening one needs a strong login within the
last FRESH_FOR.

Strong means, recorded as `strong_at` on the login session (never in a cookie alone):
- a login through the eID (or a staff SSO) whose assurance level (`acr`) is
  substantial or high: ID-porten's `idporten-loa-substantial`/`-high`, an eIDAS-style
  level ending in "substantial"/"high", or the provider's own level at or above one
  so named (its `acr_levels`, lowest first). The moment counts from the provider's
  `auth_time` when it sends one (a single sign-on answered from an older session at
  the provider is as old as that session), from now otherwise;
- for a local account: its password again AND a code from its second factor
  (models/login/totp.py);
Nothing else: a password alone, a code login alone, an SSO without an assurance level.
A family that logs in with a one-time code (models/login/code_login.py) and has no
password steps up through the eID only: a second factor set up from a code-login
session would prove nothing more than the mailbox the code went to (a stolen mailbox
or an open session could set one up and read the thread).
"""
import datetime

from models import audit
from models.db import utcnow
from models.login.sessions import LoginSession, _digest

FRESH_FOR = datetime.timedelta(minutes=15)
STRONG_IDPORTEN = ("idporten-loa-substantial", "idporten-loa-high")
STRONG_NAMES = ("substantial", "high")


def _named_strong(acr):
    last = str(acr).replace(":", "/").replace("-", "/").rstrip("/").rsplit("/", 1)[-1]
    return last.lower() in STRONG_NAMES


def strong_acr(provider, acr):
    """Is a login at `acr` through `provider` strong enough for a sensitive thread?"""
    if not acr or not isinstance(acr, str):
        return False
    if acr in STRONG_IDPORTEN or _named_strong(acr):
        return True
    levels = tuple(provider.acr_levels or ())
    named = [i for i, level in enumerate(levels) if _named_strong(level)]
    return bool(named) and acr in levels and levels.index(acr) >= named[0]


def may_be_strong(provider):
    """Can a login through the provider be strong (does it know a strong level)? The
    step-up page offers only those."""
    return any(strong_acr(provider, level)
               for level in (*provider.acr_levels, *provider.acr_values.split()))


def strong_moment(claims, now=None):
    """When the strong login happened: the provider's `auth_time` when it is a
    number not in the future, now otherwise (naive UTC)."""
    now = now or utcnow()
    try:
        at = datetime.datetime.fromtimestamp(int(claims.get("auth_time")),
                                             datetime.timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return now
    return min(at, now)


def is_fresh(user, now=None):
    """Did the person log in strongly in this session within FRESH_FOR?"""
    at = getattr(user, "strong_at", None)
    if at is None:
        return False
    now = now or utcnow()
    return at <= now and now - at <= FRESH_FOR


def may_use_second_factor(user):
    """Which local step-up the account can take: "password" (password and code), or
    None (no password: an eID, SSO or code-login account steps up with the eID)."""
    if user.password_hash:
        return "password"
    return None


def record(user, method, ip=""):
    """A strong login now, on the person's current session, with its audit event."""
    at = utcnow()
    (LoginSession.update(strong_at=at)
     .where(LoginSession.token_hash == _digest(user.session_token or "")).execute())
    user.strong_at = at
    audit.record("login.step_up", actor=user, ip=ip, method=method)
    return at
