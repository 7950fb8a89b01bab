"""Announcements not sent yet (issue 22, safe sending): held for the sender's undo
window, or scheduled for a chosen time. They live here, and nothing of them exists in
Thread or Message until they are sent, so no inbox, count, search or notification can
show one early.

The worker (models/notifications/queue.py) sends the due ones with
models/messaging/outbox_send.py. Sending
claims the row by deleting it, in the same transaction that creates the threads, their
messages, attachments and notifications: a second worker's delete finds nothing (on
PostgreSQL it waits for the first to commit; SQLite's transactions begin IMMEDIATE, one
writer at a time), and a worker that dies before its commit leaves the row waiting for
the next run. Sent exactly once, or still waiting; never both, never neither.

One the worker may not send (its sender may no longer send to one of its targets,
nobody is left to deliver it to) is not deleted: it stays here marked `not_sent`, with
its text and files, for its sender to change and send again or cancel, and the sender
is told (outbox_send.py). It is never sent in part, to what is left of its targets: an
announcement whose audience changed after it was written is its writer's to look at.

A not-sent row is kept NOT_SENT_DAYS after it was due, then the retention purge deletes
it with its files (not_sent_purge): the sender has been told, and an announcement
nobody sent is not kept for ever.
"""
import datetime
import secrets

import peewee

from models import storage
from models.db import BaseModel, database, utcnow
from models.messaging import attachments
from models.messaging.tables import Message
from models.school.tables import Group, Unit, User

# Why the worker did not send an announcement (OutgoingAnnouncement.not_sent).
LOST_TARGET = "target"  # the sender may no longer send to one of its groups or units
NOBODY = "nobody"       # no family to deliver it to
NOT_SENT = (LOST_TARGET, NOBODY)
# How long a not-sent announcement is kept after it was due: as long as a scheduled one
# may wait (views/announce.py, MAX_DAYS_AHEAD), time enough to change and send it again.
NOT_SENT_DAYS = 60


class OutgoingAnnouncement(BaseModel):
    created_by = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    # The chosen targets as the form names them ("group:7 unit:2"): checked again
    # against what the sender may reach when it is sent.
    targets = peewee.TextField()
    subject = peewee.CharField(max_length=200)
    body = peewee.TextField()
    replies_allowed = peewee.BooleanField(default=True)
    per_child = peewee.BooleanField(default=False)
    urgent = peewee.BooleanField(default=False)
    # True: sent at a time the sender chose; False: held for the undo window only.
    scheduled = peewee.BooleanField(default=False)
    due_at = peewee.DateTimeField(index=True)
    created_at = peewee.DateTimeField(default=utcnow)
    # The form's one-time token (a double tap on a slow phone makes one row), or one made
    # for a row held without it (hold): the first message's token when it is sent, so
    # never one an earlier message could have (ids are reused on SQLite).
    client_token = peewee.CharField(max_length=64, null=True, unique=True)
    # Not sent, and why (one of NOT_SENT): kept for its sender, never sent by itself.
    not_sent = peewee.CharField(max_length=20, null=True)

    @property
    def target_keys(self):
        return self.targets.split()


class OutgoingFile(BaseModel):
    """A checked file (models/messaging/attachments.py) of an announcement not sent
    yet, stored under `stored_name` (models/storage.py); it becomes the Attachment when
    the announcement is sent, and is deleted with a cancelled one."""
    announcement = peewee.ForeignKeyField(OutgoingAnnouncement, backref="files",
                                          on_delete="CASCADE")
    filename = peewee.CharField(max_length=200)
    stored_name = peewee.CharField(max_length=64, unique=True)
    mimetype = peewee.CharField(max_length=50)
    size = peewee.IntegerField()
    width = peewee.IntegerField(null=True)
    height = peewee.IntegerField(null=True)


class Duplicate(Exception):
    """The same form was sent twice."""


class Gone(Exception):
    """The announcement was sent (or cancelled) meanwhile."""


def hold(sender, keys, form, due_at, scheduled, token, files, replaces=None):
    """Keep an announcement until `due_at`, with its files (already checked and stored,
    each with `stored_name`). `replaces`: the id of the sender's own waiting
    announcement this one takes the place of (an edit), removed in the same
    transaction; Gone when it was sent meanwhile. Returns the row. Without the form's
    `token`, the row gets a token of its own."""
    if token and Message.select().where(Message.client_token == token).exists():
        raise Duplicate()  # the same form, sent already
    try:
        with database.atomic():
            if replaces is not None:
                old_files = _file_names(replaces)
                if not (OutgoingAnnouncement.delete()
                        .where((OutgoingAnnouncement.id == replaces)
                               & (OutgoingAnnouncement.created_by == sender.id))
                        .execute()):
                    raise Gone()
            row = OutgoingAnnouncement.create(
                created_by=sender.id, targets=" ".join(keys), subject=form["subject"],
                body=form["body"], replies_allowed=form["replies"],
                per_child=form["per_child"], urgent=form["urgent"], scheduled=scheduled,
                due_at=due_at, client_token=token or secrets.token_urlsafe(16))
            for f in files:
                OutgoingFile.create(announcement=row, filename=f.filename,
                                    stored_name=f.stored_name, mimetype=f.mimetype,
                                    size=f.size, width=f.width, height=f.height)
    except peewee.IntegrityError:
        raise Duplicate() from None
    if replaces is not None:
        _remove_files(old_files)
    return row


