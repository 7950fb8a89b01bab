"""What waits for a person, for the top of their home page: answers they owe (consents,
caregiver approvals, leave to decide, caregiver requests to confirm), conversations with
unread messages, news of a decided leave application, and, for the administrator,
notifications that did not arrive.

Every count is one part of a single UNION ALL query, whatever the person's roles and
however much data there is: the home page is the most visited page and must cost a fixed
number of queries. Who is counted for is decided by the access rules (`models.access`);
which consents ask about a child, what is unread and when every guardian has approved a
caregiver are each area's own conditions, reused here rather than written twice.
"""
import datetime
from dataclasses import dataclass, field
from functools import reduce

from peewee import SQL, Value, fn

from models import access
from models.absence.tables import APPROVED, DECLINED, PENDING, LeaveApplication, school_days
from models.attendance.tables import AbsenceNotice
from models.access.attendance import open_notice_condition
from models.access.pickup import kept_child_ids
from models.consent.queries import applies_to, latest_version
from models.consent.tables import (Consent, ConsentAnswer, ConsentItem, ConsentVersion,
                                   renewal_cutoff)
from models.db import Prepared, today, utcnow
from models.messaging.inbox import unread_query
from models.messaging.tables import Thread
from models.notifications.tables import DROPPED, FAILED, FELL_BACK, Notification
from models.pickup.tables import PickupApproval, PickupPerson
from models.rectification.access import open_to_answer_condition
from models.rectification.tables import Rectification
from models.school.caregivers import NOTICE_DAYS, all_approved
from models.school.tables import (ADMINISTRATOR, WITHDRAWN_GRANT, CaregiverApproval,
                                  CaregiverGrant, Child, StaffRole, birthday_cutoff,
                                  eighteenth_birthday_cutoff)

NEWS_DAYS = 7  # how long a leave decision, or a notification that failed, is news

# The kinds of line; a view turns each into words and a link.
CONSENTS, CAREGIVERS, LEAVE_DECIDED = "consents", "caregivers", "leave_decided"
UNREAD, LEAVE, LEAVE_SHORT, CONFIRM, FAILED_NOTICES, ENDED = (
    "unread", "leave", "leave_short", "confirm", "failed", "ended")
PICKUPS = "pickups"
NOTICES = "notices"
RECTIFICATIONS = "rectifications"
_PER_CHILD = (CONSENTS, CAREGIVERS, LEAVE_DECIDED, PICKUPS, NOTICES)

_NO_DATE = SQL("CAST(NULL AS DATE)")


def _kind(name):
    return SQL(f"'{name}'")


def _consents(user, day, adult_cutoff, pupil_cutoff, renewal):
    """Per child the user answers consents for: the open consents asking about the child
    with an item the user has no current answer to (none to the newest version, or, for
    a consent renewed yearly, none this school year)."""
    current = (ConsentAnswer.select(ConsentAnswer.id)
               .where((ConsentAnswer.item == ConsentItem.id)
                      & (ConsentAnswer.child == Child.id) & (ConsentAnswer.guardian == user)
                      & (ConsentAnswer.version == ConsentVersion.id)
                      & (~Consent.renew_yearly | (ConsentAnswer.at >= renewal))))
    unanswered = (ConsentItem.select(ConsentItem.id)
                  .where((ConsentItem.consent == Consent.id) & ~fn.EXISTS(current)))
    return (Child.select(_kind(CONSENTS), Child.id, fn.COUNT(Consent.id), _NO_DATE, _NO_DATE)
            .join(Consent, on=applies_to([Child.id], day))
            .join(ConsentVersion, on=((ConsentVersion.consent == Consent.id)
                                      & latest_version()))
            .where(access.consent_answerer_condition(user, day, adult_cutoff, pupil_cutoff)
                   & fn.EXISTS(unanswered))
            .group_by(Child.id))


def _caregivers(user, day, adult_cutoff):
    """Per child: open requests for a caregiver the user has not approved yet."""
    mine = (CaregiverApproval.select(CaregiverApproval.id)
            .where((CaregiverApproval.grant == CaregiverGrant.id)
                   & (CaregiverApproval.guardian == user)))
    return (CaregiverGrant.select(_kind(CAREGIVERS), CaregiverGrant.child,
                                  fn.COUNT(CaregiverGrant.id), _NO_DATE, _NO_DATE)
            .where(CaregiverGrant.child.in_(access.answering_child_ids(user, day, adult_cutoff))
                   & CaregiverGrant.revoked_at.is_null() & CaregiverGrant.confirmed_at.is_null()
                   & ~fn.EXISTS(mine))
            .group_by(CaregiverGrant.child))


