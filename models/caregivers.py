"""Caregiver access (seed 000): a guardian with parental responsibility asks for another
adult close to the child to get access; every other such guardian approves in the app;
a leader of the child's unit confirms; any of the guardians can end it at once.

Whether a grant gives access is decided in models/access.py (rule 1), never here.
"""
import datetime
from dataclasses import dataclass

from peewee import JOIN, fn

from . import audit
from .db import Prepared, database, today, utcnow
from .people import (DECLINED, WITH_RESPONSIBILITY, WITHDRAWN_GRANT, CaregiverApproval,
                     CaregiverGrant, Child, Enrolment, Guardianship, User)
from .school import Group

NOTICE_DAYS = 30  # how long an ended grant is explained on the caregiver's home page


class Refused(Exception):
    """A request that cannot be made; `reason` names which."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class GrantLine:
    id: int
    caregiver: str
    contact: str
    relation: str
    requested_by: str
    created_at: datetime.datetime
    approved_by: frozenset   # guardian ids
    confirmed: bool
    ended: bool
    end_reason: str

    def waiting_for(self, guardians):
        return [g for g in guardians if g.id not in self.approved_by]


def grants(child_id):
    """Every grant for the child, newest first (ended ones too, for the record)."""
    caregiver, requester = User.alias("caregiver"), User.alias("requester")
    rows = (CaregiverGrant.select(CaregiverGrant, caregiver, requester)
            .join(caregiver, on=(CaregiverGrant.caregiver == caregiver.id))
            .switch(CaregiverGrant)
            .join(requester, JOIN.LEFT_OUTER, on=(CaregiverGrant.requested_by == requester.id))
            .where(CaregiverGrant.child == child_id)
            .order_by(CaregiverGrant.created_at.desc(), CaregiverGrant.id.desc()))
    approvals = {}
    for grant_id, guardian_id in (CaregiverApproval.select(CaregiverApproval.grant,
                                                           CaregiverApproval.guardian)
                                  .join(CaregiverGrant)
                                  .where(CaregiverGrant.child == child_id).tuples()):
        approvals.setdefault(grant_id, set()).add(guardian_id)
    lines = []
    for grant in rows:
        person = grant.caregiver
        lines.append(GrantLine(
            grant.id, person.name, person.email or person.phone, grant.relation,
            grant.requested_by.name if grant.requested_by_id else "", grant.created_at,
            frozenset(approvals.get(grant.id, ())), grant.confirmed_at is not None,
            grant.revoked_at is not None, grant.end_reason))
    return lines


def request(child, requester, first_name, last_name, email, phone, relation, ip=""):
    """Ask for access for another adult; the requester's own approval is given. The
    adult's account is found by e-mail, else made (without a password: they log in
    the way the municipality lets people without parental responsibility log in)."""
    email = email.strip().lower()
    with database.atomic():
        person = (User.select().where(User.email == email).first() if email else None)
        if person is None:
            person = User.create(username=email or f"caregiver-{phone}-{utcnow():%Y%m%d%H%M%S}",
                                 first_name=first_name, last_name=last_name, email=email,
                                 phone=phone)
        if person.id == requester.id:
            raise Refused("self")
        if Guardianship.select().where((Guardianship.child == child.id)
                                       & (Guardianship.guardian == person.id)).exists():
            raise Refused("parent")  # a parent is never a caregiver (barneloven § 47)
        if CaregiverGrant.select().where((CaregiverGrant.child == child.id)
                                         & (CaregiverGrant.caregiver == person.id)
                                         & CaregiverGrant.revoked_at.is_null()).exists():
            raise Refused("exists")
        grant = CaregiverGrant.create(caregiver=person, child=child, requested_by=requester,
                                      relation=relation)
        CaregiverApproval.create(grant=grant, guardian=requester)
        audit.record("caregiver.requested", actor=requester, obj=grant, ip=ip,
                     child=child.id, relation=relation)
    return grant


def open_grant(child_id, grant_id):
    """A grant of the child that has not ended, or None."""
    return (CaregiverGrant.select()
            .where((CaregiverGrant.id == grant_id) & (CaregiverGrant.child == child_id)
                   & CaregiverGrant.revoked_at.is_null()).first())


def approve(grant, guardian, ip=""):
    with database.atomic():
        if not CaregiverApproval.select().where(
                (CaregiverApproval.grant == grant.id)
                & (CaregiverApproval.guardian == guardian.id)).exists():
            CaregiverApproval.create(grant=grant, guardian=guardian)
            audit.record("caregiver.approved", actor=guardian, obj=grant, ip=ip)


def end(grant, guardian, reason, ip=""):
    """Decline a request or withdraw a grant: effective at once."""
    with database.atomic():
        (CaregiverGrant.update(revoked_at=utcnow(), ended_by=guardian.id, end_reason=reason)
         .where((CaregiverGrant.id == grant.id) & CaregiverGrant.revoked_at.is_null())
         .execute())
        audit.record("caregiver.declined" if reason == DECLINED else "caregiver.withdrawn",
                     actor=guardian, obj=grant, ip=ip)


def _all_approved():
    """Every guardian with parental responsibility of the grant's child (the outer
    query's CaregiverGrant) has approved it."""
    approved = (CaregiverApproval.select(CaregiverApproval.guardian)
                .where(CaregiverApproval.grant == CaregiverGrant.id))
    missing = (Guardianship.select(Guardianship.id)
               .where((Guardianship.child == CaregiverGrant.child)
                      & Guardianship.responsibility.in_(WITH_RESPONSIBILITY)
                      & Guardianship.guardian.not_in(approved)))
    return ~fn.EXISTS(missing)


