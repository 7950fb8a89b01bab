"""Booking, rebooking and cancelling a meeting, and staff assigning or moving one.

The database decides a race: meeting_booking has UNIQUE(slot), so of two guardians who
book the last free slot at the same moment exactly one insert succeeds. The write runs
in a savepoint and the loser's IntegrityError becomes `Refused("taken")`: that request
shows the remaining slots again, never a 500. Rebooking updates the booking's slot in
one statement (no moment without a booking, never two).

Each booking schedules its MEETING_SOON notification for two days before, at the same
local clock time (computed on the local calendar, so a change of summer time in between
moves nothing): a notification row with a later due time, which the worker's minute
sweep sends when due after checking access again (rule 1). Moving or cancelling drops
the pending one."""
import datetime

import peewee

from models import audit
from models.calendar.stamp import touch
from models.db import database, utcnow
from models.meetings.rounds import guardian_recipients
from models.meetings.tables import MeetingBooking, MeetingRoundChild, MeetingSlot
from models.notifications import notify
from models.notifications.tables import MEETING_SOON, PENDING, Notification

REMIND_DAYS = 2


class Refused(Exception):
    """`reason`: "taken" (the slot is someone else's now, or no longer free), "closed"
    (the deadline has passed), "nothing" (no booking to cancel or move), "separate"
    (the child's guardians book a meeting each, and one of them has: staff move that
    booking instead of adding a family meeting)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def household_of(entry, user):
    """0 for the child's family together; the guardian's id for separate meetings."""
    return user.id if entry.separate else 0


def reminder_due(starts_at, zone):
    """Two local calendar days before the meeting, at its local clock time (UTC)."""
    local = starts_at.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
    earlier = datetime.datetime.combine(local.date() - datetime.timedelta(days=REMIND_DAYS),
                                        local.time()).replace(tzinfo=zone)
    return earlier.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _drop_reminder(booking_id):
    Notification.delete().where(
        (Notification.event == MEETING_SOON) & (Notification.status == PENDING)
        & Notification.key.startswith(f"{MEETING_SOON}:b{booking_id}s")).execute()


def _schedule_reminder(found, booking_id, slot, child_id, household, zone, now):
    recipients = ({household: child_id} if household else guardian_recipients([child_id]))
    due = reminder_due(slot.starts_at, zone)
    notify.publish(notify.Event(
        kind=MEETING_SOON, source=f"b{booking_id}s{slot.id}", unit_id=found.unit_id,
        path=f"/meetings/{found.id}/children/{{child}}", not_before=max(due, now),
        recipients=recipients), now=now)
    MeetingBooking.update(reminded_at=max(due, now)).where(
        MeetingBooking.id == booking_id).execute()


def _open_slot(found, slot_id, now):
    slot = MeetingSlot.get_or_none((MeetingSlot.id == slot_id) & (MeetingSlot.round == found.id))
    if slot is None or slot.starts_at <= now:
        raise Refused("taken")
    return slot


def book(found, child_id, household, slot_id, user, zone, by_staff=False, ip="", now=None):
    """Book `slot_id` for the child (and household), or move its booking there. Staff
    may assign after the deadline; guardians may not. Returns the booking's id."""
    now = now or utcnow()
    if not by_staff and now >= found.deadline:
        raise Refused("closed")
    with database.atomic():
        slot = _open_slot(found, slot_id, now)
        existing = MeetingBooking.get_or_none(
            (MeetingBooking.round == found.id) & (MeetingBooking.child == child_id)
            & (MeetingBooking.household == household))
        if existing is not None and existing.slot_id == slot.id:
            return existing.id
        if household == 0 and existing is None and MeetingBooking.select().where(
                (MeetingBooking.round == found.id) & (MeetingBooking.child == child_id)
                & (MeetingBooking.household != 0)).exists():
            raise Refused("separate")
        values = {"slot": slot.id, "booked_by": user.id, "by_staff": by_staff,
                  "booked_at": now}
        try:
            with database.atomic():  # a savepoint: the loser of a race ends here
                if existing is not None:
                    MeetingBooking.update(**values).where(
                        MeetingBooking.id == existing.id).execute()
                    booking_id = existing.id
                else:
                    booking_id = MeetingBooking.insert(
                        round=found.id, child=child_id, household=household,
                        **values).execute()
        except peewee.IntegrityError:
            raise Refused("taken") from None
        if existing is not None:
            _drop_reminder(existing.id)
        _schedule_reminder(found, booking_id, slot, child_id, household, zone, now)
        touch([found.unit_id])
        audit.record("meetings.moved" if existing is not None else "meetings.booked",
                     actor=user, obj=found, ip=ip, child=child_id, slot=slot.id,
                     by_staff=by_staff)
    return booking_id


def cancel(found, child_id, household, user, ip="", now=None):
    """A guardian cancels the family's booking, until the deadline."""
    now = now or utcnow()
    if now >= found.deadline:
        raise Refused("closed")
    booking = MeetingBooking.get_or_none(
        (MeetingBooking.round == found.id) & (MeetingBooking.child == child_id)
        & (MeetingBooking.household == household))
    if booking is None:
        raise Refused("nothing")
    _delete(found, booking, user, ip)


def staff_booking(found, booking_id):
    """A booking of the round (for staff who manage it), or None."""
    return MeetingBooking.get_or_none((MeetingBooking.id == booking_id)
                                      & (MeetingBooking.round == found.id))


def staff_cancel(found, booking, user, ip=""):
    _delete(found, booking, user, ip, by_staff=True)


def staff_move(found, booking, slot_id, user, zone, ip="", now=None):
    return book(found, booking.child_id, booking.household, slot_id, user, zone,
                by_staff=True, ip=ip, now=now)


def _delete(found, booking, user, ip, by_staff=False):
    with database.atomic():
        deleted = MeetingBooking.delete().where(MeetingBooking.id == booking.id).execute()
        if not deleted:
            raise Refused("nothing")
        _drop_reminder(booking.id)
        touch([found.unit_id])
        audit.record("meetings.cancelled", actor=user, obj=found, ip=ip,
                     child=booking.child_id, slot=booking.slot_id, by_staff=by_staff)


def ask_separate(found, entry, user, separate, ip="", now=None):
    """A guardian asks for separate meetings for the child (where the round allows
    it), or takes the wish back. A booking made together becomes the household's of
    the guardian who made it (or the asker's, when staff assigned it); back together,
    one booking at most may remain."""
    now = now or utcnow()
    if not found.allow_separate:
        raise Refused("nothing")
    if now >= found.deadline:
        raise Refused("closed")
    with database.atomic():
        bookings = list(MeetingBooking.select().where(
            (MeetingBooking.round == found.id) & (MeetingBooking.child == entry.child_id)))
        if separate:
            for booking in bookings:
                if booking.household == 0:
                    owner = user.id if booking.by_staff or not booking.booked_by_id else (
                        booking.booked_by_id)
                    MeetingBooking.update(household=owner).where(
                        MeetingBooking.id == booking.id).execute()
        else:
            if len(bookings) > 1:
                raise Refused("separate")
            MeetingBooking.update(household=0).where(
                (MeetingBooking.round == found.id)
                & (MeetingBooking.child == entry.child_id)).execute()
        MeetingRoundChild.update(separate=separate).where(
            MeetingRoundChild.id == entry.id).execute()
        touch([found.unit_id])  # the other home's calendar loses or gains the time
        audit.record("meetings.separate" if separate else "meetings.together", actor=user,
                     obj=found, ip=ip, child=entry.child_id)
