"""Folders that cost nothing to keep tidy (issue 22), for staff.

- *Done*: one state per thread, for every member of staff who reads it under rule 3.
  Marking it hides the thread from nobody: it moves from the staff's Inbox and "Needs
  an answer" to Done, and the others see who marked it and when. Guardians never see
  it. A guardian's new message undoes it (`reopened`, called where messages are
  written, models/messaging/inbox.py); a staff reply does not.
- *Follow up*: a member of staff's own flag, with a day or not, seen by nobody else and
  deleted with the thread.
- *Archived*: per participant, as before (inbox.set_archived).

The inbox's folders are conditions and two columns added to its one query (`filed`):
the follow-up folder starts from the user's flags through their (user, thread) index,
done is a column of the thread's row; what the page's lines show besides is read by
their ids in one more query (`page_filings`).
A thread's page gets its state with the thread's own row (access.thread_or_none, through
models/access/folders.py `with_filing`): no query of its own. Who may change either is
models/access/folders.py.
"""
import datetime
from dataclasses import dataclass

from peewee import PostgresqlDatabase, fn

from models.access.folders import FOLLOW, files_on_page, with_filing
from models.db import Prepared, database, today, utcnow
from models.messaging.tables import GUARDIAN, Thread, ThreadFollowUp, ThreadParticipant
from models.school.tables import User

INBOX, ANSWER, FOLLOW_UP, DONE, ARCHIVED = "inbox", "answer", "follow-up", "done", "archived"
STAFF_FOLDERS = (INBOX, ANSWER, FOLLOW_UP, DONE, ARCHIVED)
GUARDIAN_FOLDERS = (INBOX, ARCHIVED)
# The folders the inbox's own arguments (needs_answer, archived) do not already make.
EXTRA = (FOLLOW_UP, DONE)
# How far ahead a follow-up day may be set.
FOLLOW_UP_DAYS = 366
# Staff who are also parents (issue 22) have two places in the inbox: their work (the
# threads they read as staff, in STAFF_FOLDERS) and their own children's (those they
# take part in as a guardian or caregiver, in GUARDIAN_FOLDERS). Everyone else has one.
WORK, MINE = "work", "mine"


@dataclass(frozen=True)
class Filing:
    """A thread's folders as one member of staff sees them (guardians get none of it)."""
    thread_id: int
    done_at: datetime.datetime | None
    done_by: str  # "" when the person who marked it is gone
    follow_up: bool
    due: datetime.date | None
    copied: str  # the names of the guardians copied in, ", " between them
    may_file: bool

    @property
    def due_now(self):
        return self.due is not None and self.due <= today()

    @property
    def first_due(self):
        return today()

    @property
    def last_due(self):
        return today() + datetime.timedelta(days=FOLLOW_UP_DAYS)


def folder_of(folder, needs_answer, archived):
    """The inbox's folder from its arguments: `folder` (FOLLOW_UP, DONE) or the older
    needs_answer and archived."""
    return folder or (ANSWER if needs_answer else ARCHIVED if archived else INBOX)


def _names(column):
    """The names of a group of rows joined by ", ", in the database's own words."""
    if isinstance(database.obj, PostgresqlDatabase):
        return fn.string_agg(column, ", ")
    return fn.group_concat(column, ", ")


def _copied_names():
    """The guardians copied into the thread, as one text (a subquery per inbox line,
    through the participants' (thread, user) index)."""
    copied = ThreadParticipant.alias("copied")
    person = User.alias("copied_person")
    return (copied.select(_names(person.first_name.concat(" ").concat(person.last_name)))
            .join(person, on=(copied.user == person.id))
            .where((copied.thread == Thread.id) & copied.copied_by.is_null(False)))


def filed(query, me, user, staff, folder):
    """The inbox query (Thread joined to the user's participation `me`) narrowed to a
    folder, with two columns after its own: when the thread was marked done and the
    user's role in it. For someone with no staff role nothing changes: guardians have
    no done state and no flags. What a line shows besides (who marked it, the user's
    follow-up, who was copied) is read for the page's lines only (page_filings): joined
    here, it would be read for every thread rule 3 looks at before the page is cut."""
    if not staff:
        return query
    query = query.select_extend(Thread.done_at, me.role)
    if folder in (INBOX, ANSWER):
        # Their own child's thread stays where a parent expects it, done or not.
        query = query.where(Thread.done_at.is_null() | (me.role == GUARDIAN))
    elif folder == DONE:
        query = query.where(Thread.done_at.is_null(False)
                            & (me.role.is_null() | (me.role != GUARDIAN)))
    elif folder == FOLLOW_UP:
        # Starting from the user's own flags, through the (user, thread) index (the
        # inbox leaves rule 3's wider candidates out for this folder); the soonest day
        # first, then those without one; newest first within a day.
        query = (query.switch(Thread)
                 .join(FOLLOW, on=((FOLLOW.thread == Thread.id) & (FOLLOW.user == user)))
                 .order_by(FOLLOW.due.is_null(), FOLLOW.due, Thread.last_message_at.desc(),
                           Thread.id.desc()))
    return query


