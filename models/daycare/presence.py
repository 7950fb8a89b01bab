"""Checking a child in and out of a kindergarten department or an after-school group,
and putting a mistake right within the day. Every change is one transaction with its
audit event, naming the member of staff who made it. Who may do it is decided by
models/access/daycare.py before these are called.

Moments are stored in UTC; the municipality's clock (`zone()`) says which local day and
time they are."""
import datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from peewee import IntegrityError

from models import audit
from models.calendar import days
from models.daycare.tables import Presence
from models.db import database, today, utcnow
from models.pickup.lists import all_approved
from models.pickup.tables import NAME_MAX, PickupPerson
from models.school.tables import Enrolment

ZONES = {"NO": ZoneInfo("Europe/Oslo"), "SE": ZoneInfo("Europe/Stockholm")}
KEEP = object()  # correct(): leave this time as it is


class Refused(ValueError):
    """The change cannot be made; `code` says why (views turn it into a sentence)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


NOT_ENROLLED = "not_enrolled"   # the child is not in the group that day
NOT_HERE = "not_here"           # not checked in (or already gone home)
OTHER_DAY = "other_day"         # a time outside the row's day, or a past day's row
FUTURE = "future"               # a time that has not come yet
ORDER = "order"                 # picked up before arriving
BAD_PERSON = "bad_person"       # not an approved person on the child's list
BAD_NAME = "bad_name"           # too long


def zone():
    """The municipality's time zone; outside a request (the demo loader), Norway's."""
    if has_app_context():
        return ZONES[current_app.config["MUNICIPALITY"].country]
    return ZONES["NO"]


def local(moment):
    """A stored moment (naive UTC) on the municipality's clock (aware)."""
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(zone())


def moment(day, time):
    """The stored moment (naive UTC) of a local day and time of day. A time the clock
    skips when summer time begins is read as the hour after."""
    aware = datetime.datetime.combine(day, time, tzinfo=zone())
    return aware.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _now():
    return utcnow().replace(microsecond=0)


def open_on(unit_id, day):
    """Whether the unit is open on `day`: a weekday that is not one of its days off."""
    return not days.is_weekend(day) and not days.days_off([unit_id], day, day)


def _day_of(at):
    return today() if at is None else local(at).date()


def _enrolled(child_id, group_id, day):
    return (Enrolment.select(Enrolment.id)
            .where((Enrolment.child == child_id) & (Enrolment.group == group_id)
                   & Enrolment.active(day)).exists())


def _row(child_id, group_id, day):
    return (Presence.select()
            .where((Presence.child == child_id) & (Presence.group == group_id)
                   & (Presence.day == day)).first())


def _stamp(value):
    return value.isoformat(timespec="minutes") if value else None


def check_in(child_id, group_id, actor, at=None, ip=""):
    """The child has arrived (now, or at `at`, naive UTC). Checking in a child who is
    here already changes nothing; one who went home and came back is here again.
    Returns the Presence row. Refused(NOT_ENROLLED) if the child is not in the group."""
    day = _day_of(at)
    at = at or _now()
    with database.atomic():
        if not _enrolled(child_id, group_id, day):
            raise Refused(NOT_ENROLLED)
        row = (Presence.select()
               .where((Presence.child == child_id) & (Presence.day == day)).first())
        if row is not None and row.group_id != group_id:
            raise Refused(NOT_HERE)  # checked in to another group of theirs today
        if row is not None and row.checked_out_at is None:
            return row
        if row is None:
            try:
                with database.atomic():
                    row = Presence.create(child=child_id, group=group_id, day=day,
                                          checked_in_at=at, checked_in_by=actor.id)
            except IntegrityError:  # a second tap at the same instant
                return _row(child_id, group_id, day)
            audit.record("presence.checked_in", actor=actor, ip=ip, child=child_id,
                         group=group_id, at=_stamp(at))
            return row
        old = row.checked_out_at
        row.checked_out_at = row.checked_out_by = row.picked_up_by_person = None
        row.picked_up_by_name = ""
        row.save()
        audit.record("presence.checked_in", actor=actor, ip=ip, child=child_id,
                     group=group_id, at=_stamp(at), back_after=_stamp(old))
        return row


