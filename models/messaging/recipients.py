"""Who is on the other side: the guardians and caregivers who see a child (the reverse
of rules 1 and 2, by the same conditions), the staff attached to a child's groups, the
units a child attends, and the children an announcement reaches. These are recipient
lists, not permissions: a caller has already asked `models.access` whether the user may
act."""
import peewee
from peewee import fn

from models.access.children import guardian_condition
from models.access.threads import staff_units_for
from models.db import today
from models.school.tables import (ADMINISTRATOR, CONTACT_TEACHER, WITH_RESPONSIBILITY,
                                  CaregiverGrant, Child, Enrolment, Group, Guardianship, StaffRole,
                                  Unit, User, eighteenth_birthday_cutoff)


def guardians_with_access(child, day=None):
    """Everyone who sees the child as guardian or caregiver today (rules 1 and 2): the
    other side of the reverse question `guarded_children` answers."""
    day = day or today()
    candidates = (Guardianship.select(Guardianship.guardian)
                  .where(Guardianship.child == child.id)
                  | CaregiverGrant.select(CaregiverGrant.caregiver)
                  .where(CaregiverGrant.child == child.id))
    sees_child = fn.EXISTS(Child.select(Child.id).where(
        (Child.id == child.id)
        & guardian_condition(User.id, day, eighteenth_birthday_cutoff(day))))
    return (User.select().where(User.id.in_(candidates) & sees_child
                                & (User.is_active == True))  # noqa: E712
            .order_by(User.first_name, User.last_name))


def guardian_pairs(child_ids, day=None, answering=False):
    """[(user id, child id)]: everyone who sees one of the children as guardian or
    caregiver today, by the same rule as guardians_with_access, in one query. With
    `answering`, only the guardians with parental responsibility, who answer consents
    (a caregiver sees the child but does not decide for it)."""
    day = day or today()
    if not isinstance(child_ids, peewee.Query):
        child_ids = list(child_ids)
        if not child_ids:
            return []
    guardians = Guardianship.select(Guardianship.guardian).where(
        Guardianship.child == Child.id)
    if answering:
        related = User.id.in_(guardians.where(
            Guardianship.responsibility.in_(WITH_RESPONSIBILITY)))
    else:
        related = User.id.in_(guardians | CaregiverGrant.select(CaregiverGrant.caregiver)
                              .where(CaregiverGrant.child == Child.id))
    return list(Child.select(User.id, Child.id).join(User, on=related)
                .where(Child.id.in_(child_ids)
                       & guardian_condition(User.id, day, eighteenth_birthday_cutoff(day))
                       & (User.is_active == True))  # noqa: E712
                .tuples())


def staff_of_child(child, day=None):
    """Staff attached to the child's groups today (contact teachers first), with the
    unit each is reached through: [(user, role, unit), …]."""
    day = day or today()
    rows = (StaffRole.select(StaffRole.role, User, Group, Unit)
            .join(User, on=(StaffRole.user == User.id))
            .switch(StaffRole).join(Group, on=(StaffRole.group == Group.id))
            .join(Unit, on=(Group.unit == Unit.id))
            .switch(StaffRole).join(Enrolment, on=(Enrolment.group == StaffRole.group))
            .where((Enrolment.child == child.id) & Enrolment.active(day)
                   & (StaffRole.role != ADMINISTRATOR) & (User.is_active == True))  # noqa: E712
            .order_by(StaffRole.role != CONTACT_TEACHER, User.first_name))
    seen, result = set(), []
    for row in rows:
        if row.user.id not in seen:
            seen.add(row.user.id)
            result.append((row.user, row.role, row.group.unit))
    return result


def units_of_child(child, day=None):
    day = day or today()
    return (Unit.select().join(Group).join(Enrolment)
            .where((Enrolment.child == child.id) & Enrolment.active(day))
            .distinct().order_by(Unit.name))


def children_in(unit, group=None, day=None):
    """Children enrolled today in a group, or in any group of a unit."""
    day = day or today()
    query = Child.select().join(Enrolment).join(Group).where(Enrolment.active(day))
    query = query.where(Group.id == group.id) if group else query.where(Group.unit == unit.id)
    return query.distinct().order_by(Child.first_name, Child.last_name)


def announcement_guardian_ids(thread, day=None):
    """Ids of the guardians and caregivers an announcement still reaches: those who see
    a child enrolled in its group or unit today (its one child, for an announcement sent
    one conversation per child)."""
    children = children_in(Unit(id=thread.unit_id),
                           Group(id=thread.group_id) if thread.group_id else None, day)
    if thread.child_id:
        children = children.where(Child.id == thread.child_id)
    return {user for user, _ in guardian_pairs(children.select(Child.id).order_by(), day)}


def write_options(user, child, staff):
    """Who the user may write to about the child (a child they see, `models.access`).

    A guardian: each of the child's units as a whole (every member of staff rule 3
    allows reads it), or one of the staff attached to the child's groups. Staff: the
    child's guardians with access, in the unit through which they reach the child."""
    if staff:
        units = list(staff_units_for(user, child))
        if not units:
            return []
        return [{"key": f"unit:{units[0].id}", "unit": units[0], "staff": [],
                 "guardians": list(guardians_with_access(child))}]
    options = [{"key": f"unit:{unit.id}", "unit": unit, "staff": [], "label": unit.name}
               for unit in units_of_child(child)]
    for member, role, unit in staff_of_child(child):
        options.append({"key": f"staff:{member.id}", "unit": unit, "staff": [member],
                        "label": member.name, "role": role})
    return options
