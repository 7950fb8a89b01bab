"""Messages between guardians and staff: threads, their participants, their messages.

A thread belongs to one unit (the school, the SFO or the kindergarten whose staff take
part) and is about one child — or, for an announcement, to one group. Who may read a
thread is decided in models/access/ (rule 3 of DESIGN.md), never here.
"""
import peewee
from flask import has_request_context
from flask_babel import get_locale

from models.db import BaseModel, utcnow
from models.school.tables import Child, Group, Unit, User

CONVERSATION = "conversation"
ANNOUNCEMENT = "announcement"
THREAD_KINDS = (CONVERSATION, ANNOUNCEMENT)
GUARDIAN = "guardian"
STAFF = "staff"


def writer_language():
    """The language a text is written in, as far as known: the writer's interface
    language in a request; None outside one (the server detects it when translating)."""
    if not has_request_context():
        return None
    locale = get_locale()
    return str(locale) if locale is not None else None


class Thread(BaseModel):
    kind = peewee.CharField(max_length=20, choices=[(k, k) for k in THREAD_KINDS],
                            default=CONVERSATION)
    unit = peewee.ForeignKeyField(Unit, backref="threads", on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, null=True, backref="threads", on_delete="CASCADE")
    group = peewee.ForeignKeyField(Group, null=True, backref="threads", on_delete="CASCADE")
    subject = peewee.CharField(max_length=200)
    created_by = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    created_at = peewee.DateTimeField(default=utcnow)
    replies_allowed = peewee.BooleanField(default=True)
    # Marked so by a unit leader: notifications skip the digest and quiet hours.
    urgent = peewee.BooleanField(default=False)
    # Kept with every new message, for the inbox order and for "needs an answer".
    last_message_at = peewee.DateTimeField(default=utcnow, index=True)
    last_from_guardian = peewee.BooleanField(default=False)
    # A sensitive thread (issue 22): readable only by its participants and the unit's
    # leader, after a fresh strong login; its content in no notification, preview,
    # search snippet or anyone else's export. Set by a participant, never unset.
    sensitive = peewee.BooleanField(default=False)
    # Done, for the staff who read it (issue 22, models/messaging/folders.py): undone
    # when a guardian writes again; guardians never see it.
    done_at = peewee.DateTimeField(null=True)
    done_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("unit", "last_message_at"), False), (("child", "unit"), False))


class ThreadParticipant(BaseModel):
    """Someone taking part in a thread, with what they have read and whether they have
    put it away (archiving is per participant; nobody else's view changes)."""
    thread = peewee.ForeignKeyField(Thread, backref="participants", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, backref="thread_participations", on_delete="CASCADE")
    role = peewee.CharField(max_length=10, choices=[(GUARDIAN, GUARDIAN), (STAFF, STAFF)])
    last_read_at = peewee.DateTimeField(null=True)
    archived_at = peewee.DateTimeField(null=True)
    # A guardian the writer copied (the other home, models/messaging/copies.py).
    copied_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("thread", "user"), True), (("user", "archived_at"), False))


class ThreadFollowUp(BaseModel):
    """A member of staff's own reminder to follow a thread up, by a day or not: seen by
    nobody else, gone with the thread (models/messaging/folders.py)."""
    thread = peewee.ForeignKeyField(Thread, backref="+", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE", index=False)
    due = peewee.DateField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "thread"), True),)


class Message(BaseModel):
    thread = peewee.ForeignKeyField(Thread, backref="messages", on_delete="CASCADE")
    sender = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    body = peewee.TextField()
    created_at = peewee.DateTimeField(default=utcnow)
    withdrawn_at = peewee.DateTimeField(null=True)
    # The one-time token of the form that sent it: a second send of the same form
    # (a double tap on a slow phone) is refused by the database.
    client_token = peewee.CharField(max_length=64, null=True, unique=True)
    # The writer's interface language (models/translation/): None for messages written
    # before it was kept, or outside a request.
    language = peewee.CharField(max_length=5, null=True, default=writer_language)

    class Meta:
        indexes = ((("thread", "created_at"), False),)


class Attachment(BaseModel):
    """A file sent with a message: checked by its content, photos re-encoded without
    their metadata, kept outside static/ under a random name (models/messaging/attachments.py)."""
    message = peewee.ForeignKeyField(Message, backref="attachments", on_delete="CASCADE")
    filename = peewee.CharField(max_length=200)
    stored_name = peewee.CharField(max_length=64, unique=True)
    mimetype = peewee.CharField(max_length=50)
    size = peewee.IntegerField()
    width = peewee.IntegerField(null=True)
    height = peewee.IntegerField(null=True)
