"""One purge: every kind of KINDS in order, for `flask purge` and the worker's daily task
alike. Counts only, never a name: printed, logged, and written to one audit row."""
import logging
from dataclasses import dataclass

from models import audit
from models.db import today
from models.messaging import search_index
from models.retention import common, jobs
from models.retention.kinds import KINDS

log = logging.getLogger("kontaktbok.retention")


@dataclass(frozen=True)
class Outcome:
    kind: str
    count: int  # due (a dry run) or deleted
    held: int  # past the period, waiting for a confirmed archive package


def survey(settings, day=None):
    """What a purge on `day` would delete, per kind; nothing is deleted."""
    day = day or today()
    return [Outcome(kind.name, kind.due(settings, day),
                    kind.held(settings, day) if kind.held else 0) for kind in KINDS]


def purge(settings, day=None):
    """Delete what is due, kind by kind, while no export is being made (raises
    jobs.Busy otherwise, before deleting anything); log the counts and write one audit
    row `purge.run` with them. Call it outside a transaction."""
    day = day or today()
    done = []
    with jobs.purge_running():
        for kind in KINDS:
            held = kind.held(settings, day) if kind.held else 0
            count = kind.purge(settings, day)
            log.info("purge %s: deleted %d, held for archive %d", kind.name, count, held)
            done.append(Outcome(kind.name, count, held))
        search_index.tidy()  # no deleted message's words left in the search index
        # Under "deleted": a kind named "children" must not meet record()'s argument.
        audit.record("purge.run", day=day.isoformat(),
                     deleted={o.kind: o.count for o in done},
                     held={o.kind: o.held for o in done if o.held})
    return done


def daily(app):
    """The worker's daily purge: skipped, and said in the log, while an export runs."""
    try:
        return purge(common.settings_of(app))
    except jobs.Busy:
        log.warning("purge skipped: an export is being made; it runs again tomorrow")
        return None
