"""Authority over a child (rule 6 of DESIGN.md): who of the staff acts for the school
about the child (a leader of a unit it attends, or the contact teacher of its group), which
decides leave (the teacher only for short leave), lets its guardians log in with a code
and sends them paper letters; and who sees and changes a child's absence reports."""
from peewee import JOIN, Case

from models.absence.tables import (APPROVED, DECLINED, PENDING, Absence, LeaveApplication,
                                   changeable)
from models.access.children import (RULE_PARAMS, first_row, guardian_condition,
                                    responsible_child_ids, rule_params, staff_condition)
from models.db import Prepared, today
from models.school.tables import (CONTACT_TEACHER, UNIT_LEADER, Child, Enrolment, Group,
                                  StaffRole, User)

LEADER, TEACHER = "leader", "teacher"


def leave_deciders(child_id, day=None):
    """Ids of the staff who decide on the child's leave: the leaders of the units the
    child attends and the contact teachers of the child's groups (`authority_over`)."""
    day = day or today()
    groups = Enrolment.select(Enrolment.group).where(
        (Enrolment.child == child_id) & Enrolment.active(day))
    units = Group.select(Group.unit).where(Group.id.in_(groups))
    return [user for (user,) in StaffRole.select(StaffRole.user).join(User).where(
        (((StaffRole.role == UNIT_LEADER) & StaffRole.unit.in_(units))
         | ((StaffRole.role == CONTACT_TEACHER) & StaffRole.group.in_(groups)))
        & (User.is_active == True)).distinct().tuples()]  # noqa: E712


def authority_over(user, child_id, day=None):
    """How the user acts for the school about the child: "leader" (a leader of a unit
    the child attends), "teacher" (the contact teacher of one of the child's groups), or
    None. Either decides leave (the teacher only short leave: `leave_to_decide`), lets
    the child's guardians log in with a code and sends them paper letters."""
    day = day or today()
    groups = Enrolment.select(Enrolment.group).where(
        (Enrolment.child == child_id) & Enrolment.active(day))
    units = Group.select(Group.unit).where(Group.id.in_(groups))
    roles = {role for (role,) in StaffRole.select(StaffRole.role).where(
        (StaffRole.user == user)
        & (((StaffRole.role == UNIT_LEADER) & StaffRole.unit.in_(units))
           | ((StaffRole.role == CONTACT_TEACHER) & StaffRole.group.in_(groups)))).tuples()}
    if UNIT_LEADER in roles:
        return LEADER
    return TEACHER if CONTACT_TEACHER in roles else None


def leave_scope(user):
    """(units the user leads, groups the user is contact teacher for)."""
    rows = list(StaffRole.select(StaffRole.role, StaffRole.unit, StaffRole.group)
                .where((StaffRole.user == user)
                       & StaffRole.role.in_([UNIT_LEADER, CONTACT_TEACHER])).tuples())
    return ([unit for role, unit, _ in rows if role == UNIT_LEADER],
            [group for role, _, group in rows if role == CONTACT_TEACHER and group])


def leave_to_decide(user, leave_id, teacher_limit, day=None):
    """(application, may decide) for a leave application the user has authority over
    (`authority_over` its child); a contact teacher may decide only leave of at most
    `teacher_limit` school days, longer leave is the unit leader's. (None, False) when
    the user has no authority over the child, or there is no such application."""
    application = LeaveApplication.get_or_none(LeaveApplication.id == leave_id)
    if application is None:
        return None, False
    authority = authority_over(user, application.child_id, day)
    if authority is None:
        return None, False
    return application, authority == LEADER or application.days <= teacher_limit


def leave_to_decide_all(user, teacher_limit, day=None):
    """(pending applications for children in the user's units or groups, the ids of
    those the user may decide, by the same rule as `leave_to_decide`); (None, set()) for
    someone who decides no leave. Three queries."""
    day = day or today()
    units, groups = leave_scope(user)
    if not units and not groups:
        return None, set()
    return _pending(units, groups, teacher_limit, day)


def leave_page(user, teacher_limit, decided_since, day=None):
    """What /leave/ shows: (pending applications, the ids the user may decide, the
    applications decided since `decided_since`), all for children in the user's units
    or groups; (None, set(), []) for someone who decides no leave. Four queries."""
    day = day or today()
    units, groups = leave_scope(user)
    if not units and not groups:
        return None, set(), []
    return (*_pending(units, groups, teacher_limit, day),
            _decided(units, groups, decided_since, day))


