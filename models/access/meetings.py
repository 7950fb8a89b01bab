"""Who manages and who books parent–teacher meetings (issue 20).

- A round is managed by the contact teacher of its group, by the unit leader and the
  kindergarten staff of its unit, and by the member of staff who opened it while they
  hold a staff role at that unit. Nobody else sees its schedule (404).
- A guardian with parental responsibility for an included child books for that child
  (rule 1: only while the child is enrolled and under 18; the moment access ends, so
  does booking). A caregiver with a grant sees the family's booked time and books
  nothing (403). A parent without parental responsibility sees nothing (404).
- A guardian never learns which slot another family took, or who took it: the pages
  ask models/meetings/pages.py, which lists only free slots and the family's own.
- A protected child's name is shown on a schedule only to staff who reach that child.
"""
from peewee import Case, fn

from models.access.children import (RULE_PARAMS, first_row, guardian_condition,
                                    responsible_child_ids, rule_params, staff_condition)
from models.access.roles import NOT_STAFF
from models.db import Prepared
from models.meetings.tables import MeetingRound, MeetingRoundChild
from models.school.tables import (CONTACT_TEACHER, KINDERGARTEN_STAFF, UNIT_LEADER,
                                  UNPROTECTED, Child, Group, StaffRole)

BOOKER, VIEWER = "book", "see"
OPENING_UNIT_ROLES = (UNIT_LEADER, KINDERGARTEN_STAFF)


def manager_condition(user):
    """The round (outer query) is one the user manages."""
    holds = (StaffRole.user == user) & (
        ((StaffRole.role == CONTACT_TEACHER) & (StaffRole.group == MeetingRound.group))
        | (StaffRole.role.in_(OPENING_UNIT_ROLES) & (StaffRole.unit == MeetingRound.unit))
        | ((MeetingRound.created_by == user) & StaffRole.role.not_in(NOT_STAFF)
           & (StaffRole.unit == MeetingRound.unit)))
    return fn.EXISTS(StaffRole.select(StaffRole.id).where(holds))


def openable_groups(user):
    """Groups the user may open a round for, by name: their own as contact teacher,
    every group of a unit they lead or work across as kindergarten staff."""
    own = StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user) & (StaffRole.role == CONTACT_TEACHER)
        & StaffRole.group.is_null(False))
    wide = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & StaffRole.role.in_(OPENING_UNIT_ROLES))
    return list(Group.select(Group.id, Group.name, Group.unit)
                .where(Group.id.in_(own) | Group.unit.in_(wide))
                .order_by(Group.name, Group.id))


def openable_group_or_none(user, group_id):
    return next((g for g in openable_groups(user) if g.id == group_id), None)


def managed_rounds(user):
    """Rounds the user manages, newest first (a query)."""
    return (MeetingRound.select().where(manager_condition(user))
            .order_by(MeetingRound.created_at.desc(), MeetingRound.id.desc()))


_managed = Prepared(
    lambda user, target: MeetingRound.select().where(
        (MeetingRound.id == target) & manager_condition(user)),
    target=int, user=int)


def managed_round_or_none(user, round_id):
    return first_row(_managed, round_id, user=user.id)


def name_shown(user, day):
    """For a child (outer query) on a schedule: may the member of staff see its name?
    Always, unless its address is protected and they do not reach the child."""
    return Child.address_protection.in_(UNPROTECTED) | staff_condition(user, day)


def _booking_query(user, day, adult_cutoff, target, child):
    responsible = (Child.id.in_(responsible_child_ids(user))
                   & ((Child.birth_date > adult_cutoff) | (Child.guardian_access_until >= day)))
    role = Case(None, [(responsible, BOOKER)], VIEWER)
    return (MeetingRoundChild.select(MeetingRoundChild, MeetingRound, Child,
                                     role.alias("booking_role"))
            .join(MeetingRound).switch(MeetingRoundChild).join(Child)
            .where((MeetingRoundChild.round == target) & (MeetingRoundChild.child == child)
                   & MeetingRound.cancelled_at.is_null()
                   & guardian_condition(user, day, adult_cutoff)))


_booking = Prepared(_booking_query, target=int, child=int, **RULE_PARAMS)


def booking_child(user, round_id, child_id, day=None):
    """(round child with .round and .child, "book" | "see") for a guardian's booking
    page; (None, None) for anyone else, staff included (the page answers 404). One
    query, asked again on every booking, so booking ends the moment access does."""
    try:
        child_id = int(child_id)
    except (TypeError, ValueError):
        return None, None
    entry = first_row(_booking, round_id, child=child_id, **rule_params(user, day))
    return (entry, entry.booking_role) if entry is not None else (None, None)


def guardian_round_children(user, day=None):
    """The rounds, not cancelled, that include a child the user sees as a guardian or
    caregiver: [(round child with .round and .child, "book" | "see")], soonest deadline
    first. One query."""
    params = rule_params(user, day)
    responsible = (Child.id.in_(responsible_child_ids(user))
                   & ((Child.birth_date > params["adult_cutoff"])
                      | (Child.guardian_access_until >= params["day"])))
    role = Case(None, [(responsible, BOOKER)], VIEWER)
    query = (MeetingRoundChild.select(MeetingRoundChild, MeetingRound, Child,
                                      role.alias("booking_role"))
             .join(MeetingRound).switch(MeetingRoundChild).join(Child)
             .where(MeetingRound.cancelled_at.is_null()
                    & guardian_condition(user, params["day"], params["adult_cutoff"]))
             .order_by(MeetingRound.deadline.desc(), Child.first_name, MeetingRoundChild.id))
    return [(entry, entry.booking_role) for entry in query]


def _rule_params(user, day, adult_cutoff):
    if adult_cutoff is None:
        return rule_params(user, day)
    return {"user": getattr(user, "id", user), "day": day, "adult_cutoff": adult_cutoff}


def guarded_ids(user, day=None, adult_cutoff=None):
    """Ids of the children the user sees as a guardian or caregiver, as a subquery."""
    params = _rule_params(user, day, adult_cutoff)
    return Child.select(Child.id).where(
        guardian_condition(params["user"], params["day"], params["adult_cutoff"]))


def booking_ids(user, day=None, adult_cutoff=None):
    """Ids of the children the user books for (parental responsibility), a subquery."""
    params = _rule_params(user, day, adult_cutoff)
    return Child.select(Child.id).where(
        guardian_condition(params["user"], params["day"], params["adult_cutoff"])
        & Child.id.in_(responsible_child_ids(user)))


__all__ = ["BOOKER", "VIEWER", "booking_child", "booking_ids", "guarded_ids",
           "guardian_round_children", "managed_round_or_none", "managed_rounds",
           "manager_condition", "name_shown", "openable_group_or_none", "openable_groups"]