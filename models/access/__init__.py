"""Who may see what: rules 1–3 of DESIGN.md as query filters.

Every list page and every single-item page asks here, so both use the very same rule.
A view never fetches a child, group or unit by id on its own: it calls `child_or_none`
(and friends) and answers 404 when they return None, so a stranger cannot tell whether
the thing exists.
"""
import datetime
from dataclasses import dataclass
from typing import ClassVar

import peewee
from peewee import fn

from models.db import Prepared, today
from models.messaging.tables import GUARDIAN, STAFF, Thread, ThreadParticipant
from models.school.tables import (ADMINISTRATOR, CONTACT_TEACHER, GROUP_ROLES, UNIT_LEADER,
                                  UNIT_WIDE_ROLES, WITH_RESPONSIBILITY, CaregiverApproval,
                                  CaregiverGrant, Child, Enrolment, Group, Guardianship, StaffRole,
                                  Unit, User, eighteenth_birthday_cutoff)


# Guardians and caregivers (rules 1 and 2) ---------------------------------------------

def _responsible_child_ids(user):
    return (Guardianship.select(Guardianship.child)
            .where((Guardianship.guardian == user)
                   & Guardianship.responsibility.in_(WITH_RESPONSIBILITY)))


def _caregiver_child_ids(user):
    """Children of the user's caregiver grants that every guardian with parental
    responsibility has approved (and that have at least one such guardian) and a unit
    leader has confirmed. A parent of
    the child is never a caregiver: one without parental responsibility gets no access
    (barneloven § 47), whatever grant exists."""
    responsible = Guardianship.alias("responsible")
    own_parent = Guardianship.alias("own_parent")
    unapproved = Guardianship.alias("unapproved")
    approval = (CaregiverApproval.select(CaregiverApproval.id)
                .where((CaregiverApproval.grant == CaregiverGrant.id)
                       & (CaregiverApproval.guardian == unapproved.guardian)))
    someone_unapproved = (unapproved.select(unapproved.id)
                          .where((unapproved.child == CaregiverGrant.child)
                                 & unapproved.responsibility.in_(WITH_RESPONSIBILITY)
                                 & ~fn.EXISTS(approval)))
    has_responsible = (responsible.select(responsible.id)
                       .where((responsible.child == CaregiverGrant.child)
                              & responsible.responsibility.in_(WITH_RESPONSIBILITY)))
    is_parent = (own_parent.select(own_parent.id)
                 .where((own_parent.child == CaregiverGrant.child)
                        & (own_parent.guardian == CaregiverGrant.caregiver)))
    return (CaregiverGrant.select(CaregiverGrant.child)
            .where((CaregiverGrant.caregiver == user)
                   & CaregiverGrant.revoked_at.is_null()
                   & CaregiverGrant.confirmed_at.is_null(False)
                   & fn.EXISTS(has_responsible)
                   & ~fn.EXISTS(someone_unapproved)
                   & ~fn.EXISTS(is_parent)))


def _enrolled(day, groups=None):
    """The child (outer query) is a member of some group today (of `groups` if given)."""
    condition = (Enrolment.child == Child.id) & Enrolment.active(day)
    if groups is not None:
        condition &= Enrolment.group.in_(groups)
    return fn.EXISTS(Enrolment.select(Enrolment.id).where(condition))


def _guardian_condition(user, day, adult_cutoff):
    """Rules 1 and 2: a guardian with parental responsibility, until the child turns 18
    (or longer, when the pupil has consented to it); an approved caregiver, until 18.
    Either way only while the child is enrolled. `adult_cutoff` is
    eighteenth_birthday_cutoff(day), passed in so prepared queries can vary it."""
    minor = Child.birth_date > adult_cutoff
    extended = minor | (Child.guardian_access_until >= day)
    return (((Child.id.in_(_responsible_child_ids(user)) & extended)
             | (Child.id.in_(_caregiver_child_ids(user)) & minor))
            & _enrolled(day))


