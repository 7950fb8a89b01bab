"""A person's calendar subscription: the secret in the feed's address, and the one
query a calendar app's poll costs.

The secret is 32 random bytes (urlsafe base64). Only its SHA-256 is stored: the address
is shown once, when made; renewing replaces the hash, so the old address stops at once.
A poll asks one query (`look_up`): it finds the feed by the hash of the secret, checks
that the account is active, and reads what the feed's content depends on — the
children the person sees as family today (with their names and protection), their
groups, the units of those groups and the units the person works at, and when each
unit's calendar last changed (models/calendar/stamp.py). The ETag is a hash of all that
plus the person's language and the day; an unchanged feed is then a 304 without a
second query. A person who sees no child and works at no unit any more gets 404.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from peewee import JOIN, Cast, Value, fn

from models import audit
from models.access.events import staff_unit_ids
from models.calendar.agenda import family_child_ids
from models.calendar.tables import CalendarFeed, CalendarStamp
from models.db import database, today, utcnow
from models.school.tables import (Child, Enrolment, Group, StaffRole, Unit, User,
                                  eighteenth_birthday_cutoff)

SECRET_BYTES = 32


def digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def of_user(user):
    """The person's subscription row, or None (the page says whether one exists)."""
    return CalendarFeed.get_or_none(CalendarFeed.user == user.id)


def renew(user, ip=""):
    """A new secret for the person's feed (the first one, or one replacing the old,
    which stops at once). Returns the secret: the only time it exists outside the
    person's calendar app."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with database.atomic():
        (CalendarFeed.insert(user=user.id, secret_hash=digest(secret), created_at=utcnow())
         .on_conflict(conflict_target=[CalendarFeed.user],
                      preserve=[CalendarFeed.secret_hash, CalendarFeed.created_at])
         .execute())
        audit.record("calendar.feed_renewed", actor=user, ip=ip)
    return secret


def stop(user, ip=""):
    with database.atomic():
        gone = CalendarFeed.delete().where(CalendarFeed.user == user.id).execute()
        if gone:
            audit.record("calendar.feed_stopped", actor=user, ip=ip)
    return bool(gone)


@dataclass(frozen=True)
class Found:
    user_id: int
    locale: str | None
    etag: str


def _look_up_query(secret_hash, day, cutoff):
    person = User.id  # correlated: the access rules run for the feed's owner
    head = (CalendarFeed.select(Cast(Value("person"), "text"), User.id,
                                Cast(User.locale, "text"),
                                Cast(CalendarFeed.secret_hash, "text"),
                                Cast(Value(0), "integer"))
            .join(User, on=(CalendarFeed.user == User.id))
            .where((CalendarFeed.secret_hash == secret_hash)
                   & (User.is_active == True)))  # noqa: E712
    children = (CalendarFeed.select(Cast(Value("child"), "text"), Child.id,
                                    Cast(Child.first_name, "text"),
                                    Cast(Child.address_protection, "text"),
                                    Enrolment.group)
                .join(User, on=(CalendarFeed.user == User.id))
                .join(Child, on=Child.id.in_(family_child_ids(person, day, cutoff)))
                .join(Enrolment, JOIN.LEFT_OUTER,
                      on=((Enrolment.child == Child.id) & Enrolment.active(day)))
                .where((CalendarFeed.secret_hash == secret_hash)
                       & (User.is_active == True)))  # noqa: E712
    family_units = (Enrolment.select(Group.unit).join(Group, on=(Enrolment.group == Group.id))
                    .where(Enrolment.active(day)
                           & Enrolment.child.in_(family_child_ids(person, day, cutoff))))
    units = (CalendarFeed.select(Cast(Value("unit"), "text"), Unit.id,
                                 Cast(CalendarStamp.changed_at, "text"),
                                 Cast(Unit.name, "text"),
                                 CalendarStamp.version)
             .join(User, on=(CalendarFeed.user == User.id))
             .join(Unit, on=(Unit.id.in_(family_units) | Unit.id.in_(staff_unit_ids(person))))
             .join(CalendarStamp, JOIN.LEFT_OUTER, on=(CalendarStamp.unit == Unit.id))
             .where((CalendarFeed.secret_hash == secret_hash)
                    & (User.is_active == True)))  # noqa: E712
    # The staff roles too: a role ended (or a group changed) at a unit where the person
    # is also a parent changes what the feed holds, so it must change the ETag.
    roles = (CalendarFeed.select(Cast(Value("role"), "text"), StaffRole.unit,
                                 Cast(StaffRole.role, "text"), Cast(StaffRole.group, "text"),
                                 Cast(Value(0), "integer"))
             .join(User, on=(CalendarFeed.user == User.id))
             .join(StaffRole, on=(StaffRole.user == User.id))
             .where((CalendarFeed.secret_hash == secret_hash)
                    & (User.is_active == True)))  # noqa: E712
    return head.union_all(children).union_all(units).union_all(roles).tuples()


def look_up(secret):
    """The feed of this secret, if it exists and its person still sees a child or works
    at a unit: Found with the ETag of its content; else None. One query."""
    if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
        return None
    wanted = digest(secret)
    day = today()
    rows = list(_look_up_query(wanted, day, eighteenth_birthday_cutoff(day)))
    head = [row for row in rows if row[0] == "person"]
    if not head:
        return None
    # Found by an index on the hash; compared once more in constant time, so that
    # nothing about a stored value leaks through how long an answer takes.
    if not hmac.compare_digest(head[0][3].encode(), wanted.encode()):
        return None
    rest = sorted((tuple("" if v is None else str(v) for v in row) for row in rows
                   if row[0] != "person"))
    if not rest:
        return None
    state = repr((head[0][2], day.isoformat(), rest)).encode()
    return Found(head[0][1], head[0][2], hashlib.sha256(state).hexdigest()[:32])


def owner(found):
    return User.get_by_id(found.user_id)


def may_subscribe(user):
    """Whether the person sees a child as family or works at a unit today: a feed of
    nothing is no feed. One query."""
    day = today()
    family = family_child_ids(user.id, day, eighteenth_birthday_cutoff(day))
    return bool(User.select(fn.EXISTS(family) | fn.EXISTS(staff_unit_ids(user.id)))
                .where(User.id == user.id).scalar())
