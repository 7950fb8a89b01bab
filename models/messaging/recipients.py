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


def guardian_pairs(child_ids, day=None, answering=False, paper=False):
    """[(user id, child id)]: everyone who sees one of the children as guardian or
    caregiver today, by the same rule as guardians_with_access, in one query. With
    `answering`, only the guardians with parental responsibility, who answer consents
    (a caregiver sees the child but does not decide for it). With `paper`, whether each
    wants letters on paper, as a third column."""
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
    columns = (User.id, Child.id, User.paper_letters) if paper else (User.id, Child.id)
    return list(Child.select(*columns).join(User, on=related)
                .where(Child.id.in_(child_ids)
                       & guardian_condition(User.id, day, eighteenth_birthday_cutoff(day))
                       & (User.is_active == True))  # noqa: E712
                .tuples())


def staff_of_child(child, day=None):
    """Staff attached to the child's groups today (contact teachers first), each with
    the group and unit they are reached through: [(user, role, group), …], one row per
    person and group (group.unit is loaded)."""
    day = day or today()
    rows = (StaffRole.select(StaffRole.role, User, Group, Unit)
            .join(User, on=(StaffRole.user == User.id))
            .switch(StaffRole).join(Group, on=(StaffRole.group == Group.id))
            .join(Unit, on=(Group.unit == Unit.id))
            .switch(StaffRole).join(Enrolment, on=(Enrolment.group == StaffRole.group))
            .where((Enrolment.child == child.id) & Enrolment.active(day)
                   & (StaffRole.role != ADMINISTRATOR) & (User.is_active == True))  # noqa: E712
            .order_by(StaffRole.role != CONTACT_TEACHER, User.first_name, User.last_name,
                      Group.name))
    return [(row.user, row.role, row.group) for row in rows]


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


def announcement_households(targets, day=None, paper=None):
    """{child id: [guardian and caregiver ids]} for the children enrolled today in any
    of the targets [(unit, group or None), …]: whom an announcement reaches (rules 1
    and 2 today). The one rule for both the send (inbox.announce) and the reach shown
    before it (models/messaging/reach.py). `paper`: a set that gets the ids of those
    who want letters on paper. One query."""
    day = day or today()
    if not targets:
        return {}
    condition = None
    for unit, group in targets:
        one = (Group.id == group.id) if group else (Group.unit == unit.id)
        condition = one if condition is None else condition | one
    children = (Child.select(Child.id).join(Enrolment).join(Group)
                .where(Enrolment.active(day) & condition))
    by_child = {}
    for user_id, child_id, *on_paper in guardian_pairs(children, day,
                                                       paper=paper is not None):
        by_child.setdefault(child_id, []).append(user_id)
        if on_paper and on_paper[0]:
            paper.add(user_id)
    return by_child


def announcement_guardian_ids(thread, day=None):
    """Ids of the guardians and caregivers an announcement still reaches: those who see
    a child enrolled in its group or unit today (its one child, for an announcement sent
    one conversation per child)."""
    children = children_in(Unit(id=thread.unit_id),
                           Group(id=thread.group_id) if thread.group_id else None, day)
    if thread.child_id:
        children = children.where(Child.id == thread.child_id)
    return {user for user, _ in guardian_pairs(children.select(Child.id).order_by(), day)}


def guardians_to_write_to(child, day=None):
    """Everyone staff may write to about the child (those who see it today, rules 1 and
    2), each marked: [(user, is_guardian), …]. A guardian has parental responsibility;
    a caregiver sees the child through a grant and is not a parent, so a form does not
    tick them as one."""
    day = day or today()
    responsible = fn.EXISTS(Guardianship.select(Guardianship.id).where(
        (Guardianship.guardian == User.id) & (Guardianship.child == child.id)
        & Guardianship.responsibility.in_(WITH_RESPONSIBILITY)))
    rows = guardians_with_access(child, day).select_extend(responsible.alias("responsible"))
    return [(user, bool(user.responsible)) for user in rows]


GROUP_UNIT_KINDS = ("kindergarten", "sfo")  # a department or SFO group is written to


def write_options(user, child, staff):
    """Who the user may write to about the child (a child they see, `models.access`).

    A guardian: the child's contact teacher; in a kindergarten or SFO the staff of the
    child's department or group; one of the staff attached to the child's groups; or
    each of the child's units as a whole (every member of staff rule 3 allows reads it).
    The first is the one offered by default: the contact teacher, else the department,
    else the unit — a message for everyone at a unit is rarely what a parent means.
    Staff: the child's guardians and caregivers with access (guardians_to_write_to), in
    the unit through which they reach the child. Never the writer: a member of staff
    who is also the child's parent writes to their colleagues, and as staff to the
    child's other guardians (issue 22)."""
    if staff:
        units = list(staff_units_for(user, child))
        if not units:
            return []
        return [{"key": f"unit:{units[0].id}", "unit": units[0], "staff": [],
                 "guardians": [(guardian, responsible) for guardian, responsible
                               in guardians_to_write_to(child) if guardian.id != user.id]}]
    contacts, groups, others, seen = [], {}, [], set()
    for member, role, group in staff_of_child(child):
        if member.id == user.id:
            continue
        if group.unit.kind in GROUP_UNIT_KINDS:
            option = groups.setdefault(group.id, {
                "key": f"group:{group.id}", "unit": group.unit, "staff": [],
                "label": group.name, "group": True})
            if member.id not in {m.id for m in option["staff"]}:
                option["staff"].append(member)
        if member.id in seen:
            continue
        seen.add(member.id)
        (contacts if role == CONTACT_TEACHER else others).append(
            {"key": f"staff:{member.id}", "unit": group.unit, "staff": [member],
             "label": member.name, "role": role})
    units = [{"key": f"unit:{unit.id}", "unit": unit, "staff": [], "label": unit.name}
             for unit in units_of_child(child)]
    groups = sorted(groups.values(), key=lambda o: o["label"])
    options = contacts + groups + others + units
    if options:
        (contacts or groups or units or options)[0]["default"] = True
    return options


def default_option(options):
    """The key of the option a guardian's form offers first (write_options)."""
    return next((o["key"] for o in options if o.get("default")), "")
