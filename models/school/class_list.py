"""The class list (rule 7 of DESIGN.md, seeds 004 and 003): each guardian with parental
responsibility chooses, field by field, what the other guardians of a group and its
contact teacher may see. Nothing is shown until ticked.

A child is listed only when one of its guardians shared the child's name and the
child's address is not protected; a protected address is never shared, and a child with
one is never listed, not even by name. Only guardians who still see the child (rule 1)
and children still in the group count: a child who leaves, or a guardian who loses
access, disappears from the list at once.
"""
import datetime
from dataclasses import dataclass

import peewee

from models import access, audit
from models.db import Prepared, database, today, utcnow
from models.school.tables import (Child, ClassListShare, Enrolment, Group, Guardianship, Unit,
                                  User, eighteenth_birthday_cutoff)

FIELDS = ("child_name", "my_name", "email", "phone", "address")
UNPROTECTED = "ugradert"


def groups_of(child_id, day=None):
    """[(group id, group name, unit name)] the child attends on `day`: the groups whose
    lists the guardian chooses for. One query."""
    return list(Group.select(Group.id, Group.name, Unit.name).join(Unit).switch(Group)
                .join(Enrolment).where((Enrolment.child == child_id)
                                       & Enrolment.active(day or today()))
                .order_by(Unit.name, Group.name).tuples())


def choices(guardian_id, child_id, group_id):
    """{field: bool} the guardian has ticked for the child in the group."""
    row = (ClassListShare.select().where((ClassListShare.guardian == guardian_id)
                                         & (ClassListShare.child == child_id)
                                         & (ClassListShare.group == group_id)).first())
    return {f: bool(row and getattr(row, f)) for f in FIELDS}


def store_choices(guardian, child, group_id, ticked, ip=""):
    """Store the guardian's choice; a protected address is never stored as shared, and
    nothing is shared for a child whose address is protected. The audit log records
    what changed."""
    ticked = {f: bool(ticked.get(f)) for f in FIELDS}
    if guardian.address_protection != UNPROTECTED:
        ticked["address"] = False
    if child.address_protection != UNPROTECTED:
        ticked = dict.fromkeys(FIELDS, False)
    with database.atomic():
        before = choices(guardian.id, child.id, group_id)
        if before == ticked:
            return ticked
        (ClassListShare.insert(guardian=guardian.id, child=child.id, group=group_id,
                               updated_at=utcnow(), **ticked)
         .on_conflict(conflict_target=[ClassListShare.guardian, ClassListShare.child,
                                       ClassListShare.group],
                      update={**{getattr(ClassListShare, f): v for f, v in ticked.items()},
                              ClassListShare.updated_at: utcnow()})
         .execute())
        audit.record("class_list.changed", actor=guardian, ip=ip, child=child.id,
                     group=group_id,
                     shared=sorted(f for f, v in ticked.items() if v),
                     stopped=sorted(f for f, v in ticked.items() if before[f] and not v))
    return ticked


@dataclass(frozen=True)
class Contact:
    """One guardian's shared fields (empty string: not shared)."""
    guardian_id: int
    name: str
    email: str
    phone: str
    address: str


@dataclass(frozen=True)
class Entry:
    child_id: int
    child: str
    contacts: list


def _entries_query(group, day, adult_cutoff):
    return (ClassListShare.select(Child.id, Child.first_name, Child.last_name, User.id,
                                  User.first_name, User.last_name, User.email, User.phone,
                                  User.address, User.address_protection,
                                  ClassListShare.child_name, ClassListShare.my_name,
                                  ClassListShare.email, ClassListShare.phone,
                                  ClassListShare.address)
            .join(Child, on=(ClassListShare.child == Child.id))
            .join(Enrolment, on=((Enrolment.child == Child.id)
                                 & (Enrolment.group == ClassListShare.group)))
            .switch(ClassListShare)
            .join(Guardianship, on=((Guardianship.child == ClassListShare.child)
                                    & (Guardianship.guardian == ClassListShare.guardian)))
            .join(User, on=(Guardianship.guardian == User.id))
            .where((ClassListShare.group == group) & Enrolment.active(day)
                   & (Child.address_protection == UNPROTECTED)
                   & access.joined_guardian_sees(day, adult_cutoff))
            .order_by(Child.first_name, Child.last_name, Child.id, User.first_name)
            .tuples())


_entries = Prepared(_entries_query, group=int, day=datetime.date, adult_cutoff=datetime.date)


def entries(group_id, day=None):
    """The class list of a group, sorted by the child's name. One query."""
    day = day or today()
    rows = _entries(group=group_id, day=day, adult_cutoff=eighteenth_birthday_cutoff(day))
    children, named = {}, set()
    for (child_id, cf, cl, uid, uf, ul, email, phone, address, protection, child_name,
         my_name, share_email, share_phone, share_address) in rows:
        if child_name:
            named.add(child_id)
        entry = children.setdefault(child_id, Entry(child_id, f"{cf} {cl}", []))
        contact = Contact(uid, f"{uf} {ul}" if my_name else "",
                          email if share_email else "", phone if share_phone else "",
                          address if share_address and protection == UNPROTECTED else "")
        if contact.name or contact.email or contact.phone or contact.address:
            entry.contacts.append(contact)
    return [entry for child_id, entry in children.items() if child_id in named]


@dataclass(frozen=True)
class Counts:
    children: int
    shared: dict            # {field: how many children's families share it}


def counts(group_id, listed_entries, day=None):
    """For the contact teacher: how many families of the group share each field —
    numbers, never who has not. `listed_entries` is the group's list."""
    day = day or today()
    listed = {e.child_id: e for e in listed_entries}
    total = (Enrolment.select(peewee.fn.COUNT(peewee.fn.DISTINCT(Enrolment.child)))
             .where((Enrolment.group == group_id) & Enrolment.active(day)).scalar())
    shared = {"child_name": len(listed),
              "my_name": sum(1 for e in listed.values() if any(c.name for c in e.contacts)),
              "email": sum(1 for e in listed.values() if any(c.email for c in e.contacts)),
              "phone": sum(1 for e in listed.values() if any(c.phone for c in e.contacts)),
              "address": sum(1 for e in listed.values()
                             if any(c.address for c in e.contacts))}
    return Counts(total, shared)


def vcard(contact, child, group_name):
    """A vCard 3.0 of the shared fields only."""
    def escape(value):
        return (value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
                .replace("\n", "\\n"))
    name = contact.name or f"{child} ({group_name})"
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{escape(name)}"]
    if contact.name:
        first, _, last = contact.name.partition(" ")
        lines.append(f"N:{escape(last)};{escape(first)};;;")
    else:
        lines.append(f"N:;{escape(name)};;;")
    if contact.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{escape(contact.email)}")
    if contact.phone:
        lines.append(f"TEL;TYPE=CELL:{escape(contact.phone)}")
    if contact.address:
        lines.append(f"ADR;TYPE=HOME:;;{escape(contact.address)};;;;")
    lines += [f"NOTE:{escape(f'{child}, {group_name}')}", "END:VCARD"]
    return "\r\n".join(lines) + "\r\n"