# Staff (rule 3) -----------------------------------------------------------------------

def staff_group_ids(user):
    """Groups a member of staff reaches: their own groups (contact teacher, attached
    staff) and every group of a unit they lead or work across (unit leader, SFO staff,
    kindergarten staff). The administrator reaches none: reading personal data is an
    explicit, logged act, not a default."""
    own = (StaffRole.select(StaffRole.group)
           .where((StaffRole.user == user) & StaffRole.role.in_(GROUP_ROLES)
                  & StaffRole.group.is_null(False)))
    wide_units = (StaffRole.select(StaffRole.unit)
                  .where((StaffRole.user == user) & StaffRole.role.in_(UNIT_WIDE_ROLES)))
    return Group.select(Group.id).where(Group.id.in_(own) | Group.unit.in_(wide_units))


def _staff_condition(user, day):
    return _enrolled(day, staff_group_ids(user))


# What views ask -----------------------------------------------------------------------

def children(user, day=None):
    """Children the user may see, as a query to compose with."""
    day = day or today()
    return Child.select().where(
        _guardian_condition(user, day, eighteenth_birthday_cutoff(day))
        | _staff_condition(user, day))


def guarded_children(user, day=None):
    """Children the user may see as a guardian or caregiver (not as staff)."""
    day = day or today()
    return Child.select().where(
        _guardian_condition(user, day, eighteenth_birthday_cutoff(day)))


def guarded_child_ids(user, day, adult_cutoff):
    """Ids of the children the user sees as a guardian or caregiver, as a subquery
    that a prepared query can hold (`adult_cutoff` as for `post_condition`)."""
    return Child.select(Child.id).where(_guardian_condition(user, day, adult_cutoff))


def staff_children(user, day=None):
    day = day or today()
    return Child.select().where(_staff_condition(user, day))


def groups(user, day=None):
    """Groups the user reaches: as staff, or as guardian of a child enrolled in it."""
    day = day or today()
    guardian_groups = (Enrolment.select(Enrolment.group)
                       .where(Enrolment.active(day)
                              & Enrolment.child.in_(guarded_children(user, day)
                                                    .select(Child.id))))
    return Group.select().where(Group.id.in_(staff_group_ids(user))
                                | Group.id.in_(guardian_groups))


def units(user, day=None):
    """Units of the groups the user reaches, and units a unit-wide role covers (a unit
    leader of a unit without groups yet still reaches it)."""
    day = day or today()
    wide_units = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & StaffRole.role.in_(UNIT_WIDE_ROLES))
    return Unit.select().where(Unit.id.in_(wide_units)
                               | Unit.id.in_(groups(user, day).select(Group.unit)))


# Threads (rule 3) ---------------------------------------------------------------------

def _takes_part(user, role):
    return fn.EXISTS(ThreadParticipant.select(ThreadParticipant.id).where(
        (ThreadParticipant.thread == Thread.id) & (ThreadParticipant.user == user)
        & (ThreadParticipant.role == role)))


def _guardian_thread_condition(user, day, adult_cutoff):
    """A guardian reads the threads they take part in, while they still have access to
    the child and the child is still in the thread's unit (for an announcement to a
    group: while they have a child in that unit). Losing access loses the threads."""
    their_children = Child.select(Child.id).where(
        _guardian_condition(user, day, adult_cutoff))
    unit_group = Group.alias("unit_group")
    child_in_unit = fn.EXISTS(
        Enrolment.select(Enrolment.id)
        .join(unit_group, on=(Enrolment.group == unit_group.id))
        .where((Enrolment.child == Thread.child) & Enrolment.active(day)
               & (unit_group.unit == Thread.unit)))
    their_units = (Group.select(Group.unit).join(Enrolment)
                   .where(Enrolment.active(day) & Enrolment.child.in_(their_children)))
    return (_takes_part(user, GUARDIAN)
            & ((Thread.child.is_null(False) & Thread.child.in_(their_children)
                & child_in_unit)
               | (Thread.child.is_null() & Thread.unit.in_(their_units))))


