"""Who has read an announcement, as its sender needs it: by child, each adult marked
guardian or caregiver, with how they were notified; and first the children none of
whose guardians has read it — the ones to call. For staff only (the view checks rule 3
and rule 11 first): it names every family the announcement reached.

Costs two queries whatever the size of the group or unit, besides the participants the
thread page reads anyway (thread_page.participants)."""
from dataclasses import dataclass, field

from peewee import JOIN

from models.db import Prepared
from models.messaging import recipients
from models.messaging.names import name_key
from models.messaging.tables import GUARDIAN, Thread, ThreadParticipant
from models.messaging.thread_page import CAREGIVER
from models.notifications.tables import MESSAGE, Notification
from models.school.tables import User


@dataclass
class Person:
    user_id: int
    name: str
    read: bool
    paper: bool
    has_access: bool
    channels: dict = field(default_factory=dict)  # channel -> status


@dataclass
class ChildStatus:
    """The adults who received the announcement through one child."""
    name: str | None  # None: those with no child in the group or unit any longer
    people: list  # [(Person, GUARDIAN or CAREGIVER or None), …]

    @property
    def guardian_read(self):
        return any(p.read for p, kind in self.people if kind == GUARDIAN)

    @property
    def caregiver_read(self):
        return any(p.read for p, kind in self.people if kind == CAREGIVER)


@dataclass
class ReadStatus:
    children: list  # [ChildStatus, …], by name
    to_call: list  # the ChildStatus of children none of whose guardians has read it
    read: int  # adults who have read it
    total: int  # adults it reached


_deliveries = Prepared(lambda thread: ThreadParticipant.select(
    ThreadParticipant.user, (ThreadParticipant.last_read_at >= Thread.created_at),
    User.paper_letters, Notification.channel, Notification.status)
    .join(Thread, on=(ThreadParticipant.thread == Thread.id))
    .switch(ThreadParticipant).join(User, on=(ThreadParticipant.user == User.id))
    .join(Notification, JOIN.LEFT_OUTER, on=(
        (Notification.thread == ThreadParticipant.thread)
        & (Notification.user == ThreadParticipant.user) & (Notification.event == MESSAGE)))
    .where((ThreadParticipant.thread == thread) & (ThreadParticipant.role == GUARDIAN))
    .tuples(), thread=int)


def read_status(thread, participants, language="nb", day=None):
    """The announcement's read status (`participants`: thread_page.participants of the
    thread, read for a member of staff)."""
    still = recipients.announcement_guardian_ids(thread, day)
    people = {}
    for uid, has_read, paper, channel, state in _deliveries(thread=thread.id):
        person = people.get(uid)
        if person is None:
            person = people[uid] = Person(uid, "", bool(has_read), bool(paper), uid in still)
        if channel:
            person.channels[channel] = state
    by_child, others = {}, []
    for p in participants:
        person = people.get(p.user_id)
        if person is None:  # staff
            continue
        person.name = p.name
        for child_id, name, kind in p.children:
            by_child.setdefault((child_id, name), []).append((person, kind))
        if not p.children:
            others.append((person, None))
    key = lambda item: (name_key(item[0][1], language), item[0])  # noqa: E731
    children = [ChildStatus(name, sorted(adults, key=lambda a: name_key(a[0].name, language)))
                for (_, name), adults in sorted(by_child.items(), key=key)]
    to_call = [c for c in children if not c.guardian_read]
    if others:
        children.append(ChildStatus(None, others))
    named = [p for p in people.values() if p.name]
    return ReadStatus(children, to_call, sum(p.read for p in named), len(named))


