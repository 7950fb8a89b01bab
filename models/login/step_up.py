"""Step-up for sensitive threads (issue 22): opening one needs a strong login within the
last FRESH_FOR.

Strong means, recorded as `strong_at` on the login session (never in a cookie alone):
- a login through the eID (or a staff SSO) whose assurance level (`acr`) is
  substantial or high: ID-porten's `idporten-loa-substantial`/`-high`, an eIDAS-style
  level ending in "substantial"/"high", or the provider's own level at or above one
  so named (its `acr_levels`, lowest first); or, as the municipality file says for the
  provider, an `acr` among its `step_up_acr` or a method among its `step_up_amr` in the
  ID token's `amr` (a staff SSO: "mfa", a second factor). Either counts, for an everyday
  login as for a step-up (`prompt=login`, `max_age=0`), only with the provider's
  `auth_time` within FRESH_FOR. A single sign-on answered from an older session at the
  provider is as old as that session, and a provider that sends no `auth_time` (or
  one later than now beyond the clock leeway) has confirmed nothing about now: its
  session may hold a second factor typed hours ago, and a silent login must not open
  a sensitive thread;
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
from models.login.oidc import LEEWAY_SECONDS
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


def strong_login(provider, claims):
    """Do the ID token's claims show a strong login: a strong `acr`, one the provider's
    `step_up_acr` names, or a method of its `step_up_amr` among the `amr`?"""
    acr = claims.get("acr")
    if strong_acr(provider, acr) or (isinstance(acr, str) and acr in provider.step_up_acr):
        return True
    methods = claims.get("amr")
    if isinstance(methods, str):
        methods = [methods]
    if not isinstance(methods, list):
        return False
    return any(isinstance(method, str) and method in provider.step_up_amr
               for method in methods)


def may_be_strong(provider):
    """Can a login through the provider be strong (does it know a strong level, or
    what shows a second factor)? The step-up page offers only those."""
    return bool(provider.step_up_acr or provider.step_up_amr) or any(
        strong_acr(provider, level)
        for level in (*provider.acr_levels, *provider.acr_values.split()))


WEAK, STALE = "weak", "stale"


def judge(provider, claims, now=None):
    """(strong_at, problem) for a login through the provider: the moment it counts as
    strong from (None: not strong), and what kept it from counting now: WEAK (no
    strong level, no second factor) or STALE (no valid `auth_time`, or one older than
    FRESH_FOR: the provider did not make the person log in now), the same for an
    everyday login and a step-up."""
    now = now or utcnow()
    if not strong_login(provider, claims):
        return None, WEAK
    at = strong_moment(claims, now)
    if not _within(at, now):
        return None, STALE
    return at, None


def strong_moment(claims, now=None):
    """When the strong login happened: the provider's `auth_time` (naive UTC), or None
    when there is none, it is not a number, or it is later than now by more than the
    clock leeway allowed for an ID token's `iat` (within it, it counts as now)."""
    now = now or utcnow()
    at = _auth_time(claims)
    if at is None or at > now + datetime.timedelta(seconds=LEEWAY_SECONDS):
        return None
    return min(at, now)


def _auth_time(claims):
    try:
        return datetime.datetime.fromtimestamp(int(claims.get("auth_time")),
                                               datetime.timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _within(at, now):
    return at is not None and at <= now and now - at <= FRESH_FOR


def is_fresh(user, now=None):
    """Did the person log in strongly in this session within FRESH_FOR?"""
    return _within(getattr(user, "strong_at", None), now or utcnow())


def offered(providers, user):
    """The providers the person can step up through: those that can give a strong
    login and would find this account again (the eID by national identity number,
    a staff SSO only someone holding a staff role: models/login/accounts.py)."""
    return [p for p in providers if may_be_strong(p) and (
        user.holds_role if p.audience == "staff" else bool(user.national_id_index))]


def may_use_second_factor(user):
    """Which local step-up the account can take: "password" (password and code), or
    None (no password: an eID or code-login account steps up with the eID, an SSO
    account with the SSO)."""
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
