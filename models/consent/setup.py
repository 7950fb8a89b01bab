"""What the page that defines a consent offers: the units and groups a new consent may
ask, and the children a unit leader may choose one by one. The scope (which units) comes
from `access.consent_scope`."""
from models.db import today
from models.school.tables import Child, Enrolment, Group, Unit


def units_and_groups(unit_ids, everywhere):
    """([Unit], [Group with its unit]) a new consent may ask, by name: every unit for
    the administrator (`everywhere`), else the units of `unit_ids`. Two queries."""
    units = Unit.select().order_by(Unit.name)
    if not everywhere:
        units = units.where(Unit.id.in_(unit_ids))
    units = list(units)
    groups = list(Group.select(Group, Unit).join(Unit)
                  .where(Group.unit.in_([u.id for u in units])).order_by(Unit.name, Group.name))
    return units, groups


def choosable(unit_ids, day=None):
    """Children enrolled on `day` in the units a leader leads, by group:
    [(group name, unit id, [(child id, name)])]. One query."""
    rows = (Child.select(Child.id, Child.first_name, Child.last_name, Group.name, Group.unit)
            .join(Enrolment).join(Group)
            .where(Enrolment.active(day or today()) & Group.unit.in_(unit_ids))
            .order_by(Group.name, Child.first_name, Child.last_name).tuples())
    by_group = {}
    for child_id, first, last, group, unit in rows:
        by_group.setdefault((group, unit), []).append((child_id, f"{first} {last}"))
    return [(group, unit, children) for (group, unit), children in by_group.items()]


def unit_of_group(group_id):
    """The unit id of a group the page offered."""
    return Group.get_by_id(group_id).unit_id
