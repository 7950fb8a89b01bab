"""Rule 7 of DESIGN.md: who may see a group's class list."""

from peewee import fn

from models.access.children import (RULE_PARAMS, first_row, guardian_condition,
                                    responsible_child_ids, rule_params)
from models.db import Prepared
from models.school.tables import (CONTACT_TEACHER, UNIT_LEADER, WITH_RESPONSIBILITY, Child,
                                  Enrolment, Group, Guardianship, StaffRole, User)


def joined_guardian_sees(day, adult_cutoff):
    """Rule 1 for a query that joins Guardianship, its User and its Child: the parent
    has parental responsibility and still sees the child (under 18, or access extended
    by the pupil). Enrolment is the caller's to check, for the group it is about."""
    return (Guardianship.responsibility.in_(WITH_RESPONSIBILITY)
            & ((Child.birth_date > adult_cutoff) | (Child.guardian_access_until >= day))
            & (User.is_active == True))  # noqa: E712


def _class_list_viewer_query(user, day, adult_cutoff, target):
    guarded = Child.select(Child.id).where(
        guardian_condition(user, day, adult_cutoff)
        & Child.id.in_(responsible_child_ids(user)))
    as_guardian = fn.EXISTS(Enrolment.select(Enrolment.id).where(
        (Enrolment.group == Group.id) & Enrolment.active(day)
        & Enrolment.child.in_(guarded)))
    teaches = StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user) & (StaffRole.role == CONTACT_TEACHER))
    leads = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & (StaffRole.role == UNIT_LEADER))
    as_staff = Group.id.in_(teaches) | Group.unit.in_(leads)
    return (Group.select(Group.name, as_staff.alias("staff"))
            .where((Group.id == target) & (as_guardian | as_staff)).tuples())


_class_list_viewer = Prepared(_class_list_viewer_query, target=int, **RULE_PARAMS)


def class_list_viewer(user, group_id, day=None):
    """May the user see the class list of the group: a guardian with parental
    responsibility of a child enrolled in it, its contact teacher, or a leader of its
    unit. Returns (group name, "guardian" or "staff") or None."""
    row = first_row(_class_list_viewer, group_id, **rule_params(user, day))
    if row is None:
        return None
    return row[0], "staff" if row[1] else "guardian"
