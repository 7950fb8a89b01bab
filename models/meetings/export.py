"""What a guardian's data export holds of the meetings (rule 10): their children's
rounds with the agenda, and the family's own bookings; never another family's."""
from models.access.meetings import guarded_ids
from models.meetings.tables import MeetingBooking, MeetingRound, MeetingRoundChild, MeetingSlot
from models.school.tables import Child


def _at(moment):
    return moment.isoformat() if moment is not None else None


def for_guardian(user):
    """{"meetings": [...]} for the children the user sees as a guardian or caregiver
    today. Two queries."""
    entries = list(MeetingRoundChild.select(MeetingRoundChild, MeetingRound, Child)
                   .join(MeetingRound).switch(MeetingRoundChild).join(Child)
                   .where(MeetingRoundChild.child.in_(guarded_ids(user)))
                   .order_by(MeetingRound.id, Child.first_name))
    bookings = {}
    if entries:
        for booking in (MeetingBooking.select(MeetingBooking, MeetingSlot).join(MeetingSlot)
                        .where(MeetingBooking.child.in_([e.child_id for e in entries])
                               & MeetingBooking.household.in_([0, user.id]))):
            bookings.setdefault((booking.round_id, booking.child_id), []).append({
                "starts_at": _at(booking.slot.starts_at), "ends_at": _at(booking.slot.ends_at),
                "place": booking.slot.place, "video_link": booking.slot.video_link,
                "booked_at": _at(booking.booked_at), "booked_by_you": booking.booked_by_id == user.id,
                "booked_by_staff": booking.by_staff})
    return {"meetings": [{
        "round": entry.round.title, "intro": entry.round.intro,
        "deadline": _at(entry.round.deadline), "child": entry.child.name,
        "agenda": entry.agenda, "separate_meetings": entry.separate,
        "bookings": bookings.get((entry.round_id, entry.child_id), [])}
        for entry in entries]}