def _pickups(user, day, adult_cutoff):
    """Per child whose pick-up list the user keeps: persons on it the user has not
    approved yet (models/pickup/lists.py)."""
    mine = (PickupApproval.select(PickupApproval.id)
            .where((PickupApproval.person == PickupPerson.id)
                   & (PickupApproval.guardian == user)))
    return (PickupPerson.select(_kind(PICKUPS), PickupPerson.child,
                                fn.COUNT(PickupPerson.id), _NO_DATE, _NO_DATE)
            .where(PickupPerson.child.in_(kept_child_ids(user, day, adult_cutoff))
                   & PickupPerson.removed_at.is_null() & ~fn.EXISTS(mine))
            .group_by(PickupPerson.child))


def _notices(user, day, adult_cutoff, now):
    """Per child the user answers for: today's notice of an unexplained absence, still
    unanswered, from the unit's notice time on (models/attendance/notice.py): until
    then a report from home stops it, and the guardians have not been told."""
    return (AbsenceNotice.select(_kind(NOTICES), AbsenceNotice.child,
                                 fn.COUNT(AbsenceNotice.id), _NO_DATE, _NO_DATE)
            .where(open_notice_condition(user, day, adult_cutoff)
                   & (AbsenceNotice.due_at <= now))
            .group_by(AbsenceNotice.child))


def _leave_decided(user, day, adult_cutoff, since):
    """Per child: leave applications decided lately."""
    return (LeaveApplication.select(_kind(LEAVE_DECIDED), LeaveApplication.child,
                                    fn.COUNT(LeaveApplication.id), _NO_DATE, _NO_DATE)
            .where(LeaveApplication.child.in_(access.answering_child_ids(user, day,
                                                                         adult_cutoff))
                   & LeaveApplication.status.in_([APPROVED, DECLINED])
                   & (LeaveApplication.decided_at >= since))
            .group_by(LeaveApplication.child))


def _unread(user, day, adult_cutoff):
    return unread_query(user, day, adult_cutoff).select(
        _kind(UNREAD), Value(None), fn.COUNT(Thread.id), _NO_DATE, _NO_DATE)


def _leave(user, day):
    """Pending leave the user decides as a leader (counted), and pending leave of the
    children they teach but do not lead, by period: a contact teacher decides only
    short leave, and school days are counted in Python (`access.leave_to_decide`)."""
    led, taught = access.authority_child_ids(user, day)
    pending = LeaveApplication.status == PENDING
    return [
        LeaveApplication.select(_kind(LEAVE), Value(None), fn.COUNT(LeaveApplication.id),
                                _NO_DATE, _NO_DATE)
        .where(pending & LeaveApplication.child.in_(led)),
        LeaveApplication.select(_kind(LEAVE_SHORT), Value(None), fn.COUNT(LeaveApplication.id),
                                LeaveApplication.start_date, LeaveApplication.end_date)
        .where(pending & LeaveApplication.child.in_(taught)
               & LeaveApplication.child.not_in(led))
        .group_by(LeaveApplication.start_date, LeaveApplication.end_date)]


def _to_confirm(user, day):
    """Caregiver requests every guardian approved, for children of units the user leads
    (`caregivers.for_leader`)."""
    led, _ = access.authority_child_ids(user, day)
    return (CaregiverGrant.select(_kind(CONFIRM), Value(None), fn.COUNT(CaregiverGrant.id),
                                  _NO_DATE, _NO_DATE)
            .where(CaregiverGrant.revoked_at.is_null() & CaregiverGrant.confirmed_at.is_null()
                   & all_approved() & CaregiverGrant.child.in_(led)))


def _failed(user, since):
    """For an administrator: notifications that did not arrive lately (as the deliveries
    page lists them)."""
    admin = StaffRole.select(StaffRole.id).where((StaffRole.user == user)
                                                 & (StaffRole.role == ADMINISTRATOR))
    return (Notification.select(_kind(FAILED_NOTICES), Value(None), fn.COUNT(Notification.id),
                                _NO_DATE, _NO_DATE)
            .where(fn.EXISTS(admin) & (Notification.created_at >= since)
                   & Notification.status.in_([FAILED, FELL_BACK, DROPPED])
                   & (Notification.error != "no access")))


def _rectifications(user):
    """Requests to correct personal data the user answers, still open
    (models/rectification)."""
    return (Rectification.select(_kind(RECTIFICATIONS), Value(None),
                                 fn.COUNT(Rectification.id), _NO_DATE, _NO_DATE)
            .where(open_to_answer_condition(user)))


