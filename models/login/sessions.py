"""Server-side login sessions: the cookie holds a random token, the database its hash.

Logging out deletes the row, so a copied cookie is worthless afterwards; idle and
absolute timeouts are checked on every request.
"""
import hashlib
import secrets

import peewee
from peewee import fn

from models import audit
from models.db import BaseModel, Prepared, database, utcnow
from models.protect import ProtectedText
from models.school.tables import StaffRole, User

# Writing last_seen on every request would double the writes; a minute is precise enough
# for an idle timeout counted in tens of minutes.
TOUCH_AFTER_SECONDS = 60


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


class LoginSession(BaseModel):
    token_hash = peewee.CharField(max_length=64, unique=True)
    user = peewee.ForeignKeyField(User, backref="login_sessions", on_delete="CASCADE")
    created_at = peewee.DateTimeField(default=utcnow)
    last_seen_at = peewee.DateTimeField(default=utcnow)
    method = peewee.CharField(max_length=20, default="password")
    # An OpenID Connect login: the provider's id, its session id and the ID token.
    provider = peewee.CharField(max_length=30, null=True)
    sid = peewee.CharField(max_length=200, null=True)
    id_token = ProtectedText(null=True)
    # The moment of the last strong login in this session (issue 22, models/login/
    # step_up.py): the eID at the substantial level or higher, or the password and a
    # second factor again. A sensitive thread opens only shortly after it.
    strong_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("provider", "sid"), False),)

    @classmethod
    def start(cls, user, method="password", provider=None, sid=None, id_token=None,
              strong_at=None):
        """A new session for the user; returns the token for the cookie."""
        token = secrets.token_urlsafe(32)
        cls.create(token_hash=_digest(token), user=user, method=method, provider=provider,
                   sid=sid, id_token=id_token, strong_at=strong_at)
        return token

    @classmethod
    def of_token(cls, token):
        return cls.get_or_none(cls.token_hash == _digest(token)) if token else None

    @classmethod
    def end_at_provider(cls, provider, sid):
        """The provider ended its session (front-channel logout): end ours from it.
        Returns the number of sessions ended."""
        return cls.delete().where((cls.provider == provider) & (cls.sid == sid)).execute()

    @classmethod
    def resume(cls, token, idle, absolute):
        """The user of a live session, or None. One query (plus a rare touch)."""
        if not token:
            return None
        row = next(iter(_by_token(token_hash=_digest(token))), None)
        if row is None:
            return None
        session_id, created_at, last_seen_at, method, holds_role, strong_at, *values = row
        now = utcnow()
        if now - last_seen_at > idle or now - created_at > absolute:
            cls.delete().where(cls.id == session_id).execute()
            return None
        if (now - last_seen_at).total_seconds() > TOUCH_AFTER_SECONDS:
            cls.update(last_seen_at=now).where(cls.id == session_id).execute()
        user = User(__no_default__=True)  # as loaded: nothing to save
        user.__data__ = dict(zip(_USER_FIELDS, values, strict=True))
        user.login_method = method
        user.holds_role = bool(holds_role)
        user.strong_at = strong_at
        return user

    @classmethod
    def _by_token_query(cls, token_hash):
        # Plain columns rather than joined models: this runs on every request.
        # Whether the person holds any staff or administrator role, in the same query:
        # a page view of a guardian then writes no access row and asks nothing more
        # (views/seen.py).
        holds_role = fn.EXISTS(StaffRole.select(StaffRole.id).where(StaffRole.user == User.id))
        return (cls.select(cls.id, cls.created_at, cls.last_seen_at, cls.method, holds_role,
                           cls.strong_at, *User._meta.sorted_fields)
                .join(User)
                .where((cls.token_hash == token_hash) & (User.is_active == True))  # noqa: E712
                .limit(1)
                .tuples())

    @classmethod
    def end(cls, token):
        if token:
            cls.delete().where(cls.token_hash == _digest(token)).execute()


_USER_FIELDS = [field.name for field in User._meta.sorted_fields]
_by_token = Prepared(LoginSession._by_token_query, token_hash=str)


def log_in(user, method, ip="", acr=None, **details):
    """A new session for the user and its "login" event in the audit log, in one
    transaction; returns the token for the cookie. `details` go to the session row
    (provider, sid, id_token), `acr` (the eID's assurance level) to the log."""
    with database.atomic():
        token = LoginSession.start(user, method=method, **details)
        audit.record("login", actor=user, ip=ip, method=method,
                     **({"acr": acr} if acr else {}))
    return token
