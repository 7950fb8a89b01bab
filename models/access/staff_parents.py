"""Staff who are also parents (issue 22): a member of staff with a child of their own
writes about that child as staff or as the child's family, choosing each time, and reads
their family's threads apart from their work.

The family side is rules 1 and 2 (a guardian with parental responsibility, or an
approved caregiver: whoever may write about the child when not staff); the staff side
is reaching the child through one's groups and units, as for any member of staff."""
import datetime

import peewee
from peewee import fn

from models.access.children import (guardian_condition, responsible_child_ids,
                                    staff_condition, staff_group_ids)
from models.access.roles import NOT_STAFF
from models.db import Prepared, database, today
from models.messaging.tables import GUARDIAN, ThreadParticipant
from models.school.tables import (Child, Enrolment, Group, StaffRole, Unit,
                                  eighteenth_birthday_cutoff)


def _staff_unit(user, day):
    """The name of the first unit (by name) through which the member of staff reaches
    the child (the outer query's): where a thread they start as staff belongs
    (threads.staff_units_for), or NULL."""
    return (Unit.select(Unit.name).join(Group).join(Enrolment)
            .where((Enrolment.child == Child.id) & Enrolment.active(day)
                   & Group.id.in_(staff_group_ids(user)))
            .order_by(Unit.name).limit(1))


_children = Prepared(
    lambda user, day, adult_cutoff: Child.select(
        Child, _staff_unit(user, day).alias("staff_unit"),
        guardian_condition(user, day, adult_cutoff).alias("as_family"),
        Child.id.in_(responsible_child_ids(user)).alias("as_parent"))
    .where(staff_condition(user, day) | guardian_condition(user, day, adult_cutoff))
    .order_by(Child.first_name, Child.last_name, Child.id),
    user=int, day=datetime.date, adult_cutoff=datetime.date)


def children_to_write_about(user, day=None):
    """The children someone who holds a staff role may start a conversation about, each
    once, by first name, in one query. Each child carries `staff_unit` (the unit's name
    when they reach the child as staff, else None), `as_family` (they see the child as a
    guardian or caregiver) and `as_parent` (with parental responsibility)."""
    day = day or today()
    found = _children(user=user.id, day=day, adult_cutoff=eighteenth_birthday_cutoff(day))
    for child in found:
        child.as_family = bool(child.as_family)
        child.as_parent = child.as_family and bool(child.as_parent)
    return found


_places = Prepared(lambda user, day, adult_cutoff: peewee.Select(columns=[
    fn.EXISTS(StaffRole.select(StaffRole.id)
              .where((StaffRole.user == user) & StaffRole.role.not_in(NOT_STAFF))),
    fn.EXISTS(ThreadParticipant.select(ThreadParticipant.id)
              .where((ThreadParticipant.user == user)
                     & (ThreadParticipant.role == GUARDIAN)))
    | fn.EXISTS(Child.select(Child.id).where(guardian_condition(user, day, adult_cutoff))),
]).bind(database).tuples(), user=int, day=datetime.date, adult_cutoff=datetime.date)


def staff_and_family(user, day=None):
    """(holds a staff role, has a family side: sees a child as a guardian or caregiver,
    or takes part in a thread as one), in one query. Both: their family's threads are
    a place of their own in the inbox."""
    day = day or today()
    staff, family = _places(user=user.id, day=day,
                            adult_cutoff=eighteenth_birthday_cutoff(day))[0]
    return bool(staff), bool(family)