def _staff_thread_condition(user, day):
    """School, SFO and kindergarten leaders and SFO/kindergarten staff read every thread
    of their unit; a contact teacher every thread of the school about the children of
    their groups (and announcements to those groups); other staff only the threads they
    take part in, about children they are attached to."""
    wide_units = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & StaffRole.role.in_(UNIT_WIDE_ROLES))
    contact = StaffRole.alias("contact")
    contact_groups = contact.select(contact.group).where(
        (contact.user == user) & (contact.role == CONTACT_TEACHER))
    contact_group = Group.alias("contact_group")
    about_their_pupil = fn.EXISTS(
        Enrolment.select(Enrolment.id)
        .join(contact_group, on=(Enrolment.group == contact_group.id))
        .where((Enrolment.child == Thread.child) & Enrolment.active(day)
               & Enrolment.group.in_(contact_groups) & (contact_group.unit == Thread.unit)))
    attached = _enrolled_in(day, staff_group_ids(user))
    return (Thread.unit.in_(wide_units)
            | about_their_pupil
            | (Thread.child.is_null() & Thread.group.in_(contact_groups))
            | (_takes_part(user, STAFF)
               & ((Thread.child.is_null(False) & attached)
                  | (Thread.child.is_null() & Thread.group.in_(staff_group_ids(user))))))


def _enrolled_in(day, groups):
    """The thread's child is a member of one of `groups` today."""
    return fn.EXISTS(Enrolment.select(Enrolment.id).where(
        (Enrolment.child == Thread.child) & Enrolment.active(day)
        & Enrolment.group.in_(groups)))


def _candidate_thread_ids(user, staff=True):
    """A cheap superset of the threads the user may read, found through indexes: the
    threads they take part in, their units' threads, and those about the children of
    their groups (staff=False: someone with no staff role, who reads only threads they
    take part in). The exact rule then only looks at these, not at every thread."""
    own = ThreadParticipant.select(ThreadParticipant.thread).where(
        ThreadParticipant.user == user)
    if not staff:
        return own
    wide_units = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & StaffRole.role.in_(UNIT_WIDE_ROLES))
    contact = StaffRole.alias("candidate_contact")
    contact_groups = contact.select(contact.group).where(
        (contact.user == user) & (contact.role == CONTACT_TEACHER))
    pupils = Enrolment.select(Enrolment.child).where(Enrolment.group.in_(contact_groups))
    # UNION ALL: IN does not need the duplicates removed.
    return (own
            + Thread.select(Thread.id).where(Thread.unit.in_(wide_units))
            + Thread.select(Thread.id).where(Thread.child.in_(pupils))
            + Thread.select(Thread.id).where(Thread.group.in_(contact_groups)))


def thread_condition(user, day, adult_cutoff, candidates=True, staff=True):
    """Rule 3 as a condition on Thread, for queries that join more to it. A query that
    already starts from the user's own participations can leave the candidates out."""
    rule = (_guardian_thread_condition(user, day, adult_cutoff)
            | _staff_thread_condition(user, day))
    if not candidates:
        return rule
    return Thread.id.in_(_candidate_thread_ids(user, staff)) & rule


def threads(user, day=None):
    """Threads the user may read (rule 3), as a query to compose with. The
    administrator reads none this way: opening a thread takes a stated reason."""
    day = day or today()
    return Thread.select().where(thread_condition(user, day, eighteenth_birthday_cutoff(day)))


@dataclass(frozen=True)
class ThreadView:
    """A thread as its page shows it."""
    audit_type: ClassVar[str] = "thread"
    id: int
    kind: str
    subject: str
    replies_allowed: bool
    last_message_at: datetime.datetime
    unit_id: int
    unit_name: str
    child_id: int | None
    child_name: str | None
    group_id: int | None
    group_name: str | None


