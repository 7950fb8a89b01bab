"""Absence reports and leave applications (seed 000 "fravær", "søke om permisjon"; rule
6 of DESIGN.md).

The reason is a structured choice, never free text about health: Oslo was fined in 2019
partly for free-text absence fields that collected health data. A short note is allowed
(a time, who picks up), with the same reminder as messages. Who may see a child's
absences is rule 1 and 3's business (models/access/): the views ask there first.
"""
import datetime
from dataclasses import dataclass


from models import access, audit
from models.absence.tables import (APPROVED, DECLINED, LEAVE, PENDING, WHOLE_DAY, WITHDRAWN,
                                   Absence, LeaveApplication, school_days)
from models.consent import queries
from models.db import Prepared, database, today, utcnow
from models.messaging import inbox, recipients
from models.notifications import notify
from models.notifications.tables import LEAVE as LEAVE_DECIDED
from models.notifications.tables import LEAVE_APPLICATION
from models.school.tables import Child, Enrolment, Group, Unit


def report(child_id, by, start, end, reason, part=WHOLE_DAY, at_time=None,
           picked_up_by="", note="", by_staff=False, ip=""):
    with database.atomic():
        row = Absence.create(child=child_id, start_date=start, end_date=end, part=part,
                             at_time=at_time, picked_up_by=picked_up_by, reason=reason,
                             note=note, reported_by=by, by_staff=by_staff)
        audit.record("absence.reported", actor=by, obj=row, ip=ip, child=child_id,
                     reason=reason, by_staff=by_staff)
    return row


def change(absence, by, ip="", **fields):
    with database.atomic():
        Absence.update(**fields).where(Absence.id == absence.id).execute()
        audit.record("absence.changed", actor=by, obj=absence, ip=ip,
                     fields=sorted(fields), child=absence.child_id)


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


def totals(absences, term):
    """Whole and part days in the term, counting school days only."""
    first, last = term
    days = parts = 0
    by_reason = {}
    for a in absences:
        start, end = max(a.start_date, first), min(a.end_date, last)
        if start > end:
            continue
        count = school_days(start, end)
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


def _on_day_query(groups, day):
    return (Absence.select(Child.id, Child.first_name, Child.last_name, Group.id, Group.name,
                           Absence.part, Absence.at_time, Absence.picked_up_by,
                           Absence.reason, Absence.by_staff)
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
    return [DayLine(cid, f"{first} {last}", gid, group, part, at, by, reason, staff)
            for cid, first, last, gid, group, part, at, by, reason, staff in rows]


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
            Absence.create(child=application.child_id, start_date=application.start_date,
                           end_date=application.end_date, reason=LEAVE,
                           reported_by=application.applied_by_id, leave=application.id)
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
