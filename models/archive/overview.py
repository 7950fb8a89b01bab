"""What the administrator sees of archiving: the packages made, and per unit what is
due — records of a school year that has ended that no confirmed package covers yet.
A constant number of queries, whatever the number of units and records."""
import datetime
import json
from collections import namedtuple

from peewee import JOIN

from models import audit, storage
from models.archive import gate, records
from models.archive.package import name_of
from models.archive.tables import ArchiveExport
from models.db import database, today, utcnow
from models.school.tables import Unit, User, school_year_of

Due = namedtuple("Due", "unit_id unit_name start end kinds")
ExportLine = namedtuple("ExportLine", "id unit_id unit_name start end kinds created_at "
                                      "created_by size sha256 counts confirmed_at confirmed_by "
                                      "stored")
# A package the archive has not confirmed is deleted after this many days: it holds
# records the purge may already have deleted from the app.
UNCONFIRMED_DAYS = 30


def last_complete_day(day=None):
    """The last day of the last school year that has ended (31 July)."""
    return datetime.date(school_year_of(day or today()), 7, 31)


def _covered(confirmed, kind, unit_id, first):
    """Like gate.covered_until, over packages already read."""
    until = first - datetime.timedelta(days=1)
    for start, end, kinds in confirmed.get(unit_id, ()):
        if kind not in kinds:
            continue
        if start > until + datetime.timedelta(days=1):
            break
        until = max(until, end)
    return until


def due(day=None, cutoffs=None, unit_names=None):
    """[Due] per unit with archivable records not covered by a confirmed package, up to
    the end of the last complete school year (or, per kind, up to the day before
    `cutoffs[kind]`, the retention purge's cutoff, when that is later). `unit_names`
    ({id: name}, from units()) saves a query where the caller has them already."""
    end_default = last_complete_day(day)
    confirmed = {}
    for unit_id, start, end, kinds in (
            ArchiveExport.select(ArchiveExport.unit, ArchiveExport.period_start,
                                 ArchiveExport.period_end, ArchiveExport.kinds)
            .where(ArchiveExport.confirmed_at.is_null(False))
            .order_by(ArchiveExport.period_start).tuples()):
        confirmed.setdefault(unit_id, []).append((start, end, kinds.split(",")))
    units = unit_names if unit_names is not None else dict(units_named())
    found = {}
    for (kind, unit_id), (first, last) in records.spans(sorted(gate.ARCHIVABLE)).items():
        if unit_id not in units:
            continue
        limit = end_default
        if cutoffs and kind in cutoffs:
            limit = max(limit, cutoffs[kind] - datetime.timedelta(days=1))
        covered = _covered(confirmed, kind, unit_id, first)
        start = max(first, covered + datetime.timedelta(days=1))
        if last <= covered or start > limit:
            continue
        entry = found.setdefault(unit_id, [start, limit, set()])
        entry[0] = min(entry[0], start)
        entry[1] = max(entry[1], limit)
        entry[2].add(kind)
    return [Due(unit_id, units[unit_id], start, end,
                [k for k in records.KINDS if k in kinds])
            for unit_id, (start, end, kinds) in sorted(found.items(),
                                                       key=lambda i: units[i[0]])]


def exports(limit=100):
    """The newest packages first, with their unit's and people's names."""
    made_by = User.alias()
    confirmer = User.alias()
    rows = (ArchiveExport.select(ArchiveExport, Unit.name.alias("unit_name"),
                                 made_by.first_name.alias("made_first"),
                                 made_by.last_name.alias("made_last"),
                                 confirmer.first_name.alias("conf_first"),
                                 confirmer.last_name.alias("conf_last"))
            .join(Unit, on=(ArchiveExport.unit == Unit.id))
            .switch(ArchiveExport)
            .join(made_by, JOIN.LEFT_OUTER, on=(ArchiveExport.created_by == made_by.id))
            .switch(ArchiveExport)
            .join(confirmer, JOIN.LEFT_OUTER, on=(ArchiveExport.confirmed_by == confirmer.id))
            .order_by(ArchiveExport.created_at.desc(), ArchiveExport.id.desc())
            .limit(limit).objects())
    return [ExportLine(r.id, r.unit_id, r.unit_name, r.period_start, r.period_end,
                       r.kind_list, r.created_at, _name(r.made_first, r.made_last), r.size,
                       r.sha256, json.loads(r.counts or "{}"), r.confirmed_at,
                       _name(r.conf_first, r.conf_last), bool(r.stored_name)) for r in rows]


def _name(first, last):
    return f"{first} {last}" if first else ""


def get(export_id):
    return ArchiveExport.get_or_none(ArchiveExport.id == export_id)


def confirm(export_id, by=None, ip=""):
    """The archive took the package: the purge may now delete what it covers. Returns
    the package, or None when there is no such package; confirming twice keeps the
    first confirmation."""
    with database.atomic():
        export = get(export_id)
        if export is None:
            return None
        stored = export.stored_name
        if export.confirmed_at is None:
            ArchiveExport.update(confirmed_by=by.id if by is not None else None,
                                 confirmed_at=utcnow(), stored_name="").where(
                (ArchiveExport.id == export.id)
                & ArchiveExport.confirmed_at.is_null()).execute()
            audit.record("archive.confirmed", actor=by, obj=export, ip=ip,
                         unit=export.unit_id, period_from=export.period_start.isoformat(),
                         period_to=export.period_end.isoformat())
            export = get(export_id)
    # The archive has its copy: ours goes (its checksum, size and counts stay), so that
    # what the purge deletes does not live on in a zip file.
    if stored and not export.stored_name:
        storage.current().delete(name_of(stored))
    return export


def _unconfirmed_old():
    return ((ArchiveExport.confirmed_at.is_null()) & (ArchiveExport.stored_name != "")
            & (ArchiveExport.created_at
               < utcnow() - datetime.timedelta(days=UNCONFIRMED_DAYS)))


def unconfirmed_due():
    """How many packages nobody confirmed within UNCONFIRMED_DAYS still have a file."""
    return ArchiveExport.select().where(_unconfirmed_old()).count()


def purge_unconfirmed():
    """Delete the files of packages nobody confirmed within UNCONFIRMED_DAYS (the row,
    with checksum and counts, stays: make a new package if the archive still wants
    one). Returns how many."""
    rows = list(ArchiveExport.select(ArchiveExport.id, ArchiveExport.stored_name)
                .where(_unconfirmed_old()))
    if rows:
        ArchiveExport.update(stored_name="").where(
            ArchiveExport.id.in_([r.id for r in rows])).execute()
    for row in rows:
        storage.current().delete(name_of(row.stored_name))
    return len(rows)


def downloaded(export, by, ip=""):
    audit.record("archive.downloaded", actor=by, obj=export, ip=ip, unit=export.unit_id)


def unit_or_none(unit_id):
    return Unit.get_or_none(Unit.id == unit_id)


def units_named():
    """[(id, name)] of every unit, by name."""
    return list(Unit.select(Unit.id, Unit.name).order_by(Unit.name).tuples())