def approved_person(child_id, person_id):
    """The approved, not removed person on the child's pick-up list, or None."""
    return (PickupPerson.select()
            .where((PickupPerson.id == person_id) & (PickupPerson.child == child_id)
                   & PickupPerson.removed_at.is_null() & all_approved()).first())


def check_out(child_id, group_id, actor, picked_up_by_person_id=None, picked_up_by_name="",
              at=None, ip=""):
    """The child has gone home (now, or at `at`): fetched by an approved person on the
    list, or by someone named (a guardian, a one-off name), or neither (went home
    alone). Checking out a child who has gone already changes nothing. Returns the row.
    Refused(NOT_HERE) if the child was not checked in that day."""
    day = _day_of(at)
    at = at or _now()
    name = (picked_up_by_name or "").strip()
    if len(name) > NAME_MAX:
        raise Refused(BAD_NAME)
    with database.atomic():
        row = _row(child_id, group_id, day)
        if row is None:
            raise Refused(NOT_HERE)
        if row.checked_out_at is not None:
            return row
        if at < row.checked_in_at:
            raise Refused(ORDER)
        person = None
        if picked_up_by_person_id is not None:
            person = approved_person(child_id, picked_up_by_person_id)
            if person is None:
                raise Refused(BAD_PERSON)
            name = ""
        row.checked_out_at, row.checked_out_by = at, actor.id
        row.picked_up_by_person, row.picked_up_by_name = person, name
        row.save()
        audit.record("presence.checked_out", actor=actor, ip=ip, child=child_id,
                     group=group_id, at=_stamp(at),
                     person=person.id if person else None, name=name)
    return row


def _today_row(child_id, group_id):
    row = _row(child_id, group_id, today())
    if row is None:
        raise Refused(NOT_HERE)
    return row


def correct(child_id, group_id, actor, checked_in_at=KEEP, checked_out_at=KEEP, ip=""):
    """Put today's times right (naive UTC; `checked_out_at=None` takes back the check-out).
    Only today's row, only times within today and not later than now, arrival before
    departure. One audit event with the old and the new times. Returns the row."""
    with database.atomic():
        row = _today_row(child_id, group_id)
        new_in = row.checked_in_at if checked_in_at is KEEP else checked_in_at
        new_out = row.checked_out_at if checked_out_at is KEEP else checked_out_at
        if new_in is None:
            raise Refused(ORDER)
        for value in (new_in, new_out):
            if value is not None and local(value).date() != row.day:
                raise Refused(OTHER_DAY)
            if value is not None and value > utcnow():
                raise Refused(FUTURE)
        if new_out is not None and new_out < new_in:
            raise Refused(ORDER)
        old_in, old_out = row.checked_in_at, row.checked_out_at
        if (old_in, old_out) == (new_in, new_out):
            return row
        row.checked_in_at, row.checked_out_at = new_in, new_out
        if new_out is None:
            row.checked_out_by = row.picked_up_by_person = None
            row.picked_up_by_name = ""
        elif old_out is None:
            row.checked_out_by = actor.id
        row.corrected_at, row.corrected_by = utcnow(), actor.id
        row.save()
        audit.record("presence.corrected", actor=actor, ip=ip, child=child_id,
                     group=group_id, day=row.day.isoformat(),
                     old={"in": _stamp(old_in), "out": _stamp(old_out)},
                     new={"in": _stamp(new_in), "out": _stamp(new_out)})
    return row


def undo(child_id, group_id, actor, ip=""):
    """Take back today's last step: a check-out, or else the check-in. Audited with the
    times taken back. Returns the row, or None when the check-in was taken back."""
    with database.atomic():
        row = _today_row(child_id, group_id)
        old = {"in": _stamp(row.checked_in_at), "out": _stamp(row.checked_out_at)}
        if row.checked_out_at is not None:
            row.checked_out_at = row.checked_out_by = row.picked_up_by_person = None
            row.picked_up_by_name = ""
            row.corrected_at, row.corrected_by = utcnow(), actor.id
            row.save()
            new = {"in": old["in"], "out": None}
        else:
            row.delete_instance()
            row, new = None, {"in": None, "out": None}
        audit.record("presence.corrected", actor=actor, ip=ip, child=child_id,
                     group=group_id, day=today().isoformat(), old=old, new=new, undo=True)
    return row