def _thread_columns():
    return (Thread.select(Thread.id, Thread.kind, Thread.subject, Thread.replies_allowed,
                          Thread.last_message_at, Unit.id, Unit.name, Child.id,
                          Child.first_name, Child.last_name, Group.id, Group.name)
            .join(Unit, on=(Thread.unit == Unit.id))
            .switch(Thread).join(Child, peewee.JOIN.LEFT_OUTER, on=(Thread.child == Child.id))
            .switch(Thread).join(Group, peewee.JOIN.LEFT_OUTER, on=(Thread.group == Group.id))
            .tuples())


_thread = Prepared(
    lambda user, day, adult_cutoff, thread: _thread_columns()
    .where(thread_condition(user, day, adult_cutoff) & (Thread.id == thread)),
    user=int, day=datetime.date, adult_cutoff=datetime.date, thread=int)
_any_thread = Prepared(lambda thread: _thread_columns().where(Thread.id == thread), thread=int)


def _thread_view(rows):
    if not rows:
        return None
    (tid, kind, subject, replies, last_at, unit_id, unit_name, child_id, first, last,
     group_id, group_name) = rows[0]
    return ThreadView(tid, kind, subject, replies, last_at, unit_id, unit_name, child_id,
                      f"{first} {last}" if child_id else None, group_id, group_name)


def thread_or_none(user, thread_id, day=None):
    """One thread the user may read (a ThreadView), or None."""
    try:
        thread_id = int(thread_id)
    except (TypeError, ValueError):
        return None
    day = day or today()
    return _thread_view(_thread(user=user.id, day=day,
                                adult_cutoff=eighteenth_birthday_cutoff(day), thread=thread_id))


def thread_for_inspection(thread_id):
    """Any thread, whoever takes part: only for the administrator's reading with a
    stated reason, which the caller writes to the audit log first."""
    return _thread_view(_any_thread(thread=thread_id))


_staff_groups = Prepared(
    lambda user: Group.select(Group.id, Group.name)
    .where(Group.id.in_(staff_group_ids(user))).order_by(Group.name).tuples(), user=int)


def staff_groups(user):
    """[(id, name), …] of the groups a member of staff reaches, for filters."""
    return _staff_groups(user=user.id)


def _one(query, model, object_id):
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        return None
    return query.where(model.id == object_id).first()


def child_or_none(user, child_id, day=None):
    return _one(children(user, day), Child, child_id)


def group_or_none(user, group_id, day=None):
    return _one(groups(user, day), Group, group_id)


_administrator_roles = Prepared(
    lambda user: StaffRole.select(StaffRole.id)
    .where((StaffRole.user == user) & (StaffRole.role == ADMINISTRATOR)).limit(1).tuples(),
    user=int)


def is_administrator(user):
    return bool(_administrator_roles(user=user.id))


# Pages --------------------------------------------------------------------------------
# The home pages read plain rows (tuples) into small records: turning joined rows into
# linked model objects costs peewee more than the query costs the database.

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


