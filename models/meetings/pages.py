"""What the meeting pages show, each in a constant number of queries whatever the
number of slots or children.

A guardian's booking page gets the FREE slots and the family's own booking only: a
slot another family booked is simply not in the answer, so no page can tell which time
another family took, or who took it (rule 11)."""
import datetime
from dataclasses import dataclass, field
from itertools import groupby

from peewee import JOIN, Case, fn

from models.access.meetings import name_shown
from models.db import utcnow
from models.meetings.tables import MeetingBooking, MeetingRound, MeetingRoundChild, MeetingSlot
from models.school.tables import WITH_RESPONSIBILITY, Child, Guardianship, User


@dataclass
class Day:
    day: datetime.date
    slots: list = field(default_factory=list)


def by_day(slots):
    return [Day(day, list(group)) for day, group in groupby(slots, key=lambda s: s.first_day)]


def booking_page(found, child_id, households, now=None):
    """(free slots by day, the family's own bookings) for the child: slots not booked
    and not begun, and the slots booked for the child by a household in `households`
    (0: together; a guardian's id: separate meetings). One query."""
    now = now or utcnow()
    rows = list(
        MeetingSlot.select(MeetingSlot, MeetingBooking.id.alias("booking_id"),
                           MeetingBooking.by_staff.alias("by_staff"))
        .join(MeetingBooking, JOIN.LEFT_OUTER, on=(MeetingBooking.slot == MeetingSlot.id))
        .where((MeetingSlot.round == found.id)
               & ((MeetingBooking.id.is_null() & (MeetingSlot.starts_at > now))
                  | ((MeetingBooking.child == child_id)
                     & MeetingBooking.household.in_(sorted(set(households))))))
        .order_by(MeetingSlot.starts_at, MeetingSlot.id).objects())
    own = [row for row in rows if row.booking_id is not None]
    return by_day([row for row in rows if row.booking_id is None]), own


def schedule(found, user, day):
    """(slots by day, each with .booking_id, .child_id, .shown_name (empty where the
    name is not for this member of staff), .by_staff, .household; the round's children,
    each with .shown_name, .bookings (count), .paper (a guardian gets paper letters),
    .agenda, .separate). Two queries."""
    shown = Case(None, [(name_shown(user, day),
                         Child.first_name.concat(" ").concat(Child.last_name))], "")
    slots = list(
        MeetingSlot.select(MeetingSlot, MeetingBooking.id.alias("booking_id"),
                           MeetingBooking.child.alias("child_id"),
                           MeetingBooking.by_staff.alias("by_staff"),
                           MeetingBooking.household.alias("household"),
                           shown.alias("shown_name"))
        .join(MeetingBooking, JOIN.LEFT_OUTER, on=(MeetingBooking.slot == MeetingSlot.id))
        .join(Child, JOIN.LEFT_OUTER, on=(Child.id == MeetingBooking.child))
        .where(MeetingSlot.round == found.id)
        .order_by(MeetingSlot.starts_at, MeetingSlot.id).objects())
    bookings = (MeetingBooking.select(fn.COUNT(MeetingBooking.id))
                .where((MeetingBooking.round == found.id)
                       & (MeetingBooking.child == MeetingRoundChild.child)))
    paper = fn.EXISTS(Guardianship.select(Guardianship.id).join(User).where(
        (Guardianship.child == MeetingRoundChild.child)
        & Guardianship.responsibility.in_(WITH_RESPONSIBILITY) & User.paper_letters))
    children = list(
        MeetingRoundChild.select(MeetingRoundChild, shown.alias("shown_name"),
                                 bookings.alias("bookings"), paper.alias("paper"))
        .join(Child).where(MeetingRoundChild.round == found.id)
        .order_by(Case(None, [(shown == "", 1)], 0), Child.first_name, Child.last_name,
                  Child.id).objects())
    return by_day(slots), children


def staff_rounds(query):
    """The rounds of `query` (MeetingRound rows) with .slots and .booked counts."""
    slots = (MeetingSlot.select(fn.COUNT(MeetingSlot.id))
             .where(MeetingSlot.round == MeetingRound.id))
    booked = (MeetingBooking.select(fn.COUNT(MeetingBooking.id))
              .where(MeetingBooking.round == MeetingRound.id))
    return list(query.select_extend(slots.alias("slot_count"), booked.alias("booked")))


def family_bookings(user, child_ids):
    """{(round id, child id): [(starts_at, ends_at, place, video link)]} of the
    bookings the user's family made for these children (together, or the user's own
    household). One query."""
    if not child_ids:
        return {}
    found = {}
    for round_id, child_id, starts, ends, place, link in (
            MeetingBooking.select(MeetingBooking.round, MeetingBooking.child,
                                  MeetingSlot.starts_at, MeetingSlot.ends_at,
                                  MeetingSlot.place, MeetingSlot.video_link)
            .join(MeetingSlot)
            .where(MeetingBooking.child.in_(sorted(child_ids))
                   & MeetingBooking.household.in_([0, user.id]))
            .order_by(MeetingSlot.starts_at).tuples()):
        found.setdefault((round_id, child_id), []).append((starts, ends, place, link))
    return found
