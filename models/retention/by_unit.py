"""Kinds that belong to one unit each: messages (a thread's unit), posts, and the
attendance registers (a mark's or notice's group). Per unit, what is past the period
goes unless the unit's archive packages do not cover it yet (held back)."""
from models.attendance.tables import AbsenceNotice, AttendanceMark
from models.db import database
from models.messaging import attachments
from models.messaging.tables import Attachment, Message, Thread, ThreadParticipant
from models.notifications.tables import Notification
from models.posts import posts as posts_model
from models.posts.tables import Post
from models.retention import common
from models.school.tables import Group, Unit


def _per_unit(kind, cutoff, count):
    """[(unit id, the first day kept there)], how many are due in all and how many are
    held back. `count(unit_id, before)`: the unit's rows whose day falls before `before`."""
    plan, due, held = [], 0, 0
    for (unit_id,) in Unit.select(Unit.id).order_by(Unit.id).tuples():
        past = count(unit_id, cutoff)
        if not past:
            continue
        limit = min(common.gate.deletable_before(kind, unit_id, cutoff), cutoff)
        going = past if limit == cutoff else count(unit_id, limit)
        due, held = due + going, held + past - going
        plan.append((unit_id, limit))
    return plan, due, held


# Messages: a thread with its messages, participants and files, N years after its last
# message (retention.messages_years). Counted in threads.

def _threads(unit_id, before):
    return Thread.select(Thread.id).where(
        (Thread.unit == unit_id) & (Thread.last_message_at < common.day_start(before)))


def _message_plan(settings, day):
    cutoff = common.years_before(day, settings["messages_years"])
    return _per_unit("messages", cutoff, lambda unit, before: _threads(unit, before).count())


def messages_due(settings, day):
    return _message_plan(settings, day)[1]


def messages_held(settings, day):
    return _message_plan(settings, day)[2]


def messages_purge(settings, day):
    plan, _, _ = _message_plan(settings, day)
    gone = 0
    for unit, limit in plan:
        ids = [i for (i,) in _threads(unit, limit).tuples()]
        for some in common.chunks(ids):
            gone += delete_threads(some, settings.storage)
    return gone


def delete_threads(thread_ids, storage):
    """Delete threads with everything in them; their files after the commit (a file
    left by a crash is harmless, a row pointing at no file is not)."""
    with database.atomic():
        messages = Message.select(Message.id).where(Message.thread.in_(thread_ids))
        names = [n for (n,) in Attachment.select(Attachment.stored_name)
                 .where(Attachment.message.in_(messages)).tuples()]
        Attachment.delete().where(Attachment.message.in_(messages)).execute()
        Message.delete().where(Message.thread.in_(thread_ids)).execute()
        ThreadParticipant.delete().where(ThreadParticipant.thread.in_(thread_ids)).execute()
        Notification.delete().where(Notification.thread.in_(thread_ids)).execute()
        gone = Thread.delete().where(Thread.id.in_(thread_ids)).execute()
    attachments.remove(storage, names)
    return gone


# Posts and their photos and films, retention.documentation_years after publication.

def _posts(unit_id, before):
    return Post.select().where((Post.unit == unit_id)
                               & (Post.published_at < common.day_start(before)))


def _post_plan(settings, day):
    cutoff = common.years_before(day, settings["documentation_years"])
    return _per_unit("posts", cutoff, lambda unit, before: _posts(unit, before).count())


def posts_due(settings, day):
    return _post_plan(settings, day)[1]


def posts_held(settings, day):
    return _post_plan(settings, day)[2]


def posts_purge(settings, day):
    plan, _, _ = _post_plan(settings, day)
    gone = 0
    for unit, limit in plan:
        due = list(_posts(unit, limit).order_by(Post.published_at))
        gone += len(posts_model.purge(due, settings.storage, attachments.remove))
    return gone


# Attendance registers and absence notices, retention.absence_school_years school years.

def _marks(unit_id, before):
    """The conditions on marks and on notices of the unit's groups before a day."""
    groups = Group.select(Group.id).where(Group.unit == unit_id)
    return (AttendanceMark.group.in_(groups) & (AttendanceMark.day < before),
            AbsenceNotice.group.in_(groups) & (AbsenceNotice.day < before))


def _count_marks(unit_id, before):
    marks, notices = _marks(unit_id, before)
    return (AttendanceMark.select().where(marks).count()
            + AbsenceNotice.select().where(notices).count())


def _attendance_plan(settings, day):
    cutoff = common.school_year_cutoff(day, settings["absence_school_years"])
    return _per_unit("attendance", cutoff, _count_marks)


def attendance_due(settings, day):
    return _attendance_plan(settings, day)[1]


def attendance_held(settings, day):
    return _attendance_plan(settings, day)[2]


def attendance_purge(settings, day):
    plan, _, _ = _attendance_plan(settings, day)
    gone = 0
    for unit, limit in plan:
        marks, notices = _marks(unit, limit)
        with database.atomic():
            gone += (AttendanceMark.delete().where(marks).execute()
                     + AbsenceNotice.delete().where(notices).execute())
    return gone
