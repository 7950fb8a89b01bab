"""The pick-up list: who may fetch a child from kindergarten or after-school care.

A guardian with parental responsibility proposes a person (their own approval given at
once); the person counts only when every guardian with parental responsibility of the
child has approved, as caregiver access does (models/school/caregivers.py), but the
person gets no login. Any of those guardians removes a person at once.

Who may see or keep a child's list is decided in models/access/pickup.py, never here."""
import datetime
from dataclasses import dataclass

from peewee import JOIN, fn

from models import audit
from models.access.pickup import PICKUP_UNIT_KINDS
from models.db import database, today, utcnow
from models.notifications import notify
from models.notifications.tables import PICKUP
from models.pickup.tables import PickupApproval, PickupPerson, PickupToday
# A person who cannot be added is refused as a caregiver request is: `reason` names why.
from models.school.caregivers import Refused
from models.school.tables import (WITH_RESPONSIBILITY, Enrolment, Group, Guardianship, Unit,
                                  User)


def all_approved():
    """Every guardian with parental responsibility of the person's child (the outer
    query's PickupPerson) has approved them."""
    approved = (PickupApproval.select(PickupApproval.guardian)
                .where(PickupApproval.person == PickupPerson.id))
    missing = (Guardianship.select(Guardianship.id)
               .where((Guardianship.child == PickupPerson.child)
                      & Guardianship.responsibility.in_(WITH_RESPONSIBILITY)
                      & Guardianship.guardian.not_in(approved)))
    return ~fn.EXISTS(missing)


def approved_for(child_ids):
    """{child_id: [PickupPerson, …]}: the approved persons on each child's list that
    were not removed, by name. One query."""
    child_ids = list(child_ids)
    found = {child_id: [] for child_id in child_ids}
    if not child_ids:
        return found
    rows = (PickupPerson.select()
            .where(PickupPerson.child.in_(child_ids) & PickupPerson.removed_at.is_null()
                   & all_approved())
            .order_by(PickupPerson.first_name, PickupPerson.last_name, PickupPerson.id))
    for person in rows:
        found[person.child_id].append(person)
    return found


@dataclass(frozen=True)
class PersonLine:
    id: int
    name: str
    relation: str
    phone: str
    requested_by: str
    created_at: datetime.datetime
    approved_by: frozenset  # guardian ids

    def waiting_for(self, guardians):
        return [g for g in guardians if g.id not in self.approved_by]


def persons(child_id):
    """The persons on the child's list that were not removed, by name, each with the
    guardians who approved them. One query."""
    requester = User.alias("requester")
    rows = (PickupPerson.select(PickupPerson.id, PickupPerson.first_name,
                                PickupPerson.last_name, PickupPerson.relation,
                                PickupPerson.phone, requester.first_name, requester.last_name,
                                PickupPerson.created_at, PickupApproval.guardian)
            .join(requester, JOIN.LEFT_OUTER, on=(PickupPerson.requested_by == requester.id))
            .switch(PickupPerson)
            .join(PickupApproval, JOIN.LEFT_OUTER, on=(PickupApproval.person == PickupPerson.id))
            .where((PickupPerson.child == child_id) & PickupPerson.removed_at.is_null())
            .order_by(PickupPerson.first_name, PickupPerson.last_name, PickupPerson.id)
            .tuples())
    found, approvals = {}, {}
    for (person_id, first, last, relation, phone, req_first, req_last, created_at,
         guardian) in rows:
        if person_id not in found:
            found[person_id] = (f"{first} {last}".strip(), relation, phone,
                                f"{req_first} {req_last}" if req_first else "", created_at)
            approvals[person_id] = set()
        if guardian is not None:
            approvals[person_id].add(guardian)
    return [PersonLine(person_id, *values, frozenset(approvals[person_id]))
            for person_id, values in found.items()]


def responsible_guardians(child_id):
    """The guardians with parental responsibility of the child, by name: the ones whose
    approval a person needs."""
    return list(User.select(User.id, User.first_name, User.last_name)
                .join(Guardianship, on=(Guardianship.guardian == User.id))
                .where((Guardianship.child == child_id)
                       & Guardianship.responsibility.in_(WITH_RESPONSIBILITY))
                .order_by(User.first_name, User.last_name, User.id))


def open_person(child_id, person_id):
    """A person on the child's list who was not removed, or None."""
    return (PickupPerson.select()
            .where((PickupPerson.id == person_id) & (PickupPerson.child == child_id)
                   & PickupPerson.removed_at.is_null()).first())


def _unit_of(child_id):
    """The kindergarten or after-school care unit the child attends today (its name is
    what a notification may say), or None."""
    return (Group.select(Group.unit).join(Enrolment, on=(Enrolment.group == Group.id))
            .switch(Group).join(Unit)
            .where((Enrolment.child == child_id) & Enrolment.active(today())
                   & Unit.kind.in_(PICKUP_UNIT_KINDS))
            .order_by(Unit.id).scalar())


def propose(child, requester, first_name, last_name, relation, phone, ip=""):
    """A guardian with parental responsibility puts a person on the list, approved by
    themselves; the other such guardians are asked to approve (a notification that
    names neither the child nor the person). Raises Refused("exists") for a person of
    that name already on the list."""
    with database.atomic():
        if PickupPerson.select().where(
                (PickupPerson.child == child.id) & PickupPerson.removed_at.is_null()
                & (fn.LOWER(PickupPerson.first_name) == first_name.lower())
                & (fn.LOWER(PickupPerson.last_name) == last_name.lower())).exists():
            raise Refused("exists")
        person = PickupPerson.create(child=child.id, first_name=first_name,
                                     last_name=last_name, relation=relation, phone=phone,
                                     requested_by=requester.id)
        PickupApproval.create(person=person, guardian=requester.id)
        audit.record("pickup.proposed", actor=requester, obj=person, ip=ip, child=child.id,
                     relation=relation)
        others = [g.id for g in responsible_guardians(child.id) if g.id != requester.id]
        if others:
            notify.publish(notify.Event(
                kind=PICKUP, source=f"p{person.id}", path="/children/{child}/pickup",
                unit_id=_unit_of(child.id), recipients=dict.fromkeys(others, child.id)))
    return person


def approve(person, guardian, ip=""):
    with database.atomic():
        if not PickupApproval.select().where(
                (PickupApproval.person == person.id)
                & (PickupApproval.guardian == guardian.id)).exists():
            PickupApproval.create(person=person.id, guardian=guardian.id)
            audit.record("pickup.approved", actor=guardian, obj=person, ip=ip,
                         child=person.child_id)


def remove(person, guardian, ip=""):
    """Take a person off the list, at once: a pending request is declined this way too.
    Days they were named to pick up on from today on are withdrawn with them."""
    with database.atomic():
        removed = (PickupPerson.update(removed_at=utcnow(), removed_by=guardian.id)
                   .where((PickupPerson.id == person.id) & PickupPerson.removed_at.is_null())
                   .execute())
        if removed:
            (PickupToday.delete().where((PickupToday.person == person.id)
                                        & (PickupToday.day >= today())).execute())
            audit.record("pickup.removed", actor=guardian, obj=person, ip=ip,
                         child=person.child_id)
