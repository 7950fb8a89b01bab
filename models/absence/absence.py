"""Absence reports and leave applications (seed 000 "fravær", "søke om permisjon"; rule
6 of DESIGN.md).

The reason is a structured choice, never free text about health: Oslo was fined in 2019
partly for free-text absence fields that collected health data. A short note is allowed
(a time, who picks up), with the same reminder as messages. Who may see a child's
absences is rule 1 and 3's business (models/access/): the views ask there first.
"""
import datetime
from dataclasses import dataclass

import peewee

from models import access, audit
from models.absence.tables import (APPROVED, DECLINED, LEAVE, PENDING, WHOLE_DAY, WITHDRAWN,
                                   Absence, LeaveApplication, school_days)
from models.calendar import days
from models.consent import queries
from models.db import Prepared, database, today, utcnow
from models.messaging import inbox, recipients
from models.notifications import notify
from models.notifications.tables import LEAVE as LEAVE_DECIDED
from models.notifications.tables import LEAVE_APPLICATION
from models.school.tables import Child, Enrolment, Group, Unit


REPORTED, UPDATED = "reported", "updated"


def report(child_id, by, start, end, reason, **options):
    """Store a report (`store_report`) and return its row."""
    return store_report(child_id, by, start, end, reason, **options)[0]


def store_report(child_id, by, start, end, reason, part=WHOLE_DAY, at_time=None,
                 picked_up_by="", note="", by_staff=False, ip="", leave=None, actor=None):
    """Store a report; (row, REPORTED or UPDATED). One child has one report per day and
    part of the day (whole, arrives late, leaves early): a report for days that already
    have one of that part updates it (the earlier row is reused when it lies within the
    new days), and an earlier report that reaches beyond the new days keeps only those
    other days. "Not coming today" twice, or "picked up at 14" then "at 15", is one row
    that says the latest. `actor` (default `by`) is who the audit log names."""
    actor = actor or by
    values = dict(start_date=start, end_date=end, part=part, at_time=at_time,
                  picked_up_by=picked_up_by, reason=reason, note=note, reported_by=by,
                  by_staff=by_staff, leave=leave)
    with database.atomic():
        _lock(child_id)
        earlier = _overlapping(child_id, part, start, end)
        inside = [r for r in earlier if start <= r.start_date and r.end_date <= end]
        reuse = next((r for r in inside if (r.start_date, r.end_date) == (start, end)),
                     inside[0] if inside else None)
        _make_room([r for r in earlier if r is not reuse], start, end, actor, ip)
        if reuse is None:
            row = Absence.create(child=child_id, **values)
        else:
            Absence.update(reported_at=utcnow(), **values).where(
                Absence.id == reuse.id).execute()
            row = Absence.get_by_id(reuse.id)
        audit.record("absence.changed" if earlier else "absence.reported", actor=actor,
                     obj=row, ip=ip, child=child_id, reason=reason, by_staff=by_staff)
    return row, UPDATED if earlier else REPORTED


def _lock(child_id):
    """Two reports for one child at once wait for each other (PostgreSQL); SQLite
    writes one transaction at a time anyway."""
    if getattr(database.obj, "for_update", False):
        list(Child.select(Child.id).where(Child.id == child_id).for_update())


def _overlapping(child_id, part, start, end, excluding=None):
    query = Absence.select().where(
        (Absence.child == child_id) & (Absence.part == part)
        & Absence.withdrawn_at.is_null() & (Absence.start_date <= end)
        & (Absence.end_date >= start))
    if excluding is not None:
        query = query.where(Absence.id != excluding)
    return list(query.order_by(Absence.start_date, Absence.id))


def _make_room(rows, start, end, by, ip):
    """Free start..end in these reports of the same child and part: one inside it is
    replaced (withdrawn, so the history keeps it), one over an edge keeps its other days,
    one around it is split in two."""
    one_day = datetime.timedelta(days=1)
    for row in rows:
        if start <= row.start_date and row.end_date <= end:
            Absence.update(withdrawn_at=utcnow()).where(Absence.id == row.id).execute()
            audit.record("absence.withdrawn", actor=by, obj=row, ip=ip,
                         child=row.child_id, replaced=True)
            continue
        if row.start_date < start and row.end_date > end:
            Absence.create(**{**_copy(row), "start_date": end + one_day})
            changes = {"end_date": start - one_day}
        elif row.start_date < start:
            changes = {"end_date": start - one_day}
        else:
            changes = {"start_date": end + one_day}
        Absence.update(**changes).where(Absence.id == row.id).execute()
        audit.record("absence.changed", actor=by, obj=row, ip=ip, fields=sorted(changes),
                     child=row.child_id)


def _copy(row):
    return {name: getattr(row, field.name if not isinstance(
        field, peewee.ForeignKeyField) else field.name + "_id")
        for name, field in Absence._meta.fields.items() if name != "id"}


