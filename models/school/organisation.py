"""The administrator's organisation: units, their groups, and staff with their roles.
Children and guardians come from the roster import, never from here; the administrator
sees staff by name and children only as numbers.

Every change writes its audit event in the same transaction. Only the administrator's
pages (views/organisation.py, behind `administrators_only`) use these: they reach every
unit, group and role of the installation.
"""
import secrets

from peewee import JOIN, IntegrityError, fn

from models import audit
from models.db import database, today
from models.login.passwords import hash_password
from models.school.tables import ADMINISTRATOR, Enrolment, Group, StaffRole, Unit, User

# The school years an import or a new group may be for (a typo like 20226 is refused).
FIRST_SCHOOL_YEAR, LAST_SCHOOL_YEAR = 2000, 2100


def units():
    """Every unit, by kind and name."""
    return list(Unit.select().order_by(Unit.kind, Unit.name))


def groups_by_unit(year, day=None):
    """{unit id: [Group, …]} of the school year `year` and the one before, newest first,
    each with `children`: how many are enrolled on `day`. One query."""
    day = day or today()
    groups = {}
    for group in (Group.select(Group, fn.COUNT(Enrolment.id).alias("children"))
                  .join(Enrolment, JOIN.LEFT_OUTER,
                        on=((Enrolment.group == Group.id) & Enrolment.active(day)))
                  .where(Group.school_year >= year - 1)
                  .group_by(Group.id).order_by(Group.school_year.desc(), Group.name)):
        groups.setdefault(group.unit_id, []).append(group)
    return groups


def staff_by_unit():
    """{unit id: [StaffRole with its user, …]} of every role but the administrator's,
    by the staff's names. One query."""
    staff = {}
    for role in (StaffRole.select(StaffRole, User).join(User)
                 .where(StaffRole.role != ADMINISTRATOR)
                 .order_by(User.last_name, User.first_name)):
        staff.setdefault(role.unit_id, []).append(role)
    return staff


def unit_name_taken(name, but=None):
    """Whether another unit (not the one with id `but`) has the name."""
    query = Unit.select().where(Unit.name == name)
    if but is not None:
        query = query.where(Unit.id != but)
    return query.exists()


def unit_or_none(unit_id):
    """Any unit of the installation by its id, or None."""
    return Unit.get_or_none(Unit.id == unit_id)


def group_or_none(group_id):
    """Any group of the installation by its id, or None (the administrator's; others
    reach groups through `access.group_or_none`)."""
    return Group.get_or_none(Group.id == group_id)


def group_with_unit(group_id):
    """(unit, group) of the group with the id, or (None, None)."""
    group = Group.get_or_none(Group.id == group_id)
    unit = Unit.get_or_none(Unit.id == group.unit_id) if group else None
    return unit, group


def account_or_none(username):
    """The account with the username (already lower case), or None."""
    return User.get_or_none(User.username == username)


def add_unit(name, kind, by, ip=""):
    """A new unit, made by hand (a roster import makes the others)."""
    with database.atomic():
        unit = Unit.create(name=name, kind=kind)
        audit.record("unit.created", actor=by, obj=unit, ip=ip)
    return unit


def add_group(unit, name, school_year, by, ip=""):
    """The new group, or None when the unit already has a group with that name that
    school year."""
    try:
        with database.atomic():
            group = Group.create(unit=unit, name=name, school_year=school_year)
            audit.record("group.created", actor=by, obj=group, ip=ip)
    except IntegrityError:
        return None
    return group


def add_role(user, role, unit, group, by, ip="", new_account=None):
    """Give `user` the role at the unit (or group), unless they have it already. With
    `user` None, a new account is made first from `new_account` (username, first_name,
    last_name, email) with a one-time password, which is returned (else None): it is
    shown once to the administrator, and never stored in the clear or logged."""
    password = None
    with database.atomic():
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.create(**new_account, password_hash=hash_password(password))
            audit.record("account.created", actor=by, obj=user, ip=ip)
        found = StaffRole.get_or_none(StaffRole.user == user, StaffRole.role == role,
                                      StaffRole.unit == unit, StaffRole.group == group)
        if found is None:
            StaffRole.create(user=user, role=role, unit=unit, group=group)
            audit.record("role.added", actor=by, obj=user, ip=ip, role=role, unit=unit.id,
                         group=group.id if group else None)
    return password


def rename(item, name, by, ip=""):
    """A new name for a unit or a group; False when the name is taken (a group's in its
    unit that school year)."""
    model = type(item)
    try:
        with database.atomic():
            old = item.name
            model.update(name=name).where(model.id == item.id).execute()
            audit.record(f"{model.__name__.lower()}.renamed", actor=by, obj=item, ip=ip,
                         old=old, new=name)
    except IntegrityError:
        return False
    return True


def role_or_none(role_id):
    """A staff role other than the administrator's, or None."""
    return StaffRole.get_or_none((StaffRole.id == role_id)
                                 & (StaffRole.role != ADMINISTRATOR))


def place_of(role):
    """The name of the group, or else the unit, a role belongs to ("" for neither)."""
    if role.group_id:
        group = Group.get_or_none(Group.id == role.group_id)
        return group.name if group else ""
    unit = Unit.get_or_none(Unit.id == role.unit_id) if role.unit_id else None
    return unit.name if unit else ""


def end_role(role, by, ip=""):
    """The role ends, and the access it gave with it."""
    with database.atomic():
        StaffRole.delete().where(StaffRole.id == role.id).execute()
        audit.record("role.ended", actor=by, obj=role.user, ip=ip, role=role.role,
                     unit=role.unit_id, group=role.group_id)
