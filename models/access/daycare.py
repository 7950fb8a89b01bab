"""Who sees a kindergarten department's or an after-school group's day (the day list,
check-in and check-out, the head count):

- staff attached to the department (any role given for that very group);
- kindergarten and after-school staff of the unit who are attached to no group: they
  work across the unit, so they count as attached to every department of it;
- the unit's leader.

The unit's head count (every department at once) is for the leader and the staff who
work across the unit; staff of one department see their department's. Everyone else,
guardians included, gets None, so the pages answer 404: who is here, and who fetched
whom, is never shown to other families (rule 11). Only kindergarten and after-school
units have a day list; a school's groups have the attendance register instead."""
from models.school.tables import (KINDERGARTEN_STAFF, SFO_STAFF, UNIT_LEADER, Group, StaffRole,
                                  Unit)

DAYCARE_KINDS = ("kindergarten", "sfo")
ACROSS_ROLES = (KINDERGARTEN_STAFF, SFO_STAFF)


def _id(value):
    try:
        value = int(value)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**31 else None


def unit_condition(user_id):
    """The unit (outer query) is one whose whole day the user sees."""
    wide = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user_id) & StaffRole.group.is_null()
        & ((StaffRole.role == UNIT_LEADER) | StaffRole.role.in_(ACROSS_ROLES)))
    return Unit.id.in_(wide) & Unit.kind.in_(DAYCARE_KINDS)


def day_condition(user_id):
    """The group (outer query, with Unit joined) is a department whose day the user
    sees."""
    attached = StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user_id) & StaffRole.group.is_null(False))
    return (Group.id.in_(attached) | unit_condition(user_id)) & Unit.kind.in_(DAYCARE_KINDS)


def day_group_or_none(user, group_id):
    """The department, with its unit joined (`group.unit.kind`), or None. `attached`
    says whether the user has a role on this very group: only then does the day list
    show a protected child's pick-up list (models/access/pickup.py)."""
    group_id = _id(group_id)
    if group_id is None:
        return None
    own = StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user.id) & StaffRole.group.is_null(False))
    return (Group.select(Group, Unit, Group.id.in_(own).alias("attached")).join(Unit)
            .where((Group.id == group_id) & day_condition(user.id)).first())


def day_group_ids(user):
    """The departments whose day the user (or user id) sees, as a subquery."""
    return Group.select(Group.id).join(Unit).where(day_condition(getattr(user, "id", user)))


def headcount_unit_or_none(user, unit_id):
    """The kindergarten or after-school unit whose whole head count the user sees."""
    unit_id = _id(unit_id)
    if unit_id is None:
        return None
    return Unit.select().where((Unit.id == unit_id) & unit_condition(user.id)).first()