def change(absence, by, ip="", **fields):
    """Change a report; other reports of the same part on its new days make room."""
    with database.atomic():
        _lock(absence.child_id)
        start = fields.get("start_date", absence.start_date)
        end = fields.get("end_date", absence.end_date)
        part = fields.get("part", absence.part)
        _make_room(_overlapping(absence.child_id, part, start, end, excluding=absence.id),
                   start, end, by, ip)
        Absence.update(**fields).where(Absence.id == absence.id).execute()
        audit.record("absence.changed", actor=by, obj=absence, ip=ip,
                     fields=sorted(fields), child=absence.child_id)


def guardian_reports_on(child_id, part, start, end):
    """The guardians' reports of this part on any of the days: staff recording an
    absence they noticed leave those as they are."""
    return [row for row in _overlapping(child_id, part, start, end) if not row.by_staff]


def withdraw(absence, by, ip=""):
    with database.atomic():
        (Absence.update(withdrawn_at=utcnow())
         .where((Absence.id == absence.id) & Absence.withdrawn_at.is_null()).execute())
        audit.record("absence.withdrawn", actor=by, obj=absence, ip=ip,
                     child=absence.child_id)


def of_child(child_id):
    """The child's absences (not withdrawn), newest first."""
    return _of_child(child=child_id)


def term_of(day):
    """(first, last day) of the term `day` is in: autumn from August, spring from January."""
    if day.month >= 8:
        return datetime.date(day.year, 8, 1), datetime.date(day.year, 12, 31)
    return datetime.date(day.year, 1, 1), datetime.date(day.year, 7, 31)


@dataclass(frozen=True)
class Totals:
    days: int               # whole school days absent
    part_days: int          # days arriving late or leaving early
    by_reason: dict         # {reason: whole days}


def totals(absences, term, calendar=None):
    """Whole and part days in the term, counting school days only: Monday to Friday,
    and for a school child not the school's holidays either (`calendar`, a
    models.calendar.days.ChildCalendar)."""
    first, last = term
    days = parts = 0
    by_reason = {}
    for a in absences:
        start, end = max(a.start_date, first), min(a.end_date, last)
        if start > end:
            continue
        count = (calendar.school_days(start, end) if calendar is not None
                 else school_days(start, end))
        if a.part == WHOLE_DAY:
            days += count
            by_reason[a.reason] = by_reason.get(a.reason, 0) + count
        else:
            parts += count
    return Totals(days, parts, by_reason)


@dataclass(frozen=True)
class DayLine:
    child_id: int
    child: str
    group_id: int
    group: str
    part: str
    at_time: datetime.time | None
    picked_up_by: str
    reason: str
    by_staff: bool
    note: str


def _on_day_query(groups, day):
    return (Absence.select(Child.id, Child.first_name, Child.last_name, Group.id, Group.name,
                           Absence.part, Absence.at_time, Absence.picked_up_by,
                           Absence.reason, Absence.by_staff, Absence.note)
            .join(Child, on=(Absence.child == Child.id))
            .join(Enrolment, on=(Enrolment.child == Child.id))
            .join(Group, on=(Enrolment.group == Group.id))
            .where(Enrolment.group.in_(groups) & Enrolment.active(day)
                   & (Absence.start_date <= day) & (Absence.end_date >= day)
                   & Absence.withdrawn_at.is_null())
            .order_by(Group.name, Child.first_name, Child.last_name).tuples())


_on_day_of_group = Prepared(
    lambda group, day: _on_day_query(Group.select(Group.id).where(Group.id == group), day),
    group=int, day=datetime.date)


def day_lines(rows):
    return [DayLine(cid, f"{first} {last}", gid, group, part, at, by, reason, staff, note)
            for cid, first, last, gid, group, part, at, by, reason, staff, note in rows]


def on_day(groups, day):
    """Absences on a day for children in `groups` (ids or a subquery): [DayLine], by group
    and name. One query."""
    return day_lines(_on_day_query(groups, day))


def on_day_in_group(group_id, day):
    return day_lines(_on_day_of_group(group=group_id, day=day))


def on_day_for_staff(staff_groups):
    """A Prepared query of today's absences in the groups a member of staff reaches
    (`staff_groups(user)` gives them as a subquery)."""
    return Prepared(lambda user, day: _on_day_query(staff_groups(user), day),
                    user=int, day=datetime.date)


_of_child = Prepared(lambda child: Absence.select().where(
    (Absence.child == child) & Absence.withdrawn_at.is_null())
    .order_by(Absence.start_date.desc(), Absence.id.desc()), child=int)
_leave_of_child = Prepared(lambda child: LeaveApplication.select()
                           .where(LeaveApplication.child == child)
                           .order_by(LeaveApplication.start_date.desc(),
                                     LeaveApplication.id.desc()), child=int)


