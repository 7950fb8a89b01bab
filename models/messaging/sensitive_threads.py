"""Sensitive threads (issue 22): a conversation a participant marked as holding a
health matter or a child-protection concern. From then on (never undone):

- only its participants and the leader of its unit read it (models/access/threads.py
  `_sensitive_reader`, part of the one rule 3 condition every list, count, page,
  file, translation, notification and export goes through);
- opening it needs a fresh strong login (models/login/step_up.py);
- its subject and text are in no notification (models/notifications/senders.py says
  only "a new message in a sensitive thread at <unit>"), no inbox line (the line says
  "Sensitive thread" and the child), no search snippet, no administrator's inspection,
  and no copy of anyone's data but its participants' (models/data_export/own.py).

Marking is written to the audit log without naming the child, so that the log rows
other guardians of the child see in their copy of their data do not tell of it.
"""
from models import audit
from models.db import database
from models.messaging.tables import CONVERSATION, Message, Thread, ThreadParticipant

MARKED = "thread.marked_sensitive"


def may_mark(thread, me):
    """May the viewer (`me`: their participation, or None) mark the thread sensitive?
    A participant of a conversation, guardian or staff; not an announcement (it goes
    to many), not a thread one only reads (a leader reading the school's), not twice."""
    return me is not None and thread.kind == CONVERSATION and not thread.sensitive


def mark(thread, user, ip=""):
    """Mark the thread sensitive, with its audit event, in one transaction. True when
    it changed (False: already sensitive, or not a conversation the user is in)."""
    with database.atomic():
        changed = (Thread.update(sensitive=True)
                   .where((Thread.id == thread.id) & (Thread.kind == CONVERSATION)
                          & (Thread.sensitive == False)  # noqa: E712
                          & Thread.id.in_(ThreadParticipant.select(ThreadParticipant.thread)
                                          .where(ThreadParticipant.user == user.id)))
                   .execute())
        if changed:
            audit.record(MARKED, actor=user, obj=thread, ip=ip)
    return bool(changed)


def hidden_from(user):
    """Ids of the sensitive threads the user does not take part in (a query): what
    must stay out of anything made for them, their copy of their data above all."""
    return Thread.select(Thread.id).where(
        (Thread.sensitive == True)  # noqa: E712
        & Thread.id.not_in(ThreadParticipant.select(ThreadParticipant.thread)
                           .where(ThreadParticipant.user == user.id)))


def hidden_messages(user):
    """Ids of the messages of those threads (a query)."""
    return Message.select(Message.id).where(Message.thread.in_(hidden_from(user)))



def takes_part_in_one(user):
    """Does the person take part in a sensitive thread? Their own copy of their data
    then holds it (models/data_export/own.py), so downloading it needs the same fresh
    strong login as opening the thread."""
    return (ThreadParticipant.select(ThreadParticipant.id)
            .join(Thread, on=(ThreadParticipant.thread == Thread.id))
            .where((ThreadParticipant.user == user.id) & (Thread.sensitive == True))  # noqa: E712
            .exists())
