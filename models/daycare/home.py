"""A guardian's view of their child's day on the home page: checked in at, picked up at
and by whom, and who is expected to pick up today. Only the guardian's own children
(the access rules' own children of the user, among those the caller asks for)."""
import datetime
from dataclasses import dataclass

from peewee import JOIN

from models import access
from models.daycare.tables import Presence
from models.db import Prepared
from models.pickup.lists import all_approved
from models.pickup.tables import PickupPerson, PickupToday
from models.school.tables import Child, eighteenth_birthday_cutoff

KINDS = ("kindergarten", "sfo")


@dataclass(frozen=True)
class ChildDay:
    checked_in_at: datetime.datetime | None    # naive UTC
    checked_out_at: datetime.datetime | None
    picked_up_by: str
    expected: str                               # who the guardians said picks up today

    @property
    def empty(self):
        return not (self.checked_in_at or self.expected)


def _days_query(user, day, adult_cutoff):
    fetched_by = PickupPerson.alias("fetched_by")
    return (Child.select(Child.id, Presence.checked_in_at, Presence.checked_out_at,
                         Presence.picked_up_by_name, fetched_by.first_name,
                         fetched_by.last_name, PickupToday.name, PickupPerson.first_name,
                         PickupPerson.last_name)
            .join(Presence, JOIN.LEFT_OUTER,
                  on=((Presence.child == Child.id) & (Presence.day == day)))
            .join(fetched_by, JOIN.LEFT_OUTER,
                  on=(Presence.picked_up_by_person == fetched_by.id))
            .join(PickupToday, JOIN.LEFT_OUTER,
                  on=((PickupToday.child == Child.id) & (PickupToday.day == day)))
            .join(PickupPerson, JOIN.LEFT_OUTER,
                  on=((PickupToday.person == PickupPerson.id)
                      & PickupPerson.removed_at.is_null() & all_approved()))
            .where(Child.id.in_(access.guarded_child_ids(user, day, adult_cutoff)))
            .tuples())


# Built once, not per request (the home page asks for it on every view).
_days = Prepared(_days_query, user=int, day=datetime.date, adult_cutoff=datetime.date)


def for_children(user, child_ids, day):
    """{child id: ChildDay} of `child_ids` on `day`, as far as they are the user's own
    children (as guardian or caregiver). One query (none for no child)."""
    child_ids = set(child_ids)
    if not child_ids:
        return {}
    found = {}
    for (child_id, in_at, out_at, name, fetched_first, fetched_last, today_name,
         person_first, person_last) in _days(user=user.id, day=day,
                                             adult_cutoff=eighteenth_birthday_cutoff(day)):
        if child_id not in child_ids:
            continue
        fetched = f"{fetched_first or ''} {fetched_last or ''}".strip() or (name or "")
        expected = (f"{person_first or ''} {person_last or ''}".strip() if person_first
                    else (today_name or ""))
        found[child_id] = ChildDay(in_at, out_at, fetched, expected)
    return found
