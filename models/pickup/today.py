"""Who picks a child up on a given day: a guardian with parental responsibility says so,
today or up to DAYS_AHEAD days ahead, naming a person from the approved list or a
one-off name and phone; they can change or withdraw it until the day has passed.

Who may say it, or see it, is decided in models/access/pickup.py."""
import datetime

from peewee import JOIN

from models import audit
from models.db import database, today
from models.pickup.lists import all_approved
from models.pickup.tables import PickupPerson, PickupToday

DAYS_AHEAD = 14


def for_day(child_ids, day):
    """{child_id: PickupToday} for the children someone said a pick-up for on `day`,
    with `.person` joined when it names a person from the list (a person since removed,
    or no longer approved by every guardian, no longer counts). One query."""
    child_ids = list(child_ids)
    if not child_ids:
        return {}
    rows = (PickupToday.select(PickupToday, PickupPerson)
            .join(PickupPerson, JOIN.LEFT_OUTER, on=(PickupToday.person == PickupPerson.id))
            .where(PickupToday.child.in_(child_ids) & (PickupToday.day == day)
                   & (PickupToday.person.is_null()
                      | (PickupPerson.removed_at.is_null() & all_approved()))))
    return {row.child_id: row for row in rows}


def days_open(day=None):
    """(first, last): the days a guardian may say who picks up on, from today."""
    first = day or today()
    return first, first + datetime.timedelta(days=DAYS_AHEAD)


def upcoming(child_id, day=None):
    """What is said for the child from today on (within DAYS_AHEAD), by day, each with
    its person joined when there is one. One query."""
    first, last = days_open(day)
    return list(PickupToday.select(PickupToday, PickupPerson)
                .join(PickupPerson, JOIN.LEFT_OUTER, on=(PickupToday.person == PickupPerson.id))
                .where((PickupToday.child == child_id) & (PickupToday.day >= first)
                       & (PickupToday.day <= last)
                       & (PickupToday.person.is_null()
                          | (PickupPerson.removed_at.is_null() & all_approved())))
                .order_by(PickupToday.day))


def say(child, guardian, day, person=None, name="", phone="", ip=""):
    """The guardian says who picks the child up on `day` (checked by the caller to be
    within days_open): an approved person from the list, or a one-off name and phone.
    What was said for that day before is replaced."""
    with database.atomic():
        (PickupToday.delete().where((PickupToday.child == child.id)
                                    & (PickupToday.day == day)).execute())
        row = PickupToday.create(child=child.id, day=day,
                                 person=person.id if person is not None else None,
                                 name="" if person is not None else name,
                                 phone="" if person is not None else phone,
                                 said_by=guardian.id)
        audit.record("pickup.said", actor=guardian, obj=row, ip=ip, child=child.id,
                     day=day.isoformat(), from_list=person is not None)
    return row


def withdraw(child, guardian, day, ip=""):
    """Take back what was said for `day`; False when nothing was."""
    with database.atomic():
        row = (PickupToday.select().where((PickupToday.child == child.id)
                                          & (PickupToday.day == day)).first())
        if row is None:
            return False
        row.delete_instance()
        audit.record("pickup.withdrawn", actor=guardian, obj=row, ip=ip, child=child.id,
                     day=day.isoformat())
    return True
