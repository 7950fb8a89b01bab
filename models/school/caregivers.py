"""Caregiver access (seed 000): a guardian with parental responsibility asks for another
adult close to the child to get access; every other such guardian approves in the app;
a leader of the child's unit confirms; any of the guardians can end it at once.

The person is named as the requester typed them, and only that name is ever shown to
the family and the leader: the typed e-mail address is never looked up among the
accounts (it would tell the requester who uses an address). When the leader confirms,
an invitation link goes to that address; the invited person opens it and accepts,
logged in with an account of that address (or with a one-time code sent to it, which
makes them an account). Only then does the grant belong to an account.

The requester may give the person's national identity number: it is kept encrypted
(models/protect.py), never shown again or logged, and the eID login that returns it
(and only that one) may accept the invitation. Without it, the confirming leader allows
a one-time code login to the invited e-mail address or mobile number, which proves
only that address or number.

Whether a grant gives access is decided in models/access/ (rule 1), never here.
"""
import datetime
import hashlib
import operator
import secrets
from dataclasses import dataclass
from functools import reduce

from peewee import JOIN, fn

from models import audit
from models.access.children import invitation_addressed_to
from models.db import Prepared, database, today, utcnow
from models.login import code_login
from models.protect import index_of, mask
from models.school.tables import (DECLINED, WITHDRAWN_GRANT, WITH_RESPONSIBILITY,
                                  CaregiverApproval, CaregiverGrant, Child, Enrolment, Group,
                                  Guardianship, User)

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
    accepted: bool
    by_eid: bool = False  # a national identity number was given

    def waiting_for(self, guardians):
        return [g for g in guardians if g.id not in self.approved_by]


def _typed(grant, account_first="", account_last=""):
    """The name the requester typed. Grants made in code without one (the demo's)
    have their account's."""
    if grant.first_name or grant.last_name:
        return f"{grant.first_name} {grant.last_name}".strip()
    return f"{account_first} {account_last}".strip()


