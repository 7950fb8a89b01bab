"""The attendance register of a group for a day (or one lesson of it, when the unit
registers per lesson): every child enrolled that day with their mark, and what the
guardians already said (an absence report, approved leave) as the suggested mark, so the
teacher only taps the exceptions; and the day's notices of unexplained absence with the
guardians' answers. Saving is one transaction with its audit event and the notices it
opens or withdraws. Who may open a register is models/access/attendance.py's
business."""
import datetime
from dataclasses import dataclass

from peewee import JOIN

from models import audit
from models.absence.tables import ARRIVES_LATE, LEAVES_EARLY, Absence
from models.attendance import notice as notices
from models.attendance.settings import Settings
from models.attendance.tables import (ABSENT, CALL_ME, DAY_REGISTER, LATE, PRESENT,
                                      STAFF_REASONS, STATUSES, UNKNOWN, AbsenceNotice,
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
    reason: str = UNKNOWN       # staff's reason of an absent mark
    notice: notices.NoticeLine | None = None
    phones: tuple = ()          # (name, phone) of the guardians, when they asked a call

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


def _enrolled_ids(group_id, day):
    return (Enrolment.select(Enrolment.child)
            .where((Enrolment.group == group_id) & Enrolment.active(day)))


def _lines(group_id, day, lesson):
    """Each child enrolled that day with their mark of the lesson and their notice of
    the day: one query."""
    marker, answerer = User.alias("marker"), User.alias("answerer")
    return (Child.select(Child.id, Child.first_name, Child.last_name, AttendanceMark.status,
                         AttendanceMark.late_at, AttendanceMark.reason, marker.first_name,
                         marker.last_name, AbsenceNotice.id, AbsenceNotice.due_at,
                         AbsenceNotice.told, AbsenceNotice.withdrawn_at, AbsenceNotice.answer,
                         answerer.first_name, answerer.last_name, AbsenceNotice.answered_at)
            .join(Enrolment, on=(Enrolment.child == Child.id))
            .switch(Child)
            .join(AttendanceMark, JOIN.LEFT_OUTER,
                  on=((AttendanceMark.child == Child.id) & (AttendanceMark.day == day)
                      & (AttendanceMark.lesson == lesson)))
            .join(marker, JOIN.LEFT_OUTER, on=(AttendanceMark.marked_by == marker.id))
            .switch(Child)
            .join(AbsenceNotice, JOIN.LEFT_OUTER,
                  on=((AbsenceNotice.child == Child.id) & (AbsenceNotice.day == day)))
            .join(answerer, JOIN.LEFT_OUTER, on=(AbsenceNotice.answered_by == answerer.id))
            .where((Enrolment.group == group_id) & Enrolment.active(day))
            .distinct()
            .order_by(Child.first_name, Child.last_name, Child.id).tuples())


def _name(first, last):
    return f"{first or ''} {last or ''}".strip()


def register(group_id, day, lesson=DAY_REGISTER):
    """[Row] of every child enrolled in the group on `day`, by first name, with the
    marks of `lesson` and the day's notices. Two queries whatever the group's size
    (three when a guardian asked to be called)."""
    enrolled = _enrolled_ids(group_id, day)
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
    lines = list(_lines(group_id, day, lesson))
    phones = notices.phones([line[0] for line in lines
                             if line[8] is not None and line[12] == CALL_ME])
    rows = []
    for (child_id, first, last, status, late_at, reason, by_first, by_last, notice_id,
         due, told, withdrawn, answer, answer_first, answer_last, answered_at) in lines:
        notice = None if notice_id is None else notices.NoticeLine(
            due, told, withdrawn is not None, answer, _name(answer_first, answer_last),
            answered_at)
        rows.append(Row(child_id, f"{first} {last}", status, late_at,
                        _name(by_first, by_last) if status else "", reports.get(child_id),
                        reason or UNKNOWN, notice, tuple(phones.get(child_id, ()))))
    return rows


def row(group_id, day, child_id, lesson=DAY_REGISTER):
    """One child's Row (for the fragment a one-tap save returns), or None."""
    return next((r for r in register(group_id, day, lesson) if r.child_id == child_id),
                None)


def _normal(status, late_at, reason):
    return (status, late_at if status == LATE else None,
            reason if status == ABSENT else UNKNOWN)


def save(group, day, marks, by, ip="", lesson=DAY_REGISTER, settings=None):
    """Store {child id: (status, late time or None, staff reason)} for the register of
    `lesson` (0: the day's), in one transaction with one audit event and the notices of
    unexplained absence the marks open or withdraw (models/attendance/notice.py).
    Children not enrolled in the group that day, or a status or reason outside the
    fixed sets, raise ValueError and nothing is saved. Marks that did not change keep
    who marked them and when. Returns the number of marks changed."""
    for status, _late_at, reason in marks.values():
        if status not in STATUSES or reason not in STAFF_REASONS:
            raise ValueError(status)
    marks = {child: _normal(*mark) for child, mark in marks.items()}
    with database.atomic():
        enrolled = {c for (c,) in _enrolled_ids(group.id, day).tuples()}
        if not set(marks) <= enrolled:
            raise ValueError("child not in the group")
        existing = {child: (status, late_at, reason)
                    for child, status, late_at, reason in (
                        AttendanceMark.select(AttendanceMark.child, AttendanceMark.status,
                                              AttendanceMark.late_at, AttendanceMark.reason)
                        .where(AttendanceMark.child.in_(list(marks))
                               & (AttendanceMark.day == day)
                               & (AttendanceMark.lesson == lesson)).tuples())} if marks else {}
        changed = {child: mark for child, mark in marks.items()
                   if existing.get(child) != mark}
        if not changed:
            return 0
        (AttendanceMark.delete()
         .where(AttendanceMark.child.in_(list(changed)) & (AttendanceMark.day == day)
                & (AttendanceMark.lesson == lesson)).execute())
        AttendanceMark.insert_many(
            [{"child": child, "group": group.id, "day": day, "lesson": lesson,
              "status": status, "late_at": late_at, "reason": reason, "marked_by": by.id}
             for child, (status, late_at, reason) in sorted(changed.items())]).execute()
        detail = {"lesson": lesson} if lesson else {}
        audit.record("attendance.marked", actor=by, ip=ip, children=sorted(changed),
                     group=group.id, day=day.isoformat(),
                     marks={str(c): s for c, (s, _, _) in sorted(changed.items())}, **detail)
        notices.consider(group, day, {c: (s, r) for c, (s, _, r) in changed.items()}, by,
                         settings or Settings())
    return len(changed)


def around(unit, day, reach=40):
    """(why `day` has no register or None, the previous school day, the next) within
    `reach` days (None where there is none): weekends and, for a school, its days off
    skipped. One query."""
    first, last = day - datetime.timedelta(days=reach), day + datetime.timedelta(days=reach)
    off = days.days_off([unit.id], first, last) if unit.kind == days.SCHOOL else {}
    why = days.ChildCalendar(True, off).closed(day) if unit.kind == days.SCHOOL else None

    def open_on(d):
        return not days.is_weekend(d) and d not in off

    step = datetime.timedelta(days=1)
    before = next((day - n * step for n in range(1, reach + 1) if open_on(day - n * step)),
                  None)
    after = next((day + n * step for n in range(1, reach + 1) if open_on(day + n * step)),
                 None)
    return why, before, after
