"""Who keeps a group's attendance register: the staff attached to the group (any role
given for that very group: contact teacher, subject teacher, assistant, department
staff) and the leaders of its unit. Everyone else, guardians included, gets None, so
the page answers 404: who is absent is never shown to other families (rule 11).

A notice of an unexplained absence is its child's guardians' with parental
responsibility who see the child (rule 1): never an information-only parent, a
caregiver or the pupil. A unit's attendance settings are its leaders' and the
administrator's."""
import datetime

from peewee import JOIN, fn

from models.absence.tables import ARRIVES_LATE, NOTICED, WHOLE_DAY, Absence
from models.access.calendar import calendar_unit_or_none
from models.access.consents import answering_child_ids
from models.attendance.tables import AbsenceNotice, AttendanceSetting
from models.db import today
from models.school.tables import (UNIT_LEADER, Child, Group, StaffRole, Unit, User,
                                  eighteenth_birthday_cutoff)


def register_condition(user_id):
    """The group (outer query) is one whose register the user keeps."""
    attached = StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user_id) & StaffRole.group.is_null(False))
    leads = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user_id) & (StaffRole.role == UNIT_LEADER))
    return Group.id.in_(attached) | Group.unit.in_(leads)


def register_group_or_none(user, group_id):
    """The group, with its unit and the unit's settings joined (`group.unit.kind`,
    `group.unit.setting`) and whether the user leads the unit (`group.leads`: may change
    the settings), or None."""
    try:
        group_id = int(group_id)
    except (TypeError, ValueError):
        return None
    leads = fn.EXISTS(StaffRole.select(StaffRole.id).where(
        (StaffRole.user == user.id) & (StaffRole.unit == Group.unit)
        & (StaffRole.role == UNIT_LEADER)))
    return (Group.select(Group, Unit, AttendanceSetting, leads.alias("leads")).join(Unit)
            .join(AttendanceSetting, JOIN.LEFT_OUTER,
                  on=(AttendanceSetting.unit == Unit.id), attr="setting")
            .where((Group.id == group_id) & register_condition(user.id)).first())


def settings_unit_or_none(user, unit_id):
    """A unit whose attendance settings the user keeps: its leader, the administrator."""
    return calendar_unit_or_none(user, unit_id)


def explained(child_field, day_field):
    """A report of the guardians (or approved leave) covers the child's day (outer
    query): a whole day or arriving late; not an absence staff only noticed."""
    return fn.EXISTS(Absence.select(Absence.id).where(
        (Absence.child == child_field) & (Absence.start_date <= day_field)
        & (Absence.end_date >= day_field) & Absence.withdrawn_at.is_null()
        & Absence.part.in_([WHOLE_DAY, ARRIVES_LATE]) & (Absence.reason != NOTICED)))


def open_notice_condition(user, day, adult_cutoff):
    """The notice (outer query) is one of `day` the user answers and still open: not
    withdrawn, not answered, nothing reported since."""
    return ((AbsenceNotice.day == day) & AbsenceNotice.withdrawn_at.is_null()
            & AbsenceNotice.answered_at.is_null()
            & AbsenceNotice.child.in_(answering_child_ids(user, day, adult_cutoff))
            & ~explained(AbsenceNotice.child, AbsenceNotice.day))


def notice_or_none(user, child_id, day):
    """The child's notice of `day` with its child, group, unit and who answered
    (`notice.answerer`, None before an answer) and whether a report has come since
    (`notice.reported`), if the user is a guardian who answers for the child."""
    answerer = User.alias("answerer")
    return (AbsenceNotice.select(AbsenceNotice, Child, Group, Unit, answerer,
                                 explained(AbsenceNotice.child, AbsenceNotice.day)
                                 .alias("reported"))
            .join(Child, on=(AbsenceNotice.child == Child.id))
            .switch(AbsenceNotice).join(Group, on=(AbsenceNotice.group == Group.id))
            .join(Unit, on=(Group.unit == Unit.id))
            .switch(AbsenceNotice)
            .join(answerer, JOIN.LEFT_OUTER, on=(AbsenceNotice.answered_by == answerer.id),
                  attr="answerer")
            .where((AbsenceNotice.child == child_id) & (AbsenceNotice.day == day)
                   & AbsenceNotice.child.in_(answering_child_ids(
                       user.id, day, eighteenth_birthday_cutoff(day))))
            .first())


def _day_of(path):
    try:
        return datetime.date.fromisoformat(path.rpartition("day=")[2][:10])
    except ValueError:
        return None


def notice_still_due(user, child_id, path, day=None):
    """At sending time: the notice the notification links to (its day is in `path`) is
    still open for this guardian."""
    notice_day = _day_of(path)
    if notice_day is None:
        return False
    day = day or today()
    return (AbsenceNotice.select()
            .where((AbsenceNotice.child == child_id)
                   & open_notice_condition(user.id, notice_day,
                                           eighteenth_birthday_cutoff(day)))
            .exists())