def _guardian_overview_query(user, day, adult_cutoff):
    return (Child.select(Child.id, Child.first_name, Child.last_name, Group.id, Group.name,
                         Unit.name, Unit.phone, Unit.email, Unit.kind,
                         Child.id.in_(_responsible_child_ids(user)))
            .join(Enrolment, on=(Enrolment.child == Child.id))
            .join(Group).join(Unit)
            .where(_guardian_condition(user, day, adult_cutoff) & Enrolment.active(day))
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


_responsibilities = Prepared(
    lambda user: Guardianship.select(Guardianship.responsibility)
    .where(Guardianship.guardian == user).tuples(), user=int)


def is_information_only(user):
    """True for a parent whose every guardianship is without parental responsibility."""
    kinds = {kind for (kind,) in _responsibilities(user=user.id)}
    return bool(kinds) and not (kinds & set(WITH_RESPONSIBILITY))


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
    return (Group.select(Group.id, Group.name, Unit.id, Unit.name, fn.COUNT(Enrolment.id),
                         Group.id.in_(teaches) | Group.unit.in_(leads))
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
    for group_id, group, unit_id, unit, children, lists in _reached_groups(user=user.id,
                                                                           day=day):
        by_unit.setdefault(unit_id, (unit, []))[1].append(
            GroupLine(group_id, group, children, bool(lists)))
    return roles, list(by_unit.values())


# Who is on the other side of a message -------------------------------------------------

def guardians_with_access(child, day=None):
    """Everyone who sees the child as guardian or caregiver today (rules 1 and 2): the
    other side of the reverse question `guarded_children` answers."""
    day = day or today()
    candidates = (Guardianship.select(Guardianship.guardian)
                  .where(Guardianship.child == child.id)
                  | CaregiverGrant.select(CaregiverGrant.caregiver)
                  .where(CaregiverGrant.child == child.id))
    sees_child = fn.EXISTS(Child.select(Child.id).where(
        (Child.id == child.id)
        & _guardian_condition(User.id, day, eighteenth_birthday_cutoff(day))))
    return (User.select().where(User.id.in_(candidates) & sees_child
                                & (User.is_active == True))  # noqa: E712
            .order_by(User.first_name, User.last_name))


def guardian_pairs(child_ids, day=None, answering=False):
    """[(user id, child id)]: everyone who sees one of the children as guardian or
    caregiver today, by the same rule as guardians_with_access, in one query. With
    `answering`, only the guardians with parental responsibility, who answer consents
    (a caregiver sees the child but does not decide for it)."""
    day = day or today()
    if not isinstance(child_ids, peewee.Query):
        child_ids = list(child_ids)
        if not child_ids:
            return []
    guardians = Guardianship.select(Guardianship.guardian).where(
        Guardianship.child == Child.id)
    if answering:
        related = User.id.in_(guardians.where(
            Guardianship.responsibility.in_(WITH_RESPONSIBILITY)))
    else:
        related = User.id.in_(guardians | CaregiverGrant.select(CaregiverGrant.caregiver)
                              .where(CaregiverGrant.child == Child.id))
    return list(Child.select(User.id, Child.id).join(User, on=related)
                .where(Child.id.in_(child_ids)
                       & _guardian_condition(User.id, day, eighteenth_birthday_cutoff(day))
                       & (User.is_active == True))  # noqa: E712
                .tuples())


def leave_deciders(child_id, day=None):
    """Ids of the staff who decide on the child's leave: the leaders of the units the
    child attends and the contact teachers of the child's groups (leave_decider)."""
    day = day or today()
    groups = Enrolment.select(Enrolment.group).where(
        (Enrolment.child == child_id) & Enrolment.active(day))
    units = Group.select(Group.unit).where(Group.id.in_(groups))
    return [user for (user,) in StaffRole.select(StaffRole.user).join(User).where(
        (((StaffRole.role == UNIT_LEADER) & StaffRole.unit.in_(units))
         | ((StaffRole.role == CONTACT_TEACHER) & StaffRole.group.in_(groups)))
        & (User.is_active == True)).distinct().tuples()]  # noqa: E712


def staff_units_for(user, child, day=None):
    """The units through which a member of staff reaches a child (where a thread they
    start about the child belongs)."""
    day = day or today()
    return (Unit.select().join(Group).join(Enrolment)
            .where((Enrolment.child == child.id) & Enrolment.active(day)
                   & Group.id.in_(staff_group_ids(user)))
            .distinct().order_by(Unit.name))


def staff_of_child(child, day=None):
    """Staff attached to the child's groups today (contact teachers first), with the
    unit each is reached through: [(user, role, unit), …]."""
    day = day or today()
    rows = (StaffRole.select(StaffRole.role, User, Group, Unit)
            .join(User, on=(StaffRole.user == User.id))
            .switch(StaffRole).join(Group, on=(StaffRole.group == Group.id))
            .join(Unit, on=(Group.unit == Unit.id))
            .switch(StaffRole).join(Enrolment, on=(Enrolment.group == StaffRole.group))
            .where((Enrolment.child == child.id) & Enrolment.active(day)
                   & (StaffRole.role != ADMINISTRATOR) & (User.is_active == True))  # noqa: E712
            .order_by(StaffRole.role != CONTACT_TEACHER, User.first_name))
    seen, result = set(), []
    for row in rows:
        if row.user.id not in seen:
            seen.add(row.user.id)
            result.append((row.user, row.role, row.group.unit))
    return result


def units_of_child(child, day=None):
    day = day or today()
    return (Unit.select().join(Group).join(Enrolment)
            .where((Enrolment.child == child.id) & Enrolment.active(day))
            .distinct().order_by(Unit.name))


def is_staff(user):
    """Does the user hold any staff role other than administrator?"""
    return bool(_staff_roles(user=user.id))


_staff_roles = Prepared(
    lambda user: StaffRole.select(StaffRole.id)
    .where((StaffRole.user == user) & (StaffRole.role != ADMINISTRATOR)).limit(1).tuples(),
    user=int)


# Announcements ------------------------------------------------------------------------

def announcement_targets(user):
    """Where the user may send an announcement: [(key, unit, group or None), …].

    A unit leader: the whole unit, or any of its groups. SFO and kindergarten staff: any
    group of their unit. A contact teacher: their own groups. Other staff: nowhere."""
    targets = []
    roles = (StaffRole.select(StaffRole.role, StaffRole.unit, StaffRole.group)
             .where(StaffRole.user == user).tuples())
    led = {unit for role, unit, _ in roles if role == UNIT_LEADER}
    wide = {unit for role, unit, _ in roles if role in UNIT_WIDE_ROLES}
    own = {group for role, _, group in roles if role == CONTACT_TEACHER and group}
    for unit in Unit.select().where(Unit.id.in_(list(led))).order_by(Unit.name):
        targets.append((f"unit:{unit.id}", unit, None))
    groups = (Group.select(Group, Unit).join(Unit)
              .where(Group.unit.in_(list(wide)) | Group.id.in_(list(own)))
              .order_by(Unit.name, Group.name))
    for group in groups:
        targets.append((f"group:{group.id}", group.unit, group))
    return targets


def children_in(unit, group=None, day=None):
    """Children enrolled today in a group, or in any group of a unit."""
    day = day or today()
    query = Child.select().join(Enrolment).join(Group).where(Enrolment.active(day))
    query = query.where(Group.id == group.id) if group else query.where(Group.unit == unit.id)
    return query.distinct().order_by(Child.first_name, Child.last_name)


# Consents (rules 5 and 6) ---------------------------------------------------------------

_KINDS = {"user": int, "day": datetime.date, "adult_cutoff": datetime.date}


def _first(prepared, object_id, **params):
    """The first row of a prepared single-object access query, or None. The rule's SQL
    is built once: otherwise building it is the largest part of what a page costs."""
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        return None
    rows = prepared(target=object_id, **params)
    return rows[0] if rows else None


def _rule_params(user, day):
    day = day or today()
    return {"user": user.id, "day": day, "adult_cutoff": eighteenth_birthday_cutoff(day)}


_answering = Prepared(
    lambda user, day, adult_cutoff, target: Child.select().where(
        _guardian_condition(user, day, adult_cutoff)
        & Child.id.in_(_responsible_child_ids(user)) & (Child.id == target)),
    target=int, **_KINDS)


def answering_child(user, child_id, day=None):
    """The child, when the user is one of its guardians with parental responsibility
    and sees it (rule 1): only they answer its consents. A caregiver, an information-only
    parent or staff get None."""
    return _first(_answering, child_id, **_rule_params(user, day))


_staff_child = Prepared(
    lambda user, day, target: Child.select().where(
        _staff_condition(user, day) & (Child.id == target)),
    target=int, user=int, day=datetime.date)


def staff_child_or_none(user, child_id, day=None):
    return _first(_staff_child, child_id, user=user.id, day=day or today())


_staff_group_children = Prepared(
    lambda user, day, target: Group.select(
        Group.name, Group.unit, Child.id, Child.first_name, Child.last_name,
        Child.address_protection, Child.birth_date, Child.account)
    .join(Enrolment, peewee.JOIN.LEFT_OUTER,
          on=((Enrolment.group == Group.id) & Enrolment.active(day)))
    .join(Child, peewee.JOIN.LEFT_OUTER, on=(Enrolment.child == Child.id))
    .where((Group.id == target) & Group.id.in_(staff_group_ids(user)))
    .order_by(Child.first_name, Child.last_name, Child.id).tuples(),
    target=int, user=int, day=datetime.date)


def staff_group_children(user, group_id, day=None):
    """A group the member of staff reaches, with its children today:
    (group name, unit id, [(child id, first, last, address protection, birth date,
    account), …]), or None."""
    try:
        group_id = int(group_id)
    except (TypeError, ValueError):
        return None
    rows = _staff_group_children(target=group_id, user=user.id, day=day or today())
    if not rows:
        return None
    return rows[0][0], rows[0][1], [row[2:] for row in rows if row[2] is not None]


def consent_scope(user):
    """Where the user defines further consents: ([unit ids], everywhere). A unit leader
    for the units they lead; the administrator everywhere; anyone else nowhere."""
    rows = list(StaffRole.select(StaffRole.role, StaffRole.unit)
                .where((StaffRole.user == user)
                       & StaffRole.role.in_([UNIT_LEADER, ADMINISTRATOR])).tuples())
    everywhere = any(role == ADMINISTRATOR for role, _ in rows)
    return [unit for role, unit in rows if role == UNIT_LEADER and unit], everywhere


def _consent_child_query(user, day, adult_cutoff, target):
    guardian = (_guardian_condition(user, day, adult_cutoff)
                & Child.id.in_(_responsible_child_ids(user)))
    own = (Child.account == user) & _enrolled(day)
    return Child.select(Child, own.alias("own")).where((guardian | own) & (Child.id == target))


_consent_child = Prepared(_consent_child_query, target=int, **_KINDS)


def consent_child(user, child_id, day=None):
    """For a child's consent page, one query: (child, "guardian") when the user is one
    of its guardians with parental responsibility who sees it, (child, "pupil") when it
    is the pupil's own login (while enrolled); otherwise (None, None)."""
    child = _first(_consent_child, child_id, **_rule_params(user, day))
    if child is None:
        return None, None
    return child, "pupil" if child.own else "guardian"


def own_children(user, day=None):
    """The pupil's own child record(s), while enrolled."""
    day = day or today()
    return list(Child.select().where((Child.account == user) & _enrolled(day)))


def joined_guardian_sees(day, adult_cutoff):
    """Rule 1 for a query that joins Guardianship, its User and its Child: the parent
    has parental responsibility and still sees the child (under 18, or access extended
    by the pupil). Enrolment is the caller's to check, for the group it is about."""
    return (Guardianship.responsibility.in_(WITH_RESPONSIBILITY)
            & ((Child.birth_date > adult_cutoff) | (Child.guardian_access_until >= day))
            & (User.is_active == True))  # noqa: E712


def _class_list_viewer_query(user, day, adult_cutoff, target):
    guarded = Child.select(Child.id).where(
        _guardian_condition(user, day, adult_cutoff)
        & Child.id.in_(_responsible_child_ids(user)))
    as_guardian = fn.EXISTS(Enrolment.select(Enrolment.id).where(
        (Enrolment.group == Group.id) & Enrolment.active(day)
        & Enrolment.child.in_(guarded)))
    teaches = StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user) & (StaffRole.role == CONTACT_TEACHER))
    leads = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & (StaffRole.role == UNIT_LEADER))
    as_staff = Group.id.in_(teaches) | Group.unit.in_(leads)
    return (Group.select(Group.name, as_staff.alias("staff"))
            .where((Group.id == target) & (as_guardian | as_staff)).tuples())


