"""Staff's folders (issue 22): who may mark a thread done or flag it to follow up, and
the columns a thread's row carries for them.

Any member of staff who reads the thread under rule 3 may, whether they take part in it
or not; a guardian who reads it may not (403), and the person who reads it as a guardian
of their own child does not either (a teacher writing about their own child is a parent
there). A thread the user does not read is a 404 before this is asked."""
from peewee import JOIN, fn

from models.access.roles import NOT_STAFF
from models.db import Prepared
from models.messaging.tables import GUARDIAN, Thread, ThreadFollowUp, ThreadParticipant
from models.school.tables import StaffRole, User


def files_condition(user):
    """The rule as a condition on Thread, for a query about a thread the user reads: they
    hold a staff role and do not take part in the thread as a guardian."""
    staff = fn.EXISTS(StaffRole.select(StaffRole.id).where(
        (StaffRole.user == user) & StaffRole.role.not_in(NOT_STAFF)))
    as_guardian = fn.EXISTS(ThreadParticipant.select(ThreadParticipant.id).where(
        (ThreadParticipant.thread == Thread.id) & (ThreadParticipant.user == user)
        & (ThreadParticipant.role == GUARDIAN)))
    return staff & ~as_guardian


_may_file = Prepared(lambda user, thread: Thread.select(files_condition(user).alias("files"))
                     .where(Thread.id == thread).tuples(), user=int, thread=int)


def may_file(user, thread):
    """May the user, who reads `thread` (access.thread_or_none), mark it done or flag it
    to follow up? (One query; for the changes.)"""
    rows = _may_file(user=user.id, thread=thread.id)
    return bool(rows and rows[0][0])


def files_on_page(user, role_in_thread, staff):
    """The same rule without a query, for a page that knows the rest already: the user
    reads the thread under rule 3, `role_in_thread` is their participation's role (None
    when they read it without taking part), `staff` whether they hold a role. Someone
    who holds only the administrator's or the data-protection officer's role reads no
    thread under rule 3 except their own family's, where they take part as a guardian;
    so holding any role is holding a staff role here."""
    return bool(staff) and role_in_thread != GUARDIAN


# The rows with_filing joins, for conditions and orders on them.
DONE_BY, FOLLOW = User.alias("done_by"), ThreadFollowUp.alias("follow")


def with_filing(query, user):
    """A query on Thread with, after its own columns: when it was marked done and by
    whom (first and last name), and `user`'s own follow-up (its id and day). Joined by
    keys: the user row, and the follow-up's (user, thread) index."""
    return (query.select_extend(Thread.done_at, DONE_BY.first_name, DONE_BY.last_name,
                                FOLLOW.id, FOLLOW.due)
            .switch(Thread).join(DONE_BY, JOIN.LEFT_OUTER, on=(Thread.done_by == DONE_BY.id))
            .switch(Thread).join(FOLLOW, JOIN.LEFT_OUTER,
                                 on=((FOLLOW.thread == Thread.id) & (FOLLOW.user == user))))
