"""Asking for a copy of one's data, its state, and its one download (GDPR art. 15 and
20). The archive itself is made by the task queue (models/data_export/tasks.py).

The download link holds a token that is never stored: it is an HMAC of the export's id
and request time under the app's secret key, and the table keeps only its SHA-256 (as
e-mail changes and login codes do), so a copy of the database holds no live link, while
the person's own "Your data" page can still show it again until it is used or expires.
"""
import datetime
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app

from models import audit
from models.data_export.tables import (DOWNLOADED, EXPIRED, FAILED, IN_PROGRESS, MAKING, READY,
                                       WAITING, DataExport)
from models.db import Prepared, database, utcnow
from models.school.tables import User
from models.storage import current as current_storage

LINK_HOURS = 24
# A request the worker never finished (it died, the file system filled) stops blocking
# a new one after this long.
STUCK = datetime.timedelta(hours=2)
EXPORT_DIR = "exports"


def name_of(key):
    """An export file's name in the storage posts and attachments use
    (models/storage.py): in its folder of its own."""
    return f"{EXPORT_DIR}/{key}"


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(export):
    """The link's token, made again from the secret key (never read from the table)."""
    key = current_app.config["SECRET_KEY"].encode()
    text = f"data-export:{export.id}:{export.user_id}:{export.requested_at:%Y%m%d%H%M%S}"
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Status:
    """What the person's page shows of their latest request."""
    id: int
    state: str  # waiting, making, ready, downloaded, expired, failed
    requested_at: datetime.datetime
    ready_at: datetime.datetime | None
    expires_at: datetime.datetime | None
    downloaded_at: datetime.datetime | None
    size: int | None
    token: str | None  # only while it can be downloaded

    @property
    def in_progress(self):
        return self.state in IN_PROGRESS


def _state(row, now):
    if row.state in IN_PROGRESS and row.requested_at < now - STUCK:
        return FAILED
    if row.state == READY and (row.expires_at is None or row.expires_at <= now):
        return EXPIRED
    return row.state


_latest = Prepared(lambda user: DataExport.select().where(DataExport.user == user)
                   .order_by(DataExport.requested_at.desc(), DataExport.id.desc()).limit(1),
                   user=int)


def latest(user, now=None):
    """The state of the person's newest request, or None (one query)."""
    now = now or utcnow()
    rows = _latest(user=user.id)
    if not rows:
        return None
    row = rows[0]
    state = _state(row, now)
    return Status(row.id, state, row.requested_at, row.ready_at, row.expires_at,
                  row.downloaded_at, row.size, token_of(row) if state == READY else None)


class InProgress(Exception):
    """A copy is already being made for this person."""


def ask(user, ip="", now=None):
    """A new request; raises InProgress while one is waiting or being made. An earlier
    copy not yet downloaded is replaced: its file is deleted. Returns the new row (the
    caller queues it once the transaction is committed)."""
    now = now or utcnow()
    with database.atomic():
        # Two requests at the same moment: the second waits for the first's lock
        # (SQLite's immediate transactions; the user row's lock on PostgreSQL).
        if database.for_update:
            User.select(User.id).where(User.id == user.id).for_update().execute()
        earlier = list(DataExport.select().where(DataExport.user == user.id))
        if any(_state(row, now) in IN_PROGRESS for row in earlier):
            raise InProgress()
        old_files = [row.storage_key for row in earlier if row.storage_key]
        (DataExport.update(state=EXPIRED)
         .where((DataExport.user == user.id) & (DataExport.state == READY)).execute())
        (DataExport.update(storage_key=None)
         .where((DataExport.user == user.id) & DataExport.storage_key.is_null(False))
         .execute())
        (DataExport.update(state=FAILED)
         .where((DataExport.user == user.id) & DataExport.state.in_(IN_PROGRESS)).execute())
        export = DataExport.create(user=user.id, requested_at=now, state=WAITING)
        audit.record("export.requested", actor=user, obj=user, ip=ip, replaced=len(old_files))
    remove_files(old_files)
    return export


def remove_files(keys, storage=None):
    """Delete export files; in the app's context, or given the storage (the worker)."""
    storage = storage or current_storage()
    for key in keys:
        storage.delete(name_of(key))


class Gone(Exception):
    """The link was the person's but can no longer be used: `reason` is
    "downloaded" or "expired"."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def download(user, token, ip="", now=None):
    """The file to send for the person's link: (its name in the storage, size). None when the link is not
    theirs or unknown (the page answers 404); raises Gone when it was downloaded once
    already or its day is over. The download is counted (and audited) before sending,
    so a second try finds it used."""
    now = now or utcnow()
    if not token or len(token) > 200:
        return None
    row = DataExport.get_or_none((DataExport.token_hash == digest(token))
                                 & (DataExport.user == user.id))
    if row is None:
        return None
    if row.downloaded_at is not None or row.state == DOWNLOADED:
        raise Gone(DOWNLOADED)
    if _state(row, now) != READY or row.storage_key is None:
        raise Gone(EXPIRED)
    name = name_of(row.storage_key)
    if not current_storage().exists(name):
        raise Gone(EXPIRED)
    with database.atomic():
        # Of two downloads at the same moment only one marks the row.
        taken = (DataExport.update(state=DOWNLOADED, downloaded_at=now)
                 .where((DataExport.id == row.id) & DataExport.downloaded_at.is_null())
                 .execute())
        if taken != 1:
            raise Gone(DOWNLOADED)
        audit.record("export.downloaded", actor=user, obj=user, ip=ip, bytes=row.size or 0)
    return name, row.size


def start(export_id, now=None):
    """The worker takes a waiting request: the row, or None when it is not waiting
    (replaced, or taken by another worker)."""
    now = now or utcnow()
    taken = (DataExport.update(state=MAKING, started_at=now)
             .where((DataExport.id == export_id) & (DataExport.state == WAITING)
                    & (DataExport.requested_at > now - STUCK)).execute())
    return DataExport.get_or_none(DataExport.id == export_id) if taken == 1 else None


def back_to_waiting(export_id):
    """The purge runs: the worker tries again later."""
    (DataExport.update(state=WAITING, started_at=None)
     .where((DataExport.id == export_id) & (DataExport.state == MAKING)).execute())


def finish(export, key, size, sha256, now=None):
    """The file is in storage: the link works for LINK_HOURS. False when the request
    was replaced meanwhile (the caller deletes the file)."""
    now = now or utcnow()
    token_hash = digest(token_of(export))
    done = (DataExport.update(state=READY, ready_at=now, storage_key=key, size=size,
                              sha256=sha256, token_hash=token_hash,
                              expires_at=now + datetime.timedelta(hours=LINK_HOURS))
            .where((DataExport.id == export.id) & (DataExport.state == MAKING)).execute())
    return done == 1


def fail(export_id):
    (DataExport.update(state=FAILED)
     .where((DataExport.id == export_id) & DataExport.state.in_(IN_PROGRESS)).execute())
