"""The purge and the exports never run over the same data at once.

An export (a family's copy of their data, an archive package) reads what the purge would
delete: a purge in the middle of it would make a package that lies about what was kept,
and an export started in the middle of a purge would copy half-deleted records. Each job
announces itself with a row in `JobLock` (committed at once, so the other processes and
hosts see it), then looks for the other kind; whoever finds the other backs off with
`Busy` and is tried again later (the periodic purge tomorrow, the export task in a few
minutes). When both announce at the same instant both back off, never both run.

A job that died without removing its row stops counting after STALE.

Call these outside any transaction: the announcement must be visible to the others.
"""
import contextlib
import datetime

import peewee

from models.db import BaseModel, database, utcnow

PURGE, EXPORT = "purge", "export"
STALE = {PURGE: datetime.timedelta(hours=3), EXPORT: datetime.timedelta(hours=1)}


class Busy(Exception):
    """The other kind of job is running; try again later."""


class JobLock(BaseModel):
    """A job that is running now: the purge, or one export (its key names it)."""
    kind = peewee.CharField(max_length=10, index=True)
    key = peewee.CharField(max_length=100, unique=True)
    started_at = peewee.DateTimeField(default=utcnow)


def _fresh(kind):
    return (JobLock.kind == kind) & (JobLock.started_at > utcnow() - STALE[kind])


@contextlib.contextmanager
def _running(kind, key, other):
    with database.atomic():
        JobLock.delete().where((JobLock.key == key)
                               & (JobLock.started_at <= utcnow() - STALE[kind])).execute()
        try:
            lock = JobLock.create(kind=kind, key=key)
        except peewee.IntegrityError:
            raise Busy(key) from None
    try:
        if JobLock.select().where(_fresh(other)).exists():
            raise Busy(other)
        yield
    finally:
        JobLock.delete().where(JobLock.id == lock.id).execute()


def purge_running():
    """Around the purge: raises Busy while an export is being made (or another purge)."""
    return _running(PURGE, PURGE, EXPORT)


def export_running(key):
    """Around making one export (`key` names it, e.g. "export:12" or "archive:3"):
    raises Busy while the purge runs, or while the same export is being made."""
    return _running(EXPORT, key, PURGE)


def holders():
    """The jobs running now, [(kind, key, started_at)], for the operator."""
    return [(row.kind, row.key, row.started_at) for row in JobLock.select().where(
        _fresh(PURGE) | _fresh(EXPORT)).order_by(JobLock.started_at)]
