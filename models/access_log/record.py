"""Writing the access rows of one page view: after the response has gone, one query for
who the viewer is to the children (their staff roles, the children's groups today, and
whether they are the children's own guardian or caregiver) and one multi-row INSERT.
Nothing here runs while the person waits for the page."""
import logging

import peewee
from peewee import Value

from models.db import database, today
from models.school.tables import (ADMINISTRATOR, GROUP_ROLES, UNIT_WIDE_ROLES,
                                  WITH_RESPONSIBILITY, CaregiverGrant, Enrolment, Group,
                                  Guardianship, StaffRole)

from models.access_log.tables import AccessRecord

log = logging.getLogger("kontaktbok")
ROLE, ENROLMENT, OWN = "role", "enrolment", "own"


def _facts(viewer_id, child_ids, day):
    """[(kind, role, child, group, unit), …] in one query: the viewer's staff roles, the
    children's groups today, and which of the children are the viewer's own (guardian
    with parental responsibility or caregiver: their reads are not logged)."""
    roles = StaffRole.select(Value(ROLE), StaffRole.role, Value(0), StaffRole.group,
                             StaffRole.unit).where(StaffRole.user == viewer_id)
    enrolments = (Enrolment.select(Value(ENROLMENT), Value(""), Enrolment.child,
                                   Enrolment.group, Group.unit)
                  .join(Group).where(Enrolment.child.in_(child_ids) & Enrolment.active(day)))
    guardian = Guardianship.select(Value(OWN), Value(""), Guardianship.child, Value(0),
                                   Value(0)).where(
        (Guardianship.guardian == viewer_id) & Guardianship.child.in_(child_ids)
        & Guardianship.responsibility.in_(WITH_RESPONSIBILITY))
    caregiver = CaregiverGrant.select(Value(OWN), Value(""), CaregiverGrant.child, Value(0),
                                      Value(0)).where(
        (CaregiverGrant.caregiver == viewer_id) & CaregiverGrant.child.in_(child_ids)
        & CaregiverGrant.revoked_at.is_null())
    return list((roles + enrolments + guardian + caregiver).tuples())


def rows_for(viewer_id, viewer_name, page, child_ids, unit_id, at, facts):
    """The rows to write, from the facts: per child, the unit through which the viewer
    reached it (the page's unit when it has one) and the viewer's roles there. None for
    the viewer's own children, and none at all for someone with no staff or
    administrator role (a guardian, a caregiver, a pupil)."""
    staff_roles = [(role, unit, group) for kind, role, _, group, unit in facts if kind == ROLE]
    if not staff_roles:
        return []
    own = {child for kind, _, child, _, _ in facts if kind == OWN}
    groups_of = {}
    for kind, _, child, group, unit in facts:
        if kind == ENROLMENT:
            groups_of.setdefault(child, []).append((group, unit))
    administrator = any(role == ADMINISTRATOR for role, _, _ in staff_roles)
    rows, done = [], set()
    for child in child_ids:
        if child in own or child in done:
            continue
        done.add(child)
        by_unit = {}
        for group, unit in groups_of.get(child, ()):
            for role, role_unit, role_group in staff_roles:
                if ((role in UNIT_WIDE_ROLES and role_unit == unit)
                        or (role in GROUP_ROLES and role_group == group)):
                    by_unit.setdefault(unit, set()).add(role)
        if by_unit:
            unit = unit_id if unit_id in by_unit else min(by_unit)
            roles = by_unit[unit]
        else:  # reached otherwise: a thread of the unit, the administrator's inspection
            unit = unit_id
            roles = ({ADMINISTRATOR} if administrator else
                     {role for role, role_unit, _ in staff_roles
                      if role_unit == unit_id and role != ADMINISTRATOR}
                     or {role for role, _, _ in staff_roles if role != ADMINISTRATOR})
        rows.append({"at": at, "child": child, "viewer_id": viewer_id,
                     "viewer_name": viewer_name[:200], "roles": ",".join(sorted(roles)),
                     "page": page, "unit": unit})
    return rows


def write(viewer_id, viewer_name, page, child_ids, unit_id, at, day=None):
    """Write the page view's rows: one SELECT and at most one INSERT. Returns the number
    of rows written."""
    child_ids = [int(c) for c in child_ids]
    if not child_ids:
        return 0
    facts = _facts(viewer_id, child_ids, day or today())
    rows = rows_for(viewer_id, viewer_name, page, child_ids, unit_id, at, facts)
    if rows:
        AccessRecord.insert_many(rows).execute()
    return len(rows)


def write_after_response(viewer_id, viewer_name, page, child_ids, unit_id, at, day):
    """`write`, on a connection of its own: it runs once the response has been sent,
    after the request's connection went back to the pool. A failure is logged, never
    raised (the page has been shown)."""
    opened = database.is_closed()
    try:
        if opened:
            database.connect()
        write(viewer_id, viewer_name, page, child_ids, unit_id, at, day)
    except peewee.PeeweeException:
        log.exception("access log: could not write the rows of a %s page", page)
    finally:
        if opened and not database.is_closed():
            database.close()
