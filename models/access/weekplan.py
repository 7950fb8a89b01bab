"""Who reads and writes a group's weekly plan (issue 20).

- Writers are staff attached to the group: the contact teacher and the unit's leader
  (and, in after-school care and kindergartens, the unit's staff, who run their groups
  together) edit the whole plan: note, publication, every entry ("editor"). A subject
  teacher or assistant attached to the group adds entries and edits their own
  ("contributor"); someone else's entry is 403 to them.
- Readers are the families of the group: a guardian with parental responsibility or an
  approved caregiver of a child enrolled in the group today (rules 1 and 2), and a pupil
  with their own login. They see published plans only. A parent without parental
  responsibility, the administrator, the data-protection officer and staff of other
  groups get 404.
"""
from peewee import Case, fn

from models.access.children import RULE_PARAMS, first_row, guarded_child_ids, rule_params
from models.db import Prepared
from models.school.tables import (CONTACT_TEACHER, GROUP_STAFF, KINDERGARTEN_STAFF, SFO_STAFF,
                                  UNIT_LEADER, Child, Enrolment, Group, StaffRole)
from models.weekplan.tables import WeekPlan, WeekPlanEntry

EDITOR, CONTRIBUTOR, READER = "editor", "contributor", "reader"
WRITERS = (EDITOR, CONTRIBUTOR)
# Roles that edit every plan of their unit's groups.
UNIT_EDITORS = (UNIT_LEADER, SFO_STAFF, KINDERGARTEN_STAFF)


def editor_condition(user):
    """The group (outer query) is one whose whole plan the user edits."""
    own = StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user) & (StaffRole.role == CONTACT_TEACHER)
        & StaffRole.group.is_null(False))
    units = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & StaffRole.role.in_(UNIT_EDITORS)
        & StaffRole.unit.is_null(False))
    return Group.id.in_(own) | Group.unit.in_(units)


def contributor_condition(user):
    """The group (outer query) is one the user is attached to as other staff."""
    return Group.id.in_(StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user) & (StaffRole.role == GROUP_STAFF)
        & StaffRole.group.is_null(False)))


def family_child_ids(user, day, adult_cutoff):
    """Children whose plans the user reads: as guardian or caregiver (rule 1), or the
    pupil's own record."""
    return (guarded_child_ids(user, day, adult_cutoff)
            | Child.select(Child.id).where(Child.account == user))


def reader_condition(user, day, adult_cutoff):
    """The group (outer query) has a child enrolled today that the user reads for."""
    return fn.EXISTS(Enrolment.select(Enrolment.id).where(
        (Enrolment.group == Group.id) & Enrolment.active(day)
        & Enrolment.child.in_(family_child_ids(user, day, adult_cutoff))))


def _viewer_query(user, day, adult_cutoff, target):
    editor, contributor = editor_condition(user), contributor_condition(user)
    reader = reader_condition(user, day, adult_cutoff)
    role = Case(None, [(editor, EDITOR), (contributor, CONTRIBUTOR)], READER)
    return Group.select(Group, role.alias("plan_role")).where(
        (Group.id == target) & (editor | contributor | reader))


_viewer = Prepared(_viewer_query, target=int, **RULE_PARAMS)


def plan_viewer(user, group_id, day=None):
    """(group, "editor" | "contributor" | "reader") for a group's weekly plan pages;
    (None, None) for anyone else (404). One query."""
    group = first_row(_viewer, group_id, **rule_params(user, day))
    return (group, group.plan_role) if group is not None else (None, None)


_staff_groups = Prepared(
    lambda user: Group.select(
        Group.id, Group.name,
        Case(None, [(editor_condition(user), EDITOR)], CONTRIBUTOR))
    .where(editor_condition(user) | contributor_condition(user))
    .order_by(Group.name, Group.id).tuples(), user=int)


def writable_groups(user):
    """[(group id, name, role), …] of the groups whose plans the user writes. One query."""
    return _staff_groups(user=user.id)


_family_groups = Prepared(
    lambda user, day, adult_cutoff: Enrolment.select(
        Group.id, Group.name, Child.id, Child.first_name)
    .join(Group, on=(Enrolment.group == Group.id))
    .join_from(Enrolment, Child, on=(Enrolment.child == Child.id))
    .where(Enrolment.active(day)
           & Enrolment.child.in_(family_child_ids(user, day, adult_cutoff)))
    .order_by(Child.first_name, Child.id, Group.name, Group.id).tuples(), **RULE_PARAMS)


def family_groups(user, day=None):
    """[(group id, group name, child id, child's first name), …]: the groups of the
    children the user reads plans for (their own children; for a pupil, themselves),
    by child. One query."""
    return _family_groups(**rule_params(user, day))


def entry_or_none(plan_id, entry_id):
    """An entry of the plan (whose group the caller's access check already passed), or
    None: an id from another plan is as unknown as one that does not exist."""
    try:
        entry_id = int(entry_id)
    except (TypeError, ValueError):
        return None
    return WeekPlanEntry.get_or_none((WeekPlanEntry.id == entry_id)
                                     & (WeekPlanEntry.plan == plan_id))


def may_edit_entry(role, user, entry):
    """An editor changes every entry; a contributor only their own."""
    return role == EDITOR or (role == CONTRIBUTOR and entry.author_id == user.id)


def plan_of(group_id, week_start):
    """The group's plan for the week, or None."""
    return WeekPlan.get_or_none((WeekPlan.group == group_id)
                                & (WeekPlan.week_start == week_start))

