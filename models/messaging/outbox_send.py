"""Sending the announcements of the outbox (models/messaging/outbox.py) when they are
due: claimed by deleting the row in the transaction that creates the threads, so each is
sent exactly once or is still waiting (see outbox.py). One it may not send is kept in the
outbox as not sent, in a transaction with its audit row and its sender's notification."""
import logging
import secrets

from models import access, audit
from models.db import database, utcnow
from models.messaging import attachments, inbox, outbox
from models.messaging.outbox import OutgoingAnnouncement, OutgoingFile
from models.notifications import notify
from models.notifications.tables import ANNOUNCEMENT_NOT_SENT
from models.school.tables import User

log = logging.getLogger(__name__)

BATCH = 50
OUTBOX_PATH = "/messages/outbox"  # views/announce.py, outbox.index


def _linked(storage, name):
    """A copy of a stored file under a new name (a hard link where the file system
    allows, a copy within an object store), for the second and later threads of one
    announcement."""
    new = secrets.token_urlsafe(24)
    storage.copy(name, new)
    return new


class _File:
    """An OutgoingFile as inbox.announce attaches it, under `stored_name`."""

    def __init__(self, row, stored_name):
        self.filename, self.mimetype, self.size = row.filename, row.mimetype, row.size
        self.width, self.height, self.stored_name = row.width, row.height, stored_name


def targets_of(allowed, keys):
    """The (unit, group or None) pairs of the keys, of the sender's `allowed`
    (access.announcement_targets), groups before the whole units: a family reached by
    a unit and one of its groups gets it in the group's thread, which the group's
    contact teacher reads (rule 3), and the unit's thread has the rest
    (reach.once_each). Keys no longer allowed are left out."""
    chosen = set(keys)
    return sorted(((unit, group) for key, unit, group in allowed if key in chosen),
                  key=lambda target: target[1] is None)  # stable: the form's order


class _NobodyLeft(Exception):
    """Every target is there, but reaches no family: roll the claim back."""


def not_sent(row, sender, reason, now):
    """Keep a due announcement the worker may not send in its sender's outbox, marked
    with why (outbox.NOT_SENT), write it to the audit log and tell the sender, in one
    transaction. Returns [] (nothing delivered), or None when another run dealt with
    it meanwhile."""
    names = outbox.target_names([row])
    units = [names[key][1] for key in row.target_keys if key in names]
    with database.atomic():
        if not (OutgoingAnnouncement.update(not_sent=reason)
                .where((OutgoingAnnouncement.id == row.id)
                       & (OutgoingAnnouncement.due_at <= now)
                       & OutgoingAnnouncement.not_sent.is_null()).execute()):
            return None
        audit.record("announcement.not_sent", actor=sender, obj=row, reason=reason,
                     targets=row.targets, urgent=row.urgent, scheduled=row.scheduled)
        # Like every notification, it says what happened, never the announcement's text.
        # Its own source: notification keys are unique (a second publish is ignored),
        # and row ids come back on SQLite, so "outbox<id>" would drop a later failure's.
        # Once per row: the update above lets one run only.
        notify.publish(notify.Event(
            kind=ANNOUNCEMENT_NOT_SENT, source=f"outbox:{secrets.token_urlsafe(12)}",
            path=OUTBOX_PATH,
            unit_id=units[0] if units else None, recipients={sender.id: None}), now=now)
    return []


