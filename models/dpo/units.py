"""Per unit, as counts: the children enrolled today, how many of them have a protected
address, and how many have an effective photo consent for each use. Three queries;
the photo consent is decided by the consent area's own rule (models/posts/photo_consent),
never by a copy of it. No child is named or returned."""
from dataclasses import dataclass, field

import peewee

from models.consent import queries
from models.consent.tables import GIVEN, PHOTO, PHOTO_ITEMS, Consent, ConsentAnswer, ConsentItem
from models.db import today
from models.posts.photo_consent import photo_consent_from
from models.school.tables import (UNPROTECTED, WITH_RESPONSIBILITY, Child, Enrolment, Group,
                                  Guardianship, Unit, User)


@dataclass
class UnitLine:
    name: str
    kind: str
    children: int = 0
    protected: int = 0
    consented: dict = field(default_factory=dict)   # use -> children with consent given

    def share(self, use):
        """The percentage of the unit's children with the photo consent for `use`."""
        if not self.children:
            return 0
        return round(100 * self.consented.get(use, 0) / self.children)


def _enrolled(day):
    return Enrolment.select(Enrolment.child).where(Enrolment.active(day))


def _children_query(day):
    """(child, unit, unit name, unit kind, protection, responsible guardian or None)."""
    return (Enrolment.select(Child.id, Unit.id, Unit.name, Unit.kind,
                             Child.address_protection, User.id)
            .join(Group).join(Unit)
            .switch(Enrolment).join(Child)
            .join(Guardianship, peewee.JOIN.LEFT_OUTER,
                  on=((Guardianship.child == Child.id)
                      & Guardianship.responsibility.in_(WITH_RESPONSIBILITY)))
            .join(User, peewee.JOIN.LEFT_OUTER,
                  on=((Guardianship.guardian == User.id)
                      & (User.is_active == True)))  # noqa: E712
            .where(Enrolment.active(day))
            .order_by(Unit.name, Unit.id).tuples())


def units(day=None):
    """[UnitLine, …] by unit name. Three queries whatever the number of children."""
    day = day or today()
    lines, members, protected, guardians = {}, {}, set(), []
    for child, unit, name, kind, protection, guardian in _children_query(day):
        if unit not in lines:
            lines[unit] = UnitLine(name, kind)
            members[unit] = set()
        members[unit].add(child)
        if protection not in UNPROTECTED:
            protected.add(child)
        if guardian is not None:
            guardians.append((child, guardian, "", ""))  # names are not needed
    enrolled = _enrolled(day)
    photo_items = ConsentItem.select(ConsentItem.id).join(Consent).where(Consent.kind == PHOTO)
    status = photo_consent_from(
        queries.consents_query(enrolled, day).where(Consent.kind == PHOTO),
        sorted(set(guardians)),
        queries.answers_query(enrolled).where(ConsentAnswer.item.in_(photo_items)), day)
    for unit, line in lines.items():
        children = members[unit]
        line.children = len(children)
        line.protected = len(children & protected)
        line.consented = {use: sum(1 for child in children
                                   if status.get(child, {}).get(use) == GIVEN)
                          for use in PHOTO_ITEMS}
    return list(lines.values())


def protected_count(day=None):
    """How many children enrolled on `day` have a protected address. One query."""
    day = day or today()
    return (Child.select(peewee.fn.COUNT(Child.id))
            .where(Child.id.in_(_enrolled(day)) & Child.address_protection.not_in(UNPROTECTED))
            .scalar()) or 0
