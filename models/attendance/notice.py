"""The notice of an unexplained absence (issue 18): a child marked absent with no word
from home — no guardian's report for the day, no approved leave, no reason staff gave
that the unit exempts — on a school day, today, at a school. The guardians with parental
responsibility who see the child (rule 1) are told at once, or from the unit's notice
time, urgently (never held by a digest or quiet hours). The notification names only
the kind of event and the unit; the page it links to holds three one-tap answers:
"ill today" (an absence report), "on the way", and "call me", which tells the group's
contact teachers and the unit's leaders at once.

Marking the child present again withdraws an unanswered notice; a report or leave that
arrives before the notice time stops it at sending (models/access/attendance.py,
`notice_still_due`)."""
import datetime
from dataclasses import dataclass

from models import audit
from models.absence import absence as absence_model
from models.absence.tables import ILL
from models.access.attendance import explained
from models.attendance.tables import ABSENT, CALL_ME, ILL_TODAY, AbsenceNotice
from models.calendar import days
from models.db import database, today, utcnow
from models.messaging.recipients import guardian_pairs
from models.notifications import notify
from models.notifications.tables import (ABSENCE_CALL, ABSENCE_NOTICE, DROPPED, PENDING,
                                         Notification)
from models.notifications.timing import municipality_zone
from models.school.tables import (CONTACT_TEACHER, UNIT_LEADER, WITH_RESPONSIBILITY, Child,
                                  Group, Guardianship, StaffRole, User)

UTC = datetime.timezone.utc


class AlreadyAnswered(Exception):
    """Another guardian answered first, or the school withdrew the notice."""


@dataclass(frozen=True)
class NoticeLine:
    """What the register shows of a child's notice."""
    due_at: datetime.datetime       # UTC, naive
    told: str                       # the guardians' names
    withdrawn: bool
    answer: str
    answered_by: str
    answered_at: datetime.datetime | None

    @property
    def pending(self):
        return self.due_at > utcnow()


def due_at(notice_after, now):
    """When a notice made `now` goes: at once, or at the unit's local notice time."""
    if notice_after is None:
        return now
    zone = municipality_zone()
    local = now.replace(tzinfo=UTC).astimezone(zone)
    at = datetime.datetime.combine(local.date(), notice_after, tzinfo=zone)
    return max(now, at.astimezone(UTC).replace(tzinfo=None))


def path_of(day):
    return f"/children/{{child}}/notice?day={day.isoformat()}"


def _guardians(child_ids, day):
    """{child id: [(user id, name)]}: who is told (rule 1, with parental responsibility)."""
    pairs = guardian_pairs(child_ids, day, answering=True)
    if not pairs:
        return {}
    names = {u: f"{first} {last}" for u, first, last in (
        User.select(User.id, User.first_name, User.last_name)
        .where(User.id.in_({u for u, _ in pairs})).tuples())}
    found = {}
    for user_id, child_id in pairs:
        found.setdefault(child_id, []).append((user_id, names[user_id]))
    for people in found.values():
        people.sort(key=lambda p: p[1])
    return found