def apply_for_leave(child_id, by, start, end, reason, ip="", telling=None):
    """A leave application, its audit row and the notice to those who decide it, in one
    transaction; with `telling` (subject, text), also the conversation in which every
    guardian with parental responsibility hears of it, where the decision is later
    written."""
    with database.atomic():
        row = LeaveApplication.create(child=child_id, start_date=start, end_date=end,
                                      reason=reason, applied_by=by)
        audit.record("leave.applied", actor=by, obj=row, ip=ip, child=child_id,
                     days=row.days)
        notify.publish(notify.Event(
            kind=LEAVE_APPLICATION, source=f"l{row.id}", path="/leave/",
            unit_id=_unit_of(child_id),
            recipients={user: child_id for user in access.leave_deciders(child_id)
                        if user != by.id}))
        if telling is not None:
            _tell_guardians(row, by, *telling)
    return row


def _tell_guardians(application, applicant, subject, text):
    child_id = application.child_id
    unit = (Unit.select().join(Group).join(Enrolment)
            .where((Enrolment.child == child_id) & Enrolment.active(today()))
            .order_by(Unit.kind != "school", Unit.name).first())
    if unit is None:
        return
    guardians = [g.id for g in queries.responsible_guardians([child_id]).get(child_id, [])]
    thread = inbox.start_thread(unit, child_id, subject, text, applicant,
                                inbox.new_form_token(), guardians=guardians, staff=[],
                                as_guardian=True)
    LeaveApplication.update(thread=thread.id).where(
        LeaveApplication.id == application.id).execute()
    application.thread = thread


def decide(application, by, approve, reason, ip="", telling=None):
    """Approve (the days become absences with reason "leave") or decline, with a
    reason; only a pending application. Returns False if it was no longer pending.
    With `telling` (a text), the decision is also written into the application's
    conversation, in the same transaction."""
    with database.atomic():
        changed = (LeaveApplication.update(status=APPROVED if approve else DECLINED,
                                           decided_by=by.id, decided_at=utcnow(),
                                           decision_reason=reason)
                   .where((LeaveApplication.id == application.id)
                          & (LeaveApplication.status == PENDING)).execute())
        if not changed:
            return False
        if approve:
            report(application.child_id, application.applied_by_id, application.start_date,
                   application.end_date, LEAVE, leave=application.id, ip=ip, actor=by)
        audit.record("leave.approved" if approve else "leave.declined", actor=by,
                     obj=application, ip=ip, reason=reason, child=application.child_id)
        child = Child.get_by_id(application.child_id)
        notify.publish(notify.Event(
            kind=LEAVE_DECIDED, source=f"l{application.id}",
            path=f"/children/{child.id}/absence", unit_id=_unit_of(child.id),
            recipients={user.id: child.id for user in recipients.guardians_with_access(child)
                        if user.id != by.id}))
        if telling is not None and application.thread_id is not None:
            inbox.reply(application.thread, by, telling, inbox.new_form_token(),
                        as_guardian=False)
    return True


def _unit_of(child_id):
    """The unit a notification about the child names: the school before the SFO."""
    unit = (Unit.select(Unit.id).join(Group).join(Enrolment)
            .where((Enrolment.child == child_id) & Enrolment.active(today()))
            .order_by(Unit.kind == "sfo", Unit.name).first())
    return unit.id if unit else None


def withdraw_leave(application, by, ip=""):
    with database.atomic():
        changed = (LeaveApplication.update(status=WITHDRAWN)
                   .where((LeaveApplication.id == application.id)
                          & (LeaveApplication.status == PENDING)).execute())
        if changed:
            audit.record("leave.withdrawn", actor=by, obj=application, ip=ip,
                         child=application.child_id)
    return bool(changed)


def leave_application_of(child_id, leave_id):
    """One of the child's leave applications, or None."""
    return LeaveApplication.get_or_none((LeaveApplication.id == leave_id)
                                        & (LeaveApplication.child == child_id))


def leave_of_child(child_id):
    return _leave_of_child(child=child_id)


@dataclass(frozen=True)
class LeaveDays:
    school_days: int     # the days the leave takes from school
    holidays: dict       # {name: weekdays} of the school's days off, not counted


def leave_days(applications, calendars=None):
    """{application id: LeaveDays}: weekends and the school's holidays do not count.
    One query for any number of applications, none when the children's `calendars`
    ({child id: ChildCalendar} covering the applications) are given."""
    if not applications:
        return {}
    if calendars is None:
        first = min(a.start_date for a in applications)
        last = max(a.end_date for a in applications)
        calendars = days.for_children({a.child_id for a in applications}, first, last)
    found = {}
    for a in applications:
        calendar = calendars.get(a.child_id, days.ChildCalendar())
        found[a.id] = LeaveDays(calendar.school_days(a.start_date, a.end_date),
                                calendar.holidays(a.start_date, a.end_date))
    return found