_class_list_viewer = Prepared(_class_list_viewer_query, target=int, **_KINDS)


def class_list_viewer(user, group_id, day=None):
    """May the user see the class list of the group: a guardian with parental
    responsibility of a child enrolled in it, its contact teacher, or a leader of its
    unit. Returns (group name, "guardian" or "staff") or None."""
    row = _first(_class_list_viewer, group_id, **_rule_params(user, day))
    if row is None:
        return None
    return row[0], "staff" if row[1] else "guardian"


# Absence and leave (rule 6) --------------------------------------------------------------

_guarded_child = Prepared(
    lambda user, day, adult_cutoff, target: Child.select().where(
        _guardian_condition(user, day, adult_cutoff) & (Child.id == target)),
    target=int, **_KINDS)


def guardian_child_or_none(user, child_id, day=None):
    """A child the user sees as a guardian or caregiver (rule 1)."""
    return _first(_guarded_child, child_id, **_rule_params(user, day))


def leave_decider(user, child_id, day=None):
    """How the user may decide on the child's leave: "leader" (a leader of a unit the
    child attends), "teacher" (the contact teacher of one of the child's groups, for
    short leave), or None."""
    day = day or today()
    groups = Enrolment.select(Enrolment.group).where(
        (Enrolment.child == child_id) & Enrolment.active(day))
    units = Group.select(Group.unit).where(Group.id.in_(groups))
    roles = {role for (role,) in StaffRole.select(StaffRole.role).where(
        (StaffRole.user == user)
        & (((StaffRole.role == UNIT_LEADER) & StaffRole.unit.in_(units))
           | ((StaffRole.role == CONTACT_TEACHER) & StaffRole.group.in_(groups)))).tuples()}
    if UNIT_LEADER in roles:
        return "leader"
    return "teacher" if CONTACT_TEACHER in roles else None