def waiting(user):
    """The user's announcements not sent yet (waiting, or kept as not sent), soonest
    first, with how many files each has: one query."""
    files = (OutgoingFile.select(peewee.fn.COUNT(OutgoingFile.id))
             .where(OutgoingFile.announcement == OutgoingAnnouncement.id))
    return list(OutgoingAnnouncement.select(OutgoingAnnouncement, files.alias("file_count"))
                .where(OutgoingAnnouncement.created_by == user.id)
                .order_by(OutgoingAnnouncement.due_at, OutgoingAnnouncement.id))


def target_names(rows):
    """{target key: (name, unit id)} of the targets of the rows, whether or not their
    sender may still send to them (a group or unit deleted since has no name): one
    query, whatever the number of rows."""
    keys = {key for row in rows for key in row.target_keys}
    ids = {kind: {int(n) for k, _, n in (key.partition(":") for key in keys)
                  if k == kind and n.isdigit()} for kind in ("unit", "group")}
    if not ids["unit"] and not ids["group"]:
        return {}
    names = {}
    query = (Unit.select(Unit.id, Unit.name, Group.id, Group.name)
             .join(Group, peewee.JOIN.LEFT_OUTER,
                   on=(Group.unit == Unit.id) & Group.id.in_(sorted(ids["group"]) or [0]))
             .where(Unit.id.in_(sorted(ids["unit"]) or [0]) | Group.id.is_null(False))
             .tuples())
    for unit_id, unit_name, group_id, group_name in query:
        if unit_id in ids["unit"]:
            names[f"unit:{unit_id}"] = (unit_name, unit_id)
        if group_id is not None:
            names[f"group:{group_id}"] = (group_name, unit_id)
    return names


def own(user, outgoing_id):
    """The user's own waiting announcement with its files, or None (sent, cancelled,
    or someone else's)."""
    row = OutgoingAnnouncement.get_or_none((OutgoingAnnouncement.id == outgoing_id)
                                           & (OutgoingAnnouncement.created_by == user.id))
    if row is not None:
        row.file_list = list(row.files.order_by(OutgoingFile.id))
    return row


def _file_names(outgoing_id):
    return [name for (name,) in OutgoingFile.select(OutgoingFile.stored_name)
            .where(OutgoingFile.announcement == outgoing_id).tuples()]


def _remove_files(names):
    attachments.remove(storage.current(), names)


def kept_copies(user, row):
    """Copies of a waiting announcement's files kept for its form
    (attachments.keep), so that the form can send them again."""
    files = storage.current()
    kept = []
    for f in row.file_list:
        try:
            data = files.read(f.stored_name)
        except FileNotFoundError:
            continue
        clean = attachments.CleanFile(f.filename, data, f.mimetype, f.width, f.height)
        kept.append(attachments.keep(files, clean, user.id))
    return kept


def take_back(user, outgoing_id, keep=True):
    """Undo or cancel: delete the user's waiting announcement unless it is being or has
    been sent (Gone), and its stored files with it. Returns the row as it was; with
    `keep`, its files kept for the form's next round (`row.kept`) so that nothing typed
    or attached is lost."""
    row = own(user, outgoing_id)
    if row is None:
        raise Gone()
    with database.atomic():
        if not (OutgoingAnnouncement.delete()
                .where((OutgoingAnnouncement.id == row.id)
                       & (OutgoingAnnouncement.created_by == user.id)).execute()):
            raise Gone()
    row.kept = kept_copies(user, row) if keep else []
    _remove_files([f.stored_name for f in row.file_list])
    return row


def _not_sent_expired(now):
    return (OutgoingAnnouncement.not_sent.is_null(False)
            & (OutgoingAnnouncement.due_at
               < now - datetime.timedelta(days=NOT_SENT_DAYS)))


def not_sent_due(now=None):
    """How many not-sent announcements are past NOT_SENT_DAYS (the retention purge)."""
    return OutgoingAnnouncement.select().where(_not_sent_expired(now or utcnow())).count()


def not_sent_purge(storage, now=None):
    """Delete the not-sent announcements past NOT_SENT_DAYS with their stored files.
    Returns how many."""
    expired = _not_sent_expired(now or utcnow())
    with database.atomic():
        names = [name for (name,) in OutgoingFile.select(OutgoingFile.stored_name)
                 .join(OutgoingAnnouncement).where(expired).tuples()]
        ids = [i for (i,) in OutgoingAnnouncement.select(OutgoingAnnouncement.id)
               .where(expired).tuples()]
        if ids:
            OutgoingFile.delete().where(OutgoingFile.announcement.in_(ids)).execute()
            OutgoingAnnouncement.delete().where(OutgoingAnnouncement.id.in_(ids)).execute()
    attachments.remove(storage, names)
    return len(ids)
