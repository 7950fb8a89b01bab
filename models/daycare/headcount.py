"""The head count: the children in the building now (checked in today, not checked out),
per department and for a unit, for a fire drill or an evacuation."""
import datetime
from dataclasses import dataclass

from models.daycare.tables import Presence
from models.db import today
from models.school.tables import Child, Group


@dataclass(frozen=True)
class Here:
    child_id: int
    first_name: str
    last_name: str
    group_id: int
    group: str
    checked_in_at: datetime.datetime   # naive UTC


def in_building(unit_id=None, group_ids=None, day=None):
    """[Here] of the unit's children (or the groups', ids or a subquery) checked in on
    `day` (default today) and not gone home, by department and first name. One query."""
    if (unit_id is None) == (group_ids is None):
        raise TypeError("give a unit or groups")
    where = (Presence.day == (day or today())) & Presence.checked_out_at.is_null()
    where &= (Group.unit == unit_id) if unit_id is not None else Group.id.in_(group_ids)
    return [Here(*line) for line in (
        Presence.select(Child.id, Child.first_name, Child.last_name, Group.id, Group.name,
                        Presence.checked_in_at)
        .join(Child, on=(Presence.child == Child.id))
        .switch(Presence).join(Group, on=(Presence.group == Group.id))
        .where(where)
        .order_by(Group.name, Group.id, Child.first_name, Child.last_name, Child.id)
        .tuples())]


def by_group(found):
    """[(group name, [Here])] in the order found."""
    groups = {}
    for here in found:
        groups.setdefault((here.group_id, here.group), []).append(here)
    return [(name, rows) for (_, name), rows in groups.items()]
