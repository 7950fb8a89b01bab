"""Roster imports as the administrator runs them: a file is read and planned for a
preview, and applied later only if it would still make the same changes; the list of
imports applied."""
import hashlib

from peewee import JOIN

from models.db import database
from models.roster import applying, reading, roster
from models.roster.tables import ImportRun
from models.school.tables import User


def recent_runs(limit=20):
    """The last imports applied, newest first, with who applied them. One query."""
    return list(ImportRun.select(ImportRun, User).join(User, JOIN.LEFT_OUTER)
                .order_by(ImportRun.at.desc()).limit(limit))


def planned(data, name, school_year):
    """What the roster file would change (raises RosterError for a file it cannot
    read)."""
    fmt, found = reading.read(name, data, school_year)
    return roster.plan(found, fmt)


def digest(plan):
    """What a plan would change, line by line, as a short fingerprint."""
    return hashlib.sha256(repr(plan.lines).encode()).hexdigest()


def apply_unchanged(data, name, school_year, previewed, by=None, ip=""):
    """Plan the file again and apply it, planned and applied on the same data (one
    transaction), only if the plan's digest is still `previewed`: somebody may have
    changed the data since the preview. Returns (plan, whether it was applied)."""
    with database.atomic():
        plan = planned(data, name, school_year)
        if digest(plan) != previewed:
            return plan, False
        applying.apply(plan, by=by, ip=ip)
    return plan, True
