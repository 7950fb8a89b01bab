"""The home pages' read models: a guardian's children with today's groups and units, a
member of staff's roles and groups, and the administrator's counts. The home pages read
plain rows (tuples) into small records: turning joined rows into linked model objects
costs peewee more than the query costs the database. Who is shown is decided by the
access rules (`models.access`)."""
import datetime
from dataclasses import dataclass

import peewee
from peewee import fn

from models.access.children import guardian_condition, responsible_child_ids, staff_group_ids
from models.access.daycare import day_group_ids, unit_condition
from models.db import Prepared, today
from models.school.tables import (CONTACT_TEACHER, UNIT_LEADER, Child, Enrolment, Group, StaffRole,
                                  Unit, eighteenth_birthday_cutoff)


@dataclass(frozen=True)
class Place:
    """A group a child attends today, with its unit's contact details."""
    group_id: int
    group: str
    unit: str
    phone: str
    email: str
    unit_kind: str


@dataclass(frozen=True)
class ChildCard:
    id: int
    name: str
    places: list
    responsible: bool   # a guardian with parental responsibility (answers consents)


@dataclass(frozen=True)
class RoleLine:
    role: str
    unit: str | None
    group: str | None


@dataclass(frozen=True)
class GroupLine:
    id: int
    name: str
    children: int
    class_list: bool    # the user sees its class list (contact teacher, unit leader)
    register: bool = False  # the user keeps its attendance register
    day_list: bool = False  # a kindergarten or after-school department whose day the user sees
    unit_id: int = 0
    unit_headcount: bool = False  # the user sees the head count of the whole unit


def _guardian_overview_query(user, day, adult_cutoff):
    return (Child.select(Child.id, Child.first_name, Child.last_name, Group.id, Group.name,
                         Unit.name, Unit.phone, Unit.email, Unit.kind,
                         Child.id.in_(responsible_child_ids(user)))
            .join(Enrolment, on=(Enrolment.child == Child.id))
            .join(Group).join(Unit)
            .where(guardian_condition(user, day, adult_cutoff) & Enrolment.active(day))
            .order_by(Child.first_name, Child.last_name, Child.id, Unit.name, Group.name)
            .tuples())


_guardian_overview = Prepared(_guardian_overview_query, user=int, day=datetime.date,
                              adult_cutoff=datetime.date)


def guardian_overview(user, day=None):
    """The guardian's home page: each child they may see with today's groups and units.
    One query; children sorted by first name."""
    day = day or today()
    cards = {}
    for (child_id, first, last, group_id, group, unit, phone, email, kind,
         responsible) in _guardian_overview(
            user=user.id, day=day, adult_cutoff=eighteenth_birthday_cutoff(day)):
        card = cards.get(child_id)
        if card is None:
            card = cards[child_id] = ChildCard(child_id, f"{first} {last}", [],
                                               bool(responsible))
        card.places.append(Place(group_id, group, unit, phone, email, kind))
    return list(cards.values())


def _roles_query(user):
    return (StaffRole.select(StaffRole.role, Unit.name, Group.name)
            .join(Unit, peewee.JOIN.LEFT_OUTER, on=(StaffRole.unit == Unit.id))
            .switch(StaffRole)
            .join(Group, peewee.JOIN.LEFT_OUTER, on=(StaffRole.group == Group.id))
            .where(StaffRole.user == user)
            .order_by(StaffRole.role, Unit.name, Group.name)
            .tuples())


def _reached_groups_query(user, day):
    teaches = StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user) & (StaffRole.role == CONTACT_TEACHER))
    leads = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & (StaffRole.role == UNIT_LEADER))
    attached = StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user) & StaffRole.group.is_null(False))
    return (Group.select(Group.id, Group.name, Unit.id, Unit.name, fn.COUNT(Enrolment.id),
                         Group.id.in_(teaches) | Group.unit.in_(leads),
                         Group.id.in_(attached) | Group.unit.in_(leads),
                         Group.id.in_(day_group_ids(user)),
                         Unit.id.in_(Unit.select(Unit.id).where(unit_condition(user))))
            .join(Unit)
            .switch(Group)
            .join(Enrolment, peewee.JOIN.LEFT_OUTER,
                  on=((Enrolment.group == Group.id) & Enrolment.active(day)))
            .where(Group.id.in_(staff_group_ids(user)))
            .group_by(Group.id, Group.name, Unit.id, Unit.name)
            .order_by(Unit.name, Group.name)
            .tuples())


_roles = Prepared(_roles_query, user=int)


_reached_groups = Prepared(_reached_groups_query, user=int, day=datetime.date)


def staff_overview(user, day=None):
    """A member of staff's home page: roles, and the groups they reach per unit with how
    many children are enrolled in each today. Two queries (one for non-staff).

    Returns ([RoleLine, …], [(unit name, [GroupLine, …]), …])."""
    day = day or today()
    roles = [RoleLine(*row) for row in _roles(user=user.id)]
    if not roles:  # most users are guardians: one query, not two
        return [], []
    by_unit = {}
    for (group_id, group, unit_id, unit, children, lists, keeps, day_list,
         unit_headcount) in _reached_groups(user=user.id, day=day):
        by_unit.setdefault(unit_id, (unit, []))[1].append(
            GroupLine(group_id, group, children, bool(lists), bool(keeps), bool(day_list),
                      unit_id, bool(unit_headcount)))
    return roles, list(by_unit.values())
