"""Copy to the other home (issue 22): a guardian writing a new conversation about a
child may copy the child's other guardians with parental responsibility — a split home
chooses, nothing is ticked for them.

Offered: the guardians with parental responsibility who see the child today (rules 1 and
2, the same condition as every other recipient list), other than the writer, and only
to a writer who is such a guardian too. Never a parent without parental responsibility,
a caregiver, or someone whose access has ended. A copied guardian takes part in the
thread as a guardian (rule 3 then lets them read and answer it), is marked with who
copied them, and hears about it like any recipient. Only names are read and shown:
a guardian with a protected address can be copied by the co-guardian they share the
child with, and nothing of where they live or how to reach them appears.
"""
from peewee import fn

from models.access.children import guardian_condition
from models.db import today
from models.messaging.tables import GUARDIAN, ThreadParticipant
from models.notifications import notify
from models.notifications.tables import MESSAGE
from models.school.tables import (WITH_RESPONSIBILITY, Child, Guardianship, User,
                                  eighteenth_birthday_cutoff)


def _responsible_guardians(child, day):
    responsible = Guardianship.select(Guardianship.guardian).where(
        (Guardianship.child == child.id)
        & Guardianship.responsibility.in_(WITH_RESPONSIBILITY))
    sees_child = fn.EXISTS(Child.select(Child.id).where(
        (Child.id == child.id)
        & guardian_condition(User.id, day, eighteenth_birthday_cutoff(day))))
    return (User.select(User.id, User.first_name, User.last_name)
            .where(User.id.in_(responsible) & sees_child
                   & (User.is_active == True))  # noqa: E712
            .order_by(User.first_name, User.last_name, User.id))


def candidates(writer, child, day=None):
    """The guardians `writer` may copy into a new conversation about `child` (users
    with their id and name only), in one query; [] when the writer is not a guardian
    with parental responsibility for the child today."""
    people = list(_responsible_guardians(child, day or today()))
    if writer.id not in {person.id for person in people}:
        return []
    return [person for person in people if person.id != writer.id]


def chosen(offered, ids):
    """The offered guardians whose ids were ticked, or None when an id is not among
    them (a guardian of another child, one who lost access since the form was shown)."""
    by_id = {person.id: person for person in offered}
    if any(i not in by_id for i in ids):
        return None
    return [by_id[i] for i in dict.fromkeys(ids)]


def add(thread, sender, copied):
    """Put the copied guardians into a new thread and tell them; call inside the
    thread's own transaction (inbox.start_thread)."""
    if not copied:
        return
    ThreadParticipant.insert_many(
        [{"thread": thread.id, "user": person.id, "role": GUARDIAN, "copied_by": sender.id}
         for person in copied]).execute()
    notify.publish(notify.Event(
        kind=MESSAGE, source=f"copy{thread.id}", path=f"/messages/{thread.id}",
        unit_id=thread.unit_id, thread_id=thread.id,
        recipients={person.id: None for person in copied}))


def names(people, shown):
    """The names of the guardians copied in, among those the viewer is shown of the
    thread's people (thread_page.participants and people_for), ", " between them."""
    seen = ({p.user_id for p in shown.staff}
            | {p.user_id for group in shown.children for p, _ in group.people})
    return ", ".join(p.name for p in people if p.copied and p.user_id in seen)