def consider(group, day, marks, by, settings, now=None):
    """After marks are saved, in their transaction: {child id: (status, staff reason)}.
    A present, late or exempt mark withdraws the child's unanswered notice of the day;
    an absent one opens a notice when nothing explains it. Returns the children
    noticed."""
    now = now or utcnow()
    wanted = [c for c, (status, reason) in marks.items()
              if status == ABSENT and reason not in settings.exempt]
    others = [c for c in marks if c not in wanted]
    if others and (AbsenceNotice.update(withdrawn_at=now)
                   .where(AbsenceNotice.child.in_(others) & (AbsenceNotice.day == day)
                          & AbsenceNotice.withdrawn_at.is_null()
                          & AbsenceNotice.answered_at.is_null())
                   .execute()):
        # What still waits for the notice time goes no more (as at sending time).
        (Notification.update(status=DROPPED, error="no access")
         .where((Notification.event == ABSENCE_NOTICE) & Notification.child.in_(others)
                & (Notification.status == PENDING)).execute())
    # Only a school: a kindergarten's children come when their day starts.
    if (not wanted or day != today() or days.is_weekend(day)
            or group.unit.kind != days.SCHOOL
            or days.days_off([group.unit_id], day, day)):
        return []
    reported = {c for (c,) in Child.select(Child.id).where(
        Child.id.in_(wanted) & explained(Child.id, day)).tuples()}
    existing = {n.child_id: n for n in AbsenceNotice.select().where(
        AbsenceNotice.child.in_(wanted) & (AbsenceNotice.day == day))}
    wanted = [c for c in wanted if c not in reported and (
        c not in existing or (existing[c].withdrawn_at and not existing[c].answer))]
    if not wanted:
        return []
    guardians = _guardians(wanted, day)
    due = due_at(settings.notice_after, now)
    for child_id in wanted:
        people = guardians.get(child_id, [])
        values = {"group": group.id, "marked_by": by.id if by else None, "due_at": due,
                  "told": ", ".join(name for _, name in people)[:300], "withdrawn_at": None}
        if child_id in existing:
            notice_id = existing[child_id].id
            AbsenceNotice.update(**values).where(AbsenceNotice.id == notice_id).execute()
        else:
            notice_id = AbsenceNotice.insert(child=child_id, day=day, created_at=now,
                                             **values).execute()
        notify.publish(notify.Event(
            kind=ABSENCE_NOTICE, source=f"{notice_id}@{now.isoformat()}",
            path=path_of(day), unit_id=group.unit_id, urgent=True, not_before=due,
            recipients={user_id: child_id for user_id, _ in people}), now=now)
    return wanted


def answer(notice, value, by, ip="", now=None):
    """The first answer of a guardian, with its effect and audit event, in one
    transaction: "ill" becomes the day's absence report, "call me" tells the group's
    contact teachers and the unit's leaders at once. AlreadyAnswered when someone
    answered first or the notice was withdrawn."""
    now = now or utcnow()
    with database.atomic():
        changed = (AbsenceNotice.update(answer=value, answered_by=by.id, answered_at=now)
                   .where((AbsenceNotice.id == notice.id)
                          & AbsenceNotice.answered_at.is_null()
                          & AbsenceNotice.withdrawn_at.is_null()).execute())
        if not changed:
            raise AlreadyAnswered()
        if value == ILL_TODAY:
            absence_model.store_report(notice.child_id, by, notice.day, notice.day, ILL,
                                       ip=ip)
        elif value == CALL_ME:
            _call_me(notice, now)
        audit.record("attendance.notice_answered", actor=by, obj=notice, ip=ip,
                     child=notice.child_id, answer=value, day=notice.day.isoformat())


def _call_me(notice, now):
    group = Group.get_by_id(notice.group_id)
    staff = (StaffRole.select(StaffRole.user)
             .where(((StaffRole.role == CONTACT_TEACHER) & (StaffRole.group == group.id))
                    | ((StaffRole.role == UNIT_LEADER) & (StaffRole.unit == group.unit_id)))
             .distinct().tuples())
    notify.publish(notify.Event(
        kind=ABSENCE_CALL, source=str(notice.id),
        path=f"/groups/{group.id}/register?day={notice.day.isoformat()}",
        unit_id=group.unit_id, urgent=True,
        recipients={user_id: notice.child_id for (user_id,) in staff}), now=now)


def phones(child_ids):
    """{child id: [(name, phone)]} of the guardians with parental responsibility of the
    children, for those whose guardians asked to be called. One query (none for none)."""
    found = {}
    if not child_ids:
        return found
    for child_id, first, last, phone in (
            Guardianship.select(Guardianship.child, User.first_name, User.last_name,
                                User.phone)
            .join(User, on=(Guardianship.guardian == User.id))
            .where(Guardianship.child.in_(child_ids)
                   & Guardianship.responsibility.in_(WITH_RESPONSIBILITY)
                   & (User.is_active == True))  # noqa: E712
            .order_by(User.first_name, User.last_name).tuples()):
        found.setdefault(child_id, []).append((f"{first} {last}", phone or ""))
    return found
