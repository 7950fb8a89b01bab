"""Who files, sees and answers rectification requests (the access rules of this area,
built on models/access/ and importing only tables and the access layer).

- The requester sees their own requests, and nobody else's: not the other guardian of
  the same child, never another family (rule 11). A parent without parental
  responsibility has no access at all (barneloven § 47).
- A guardian with parental responsibility files about their own contact details and
  about the children they see (a child's details, one of its absence records or
  attendance marks); a caregiver and staff only about their own contact details; a
  session that logged in with a one-time code only about its own contact details.
- A leader of a unit the request went to answers it; the administrator answers what
  the request marks as theirs (register data, or no unit leader to ask) and opens
  nothing else: reading personal data is not the administrator's by default (rule 3),
  so their overview of the others has no names. Anyone else: 404.
"""
import peewee
from peewee import Case, fn

from models.absence.tables import Absence
from models.access.children import guardian_condition, responsible_child_ids, rule_params
from models.attendance.tables import AttendanceMark
from models.rectification.tables import (ABSENCE, CHILD, CONTACT, MARK, OPEN, Rectification,
                                         RectificationUnit)
from models.school.tables import (ADMINISTRATOR, UNIT_LEADER, WITH_RESPONSIBILITY, Child,
                                  Enrolment, Group, Guardianship, StaffRole, Unit, User)

REQUESTER, LEADER, ADMIN = "requester", "leader", "admin"


def _led_units(user):
    return StaffRole.select(StaffRole.unit).where((StaffRole.user == user)
                                                  & (StaffRole.role == UNIT_LEADER))


def admin_condition(user):
    """The user is the administrator (as a condition)."""
    return fn.EXISTS(StaffRole.select(StaffRole.id).where(
        (StaffRole.user == user) & (StaffRole.role == ADMINISTRATOR)))


def _information_only(user):
    """Every guardianship of the user is without parental responsibility."""
    mine = Guardianship.select(Guardianship.id).where(Guardianship.guardian == user)
    return (fn.EXISTS(mine)
            & ~fn.EXISTS(mine.where(Guardianship.responsibility.in_(WITH_RESPONSIBILITY))))


def _in_led_unit(user):
    return fn.EXISTS(RectificationUnit.select(RectificationUnit.id).where(
        (RectificationUnit.rectification == Rectification.id)
        & RectificationUnit.unit.in_(_led_units(user))))


def to_answer_condition(user):
    """The request (outer query) is one the user answers: a leader of one of its units,
    or the administrator for those marked as theirs."""
    return ((~Rectification.register & _in_led_unit(user))
            | (Rectification.register & admin_condition(user)))


def open_to_answer_condition(user):
    """The request (outer query) is open and the user answers it: what waits for them."""
    return (Rectification.status == OPEN) & to_answer_condition(user)


def request_or_none(user, rectification_id):
    """(request, role) for a request the user may see — role "requester", "leader" or
    "admin" — with its child, requester, absence and attendance mark joined; (None,
    None) for anyone else. One query."""
    try:
        rectification_id = int(rectification_id)
    except (TypeError, ValueError):
        return None, None
    own = (Rectification.requester == user) & ~_information_only(user)
    led = _in_led_unit(user)
    admin = Rectification.register & admin_condition(user)
    role = Case(None, [(own, REQUESTER), (led, LEADER), (admin, ADMIN)])
    requester = User.alias("requester_user")
    row = (Rectification.select(Rectification, role.alias("viewer_role"), requester, Child,
                                Absence, AttendanceMark)
           .join(requester, on=(Rectification.requester == requester.id), attr="person")
           .switch(Rectification)
           .join(Child, peewee.JOIN.LEFT_OUTER, on=(Rectification.child == Child.id),
                 attr="child_row")
           .switch(Rectification)
           .join(Absence, peewee.JOIN.LEFT_OUTER, on=(Rectification.absence == Absence.id),
                 attr="absence_row")
           .switch(Rectification)
           .join(AttendanceMark, peewee.JOIN.LEFT_OUTER,
                 on=(Rectification.mark == AttendanceMark.id), attr="mark_row")
           .where((Rectification.id == rectification_id) & (own | led | admin))
           .first())
    if row is None:
        return None, None
    return row, row.viewer_role