def leave_scope(user):
    """(units the user leads, groups the user is contact teacher for)."""
    rows = list(StaffRole.select(StaffRole.role, StaffRole.unit, StaffRole.group)
                .where((StaffRole.user == user)
                       & StaffRole.role.in_([UNIT_LEADER, CONTACT_TEACHER])).tuples())
    return ([unit for role, unit, _ in rows if role == UNIT_LEADER],
            [group for role, _, group in rows if role == CONTACT_TEACHER and group])


# Posts (rules 4, 5, 9) ----------------------------------------------------------------

def post_condition(user, day=None, adult_cutoff=None):
    """(who may read a post, whether they read it as staff), as conditions on Post:
    group posts of the groups the user reaches (as a guardian of a child enrolled in it,
    or as staff), and individual posts about a child the user sees (as guardian or
    staff). The administrator reads none."""
    from models.posts.tables import Post
    day = day or today()
    if adult_cutoff is None:
        adult_cutoff = eighteenth_birthday_cutoff(day)
    guarded = Child.select(Child.id).where(_guardian_condition(user, day, adult_cutoff))
    guardian_groups = Enrolment.select(Enrolment.group).where(
        Enrolment.active(day) & Enrolment.child.in_(guarded))
    staff_kids = Child.select(Child.id).where(_staff_condition(user, day))
    as_staff = Post.group.in_(staff_group_ids(user)) | Post.child.in_(staff_kids)
    as_guardian = Post.group.in_(guardian_groups) | Post.child.in_(guarded)
    return as_guardian | as_staff, as_staff