def send(outgoing_id, storage, now=None):
    """Send one due announcement: claim it, create its threads (the recipients decided
    now, by rule 3 today), attach its files and notify, in one transaction. Returns the
    threads; [] when it was kept as not sent (not_sent: a target the sender may no
    longer send to, nobody to send it to); None when another run sent it, it was taken
    back, or it is not due."""
    now = now or utcnow()
    row = OutgoingAnnouncement.get_or_none((OutgoingAnnouncement.id == outgoing_id)
                                           & OutgoingAnnouncement.not_sent.is_null())
    if row is None or row.due_at > now:
        return None
    sender = User.get_by_id(row.created_by_id)
    allowed = access.announcement_targets(sender)
    targets = targets_of(allowed, row.target_keys)
    if not targets or len(targets) != len(set(row.target_keys)):
        return not_sent(row, sender, outbox.LOST_TARGET, now)
    # Urgent is the sender's right today, as the form decides it (a unit leader, for
    # each target's unit). Lost since: it is still sent, as an ordinary announcement —
    # its families should still hear what its sender may still tell them; only the
    # notification waits for quiet hours and digests like any other. The audit row says so.
    urgent_units = access.urgent_units(allowed)
    urgent = row.urgent and all(unit.id in urgent_units for unit, _ in targets)
    files = list(row.files.order_by(OutgoingFile.id))
    first = [_File(f, f.stored_name) for f in files]
    copies = []

    def copy(_):
        """The files again under new names, for another thread of the announcement."""
        made = [_File(f, _linked(storage, f.stored_name)) for f in files]
        copies.extend(m.stored_name for m in made)
        return made

    # outbox.hold gives every row a token. Never one made of the id: SQLite reuses ids,
    # and an earlier message's token would make this one a Duplicate, deleted unsent.
    token = row.client_token or secrets.token_urlsafe(16)  # a row held before it did
    # One announcement per family in each unit however many of the targets there reach
    # its child: each target's thread has those no earlier target of the same unit
    # reached (reach.once_each), so a whole unit and one of its groups, or two groups
    # sharing a child, deliver what the reach shown before sending counted. Not across
    # units: a guardian reads a unit's thread only while a child of theirs is there,
    # so a family with children at the school and the SFO gets one thread in each, and
    # keeps the SFO's when the child leaves the school. Not one thread for all: a thread
    # belongs to one unit and one group (or the whole unit), which rule 3 and the read
    # status read.
    reached = {}  # unit id: its reached set
    try:
        with database.atomic():
            if not (OutgoingAnnouncement.delete()
                    .where((OutgoingAnnouncement.id == row.id)
                           & (OutgoingAnnouncement.due_at <= now)
                           & OutgoingAnnouncement.not_sent.is_null()).execute()):
                return None
            threads = []
            for n, (unit, group) in enumerate(targets):
                sent = inbox.announce(sender, unit, group, row.subject, row.body,
                                      token if not threads else f"{token}/{n}",
                                      row.replies_allowed, row.per_child, urgent=urgent,
                                      files=first if not threads else copy(None), copy=copy,
                                      reached=reached.setdefault(unit.id, set()))
                threads += sent
                audit.record("announcement.sent", actor=sender, threads=len(sent),
                             unit=unit.id, group=group.id if group else None,
                             urgent=urgent, scheduled=row.scheduled,
                             **({"urgent_refused": True} if urgent != row.urgent else {}))
            if not threads:
                raise _NobodyLeft()
    except _NobodyLeft:
        attachments.remove(storage, copies)
        return not_sent(row, sender, outbox.NOBODY, now)
    except inbox.Duplicate:
        # Its first message exists: it was sent (the same form twice). Only the row goes.
        attachments.remove(storage, copies)
        OutgoingAnnouncement.delete().where(OutgoingAnnouncement.id == row.id).execute()
        attachments.remove(storage, [f.stored_name for f in files])
        return None
    except BaseException:
        attachments.remove(storage, copies)
        raise
    return threads


def due(now=None, limit=BATCH):
    now = now or utcnow()
    return [i for (i,) in OutgoingAnnouncement.select(OutgoingAnnouncement.id)
            .where((OutgoingAnnouncement.due_at <= now)
                   & OutgoingAnnouncement.not_sent.is_null())
            .order_by(OutgoingAnnouncement.due_at, OutgoingAnnouncement.id)
            .limit(limit).tuples()]


def send_due(storage, now=None):
    """Send every due announcement; returns how many were sent by this run (those kept
    as not sent are dealt with, not counted)."""
    sent = 0
    while True:
        ids = due(now)
        done = 0
        for outgoing_id in ids:
            try:
                threads = send(outgoing_id, storage, now)
                if threads is not None:
                    done += 1
                    sent += bool(threads)
            except Exception:  # noqa: BLE001 - one broken row must not hold back the rest
                # It stays waiting (its transaction rolled back) and is tried again
                # next minute; the error goes to the log for the operator.
                log.exception("announcement %s could not be sent", outgoing_id)
        if len(ids) < BATCH or not done:
            return sent
