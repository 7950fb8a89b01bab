"""Opening a round of parent–teacher meetings: its slots laid out over a period of days,
its children, and the guardians told (MEETINGS); the agenda per child, a slot's place,
and the staff's reminder to those who have not booked."""
import datetime
from dataclasses import dataclass

from models import audit
from models.calendar.stamp import touch
from models.db import database, utcnow
from models.meetings.tables import MeetingBooking, MeetingRound, MeetingRoundChild, MeetingSlot
from models.notifications import notify
from models.notifications.tables import MEETINGS
from models.school.tables import WITH_RESPONSIBILITY, Guardianship

LENGTH_MIN, LENGTH_MAX = 10, 60  # minutes per slot
BREAK_MAX = 60
DAYS_MAX = 31  # the longest period, first to last day
SLOTS_MAX = 400


@dataclass(frozen=True)
class Plan:
    """What staff asked for, already checked (views/meetings_forms.py)."""
    title: str
    intro: str
    first_day: datetime.date
    last_day: datetime.date
    day_from: datetime.time
    day_until: datetime.time
    length: int  # minutes
    pause: int  # minutes between two slots
    place: str
    video_link: str
    deadline: datetime.datetime  # UTC, naive
    allow_separate: bool
    child_ids: tuple


def to_utc(day, at, zone):
    """A local day and clock time as a naive UTC moment. Built from the local wall
    clock each day, so a slot at 14:00 stays at 14:00 across a change of summer time."""
    local = datetime.datetime.combine(day, at).replace(tzinfo=zone)
    return local.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def slot_times(plan, zone):
    """[(starts_at, ends_at, local day)] of the plan: weekdays only, each day from
    `day_from`, slots of `length` with `pause` between, the last ending by
    `day_until`."""
    slots = []
    day = plan.first_day
    length = datetime.timedelta(minutes=plan.length)
    step = datetime.timedelta(minutes=plan.length + plan.pause)
    while day <= plan.last_day:
        if day.weekday() < 5:
            start = datetime.datetime.combine(day, plan.day_from)
            end_of_day = datetime.datetime.combine(day, plan.day_until)
            while start + length <= end_of_day:
                slots.append((to_utc(day, start.time(), zone),
                              to_utc(day, (start + length).time(), zone), day))
                start += step
        day += datetime.timedelta(days=1)
    return slots


def guardian_recipients(child_ids):
    """{guardian id: child id} of the guardians with parental responsibility; the
    sender checks access again (rule 1) before anything goes."""
    return {guardian: child for guardian, child in Guardianship.select(
        Guardianship.guardian, Guardianship.child)
        .where(Guardianship.child.in_(list(child_ids))
               & Guardianship.responsibility.in_(WITH_RESPONSIBILITY)).tuples()}


def open_round(unit_id, group_id, plan, user, zone, ip=""):
    """Create the round with its slots and children, tell the guardians, and write the
    audit row: one transaction. Returns the round."""
    times = slot_times(plan, zone)
    with database.atomic():
        found = MeetingRound.create(
            unit=unit_id, group=group_id, title=plan.title, intro=plan.intro,
            deadline=plan.deadline, allow_separate=plan.allow_separate, created_by=user)
        MeetingSlot.insert_many([
            {"round": found.id, "starts_at": start, "ends_at": end, "first_day": day,
             "place": plan.place, "video_link": plan.video_link}
            for start, end, day in times]).execute()
        MeetingRoundChild.insert_many([{"round": found.id, "child": child_id}
                                       for child_id in plan.child_ids]).execute()
        notify.publish(notify.Event(
            kind=MEETINGS, source=f"round{found.id}", unit_id=unit_id,
            path=f"/meetings/{found.id}/children/{{child}}",
            recipients=guardian_recipients(plan.child_ids)))
        touch([unit_id])
        audit.record("meetings.opened", actor=user, obj=found, ip=ip, slots=len(times),
                     children=list(plan.child_ids))
    return found


def set_agenda(found, child_id, text, user, ip=""):
    """The agenda the child's guardians see; False when the child is not in the round."""
    with database.atomic():
        changed = MeetingRoundChild.update(agenda=text).where(
            (MeetingRoundChild.round == found.id)
            & (MeetingRoundChild.child == child_id)).execute()
        if changed:
            audit.record("meetings.agenda", actor=user, obj=found, ip=ip, child=child_id)
    return bool(changed)


def set_place(found, slot_id, place, video_link, user, ip=""):
    """A slot's place or video link; False when the slot is not the round's."""
    with database.atomic():
        changed = MeetingSlot.update(place=place, video_link=video_link).where(
            (MeetingSlot.id == slot_id) & (MeetingSlot.round == found.id)).execute()
        if changed:
            touch([found.unit_id])
            audit.record("meetings.place", actor=user, obj=found, ip=ip, slot=slot_id)
    return bool(changed)


def not_booked(round_id):
    """{guardian id: child id} of the guardians with parental responsibility who still
    owe a booking: every one of a child with no booking; for a child whose guardians
    asked for separate meetings, each one whose own household has none."""
    booked = MeetingBooking.select(MeetingBooking.child, MeetingBooking.household).where(
        MeetingBooking.round == round_id).tuples()
    households = {}
    for child, household in booked:
        households.setdefault(child, set()).add(household)
    entries = dict(MeetingRoundChild.select(MeetingRoundChild.child, MeetingRoundChild.separate)
                   .where(MeetingRoundChild.round == round_id).tuples())
    owing = {}
    for guardian, child in Guardianship.select(Guardianship.guardian, Guardianship.child).where(
            Guardianship.child.in_(list(entries))
            & Guardianship.responsibility.in_(WITH_RESPONSIBILITY)).tuples():
        done = households.get(child, set())
        if (guardian in done) if entries[child] else bool(done):
            continue
        owing[guardian] = child
    return owing


def remind(found, user, ip="", now=None):
    """MEETINGS again to those who have not booked (once a day at most); the number of
    guardians reminded."""
    now = now or utcnow()
    with database.atomic():
        recipients = not_booked(found.id)
        notify.publish(notify.Event(
            kind=MEETINGS, source=f"round{found.id}-{now:%Y%m%d}", unit_id=found.unit_id,
            path=f"/meetings/{found.id}/children/{{child}}", recipients=recipients))
        audit.record("meetings.reminded", actor=user, obj=found, ip=ip,
                     guardians=len(recipients))
    return len(recipients)
