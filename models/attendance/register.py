"""The day's attendance register of a group: every child enrolled that day with their
mark, and what the guardians already said (an absence report, approved leave) as the
suggested mark, so the teacher only taps the exceptions. Saving is one transaction with
its audit event. Who may open a register is models/access/attendance.py's business."""
import datetime
from dataclasses import dataclass

from peewee import JOIN

from models import audit
from models.absence.tables import ARRIVES_LATE, LEAVES_EARLY, Absence
from models.attendance.tables import (ABSENT, DAY_REGISTER, LATE, PRESENT, STATUSES,
                                      AttendanceMark)
from models.calendar import days
from models.db import database
from models.school.tables import Child, Enrolment, User


class NoSchool(Exception):
    """The day is no school day for the group: (WEEKEND, None) or (HOLIDAY, name)."""


@dataclass(frozen=True)
class Report:
    """What the guardians (or staff, earlier) recorded for the day."""
    reason: str
    part: str
    at_time: datetime.time | None
    by_staff: bool


@dataclass(frozen=True)
class Row:
    child_id: int
    name: str
    status: str | None          # the saved mark
    late_at: datetime.time | None
    marked_by: str
    report: Report | None

    @property
    def suggested(self):
        """The mark the report suggests, or None: leaving early is present."""
        if self.report is None:
            return None
        return {LEAVES_EARLY: PRESENT, ARRIVES_LATE: LATE}.get(self.report.part, ABSENT)

    @property
    def shown(self):
        """The mark the register shows checked: the saved one, else the suggestion."""
        return self.status or self.suggested

    @property
    def shown_time(self):
        if self.status:
            return self.late_at
        return self.report.at_time if self.suggested == LATE else None


def closed(unit, day):
    """Why the group's unit has no register on `day`, or None. Only schools: a
    kindergarten's days off do not stop its day list."""
    if unit.kind != days.SCHOOL:
        return None
    calendar = days.ChildCalendar(True, days.days_off([unit.id], day, day))
    return calendar.closed(day)


def _children(group_id, day):
    return (Child.select(Child.id, Child.first_name, Child.last_name)
            .join(Enrolment, on=(Enrolment.child == Child.id))
            .where((Enrolment.group == group_id) & Enrolment.active(day))
            .distinct()
            .order_by(Child.first_name, Child.last_name, Child.id).tuples())


def _enrolled_ids(group_id, day):
    return (Enrolment.select(Enrolment.child)
            .where((Enrolment.group == group_id) & Enrolment.active(day)))


def register(group_id, day):
    """[Row] of every child enrolled in the group on `day`, by first name. Three
    queries whatever the group's size."""
    enrolled = _enrolled_ids(group_id, day)
    marks = {child: (status, late_at, f"{first or ''} {last or ''}".strip())
             for child, status, late_at, first, last in (
                 AttendanceMark.select(AttendanceMark.child, AttendanceMark.status,
                                       AttendanceMark.late_at, User.first_name,
                                       User.last_name)
                 .join(User, JOIN.LEFT_OUTER, on=(AttendanceMark.marked_by == User.id))
                 .where(AttendanceMark.child.in_(enrolled) & (AttendanceMark.day == day)
                        & (AttendanceMark.lesson == DAY_REGISTER)).tuples())}
    reports = {}
    for child, reason, part, at_time, by_staff in (
            Absence.select(Absence.child, Absence.reason, Absence.part, Absence.at_time,
                           Absence.by_staff)
            .where(Absence.child.in_(enrolled) & (Absence.start_date <= day)
                   & (Absence.end_date >= day) & Absence.withdrawn_at.is_null())
            .order_by(Absence.reported_at, Absence.id).tuples()):
        found = reports.get(child)
        # A whole day away says more than "arrives late" or "leaves early".
        if found is None or found.part != "whole":
            reports[child] = Report(reason, part, at_time, by_staff)
    rows = []
    for child_id, first, last in _children(group_id, day):
        status, late_at, by = marks.get(child_id, (None, None, ""))
        rows.append(Row(child_id, f"{first} {last}", status, late_at, by,
                        reports.get(child_id)))
    return rows


def row(group_id, day, child_id):
    """One child's Row (for the fragment a one-tap save returns), or None."""
    return next((r for r in register(group_id, day) if r.child_id == child_id), None)


def save(group_id, day, marks, by, ip=""):
    """Store {child id: (status, late time or None)} for the day register, in one
    transaction with one audit event. Children not enrolled in the group that day, or a
    status outside STATUSES, raise ValueError and nothing is saved. Marks that did not
    change keep who marked them and when. Returns the number of marks changed."""
    for status, late_at in marks.values():
        if status not in STATUSES:
            raise ValueError(status)
    with database.atomic():
        enrolled = {c for (c,) in _enrolled_ids(group_id, day).tuples()}
        if not set(marks) <= enrolled:
            raise ValueError("child not in the group")
        existing = {child: (status, late_at) for child, status, late_at in (
            AttendanceMark.select(AttendanceMark.child, AttendanceMark.status,
                                  AttendanceMark.late_at)
            .where(AttendanceMark.child.in_(list(marks)) & (AttendanceMark.day == day)
                   & (AttendanceMark.lesson == DAY_REGISTER)).tuples())} if marks else {}
        changed = {child: (status, late_at if status == LATE else None)
                   for child, (status, late_at) in marks.items()
                   if existing.get(child) != (status, late_at if status == LATE else None)}
        if not changed:
            return 0
        (AttendanceMark.delete()
         .where(AttendanceMark.child.in_(list(changed)) & (AttendanceMark.day == day)
                & (AttendanceMark.lesson == DAY_REGISTER)).execute())
        AttendanceMark.insert_many(
            [{"child": child, "group": group_id, "day": day, "lesson": DAY_REGISTER,
              "status": status, "late_at": late_at, "marked_by": by.id}
             for child, (status, late_at) in sorted(changed.items())]).execute()
        audit.record("attendance.marked", actor=by, ip=ip, children=sorted(changed),
                     group=group_id, day=day.isoformat(),
                     marks={str(c): s for c, (s, _) in sorted(changed.items())})
    return len(changed)


def neighbours(unit, day, reach=40):
    """(previous, next) school day of the unit around `day` within `reach` days (None
    where there is none): weekends and, for a school, its days off skipped. One query."""
    first, last = day - datetime.timedelta(days=reach), day + datetime.timedelta(days=reach)
    off = days.days_off([unit.id], first, last) if unit.kind == days.SCHOOL else {}

    def open_on(d):
        return not days.is_weekend(d) and d not in off

    step = datetime.timedelta(days=1)
    before = next((day - n * step for n in range(1, reach + 1) if open_on(day - n * step)),
                  None)
    after = next((day + n * step for n in range(1, reach + 1) if open_on(day + n * step)),
                 None)
    return before, after
