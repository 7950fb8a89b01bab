"""Roles: the administrator, staff, and the parent without parental responsibility
(who is told things but decides nothing), and what each of them hears about."""
import peewee
from peewee import fn

from models.db import Prepared, database
from models.notifications.tables import GUARDIAN_EVENTS, PERSONAL_EVENTS, STAFF_EVENTS
from models.school.tables import (ADMINISTRATOR, CONTACT_TEACHER, DATA_PROTECTION_OFFICER,
                                  UNIT_LEADER, WITH_RESPONSIBILITY, CaregiverGrant, Guardianship,
                                  StaffRole)

# Roles that make nobody staff of a unit: the administrator (reads with a stated reason)
# and the data-protection officer (reads no child at all).
NOT_STAFF = (ADMINISTRATOR, DATA_PROTECTION_OFFICER)

_administrator_roles = Prepared(
    lambda user: StaffRole.select(StaffRole.id)
    .where((StaffRole.user == user) & (StaffRole.role == ADMINISTRATOR)).limit(1).tuples(),
    user=int)


def is_administrator(user):
    return bool(_administrator_roles(user=user.id))


_officer_roles = Prepared(
    lambda user: StaffRole.select(StaffRole.id)
    .where((StaffRole.user == user) & (StaffRole.role == DATA_PROTECTION_OFFICER))
    .limit(1).tuples(), user=int)


def is_data_protection_officer(user):
    return bool(_officer_roles(user=user.id))


_responsibilities = Prepared(
    lambda user: Guardianship.select(Guardianship.responsibility)
    .where(Guardianship.guardian == user).tuples(), user=int)


def is_information_only(user):
    """True for a parent whose every guardianship is without parental responsibility."""
    kinds = {kind for (kind,) in _responsibilities(user=user.id)}
    return bool(kinds) and not (kinds & set(WITH_RESPONSIBILITY))


def is_staff(user):
    """Does the user hold any staff role other than administrator or data-protection
    officer?"""
    return bool(_staff_roles(user=user.id))


_staff_roles = Prepared(
    lambda user: StaffRole.select(StaffRole.id)
    .where((StaffRole.user == user) & StaffRole.role.not_in(NOT_STAFF)).limit(1).tuples(),
    user=int)


_roles_heard = Prepared(lambda user: peewee.Select(columns=[
    fn.EXISTS(Guardianship.select(Guardianship.id).where(Guardianship.guardian == user)),
    fn.EXISTS(CaregiverGrant.select(CaregiverGrant.id)
              .where(CaregiverGrant.caregiver == user)),
    fn.EXISTS(StaffRole.select(StaffRole.id)
              .where((StaffRole.user == user) & StaffRole.role.not_in(NOT_STAFF))),
    fn.EXISTS(StaffRole.select(StaffRole.id).where(StaffRole.user == user)),
]).bind(database).tuples(), user=int)


def events_heard(user):
    """(the kinds of event the person can hear about: a guardian's, staff's, or both;
    whether they hold any staff role), asked in one query."""
    guardian, caregiver, staff, any_role = _roles_heard(user=user.id)[0]
    return ((GUARDIAN_EVENTS if guardian or caregiver or not staff else ())
            + (STAFF_EVENTS if staff else ()) + PERSONAL_EVENTS), bool(any_role)


def home_roles(role_names):
    """From the names of the user's staff roles (already read for the home page, no
    query): (is an administrator, decides leave as a unit leader or contact teacher)."""
    names = set(role_names)
    return ADMINISTRATOR in names, bool(names & {UNIT_LEADER, CONTACT_TEACHER})
