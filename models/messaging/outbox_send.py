"""Sending the announcements of the outbox (models/messaging/outbox.py) when they are
due: claimed by deleting the row in the transaction that creates the threads, so each is
sent exactly once or is still waiting (see outbox.py)."""
import logging
import os
import secrets
from pathlib import Path

from models import access, audit
from models.db import database, utcnow
from models.messaging import attachments, inbox
from models.messaging.outbox import OutgoingAnnouncement, OutgoingFile
from models.school.tables import User

log = logging.getLogger(__name__)

BATCH = 50


def _linked(directory, name):
    """A copy of a stored file under a new name (a hard link where the file system
    allows), for the second and later threads of one announcement."""
    new = secrets.token_urlsafe(24)
    folder = Path(directory)
    try:
        os.link(folder / name, folder / new)
    except OSError:
        (folder / new).write_bytes((folder / name).read_bytes())
    return new


class _File:
    """An OutgoingFile as inbox.announce attaches it, under `stored_name`."""

    def __init__(self, row, stored_name):
        self.filename, self.mimetype, self.size = row.filename, row.mimetype, row.size
        self.width, self.height, self.stored_name = row.width, row.height, stored_name


def targets_of(sender, keys):
    """The (unit, group or None) pairs of the keys the sender may still announce to."""
    allowed = {key: (unit, group) for key, unit, group in access.announcement_targets(sender)}
    return [allowed[key] for key in keys if key in allowed]


def send(outgoing_id, directory, now=None):
    """Send one due announcement: claim it, create its threads (the recipients decided
    now, by rule 3 today), attach its files and notify, in one transaction. Returns the
    threads, or None when another run sent it, it was taken back, or it is not due."""
    now = now or utcnow()
    row = OutgoingAnnouncement.get_or_none(OutgoingAnnouncement.id == outgoing_id)
    if row is None or row.due_at > now:
        return None
    files = list(row.files.order_by(OutgoingFile.id))
    sender = User.get_by_id(row.created_by_id)
    targets = targets_of(sender, row.target_keys)
    first = [_File(f, f.stored_name) for f in files]
    copies = []

    def copy(_):
        """The files again under new names, for another thread of the announcement."""
        made = [_File(f, _linked(directory, f.stored_name)) for f in files]
        copies.extend(m.stored_name for m in made)
        return made

    token = row.client_token or f"outbox-{row.id}"
    try:
        with database.atomic():
            if not (OutgoingAnnouncement.delete()
                    .where((OutgoingAnnouncement.id == row.id)
                           & (OutgoingAnnouncement.due_at <= now)).execute()):
                return None
            threads = []
            for n, (unit, group) in enumerate(targets):
                sent = inbox.announce(sender, unit, group, row.subject, row.body,
                                      token if n == 0 else f"{token}/{n}",
                                      row.replies_allowed, row.per_child, urgent=row.urgent,
                                      files=first if not threads else copy(None), copy=copy)
                threads += sent
                audit.record("announcement.sent", actor=sender, threads=len(sent),
                             unit=unit.id, group=group.id if group else None,
                             urgent=row.urgent, scheduled=row.scheduled)
    except inbox.Duplicate:
        # Its first message exists: it was sent (the same form twice). Only the row goes.
        attachments.remove(directory, copies)
        OutgoingAnnouncement.delete().where(OutgoingAnnouncement.id == row.id).execute()
        attachments.remove(directory, [f.stored_name for f in files])
        return None
    except BaseException:
        attachments.remove(directory, copies)
        raise
    if not threads:  # nobody left to send to: its files go with it
        attachments.remove(directory, [f.stored_name for f in files])
    return threads


def due(now=None, limit=BATCH):
    now = now or utcnow()
    return [i for (i,) in OutgoingAnnouncement.select(OutgoingAnnouncement.id)
            .where(OutgoingAnnouncement.due_at <= now)
            .order_by(OutgoingAnnouncement.due_at, OutgoingAnnouncement.id)
            .limit(limit).tuples()]


def send_due(directory, now=None):
    """Send every due announcement; returns how many were sent by this run."""
    sent = 0
    while True:
        ids = due(now)
        done = 0
        for outgoing_id in ids:
            try:
                if send(outgoing_id, directory, now) is not None:
                    done += 1
            except Exception:  # noqa: BLE001 - one broken row must not hold back the rest
                # It stays waiting (its transaction rolled back) and is tried again
                # next minute; the error goes to the log for the operator.
                log.exception("announcement %s could not be sent", outgoing_id)
        sent += done
        if len(ids) < BATCH or not done:
            return sent
