"""Kinds that belong to a child rather than a unit: absence reports and leave
applications, kept retention.absence_school_years school years by their last day.

For the archive they fall to every unit with a group the child was enrolled in on
their first day (models/archive/records.py): each of those units' packages must cover
them before they go. An approved leave's days of absence belong to the leave and go
with it (the absence kind leaves them alone)."""
from collections import defaultdict

from models.absence.tables import Absence, LeaveApplication
from models.db import database
from models.retention import common
from models.school.tables import Enrolment, Group


def _units_on(rows):
    """{row id: units the child was enrolled in on the row's first day} for rows
    (id, child id, first day, last day)."""
    children = {child for _, child, _, _ in rows}
    spans = defaultdict(list)
    for some in common.chunks(children):
        for child, unit, start, end in (Enrolment.select(
                Enrolment.child, Group.unit, Enrolment.start_date, Enrolment.end_date)
                .join(Group, on=(Enrolment.group == Group.id))
                .where(Enrolment.child.in_(some)).tuples()):
            spans[child].append((unit, start, end))
    return {row_id: tuple(sorted({unit for unit, start, end in spans[child]
                                  if start <= first and (end is None or end >= first)}))
            for row_id, child, first, _ in rows}


def _split(kind, model, extra, settings, day):
    cutoff = common.school_year_cutoff(day, settings["absence_school_years"])
    query = model.select(model.id, model.child, model.start_date, model.end_date).where(
        model.end_date < cutoff)
    rows = list((query.where(extra) if extra is not None else query).tuples())
    units = _units_on(rows)
    return common.split_by_archive(
        kind, [(row_id, units[row_id], last) for row_id, _, _, last in rows], cutoff)


def _absence(settings, day):
    return _split("absence", Absence, Absence.leave.is_null(), settings, day)


def _leave(settings, day):
    return _split("leave", LeaveApplication, None, settings, day)


def absence_due(settings, day):
    return len(_absence(settings, day)[0])


def absence_held(settings, day):
    return _absence(settings, day)[1]


def absence_purge(settings, day):
    ids, _ = _absence(settings, day)
    gone = 0
    for some in common.chunks(ids):
        gone += Absence.delete().where(Absence.id.in_(some)).execute()
    return gone


def leave_due(settings, day):
    return len(_leave(settings, day)[0])


def leave_held(settings, day):
    return _leave(settings, day)[1]


def leave_purge(settings, day):
    ids, _ = _leave(settings, day)
    gone = 0
    for some in common.chunks(ids):
        with database.atomic():
            Absence.delete().where(Absence.leave.in_(some)).execute()
            gone += LeaveApplication.delete().where(LeaveApplication.id.in_(some)).execute()
    return gone
