"""What the retention purge may delete of an archivable kind: only what a package taken
by the municipality's archive covers (DESIGN.md rule 9), unless the municipality file
says archiving is done elsewhere ([archive] done_elsewhere = true)."""
import datetime

from flask import current_app, has_app_context

from models.archive import records
from models.archive.tables import ArchiveExport

# Records that may belong in the public archive (arkivlova, arkivlagen): the messages
# between home and school, what the school published, decisions on leave, reported
# absence and the attendance registers. Check-in times and notifications are not
# records of the case handling and are not held back.
ARCHIVABLE = {"messages", "posts", "leave", "absence", "attendance"}


def done_elsewhere():
    return bool(has_app_context()
                and getattr(current_app.config.get("MUNICIPALITY"), "archive_done_elsewhere",
                            False))


def covered_until(kind, unit_id, since):
    """The last day of the unbroken run of confirmed packages of the unit holding the
    kind that starts on or before `since`; the day before `since` when none does."""
    until = since - datetime.timedelta(days=1)
    rows = (ArchiveExport.select(ArchiveExport.period_start, ArchiveExport.period_end,
                                 ArchiveExport.kinds)
            .where((ArchiveExport.unit == unit_id) & ArchiveExport.confirmed_at.is_null(False))
            .order_by(ArchiveExport.period_start).tuples())
    for start, end, kinds in rows:
        if kind not in kinds.split(","):
            continue
        if start > until + datetime.timedelta(days=1):
            break
        until = max(until, end)
    return until


def deletable_before(kind: str, unit_id: int, cutoff: datetime.date) -> datetime.date:
    """The first day whose records of `kind` at the unit the purge must keep: records
    falling before it may go. `cutoff` when the kind is not archivable or archiving is
    done elsewhere; otherwise no later than the end of the confirmed packages that cover
    the unit's records without a gap from its first one (nothing, without any)."""
    if kind not in ARCHIVABLE or done_elsewhere():
        return cutoff
    first = records.earliest(kind, unit_id)
    if first is None or first >= cutoff:
        return cutoff
    return min(cutoff, covered_until(kind, unit_id, first) + datetime.timedelta(days=1))