def grants(child_id):
    """Every grant for the child, newest first (ended ones too, for the record)."""
    caregiver, requester = User.alias("caregiver"), User.alias("requester")
    rows = (CaregiverGrant.select(CaregiverGrant, caregiver, requester)
            .join(caregiver, JOIN.LEFT_OUTER, on=(CaregiverGrant.caregiver == caregiver.id))
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
        person = grant.caregiver if grant.caregiver_id else None
        lines.append(GrantLine(
            grant.id, _typed(grant, *((person.first_name, person.last_name) if person
                                      else ())),
            grant.email or grant.phone or (person.email or person.phone if person else ""),
            grant.relation,
            grant.requested_by.name if grant.requested_by_id else "", grant.created_at,
            frozenset(approvals.get(grant.id, ())), grant.confirmed_at is not None,
            grant.revoked_at is not None, grant.end_reason, grant.caregiver_id is not None,
            grant.national_id_index is not None))
    return lines


def request(child, requester, first_name, last_name, email, phone, relation, ip="",
            national_id=None):
    """Ask for access for another adult, named and reached as typed (`phone` a mobile
    number in E.164, `national_id` checked by models/school/national_ids.py, or empty);
    the requester's own approval is given. No account is looked up or made here (see
    the module's note)."""
    email = email.strip().lower()
    index = index_of(national_id) if national_id else None
    with database.atomic():
        if (email and email in {(requester.email or "").lower(),
                                (requester.code_login_email or "").lower()}) \
                or (index and index == requester.national_id_index) \
                or (phone and phone == requester.code_login_phone):
            raise Refused("self")
        same = [condition for given, condition in (
            (index, CaregiverGrant.national_id_index == index),
            (email, fn.LOWER(CaregiverGrant.email) == email),
            (phone, CaregiverGrant.phone == phone)) if given]
        if same and CaregiverGrant.select().where(
                (CaregiverGrant.child == child.id) & reduce(operator.or_, same)
                & CaregiverGrant.revoked_at.is_null()).exists():
            raise Refused("exists")
        grant = CaregiverGrant.create(child=child, requested_by=requester, relation=relation,
                                      first_name=first_name, last_name=last_name,
                                      email=email, phone=phone, national_id=national_id or None,
                                      national_id_index=index)
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
            audit.record("caregiver.approved", actor=guardian, obj=grant, ip=ip,
                         child=grant.child_id)


def end(grant, guardian, reason, ip=""):
    """Decline a request or withdraw a grant: effective at once."""
    with database.atomic():
        (CaregiverGrant.update(revoked_at=utcnow(), ended_by=guardian.id, end_reason=reason)
         .where((CaregiverGrant.id == grant.id) & CaregiverGrant.revoked_at.is_null())
         .execute())
        audit.record("caregiver.declined" if reason == DECLINED else "caregiver.withdrawn",
                     actor=guardian, obj=grant, ip=ip, child=grant.child_id)


def all_approved():
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
    child_id: int
    accepted: bool
    national_id: str     # masked: the birth date part, to check against an ID card
    code_login: bool


def for_leader(unit_ids, day=None):
    """Grants of children enrolled in the leader's units that have not ended: those
    every guardian approved and that wait for confirmation (first), and the confirmed
    ones. One query."""
    day = day or today()
    caregiver, requester = User.alias("caregiver"), User.alias("requester")
    in_units = (Enrolment.select(Enrolment.child).join(Group)
                .where(Enrolment.active(day) & Group.unit.in_(unit_ids)))
    rows = (CaregiverGrant.select(CaregiverGrant.id, CaregiverGrant.first_name,
                                  CaregiverGrant.last_name, caregiver.first_name,
                                  caregiver.last_name,
                                  CaregiverGrant.relation, Child.first_name, Child.last_name,
                                  requester.first_name, requester.last_name,
                                  CaregiverGrant.confirmed_at, Child.id,
                                  CaregiverGrant.caregiver, CaregiverGrant.national_id,
                                  CaregiverGrant.code_login)
            .join(caregiver, JOIN.LEFT_OUTER, on=(CaregiverGrant.caregiver == caregiver.id))
            .switch(CaregiverGrant).join(Child)
            .switch(CaregiverGrant)
            .join(requester, JOIN.LEFT_OUTER, on=(CaregiverGrant.requested_by == requester.id))
            .where(CaregiverGrant.revoked_at.is_null() & CaregiverGrant.child.in_(in_units)
                   & (CaregiverGrant.confirmed_at.is_null(False) | all_approved()))
            .order_by(CaregiverGrant.confirmed_at.is_null(False), Child.first_name).tuples())
    lines = []
    for (gid, tf, tl, cf, cl, relation, kf, kl, rf, rl, confirmed_at, child_id,
         account, national_id, codes) in rows:
        lines.append(ConfirmLine(gid, _typed(CaregiverGrant(first_name=tf, last_name=tl),
                                             cf or "", cl or ""),
                                 relation, f"{kf} {kl}", f"{rf} {rl}" if rf else "",
                                 confirmed_at is not None, child_id, account is not None,
                                 mask(national_id) if national_id else "", bool(codes)))
    return lines


def _digest(token):
    """Invitation links are random and long: a plain hash keeps a copy of the database
    from holding live links."""
    return hashlib.sha256(token.encode()).hexdigest()


def _new_invitation(grant_id, codes):
    """A fresh invitation link's token for the grant (an earlier link stops working),
    with the leader's choice about code login."""
    token = secrets.token_urlsafe(32)
    (CaregiverGrant.update(invitation_hash=_digest(token), invited_at=utcnow(),
                           code_login=codes)
     .where(CaregiverGrant.id == grant_id).execute())
    return token


def waiting_line(grant_id, unit_ids, confirmed):
    """The leader's line of a grant waiting for confirmation (confirmed=False) or for
    the invited person (True), or None."""
    return next((g for g in for_leader(unit_ids) if g.id == grant_id
                 and g.confirmed == confirmed and not (confirmed and g.accepted)), None)


def confirm(grant_id, leader, unit_ids, ip="", codes=None):
    """The leader confirms a fully approved request for a child of their units, allowing
    code login or not (`codes`; by default, as the page suggests: only when no national
    identity number was given). Returns the token of the invitation to send to the
    person, or None when there is no such request."""
    line = waiting_line(grant_id, unit_ids, confirmed=False)
    if line is None:
        return None
    codes = not line.national_id if codes is None else codes
    with database.atomic():
        (CaregiverGrant.update(confirmed_at=utcnow(), confirmed_by=leader.id)
         .where(CaregiverGrant.id == grant_id).execute())
        token = _new_invitation(grant_id, codes)
        audit.record("caregiver.confirmed", actor=leader, obj=CaregiverGrant(id=grant_id),
                     ip=ip, child=line.child_id, code_login=codes)
    return token


def invite_again(grant_id, leader, unit_ids, ip="", codes=None):
    """A new invitation for a confirmed grant nobody has accepted yet (the mail was
    lost, or went astray; or the person has no eID after all and the leader now allows
    codes; `codes` by default as before): returns its token, or None."""
    line = waiting_line(grant_id, unit_ids, confirmed=True)
    if line is None:
        return None
    codes = line.code_login if codes is None else codes
    with database.atomic():
        token = _new_invitation(grant_id, codes)
        audit.record("caregiver.invited", actor=leader, obj=CaregiverGrant(id=grant_id),
                     ip=ip, child=line.child_id, code_login=codes)
    return token


def invited(grant_id):
    """The grant, to send its invitation: to its e-mail address, its mobile number or
    both."""
    return CaregiverGrant.get_by_id(grant_id)


def invitation(token):
    """The confirmed, open, not yet accepted grant the link belongs to, or None."""
    if not token or len(token) > 100:
        return None
    return (CaregiverGrant.select().where(
        (CaregiverGrant.invitation_hash == _digest(token))
        & CaregiverGrant.revoked_at.is_null() & CaregiverGrant.confirmed_at.is_null(False)
        & CaregiverGrant.caregiver.is_null()).first())


def addressed_to(grant, user):
    """The account is the invited person's (models/access: by national identity number,
    or, where the leader allowed codes, by the invited address or number)."""
    return invitation_addressed_to(grant, user)


def accept(grant, user, ip=""):
    """The invited person, logged in with an account of the invited address, accepts:
    from now on the grant is that account's. Raises Refused for the wrong account, a
    parent of the child, or someone who already has access. The grant is read again:
    the leader's choice about codes is the stored one."""
    grant = CaregiverGrant.get_or_none(CaregiverGrant.id == grant.id)
    if grant is None:
        raise Refused("gone")
    if not addressed_to(grant, user):
        raise Refused("address")
    if Guardianship.select().where((Guardianship.child == grant.child_id)
                                   & (Guardianship.guardian == user.id)).exists():
        raise Refused("parent")  # a parent is never a caregiver (barneloven § 47)
    if CaregiverGrant.select().where((CaregiverGrant.child == grant.child_id)
                                     & (CaregiverGrant.caregiver == user.id)
                                     & CaregiverGrant.revoked_at.is_null()).exists():
        raise Refused("exists")
    with database.atomic():
        taken = (CaregiverGrant.update(caregiver=user.id, accepted_at=utcnow(),
                                       invitation_hash=None)
                 .where((CaregiverGrant.id == grant.id) & CaregiverGrant.caregiver.is_null()
                        & CaregiverGrant.revoked_at.is_null()).execute())
        if not taken:
            raise Refused("gone")
        audit.record("caregiver.accepted", actor=user, obj=grant, ip=ip, child=grant.child_id)


def code_address(grant):
    """Where a login code for the invitation goes: its e-mail address, else its mobile
    number; "" when the leader did not allow codes."""
    return (grant.email or grant.phone) if grant.code_login else ""


def invitee_account(grant):
    """The account a login code for the invited address (or number) goes to: the one
    that already logs in with codes there, or a new one in the typed name (the invited
    person proves the address with the code before it is used)."""
    address = code_address(grant)
    found = code_login.holder(address)
    if found is not None:
        return found
    by_phone = address == grant.phone
    return User.create(username=f"caregiver-{secrets.token_hex(8)}",
                       first_name=grant.first_name, last_name=grant.last_name,
                       email=grant.email, phone=grant.phone,
                       code_login_email=None if by_phone else address,
                       code_login_phone=address if by_phone else None,
                       code_login_since=utcnow())


def by_national_id(token):
    """The open invitation of the token when it was made for a national identity number
    (its eID login is the way in), or None."""
    grant = invitation(token)
    return grant if grant is not None and grant.national_id_index else None


def eid_invitee(grant, national_id):
    """The account of the person an eID login names, when it comes back to the
    invitation (`by_national_id`) and returns the national identity number the request
    gave (and only then): a new one in the typed name, as nobody has one with that
    number yet. None for another number, or a number a deactivated account holds."""
    if not isinstance(national_id, str) or grant.national_id_index != index_of(national_id):
        return None
    if User.select().where(User.national_id_index == grant.national_id_index).exists():
        return None
    return User.create(username=f"caregiver-{secrets.token_hex(8)}",
                       first_name=grant.first_name, last_name=grant.last_name,
                       email=grant.email, phone=grant.phone, national_id=national_id,
                       national_id_index=grant.national_id_index)


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
