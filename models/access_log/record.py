"""Writing the access rows of page views: one query for who each viewer is to the
children (their staff roles, the children's groups that day, and whether they are the
children's own guardian or caregiver) and one multi-row INSERT. Nothing here runs while
the person waits for the page.

In production the views of a few seconds are written together (`later`): a background
thread of each app process writes every ACCESS_LOG_FLUSH_SECONDS whatever came in, in
one transaction, so a busy page costs its process nothing per view. With 0 (the tests)
each view is written as soon as its response has gone."""
import atexit
import logging
import threading
import time

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


class _Batch:
    """The page views of this process not written yet."""

    def __init__(self):
        self.lock = threading.Lock()
        self.views = []
        self.thread = None


_batch = _Batch()


def later(seconds, view):
    """Write `view` (the arguments of write_after_response) within `seconds`, together
    with the other views of the moment; at once when `seconds` is 0."""
    if not seconds:
        write_after_response(*view)
        return
    with _batch.lock:
        _batch.views.append(view)
        if _batch.thread is None or not _batch.thread.is_alive():
            _batch.thread = threading.Thread(target=_flush_every, args=(seconds,),
                                             name="access-log", daemon=True)
            _batch.thread.start()


def _flush_every(seconds):
    while True:
        time.sleep(seconds)
        flush()


def flush():
    """Write the views waiting in this process: per day one query for every viewer and
    child, and one INSERT, in one transaction. Returns the number of rows written."""
    with _batch.lock:
        views, _batch.views = _batch.views, []
    if not views:
        return 0
    opened = database.is_closed()
    written = 0
    try:
        if opened:
            database.connect()
        with database.atomic():
            rows = []
            for day in sorted({view[6] for view in views}):
                some = [view for view in views if view[6] == day]
                facts = _facts_of_many({view[0] for view in some},
                                       {int(c) for view in some for c in view[3]}, day)
                for viewer_id, name, page, child_ids, unit_id, at, _ in some:
                    rows += rows_for(viewer_id, name, page, [int(c) for c in child_ids],
                                     unit_id, at, facts.get(viewer_id, [])
                                     + facts.get(None, []))
            if rows:
                AccessRecord.insert_many(rows).execute()
            written = len(rows)
    except peewee.PeeweeException:
        log.exception("access log: could not write the rows of %d page views", len(views))
    finally:
        if opened and not database.is_closed():
            database.close()
    return written


atexit.register(flush)  # what came in during the last seconds of a process


def _facts_of_many(viewer_ids, child_ids, day):
    """{viewer id: facts, None: the children's enrolments}, as `_facts` gives them for
    one viewer, for many viewers and children in one query."""
    viewers, children = sorted(viewer_ids), sorted(child_ids) or [0]
    roles = StaffRole.select(Value(ROLE), StaffRole.role, Value(0), StaffRole.group,
                             StaffRole.unit, StaffRole.user).where(StaffRole.user.in_(viewers))
    enrolments = (Enrolment.select(Value(ENROLMENT), Value(""), Enrolment.child,
                                   Enrolment.group, Group.unit, Value(None))
                  .join(Group).where(Enrolment.child.in_(children) & Enrolment.active(day)))
    guardian = Guardianship.select(Value(OWN), Value(""), Guardianship.child, Value(0),
                                   Value(0), Guardianship.guardian).where(
        Guardianship.guardian.in_(viewers) & Guardianship.child.in_(children)
        & Guardianship.responsibility.in_(WITH_RESPONSIBILITY))
    caregiver = CaregiverGrant.select(Value(OWN), Value(""), CaregiverGrant.child, Value(0),
                                      Value(0), CaregiverGrant.caregiver).where(
        CaregiverGrant.caregiver.in_(viewers) & CaregiverGrant.child.in_(children)
        & CaregiverGrant.revoked_at.is_null())
    found = {}
    for *fact, viewer in (roles + enrolments + guardian + caregiver).tuples():
        found.setdefault(viewer, []).append(tuple(fact))
    return found


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
