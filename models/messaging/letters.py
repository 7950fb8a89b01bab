"""Letters on paper (rule 8, seed 002): a guardian who refuses electronic contact is
marked by staff and gets no e-mail, SMS or push (models/notifications/notify.publish
skips them); staff print a letter for them from any announcement. Who gets a letter
follows the access rules of models/access (rules 1 and 2)."""
from peewee import fn

from models import access, audit
from models.db import database
from models.messaging import recipients
from models.messaging.tables import GUARDIAN, Attachment, Message, Thread, ThreadParticipant
from models.school.tables import (UNPROTECTED, WITH_RESPONSIBILITY, Child, Group, Guardianship,
                                  Unit, User)


def _children_of(thread, day):
    """Ids of the children an announcement is about today: the children of its group
    (or unit), or its one child for an announcement sent per child."""
    query = recipients.children_in(Unit(id=thread.unit_id),
                                   Group(id=thread.group_id) if thread.group_id else None,
                                   day)
    if thread.child_id is not None:
        query = query.where(Child.id == thread.child_id)
    return query.select(Child.id).order_by()


def paper_recipients(thread, day):
    """The guardians the announcement went to who want letters on paper and still see
    one of its children (rules 1 and 2, as models/access says). One query, with
    whether any such child of theirs has a protected address (`child_protected`)."""
    sees = (access.guarded_children(User.id, day).select(Child.id)
            .where(Child.id.in_(_children_of(thread, day))))
    protected_child = sees.where(Child.address_protection.not_in(UNPROTECTED))
    return (User.select(User.id, User.first_name, User.last_name, User.address,
                        User.address_protection, User.locale,
                        fn.EXISTS(protected_child).alias("child_protected"))
            .join(ThreadParticipant, on=(ThreadParticipant.user == User.id))
            .where((ThreadParticipant.thread == thread.id)
                   & (ThreadParticipant.role == GUARDIAN)
                   & (User.paper_letters == True)  # noqa: E712
                   & (User.is_active == True)  # noqa: E712
                   & fn.EXISTS(sees))
            .order_by(User.last_name, User.first_name, User.id))


def paper_letter_count(thread, day):
    """How many letters the announcement's print page has. One query."""
    return paper_recipients(thread, day).count()


def announcement(thread, user):
    """The first message of the thread with its sender, the unit's phone, how many
    files it has, and whether the user takes part as a guardian: one query."""
    me = ThreadParticipant.alias("me")
    as_guardian = fn.EXISTS(me.select(me.id).where(
        (me.thread == thread.id) & (me.user == user.id) & (me.role == GUARDIAN)))
    files = (Attachment.select(fn.COUNT(Attachment.id))
             .where(Attachment.message == Message.id))
    return (Message.select(Message.body, Message.created_at, Message.withdrawn_at,
                           User.first_name, User.last_name, Unit.phone,
                           files.alias("files"), as_guardian.alias("as_guardian"))
            .join(User, on=(Message.sender == User.id))
            .switch(Message).join(Thread, on=(Message.thread == Thread.id))
            .join(Unit, on=(Thread.unit == Unit.id))
            .where(Message.thread == thread.id)
            .order_by(Message.created_at, Message.id).limit(1).namedtuples().first())


def responsible_guardian(child, guardian_id):
    """A guardian with parental responsibility of the child (those the staff page
    lists), or None."""
    return (User.select().join(Guardianship, on=(Guardianship.guardian == User.id))
            .where((Guardianship.child == child.id) & (User.id == guardian_id)
                   & Guardianship.responsibility.in_(WITH_RESPONSIBILITY)).first())


def mark(guardian, child, on, by, ip=""):
    """Mark the guardian for letters on paper (or unmark), with the audit event; nothing
    happens when it is so already. The guardian row shows the new state afterwards."""
    if guardian.paper_letters == on:
        return
    with database.atomic():
        User.update(paper_letters=on).where(User.id == guardian.id).execute()
        audit.record("guardian.paper_letters", actor=by, obj=guardian, ip=ip,
                     child=child.id, on=on)
    guardian.paper_letters = on