def _ended(user, ended_since):
    """Whether the user's caregiver access was withdrawn lately: the home page then
    reads the details (`caregivers.recently_ended`), which it seldom needs to."""
    return (CaregiverGrant.select(_kind(ENDED), Value(None), fn.COUNT(CaregiverGrant.id),
                                  _NO_DATE, _NO_DATE)
            .where((CaregiverGrant.caregiver == user)
                   & (CaregiverGrant.end_reason == WITHDRAWN_GRANT)
                   & (CaregiverGrant.revoked_at >= ended_since)))


def _waiting_query(user, day, adult_cutoff, pupil_cutoff, renewal, since, ended_since, now):
    parts = [_consents(user, day, adult_cutoff, pupil_cutoff, renewal),
             _caregivers(user, day, adult_cutoff),
             _pickups(user, day, adult_cutoff),
             _notices(user, day, adult_cutoff, now),
             _leave_decided(user, day, adult_cutoff, since),
             _unread(user, day, adult_cutoff),
             *_leave(user, day),
             _to_confirm(user, day),
             _failed(user, since),
             _rectifications(user),
             _ended(user, ended_since)]
    return reduce(lambda union, part: union.union_all(part), parts).tuples()


_waiting = Prepared(_waiting_query, user=int, day=datetime.date, adult_cutoff=datetime.date,
                    pupil_cutoff=datetime.date, renewal=datetime.date, since=datetime.date,
                    ended_since=datetime.date, now=datetime.datetime)


@dataclass(frozen=True)
class Waiting:
    """What waits for one person. Per child: {child id: count}."""
    consents: dict
    caregivers: dict
    leave_decided: dict
    unread: int
    leave: int              # leave applications the user may decide
    to_confirm: int         # caregiver requests to confirm (unit leaders)
    failed: int             # notifications that did not arrive (administrators)
    ended: bool             # the user's caregiver access was withdrawn lately
    pickups: dict = field(default_factory=dict)  # pick-up persons to approve, per child
    notices: dict = field(default_factory=dict)  # unanswered notices of absence, per child
    rectifications: int = 0  # requests to correct personal data to answer

    @property
    def empty(self):
        """Nothing to answer, decide, read or know (an ended access is told apart)."""
        return not (self.consents or self.caregivers or self.leave_decided or self.unread
                    or self.leave or self.to_confirm or self.failed or self.pickups
                    or self.notices or self.rectifications)


def _as_date(value):
    return datetime.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def waiting_for(user, teacher_limit, pupil_age=None, day=None):
    """What waits for the user, in one query. `teacher_limit`: the longest leave (in
    school days) a contact teacher decides; `pupil_age`: from which age a pupil with
    their own login answers consents (None: never)."""
    day = day or today()
    per_child = {kind: {} for kind in _PER_CHILD}
    totals = dict.fromkeys((UNREAD, LEAVE, CONFIRM, FAILED_NOTICES, ENDED, RECTIFICATIONS), 0)
    for kind, key, count, start, end in _waiting(
            user=user.id, day=day, adult_cutoff=eighteenth_birthday_cutoff(day),
            pupil_cutoff=(birthday_cutoff(day, pupil_age) if pupil_age
                          else access.PUPILS_NEVER_DECIDE),
            renewal=renewal_cutoff(day).date(),
            since=day - datetime.timedelta(days=NEWS_DAYS),
            ended_since=day - datetime.timedelta(days=NOTICE_DAYS), now=utcnow()):
        if kind in per_child:
            per_child[kind][key] = count
        elif kind == LEAVE_SHORT:
            if school_days(_as_date(start), _as_date(end)) <= teacher_limit:
                totals[LEAVE] += count
        else:
            totals[kind] += count
    return Waiting(per_child[CONSENTS], per_child[CAREGIVERS], per_child[LEAVE_DECIDED],
                   totals[UNREAD], totals[LEAVE], totals[CONFIRM], totals[FAILED_NOTICES],
                   bool(totals[ENDED]), pickups=per_child[PICKUPS],
                   notices=per_child[NOTICES], rectifications=totals[RECTIFICATIONS])


def absent_by_group(lines):
    """[(group id, group name, how many children), …] from today's absence lines
    (`absence.day_lines`, already read for the home page): no query."""
    counts = {}
    for line in lines:
        group_id, name, children = counts.get(line.group_id, (line.group_id, line.group,
                                                               set()))
        children.add(line.child_id)
        counts[line.group_id] = (group_id, name, children)
    return [(group_id, name, len(children)) for group_id, name, children in counts.values()]