@dataclass(frozen=True)
class ConfirmLine:
    id: int
    caregiver: str
    relation: str
    child: str
    requested_by: str
    confirmed: bool


def for_leader(unit_ids, day=None):
    """Grants of children enrolled in the leader's units that have not ended: those
    every guardian approved and that wait for confirmation (first), and the confirmed
    ones. One query."""
    day = day or today()
    caregiver, requester = User.alias("caregiver"), User.alias("requester")
    in_units = (Enrolment.select(Enrolment.child).join(Group)
                .where(Enrolment.active(day) & Group.unit.in_(unit_ids)))
    rows = (CaregiverGrant.select(CaregiverGrant.id, caregiver.first_name, caregiver.last_name,
                                  CaregiverGrant.relation, Child.first_name, Child.last_name,
                                  requester.first_name, requester.last_name,
                                  CaregiverGrant.confirmed_at)
            .join(caregiver, on=(CaregiverGrant.caregiver == caregiver.id))
            .switch(CaregiverGrant).join(Child)
            .switch(CaregiverGrant)
            .join(requester, JOIN.LEFT_OUTER, on=(CaregiverGrant.requested_by == requester.id))
            .where(CaregiverGrant.revoked_at.is_null() & CaregiverGrant.child.in_(in_units)
                   & (CaregiverGrant.confirmed_at.is_null(False) | _all_approved()))
            .order_by(CaregiverGrant.confirmed_at.is_null(False), Child.first_name).tuples())
    lines = []
    for gid, cf, cl, relation, kf, kl, rf, rl, confirmed_at in rows:
        lines.append(ConfirmLine(gid, f"{cf} {cl}", relation, f"{kf} {kl}",
                                 f"{rf} {rl}" if rf else "", confirmed_at is not None))
    return lines


def confirm(grant_id, leader, unit_ids, ip=""):
    """The leader confirms a fully approved request for a child of their units."""
    line = next((g for g in for_leader(unit_ids) if g.id == grant_id and not g.confirmed),
                None)
    if line is None:
        return False
    with database.atomic():
        (CaregiverGrant.update(confirmed_at=utcnow(), confirmed_by=leader.id)
         .where(CaregiverGrant.id == grant_id).execute())
        audit.record("caregiver.confirmed", actor=leader, obj=CaregiverGrant(id=grant_id),
                     ip=ip)
    return True


@dataclass(frozen=True)
class EndedLine:
    child: str
    ended_at: datetime.datetime


_recently_ended = Prepared(
    lambda user, since: CaregiverGrant.select(Child.first_name, Child.last_name,
                                              CaregiverGrant.revoked_at)
    .join(Child)
    .where((CaregiverGrant.caregiver == user) & (CaregiverGrant.end_reason == WITHDRAWN_GRANT)
           & (CaregiverGrant.revoked_at >= since))
    .order_by(CaregiverGrant.revoked_at.desc()).tuples(), user=int, since=datetime.date)


def recently_ended(user, day=None):
    """Grants of the user withdrawn lately, to tell them kindly on their home page (on
    every home page: its SQL is built once)."""
    since = (day or today()) - datetime.timedelta(days=NOTICE_DAYS)
    return [EndedLine(f"{first} {last}", at)
            for first, last, at in _recently_ended(user=user.id, since=since)]
