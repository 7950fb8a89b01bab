"""Who sees and keeps a child's pick-up list (issue 18), and says who picks up.

- The guardians with parental responsibility keep it (rule 1): they propose, approve and
  remove persons, and say who picks up on a day. A parent without parental
  responsibility neither sees nor keeps it (the list holds third persons' phones, and
  barneloven § 47 gives no access in the app); a caregiver does not either.
- Staff who reach the child in a kindergarten or after-school care unit see it. For a
  child with a protected address, only the staff of the child's own department (a role
  on a group the child is enrolled in there) see it, not the rest of the unit. Nothing
  tells anyone why: the protection itself is never shown.
- Other families never see any pick-up list (rule 11).

Only children enrolled today in a kindergarten or after-school care unit have a list:
for everyone else the page does not exist (404)."""
from peewee import Case, fn

from models.access.children import (RULE_PARAMS, first_row, responsible_child_ids,
                                    rule_params, staff_group_ids)
from models.db import Prepared
from models.school.tables import (ADMINISTRATOR, UNPROTECTED, Child, Enrolment, Group,
                                  StaffRole, Unit)

PICKUP_UNIT_KINDS = ("kindergarten", "sfo")
KEEPER, STAFF = "keeper", "staff"


def _in_pickup_unit(day, groups=None):
    """The child (outer query) is enrolled today in a group of a kindergarten or an
    after-school care unit (of `groups`, if given)."""
    condition = ((Enrolment.child == Child.id) & Enrolment.active(day)
                 & Unit.kind.in_(PICKUP_UNIT_KINDS))
    if groups is not None:
        condition &= groups
    return fn.EXISTS(Enrolment.select(Enrolment.id).join(Group).join(Unit).where(condition))


def keeper_condition(user, day, adult_cutoff):
    """The user keeps the child's list: a guardian with parental responsibility (until
    the child turns 18, as rule 2 has it) of a child with a list."""
    return (Child.id.in_(responsible_child_ids(user))
            & ((Child.birth_date > adult_cutoff) | (Child.guardian_access_until >= day))
            & _in_pickup_unit(day))


def staff_condition(user, day):
    """The user is staff who may see the child's list: through a group of the child's
    kindergarten or after-school care unit they reach, or, for a protected child, only
    through a role on the very group the child is enrolled in."""
    own_groups = StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user) & StaffRole.group.is_null(False)
        & (StaffRole.role != ADMINISTRATOR))
    reached = Enrolment.group.in_(own_groups) | (
        Child.address_protection.in_(UNPROTECTED) & Enrolment.group.in_(staff_group_ids(user)))
    return _in_pickup_unit(day, reached)


def _viewer_query(user, day, adult_cutoff, target):
    keeper = keeper_condition(user, day, adult_cutoff)
    role = Case(None, [(keeper, KEEPER)], STAFF)
    return Child.select(Child, role.alias("viewer_role")).where(
        (keeper | staff_condition(user, day)) & (Child.id == target))


_viewer = Prepared(_viewer_query, target=int, **RULE_PARAMS)


def pickup_viewer(user, child_id, day=None):
    """(child, "keeper" | "staff") for a child's pick-up page; (None, None) for anyone
    else, so the page answers 404. One query."""
    child = first_row(_viewer, child_id, **rule_params(user, day))
    return (child, child.viewer_role) if child is not None else (None, None)


def kept_child_ids(user, day, adult_cutoff):
    """Ids of the children whose list the user keeps, as a subquery (for the home page's
    one query: `adult_cutoff` as rule_params gives it)."""
    return Child.select(Child.id).where(keeper_condition(user, day, adult_cutoff))


def keeps(user, child_id, day=None):
    """Does the user keep the child's list (to check again before a notification goes)?"""
    params = rule_params(user, day)
    return Child.select(Child.id).where(
        keeper_condition(params["user"], params["day"], params["adult_cutoff"])
        & (Child.id == child_id)).exists()


def visible_child_ids(user, child_ids, day=None):
    """Of `child_ids`, those whose pick-up list (and who picks up on a day) the user may
    see, as keeper or staff: for a page that lists many children, such as the day list,
    where a protected child's list is for its own department only. One query."""
    child_ids = list(child_ids)
    if not child_ids:
        return set()
    params = rule_params(user, day)
    return {child_id for (child_id,) in Child.select(Child.id).where(
        Child.id.in_(child_ids)
        & (keeper_condition(params["user"], params["day"], params["adult_cutoff"])
           | staff_condition(params["user"], params["day"]))).tuples()}