def authority_child_ids(user, day):
    """(children enrolled in a unit the user leads, children enrolled in a group the user
    is contact teacher of), as subqueries: the reach of `authority_over` for every child
    at once, for counting what waits for the user (leave to decide, caregiver requests
    to confirm) in SQL."""
    led = StaffRole.select(StaffRole.unit).where((StaffRole.user == user)
                                                 & (StaffRole.role == UNIT_LEADER))
    taught = StaffRole.select(StaffRole.group).where((StaffRole.user == user)
                                                     & (StaffRole.role == CONTACT_TEACHER))
    return (Enrolment.select(Enrolment.child).join(Group)
            .where(Enrolment.active(day) & Group.unit.in_(led)),
            Enrolment.select(Enrolment.child)
            .where(Enrolment.active(day) & Enrolment.group.in_(taught)))


def _pending(units, groups, teacher_limit, day):
    in_scope = _children_in_scope(units, groups, day)
    applications = list(LeaveApplication.select(LeaveApplication, Child)
                        .join(Child, on=(LeaveApplication.child == Child.id))
                        .where((LeaveApplication.status == PENDING)
                               & LeaveApplication.child.in_(in_scope))
                        .order_by(LeaveApplication.start_date))
    places = {}
    for child, group, unit in (Enrolment.select(Enrolment.child, Group.id, Group.unit)
                               .join(Group)
                               .where(Enrolment.active(day)
                                      & Enrolment.child.in_([a.child_id
                                                             for a in applications]))
                               .tuples()):
        places.setdefault(child, []).append((group, unit))
    may_decide = set()
    for a in applications:
        mine = places.get(a.child_id, [])
        if any(unit in units for _, unit in mine) or (
                a.days <= teacher_limit and any(group in groups for group, _ in mine)):
            may_decide.add(a.id)
    return applications, may_decide


def _children_in_scope(units, groups, day):
    return Enrolment.select(Enrolment.child).join(Group).where(
        Enrolment.active(day) & (Group.unit.in_(units) | Group.id.in_(groups)))


def _decided(units, groups, since, day, limit=100):
    """Applications decided (approved or declined) since `since` for children in the
    units or groups, the latest decision first, with the child and who decided."""
    decider = User.alias("decider")
    return list(LeaveApplication.select(LeaveApplication, Child, decider)
                .join(Child, on=(LeaveApplication.child == Child.id))
                .switch(LeaveApplication)
                .join(decider, JOIN.LEFT_OUTER, on=(LeaveApplication.decided_by == decider.id),
                      attr="decider")
                .where(LeaveApplication.status.in_([APPROVED, DECLINED])
                       & (LeaveApplication.decided_at >= since)
                       & LeaveApplication.child.in_(_children_in_scope(units, groups, day)))
                .order_by(LeaveApplication.decided_at.desc(), LeaveApplication.id.desc())
                .limit(limit))


RESPONSIBLE, GUARDIAN, STAFF = "responsible", "guardian", "staff"


def _absence_viewer_query(user, day, adult_cutoff, target):
    """The three rules as one query: the strongest that holds names the role."""
    guardian = guardian_condition(user, day, adult_cutoff)
    responsible = guardian & Child.id.in_(responsible_child_ids(user))
    staff = staff_condition(user, day)
    role = Case(None, [(responsible, RESPONSIBLE), (guardian, GUARDIAN)], STAFF)
    return Child.select(Child, role.alias("viewer_role")).where(
        (guardian | staff) & (Child.id == target))


_absence_viewer = Prepared(_absence_viewer_query, target=int, **RULE_PARAMS)


def absence_viewer(user, child_id, day=None):
    """(child, role) for a child's absence page: "responsible" for a guardian with
    parental responsibility (reports absence and applies for leave), "guardian" for a
    caregiver or information-only parent (reports absence), "staff" for staff with
    access (records absence); (None, None) for anyone else. One query (the page's
    budget is six), the same rules as answering_child, guardian_child_or_none and
    staff_child_or_none."""
    child = first_row(_absence_viewer, child_id, **rule_params(user, day))
    return (child, child.viewer_role) if child is not None else (None, None)


def changeable_reports(user, reports, day=None):
    """Ids of the reports (already fetched for a child the user sees) that the user made
    as a guardian and may still change or withdraw: the same rule as
    `own_report_or_none`, without a query."""
    return {row.id for row in reports if row.reported_by_id == user.id
            and not row.by_staff and changeable(row, day)}


def own_report_or_none(user, child_id, absence_id, day=None):
    """An absence report of the child that the user made as a guardian and may still
    change or withdraw (until its last day has passed), or None."""
    row = (Absence.select().where((Absence.id == absence_id) & (Absence.child == child_id)
                                  & (Absence.reported_by == user.id)
                                  & (Absence.by_staff == False)).first())  # noqa: E712
    return row if row is not None and changeable(row, day) else None
