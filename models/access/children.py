"""Rules 1–3 of DESIGN.md for children and groups: who sees which child (guardians
with parental responsibility, approved caregivers, staff through their groups and
units), as query conditions the other rule families and the pages build on."""
import datetime

import peewee
from peewee import fn

from models.db import Prepared, today
from models.school.tables import (GROUP_ROLES, UNIT_WIDE_ROLES, WITH_RESPONSIBILITY,
                                  CaregiverApproval, CaregiverGrant, Child, Enrolment, Group,
                                  Guardianship, StaffRole, Unit, eighteenth_birthday_cutoff)


def responsible_child_ids(user):
    return (Guardianship.select(Guardianship.child)
            .where((Guardianship.guardian == user)
                   & Guardianship.responsibility.in_(WITH_RESPONSIBILITY)))


def caregiver_child_ids(user):
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


def enrolled(day, groups=None):
    """The child (outer query) is a member of some group today (of `groups` if given)."""
    condition = (Enrolment.child == Child.id) & Enrolment.active(day)
    if groups is not None:
        condition &= Enrolment.group.in_(groups)
    return fn.EXISTS(Enrolment.select(Enrolment.id).where(condition))


def guardian_condition(user, day, adult_cutoff):
    """Rules 1 and 2: a guardian with parental responsibility, until the child turns 18
    (or longer, when the pupil has consented to it); an approved caregiver, until 18.
    Either way only while the child is enrolled. `adult_cutoff` is
    eighteenth_birthday_cutoff(day), passed in so prepared queries can vary it."""
    minor = Child.birth_date > adult_cutoff
    extended = minor | (Child.guardian_access_until >= day)
    return (((Child.id.in_(responsible_child_ids(user)) & extended)
             | (Child.id.in_(caregiver_child_ids(user)) & minor))
            & (Child.id.in_(_family_child_ids(user)) & enrolled(day)))


def _family_child_ids(user):
    """A superset of the children guardian_condition allows, through two indexes: every
    child the user is a guardian or has a caregiver grant for. ANDed to the exact rule,
    it lets PostgreSQL start from these few rows; the rule's OR of two subqueries alone
    made it read every child (11 ms a page at 50,000 children, bench/messages.py)."""
    return (Guardianship.select(Guardianship.child).where(Guardianship.guardian == user)
            + CaregiverGrant.select(CaregiverGrant.child)
            .where(CaregiverGrant.caregiver == user))


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


def staff_condition(user, day):
    return enrolled(day, staff_group_ids(user))


def children(user, day=None):
    """Children the user may see, as a query to compose with."""
    day = day or today()
    return Child.select().where(
        guardian_condition(user, day, eighteenth_birthday_cutoff(day))
        | staff_condition(user, day))


def guarded_children(user, day=None):
    """Children the user may see as a guardian or caregiver (not as staff)."""
    day = day or today()
    return Child.select().where(
        guardian_condition(user, day, eighteenth_birthday_cutoff(day)))


def responsible_children(user, day=None):
    """The children the user sees as a guardian with parental responsibility, by first
    name: those whose data the user may ask about (who has seen it, what is wrong)."""
    return list(guarded_children(user, day).where(Child.id.in_(responsible_child_ids(user)))
                .order_by(Child.first_name, Child.id))


def guarded_child_ids(user, day, adult_cutoff):
    """Ids of the children the user sees as a guardian or caregiver, as a subquery
    that a prepared query can hold (`adult_cutoff` as for `post_condition`)."""
    return Child.select(Child.id).where(guardian_condition(user, day, adult_cutoff))


def staff_children(user, day=None):
    day = day or today()
    return Child.select().where(staff_condition(user, day))


def groups(user, day=None, adult_cutoff=None):
    """Groups the user reaches: as staff, or as guardian of a child enrolled in it."""
    day = day or today()
    cutoff = adult_cutoff or eighteenth_birthday_cutoff(day)
    guardian_groups = (Enrolment.select(Enrolment.group)
                       .where(Enrolment.active(day)
                              & Enrolment.child.in_(guarded_child_ids(user, day, cutoff))))
    return Group.select().where(Group.id.in_(staff_group_ids(user))
                                | Group.id.in_(guardian_groups))


def units(user, day=None, adult_cutoff=None):
    """Units of the groups the user reaches, and units a unit-wide role covers (a unit
    leader of a unit without groups yet still reaches it)."""
    day = day or today()
    wide_units = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & StaffRole.role.in_(UNIT_WIDE_ROLES))
    reached = groups(user, day, adult_cutoff).select(Group.unit)
    return Unit.select().where(Unit.id.in_(wide_units) | Unit.id.in_(reached))


_staff_groups = Prepared(
    lambda user: Group.select(Group.id, Group.name)
    .where(Group.id.in_(staff_group_ids(user))).order_by(Group.name).tuples(), user=int)


def staff_groups(user):
    """[(id, name), …] of the groups a member of staff reaches, for filters."""
    return _staff_groups(user=user.id)


def one_of(query, model, object_id):
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        return None
    return query.where(model.id == object_id).first()


def child_or_none(user, child_id, day=None):
    return one_of(children(user, day), Child, child_id)


def group_or_none(user, group_id, day=None):
    return one_of(groups(user, day), Group, group_id)


RULE_PARAMS = {"user": int, "day": datetime.date, "adult_cutoff": datetime.date}


def first_row(prepared, object_id, **params):
    """The first row of a prepared single-object access query, or None. The rule's SQL
    is built once: otherwise building it is the largest part of what a page costs."""
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        return None
    rows = prepared(target=object_id, **params)
    return rows[0] if rows else None


def rule_params(user, day):
    day = day or today()
    return {"user": user.id, "day": day, "adult_cutoff": eighteenth_birthday_cutoff(day)}


_staff_child = Prepared(
    lambda user, day, target: Child.select().where(
        staff_condition(user, day) & (Child.id == target)),
    target=int, user=int, day=datetime.date)


def staff_child_or_none(user, child_id, day=None):
    return first_row(_staff_child, child_id, user=user.id, day=day or today())


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


def own_children(user, day=None):
    """The pupil's own child record(s), while enrolled."""
    day = day or today()
    return list(Child.select().where((Child.account == user) & enrolled(day)))


_guarded_child = Prepared(
    lambda user, day, adult_cutoff, target: Child.select().where(
        guardian_condition(user, day, adult_cutoff) & (Child.id == target)),
    target=int, **RULE_PARAMS)


def guardian_child_or_none(user, child_id, day=None):
    """A child the user sees as a guardian or caregiver (rule 1)."""
    return first_row(_guarded_child, child_id, **rule_params(user, day))


def invitation_addressed_to(grant, user):
    """A caregiver invitation is the account's: by national identity number when the
    request gave one (an eID proves it); else, only where the confirming leader allowed
    code login, by the invited e-mail address or mobile number (its own, or the one it
    logs in to with codes: a code proves no more than that)."""
    if grant.national_id_index and grant.national_id_index == user.national_id_index:
        return True
    if not grant.code_login:
        return False
    email = (grant.email or "").strip().lower()
    if email and email in {(user.email or "").strip().lower(),
                           (user.code_login_email or "").strip().lower()}:
        return True
    phones = {"".join((user.phone or "").split()), user.code_login_phone or ""}
    return bool(grant.phone) and grant.phone in phones


def invited_child_or_none(user, grant):
    """The child of a caregiver invitation, for the account it is addressed to; None
    for anyone else."""
    if not invitation_addressed_to(grant, user):
        return None
    return Child.get_or_none(Child.id == grant.child_id)
