"""The demo's booking round (models/demo.py calls `load`): "Foreldresamtaler" for 1A,
six 20-minute times 14:00–16:00 with a break on the first weekday at least two days
ahead (so it is always in "this week" of the home page, whatever day the demo is made
on), the deadline at noon the day before; Kari has booked the first for Emma."""
import datetime

from models.db import utcnow
from models.meetings.rounds import to_utc
from models.meetings.tables import MeetingBooking, MeetingRound, MeetingRoundChild, MeetingSlot
from models.notifications.timing import municipality_zone
from models.school.tables import Child, Enrolment, Group, User

STARTS = (datetime.time(14, 0), datetime.time(14, 20), datetime.time(14, 40),
          datetime.time(15, 20), datetime.time(15, 40), datetime.time(16, 0))


def load(day, zone=None):
    zone = zone or municipality_zone()
    g1a = Group.get(Group.name == "1A")
    teacher = User.get(User.username == "larer1a")
    kari = User.get(User.username == "kari")
    meeting_day = day + datetime.timedelta(days=2)
    while meeting_day.weekday() >= 5:
        meeting_day += datetime.timedelta(days=1)
    deadline_day = meeting_day - datetime.timedelta(days=1)
    found = MeetingRound.create(
        unit=g1a.unit_id, group=g1a, title="Foreldresamtaler",
        intro="Velkommen til foreldresamtale om hvordan høsten har gått.",
        deadline=to_utc(deadline_day, datetime.time(12, 0), zone), allow_separate=True,
        created_by=teacher, created_at=utcnow())
    children = [c for (c,) in Enrolment.select(Enrolment.child).where(
        (Enrolment.group == g1a) & Enrolment.active(day)).tuples()]
    for child_id in children:
        MeetingRoundChild.create(round=found, child=child_id)
    slots = [MeetingSlot.create(
        round=found, starts_at=to_utc(meeting_day, at, zone),
        ends_at=to_utc(meeting_day, (datetime.datetime.combine(meeting_day, at)
                                 + datetime.timedelta(minutes=20)).time(), zone),
        first_day=meeting_day, place="Klasserommet 1A") for at in STARTS]
    emma = Child.get(Child.first_name == "Emma")
    MeetingRoundChild.update(agenda="Lesing og trivsel i friminuttene.").where(
        (MeetingRoundChild.round == found) & (MeetingRoundChild.child == emma)).execute()
    MeetingBooking.create(slot=slots[0], round=found, child=emma, booked_by=kari,
                          booked_at=utcnow())
    return found