def may_answer(row, role):
    """Does the viewer (`request_or_none`) answer this request (still open)?"""
    return row.status == OPEN and role in (LEADER, ADMIN)


def may_file(user, about):
    """May the user file a request of this kind at all (before a child is chosen)?
    False for a code-login session about anything but their own contact details."""
    return about == CONTACT or not user.lower_assurance


def may_follow_up(user, row, role):
    """May the user comment on (or, as the requester, withdraw) the open request? A
    code-login session only on a request about their own contact details."""
    if row.status != OPEN:
        return False
    if role == REQUESTER:
        return may_file(user, row.about)
    return role in (LEADER, ADMIN)


def information_only(user):
    """Has the user no access in the app (a parent without parental responsibility)?"""
    return Guardianship.select(Guardianship.id).where(
        _information_only(user) & (Guardianship.guardian == user)).exists()


def filing_children(user, day=None):
    """The children the user files about: those they see as a guardian with parental
    responsibility, by name."""
    params = rule_params(user, day)
    return list(Child.select(Child.id, Child.first_name, Child.last_name)
                .where(guardian_condition(user, params["day"], params["adult_cutoff"])
                       & Child.id.in_(responsible_child_ids(user)))
                .order_by(Child.first_name, Child.last_name, Child.id))


def record_or_none(about, record_id, child_ids):
    """The absence record (not withdrawn) or attendance mark of one of the children, or
    None."""
    if about == ABSENCE:
        return (Absence.select().where((Absence.id == record_id)
                                       & Absence.child.in_(child_ids)
                                       & Absence.withdrawn_at.is_null()).first())
    if about == MARK:
        return (AttendanceMark.select().where((AttendanceMark.id == record_id)
                                              & AttendanceMark.child.in_(child_ids)).first())
    return None


def units_for(about, user, child_id=None, mark=None, day=None):
    """Ids of the units whose leaders answer a request: the child's units today (the
    mark's own unit for an attendance mark); for one's own contact details, the units
    of the children one sees as a guardian or caregiver."""
    params = rule_params(user, day)
    if about == MARK and mark is not None:
        return [Group.select(Group.unit).where(Group.id == mark.group_id).scalar()]
    if about in (CHILD, ABSENCE):
        children = [child_id]
    else:
        children = Child.select(Child.id).where(
            guardian_condition(user, params["day"], params["adult_cutoff"]))
    return [unit for (unit,) in Enrolment.select(Group.unit).join(Group)
            .where(Enrolment.child.in_(children) & Enrolment.active(params["day"]))
            .distinct().tuples()]


def with_leaders(unit_ids):
    """Those of the units that have an active leader to answer."""
    return sorted({unit for (unit,) in StaffRole.select(StaffRole.unit).join(User)
                   .where((StaffRole.role == UNIT_LEADER) & StaffRole.unit.in_(unit_ids)
                          & (User.is_active == True)).tuples()})  # noqa: E712


def leaders_of(unit_ids):
    """Ids of the active unit leaders of the units."""
    return [user for (user,) in StaffRole.select(StaffRole.user).join(User)
            .where((StaffRole.role == UNIT_LEADER) & StaffRole.unit.in_(unit_ids)
                   & (User.is_active == True)).distinct().tuples()]  # noqa: E712


def administrators():
    return [user for (user,) in StaffRole.select(StaffRole.user).join(User)
            .where((StaffRole.role == ADMINISTRATOR)
                   & (User.is_active == True)).distinct().tuples()]  # noqa: E712


def unit_names(rectification_id):
    return [name for (name,) in Unit.select(Unit.name).join(
        RectificationUnit, on=(RectificationUnit.unit == Unit.id))
        .where(RectificationUnit.rectification == rectification_id)
        .order_by(Unit.name).tuples()]
