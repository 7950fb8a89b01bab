"""Pairing a department's tablet, recognising it on each request, unpairing and
unlocking it, and the PIN that confirms each action on it.

The tablet's cookie holds a random secret; the table only its SHA-256, so a copy of the
database pairs nothing. Who may pair and manage is models/access/devices.py's business."""
import hashlib
import secrets
from dataclasses import dataclass

from peewee import JOIN

from models import audit
from models.access.devices import device_staff_with_pin, led_unit_ids
from models.db import Prepared, database, utcnow
from models.devices.pins import matches
from models.devices.tables import MAX_FAILED_PINS, Device
from models.login.sessions import LoginSession
from models.school.tables import Group, Unit, User

# As for login sessions: last_seen needs no more precision than a minute.
TOUCH_AFTER_SECONDS = 60


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def pair(group, name, by, session_token, ip=""):
    """Pair a new tablet to the group, and end the leader's login session on it (the
    tablet is shared: their session must not stay there); returns the secret for the
    tablet's cookie."""
    token = secrets.token_urlsafe(32)
    with database.atomic():
        device = Device.create(group=group.id, name=name, token_hash=_digest(token),
                               paired_by=by.id)
        audit.record("device.paired", actor=by, obj=device, ip=ip, name=name,
                     group=group.id)
        LoginSession.end(session_token)
        audit.record("logout", actor=by, ip=ip)
    return token


@dataclass(frozen=True)
class Paired:
    """A recognised tablet: what its pages need, read in one query."""
    id: int
    name: str
    group_id: int
    group_name: str
    unit_id: int
    unit_name: str
    locked: bool
    failed_pins: int

    audit_type = "device"


_by_token = Prepared(lambda token_hash: (
    Device.select(Device.id, Device.name, Device.group, Group.name, Group.unit, Unit.name,
                  Device.locked_at, Device.failed_pins, Device.last_seen_at)
    .join(Group).join(Unit)
    .where((Device.token_hash == token_hash) & Device.unpaired_at.is_null())
    .limit(1).tuples()), token_hash=str)


def recognise(token):
    """The paired tablet with this cookie secret, or None (unknown or unpaired). One
    query, plus a write at most once a minute for "last seen"."""
    if not token or len(token) > 200:
        return None
    found = _by_token(token_hash=_digest(token))
    if not found:
        return None
    device_id, name, group_id, group_name, unit_id, unit_name, locked_at, failed, seen = \
        found[0]
    now = utcnow()
    if seen is None or (now - seen).total_seconds() > TOUCH_AFTER_SECONDS:
        Device.update(last_seen_at=now).where(Device.id == device_id).execute()
    return Paired(device_id, name, group_id, group_name, unit_id, unit_name,
                  locked_at is not None, failed)


@dataclass(frozen=True)
class Line:
    id: int
    name: str
    group: str
    unit: str
    paired_at: object
    paired_by: str
    last_seen_at: object
    locked: bool


def unit_devices(user):
    """[Line] of the paired tablets of the units the user leads. One query."""
    query = (Device.select(Device.id, Device.name, Group.name, Unit.name, Device.paired_at,
                           User.first_name, User.last_name, Device.last_seen_at,
                           Device.locked_at)
             .join(Group).join(Unit)
             .switch(Device).join(User, JOIN.LEFT_OUTER, on=(Device.paired_by == User.id))
             .where(Device.unpaired_at.is_null() & Group.unit.in_(led_unit_ids(user.id)))
             .order_by(Unit.name, Group.name, Device.name, Device.id).tuples())
    return [Line(i, name, group, unit, at, f"{first or ''} {last or ''}".strip(), seen,
                 locked is not None)
            for i, name, group, unit, at, first, last, seen, locked in query]


def unpair(device, by, ip=""):
    """The tablet is refused from its next request on."""
    with database.atomic():
        Device.update(unpaired_at=utcnow(), unpaired_by=by.id).where(
            (Device.id == device.id) & Device.unpaired_at.is_null()).execute()
        audit.record("device.unpaired", actor=by, obj=device, ip=ip, name=device.name,
                     group=device.group_id)


def unlock(device, by, ip=""):
    with database.atomic():
        Device.update(failed_pins=0, locked_at=None).where(Device.id == device.id).execute()
        audit.record("device.unlocked", actor=by, obj=device, ip=ip, name=device.name,
                     group=device.group_id)


class Locked(Exception):
    """The tablet has had MAX_FAILED_PINS wrong PINs in a row: a leader must unlock it."""


class WrongPin(Exception):
    def __init__(self, tries_left):
        super().__init__(tries_left)
        self.tries_left = tries_left


def confirm(device, staff_id, pin, ip=""):
    """The department's staff member whose PIN this is, or WrongPin / Locked.

    Each try is counted before the PIN is checked, in one UPDATE that refuses a locked
    tablet, so however many arrive at once no more than MAX_FAILED_PINS are ever tried;
    a right PIN starts the count again. A staff member who is not of the tablet's
    department (or has no PIN) is a wrong PIN like any other."""
    counted = (Device.update(failed_pins=Device.failed_pins + 1)
               .where((Device.id == device.id) & Device.unpaired_at.is_null()
                      & Device.locked_at.is_null()
                      & (Device.failed_pins < MAX_FAILED_PINS)).execute())
    if not counted:
        raise Locked()
    staff = device_staff_with_pin(staff_id, device.group_id, device.unit_id)
    if matches(staff.pin_hash if staff else None, pin):
        Device.update(failed_pins=0).where(Device.id == device.id).execute()
        return staff
    failed = Device.select(Device.failed_pins).where(Device.id == device.id).scalar()
    with database.atomic():
        if failed >= MAX_FAILED_PINS:
            Device.update(locked_at=utcnow()).where(Device.id == device.id).execute()
        audit.record("device.pin_failed", obj=device, ip=ip, name=device.name,
                     group=device.group_id, staff=staff_id, tries=failed)
        if failed >= MAX_FAILED_PINS:
            audit.record("device.locked", obj=device, ip=ip, name=device.name,
                         group=device.group_id)
    if failed >= MAX_FAILED_PINS:
        raise Locked()
    raise WrongPin(MAX_FAILED_PINS - failed)