# An inbox page's lines by their ids: a prepared query with a slot per line (0 for an
# empty slot: no thread has it), so its SQL is built once.
PAGE_SLOTS = 30
_SLOT_NAMES = [f"t{n}" for n in range(PAGE_SLOTS)]
_page = Prepared(
    lambda user, **ids: with_filing(Thread.select(Thread.id), user)
    .select_extend(_copied_names().alias("copied"))
    .where(Thread.id.in_([ids[name] for name in _SLOT_NAMES])).tuples(),
    user=int, **{name: int for name in _SLOT_NAMES})


def page_filings(user, staff, rows):
    """{thread id: Filing} for the rows of one inbox page (`filed`'s columns last), in
    one query by their ids: who marked each done, the user's follow-up, who was copied.
    Nothing, and no query, for someone with no staff role or an empty page."""
    if not staff or not rows:
        return {}
    state = {row[0]: (row[-2], row[-1]) for row in rows}
    ids = list(state)
    extra = {}
    for start in range(0, len(ids), PAGE_SLOTS):
        some = ids[start:start + PAGE_SLOTS]
        slots = dict(zip(_SLOT_NAMES, some + [0] * (PAGE_SLOTS - len(some))))
        extra.update({tid: rest for tid, *rest in _page(user=user.id, **slots)})
    filings = {}
    for tid, (done_at, role) in state.items():
        _, first, last, follow_id, due, copied = extra.get(tid, (None,) * 6)
        as_guardian = role == GUARDIAN
        filings[tid] = Filing(tid, None if as_guardian else done_at,
                              f"{first} {last}" if first and not as_guardian else "",
                              bool(follow_id), due, copied or "", not as_guardian)
    return filings


def filing(thread, user, me=None, copied=""):
    """A thread's folders for one user, from the thread as access.thread_or_none read
    it (no query): the done state and their own follow-up for staff who may file it
    (access.folders.files_on_page), nothing of it for anyone else. `me`: the user's
    participation (None when they read it without taking part); `copied`: the names of
    who was copied in, for the page (copies.names)."""
    if not files_on_page(user, me.role if me is not None else None,
                         getattr(user, "holds_role", True)):
        return Filing(thread.id, None, "", False, None, copied, False)
    return Filing(thread.id, thread.done_at, thread.done_by, thread.follow_up, thread.due,
                  copied, True)


# Changes ------------------------------------------------------------------------------

def set_done(thread, user, done):
    """Mark the thread done (or not) for every member of staff who reads it."""
    (Thread.update(done_at=utcnow() if done else None, done_by=user.id if done else None)
     .where(Thread.id == thread.id).execute())


def reopened(from_guardian):
    """The columns a new message changes besides its own: a guardian writing again
    makes a done thread not done; staff writing leaves it as it is."""
    return {"done_at": None, "done_by": None} if from_guardian else {}


def due_in_range(day, on=None):
    """Is `day` one a follow-up may be set to: from today up to FOLLOW_UP_DAYS ahead?"""
    on = on or today()
    return on <= day <= on + datetime.timedelta(days=FOLLOW_UP_DAYS)


def set_follow_up(thread, user, flagged, due=None):
    """Flag the thread to follow up (by `due`, or with no day), or take the flag away:
    the user's own, nobody else's."""
    if not flagged:
        (ThreadFollowUp.delete()
         .where((ThreadFollowUp.thread == thread.id) & (ThreadFollowUp.user == user.id))
         .execute())
        return
    (ThreadFollowUp.insert(thread=thread.id, user=user.id, due=due, created_at=utcnow())
     .on_conflict(conflict_target=[ThreadFollowUp.user, ThreadFollowUp.thread],
                  update={ThreadFollowUp.due: due})
     .execute())
