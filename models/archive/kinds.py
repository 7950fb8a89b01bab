"""Each archivable kind's records of a unit and period as JSON objects, read in chunks so
that a package of any size is made in bounded memory. Each reader yields
(record, [(path in the package, stored file name), …]) and never names a national
identity number."""
from peewee import JOIN

from models.absence.tables import Absence, LeaveApplication
from models.archive import records
from models.attendance.tables import AttendanceMark
from models.messaging.tables import Attachment, Message, Thread
from models.posts.tables import Post, PostMedia
from models.school.tables import UNPROTECTED, Child, Group, User

CHUNK = 500


def _moment(value):
    return value.isoformat() + "Z" if value else None


def _day(value):
    return value.isoformat() if value else None


def _person(user_id, first, last):
    return {"id": user_id, "name": f"{first} {last}"} if user_id else None


def _child(child_id, first, last, protection):
    if child_id is None:
        return None
    return {"id": child_id, "name": f"{first} {last}",
            "protected_address": protection not in UNPROTECTED}


def _ids_in_chunks(query, field):
    """The ids of a query's rows, a chunk at a time (keyset: bounded on any database)."""
    last = 0
    while True:
        chunk = [i for (i,) in query.select(field).where(field > last).order_by(field)
                 .limit(CHUNK).tuples()]
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


def _safe(name):
    keep = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    return keep.strip("._")[:80] or "file"


def messages(unit_id, start, end):
    query, field = records.of_kind("messages", unit_id)
    in_period = records.in_period(field, start, end)
    thread_ids = Thread.select(Thread.id).where(
        (Thread.unit == unit_id) & Thread.id.in_(query.select(Message.thread).where(in_period)))
    for chunk in _ids_in_chunks(thread_ids, Thread.id):
        threads = (Thread.select(Thread, Child.first_name, Child.last_name,
                                 Child.address_protection, Group.name)
                   .join(Child, JOIN.LEFT_OUTER, on=(Thread.child == Child.id))
                   .switch(Thread).join(Group, JOIN.LEFT_OUTER, on=(Thread.group == Group.id))
                   .where(Thread.id.in_(chunk)).order_by(Thread.id).objects())
        rows = (Message.select(Message, User.first_name, User.last_name)
                .join(User, on=(Message.sender == User.id))
                .where(Message.thread.in_(chunk) & in_period)
                .order_by(Message.thread, Message.created_at, Message.id).objects())
        by_thread = {}
        for message in rows:
            by_thread.setdefault(message.thread_id, []).append(message)
        message_ids = [m.id for ms in by_thread.values() for m in ms]
        files = {}
        for attachment in (Attachment.select().where(Attachment.message.in_(message_ids))
                           .order_by(Attachment.id)):
            files.setdefault(attachment.message_id, []).append(attachment)
        for thread in threads:
            stored = []
            items = []
            for message in by_thread.get(thread.id, []):
                attached = []
                for a in files.get(message.id, []):
                    path = f"files/messages/{message.id}-{a.id}-{_safe(a.filename)}"
                    stored.append((path, a.stored_name))
                    attached.append({"filename": a.filename, "mimetype": a.mimetype,
                                     "size": a.size, "path": path})
                items.append({"id": message.id,
                              "sender": _person(message.sender_id, message.first_name,
                                                message.last_name),
                              "sent_at": _moment(message.created_at),
                              "withdrawn_at": _moment(message.withdrawn_at),
                              "text": message.body, "attachments": attached})
            # A sensitive thread is a record like any other (the archive law), marked so
            # the archive restricts it (Noark's "skjerming") to those who may read it.
            yield ({"id": thread.id, "kind": thread.kind, "subject": thread.subject,
                    "sensitive": thread.sensitive,
                    "child": _child(thread.child_id, getattr(thread, "first_name", None),
                                    getattr(thread, "last_name", None),
                                    getattr(thread, "address_protection", None)),
                    "group": getattr(thread, "name", None) if thread.group_id else None,
                    "started_at": _moment(thread.created_at), "messages": items}, stored)


def posts(unit_id, start, end):
    query, field = records.of_kind("posts", unit_id)
    ids = query.where(records.in_period(field, start, end))
    for chunk in _ids_in_chunks(ids, Post.id):
        rows = (Post.select(Post, User.first_name, User.last_name, Group.name,
                            Child.first_name.alias("child_first"),
                            Child.last_name.alias("child_last"), Child.address_protection)
                .join(User, on=(Post.author == User.id))
                .switch(Post).join(Group, JOIN.LEFT_OUTER, on=(Post.group == Group.id))
                .switch(Post).join(Child, JOIN.LEFT_OUTER, on=(Post.child == Child.id))
                .where(Post.id.in_(chunk)).order_by(Post.id).objects())
        media = {}
        for m in (PostMedia.select().where(PostMedia.post.in_(chunk))
                  .order_by(PostMedia.post, PostMedia.position, PostMedia.id)):
            media.setdefault(m.post_id, []).append(m)
        for post in rows:
            stored, listed = [], []
            for m in media.get(post.id, []):
                entry = {"mimetype": m.mimetype, "size": m.size, "width": m.width,
                         "height": m.height, "seconds": m.seconds,
                         "withdrawn_at": _moment(m.withdrawn_at), "path": None}
                # A photo taken back (consent withdrawn) is not handed on to anyone.
                if m.withdrawn_at is None:
                    entry["path"] = (f"files/posts/{post.id}-{m.id}."
                                     f"{'mp4' if m.is_video else 'jpg'}")
                    stored.append((entry["path"], m.stored_name))
                listed.append(entry)
            yield ({"id": post.id, "title": post.title, "text": post.body,
                    "author": _person(post.author_id, post.first_name, post.last_name),
                    "published_at": _moment(post.published_at),
                    "edited_at": _moment(post.edited_at),
                    "group": post.name if post.group_id else None,
                    "child": _child(post.child_id, getattr(post, "child_first", None),
                                    getattr(post, "child_last", None),
                                    getattr(post, "address_protection", None)),
                    "media": listed}, stored)


def _child_rows(model, unit_id, start, end, order):
    query, field = records.of_kind(model, unit_id)
    table = {"leave": LeaveApplication, "absence": Absence}[model]
    ids = query.where(records.in_period(field, start, end))
    for chunk in _ids_in_chunks(ids, table.id):
        yield from (table.select(table, Child.first_name, Child.last_name,
                                 Child.address_protection)
                    .join(Child, on=(table.child == Child.id))
                    .where(table.id.in_(chunk)).order_by(*order, table.id).objects())


def _names(user_ids):
    return {u: f"{f} {la}" for u, f, la in User.select(User.id, User.first_name,
                                                       User.last_name)
            .where(User.id.in_(list({i for i in user_ids if i}))).tuples()}


def leave(unit_id, start, end):
    rows = _child_rows("leave", unit_id, start, end, [LeaveApplication.start_date])
    for batch in _batches(rows):
        names = _names([r.applied_by_id for r in batch] + [r.decided_by_id for r in batch])
        for r in batch:
            yield ({"id": r.id, "child": _child(r.child_id, r.first_name, r.last_name,
                                                r.address_protection),
                    "from": _day(r.start_date), "to": _day(r.end_date), "reason": r.reason,
                    "applied_by": _named(r.applied_by_id, names),
                    "applied_at": _moment(r.applied_at), "status": r.status,
                    "decided_by": _named(r.decided_by_id, names),
                    "decided_at": _moment(r.decided_at),
                    "decision_reason": r.decision_reason}, [])


def absence(unit_id, start, end):
    rows = _child_rows("absence", unit_id, start, end, [Absence.start_date])
    for batch in _batches(rows):
        names = _names([r.reported_by_id for r in batch])
        for r in batch:
            yield ({"id": r.id, "child": _child(r.child_id, r.first_name, r.last_name,
                                                r.address_protection),
                    "from": _day(r.start_date), "to": _day(r.end_date), "part": r.part,
                    "at_time": r.at_time.isoformat() if r.at_time else None,
                    "reason": r.reason, "note": r.note, "picked_up_by": r.picked_up_by,
                    "reported_by": _named(r.reported_by_id, names),
                    "reported_at": _moment(r.reported_at), "by_staff": r.by_staff,
                    "withdrawn_at": _moment(r.withdrawn_at), "leave_id": r.leave_id}, [])


def attendance(unit_id, start, end):
    query, field = records.of_kind("attendance", unit_id)
    ids = query.where(records.in_period(field, start, end))
    for chunk in _ids_in_chunks(ids, AttendanceMark.id):
        rows = list(AttendanceMark.select(AttendanceMark, Child.first_name, Child.last_name,
                                          Child.address_protection, Group.name)
                    .join(Child, on=(AttendanceMark.child == Child.id))
                    .switch(AttendanceMark).join(Group, on=(AttendanceMark.group == Group.id))
                    .where(AttendanceMark.id.in_(chunk))
                    .order_by(AttendanceMark.day, AttendanceMark.id).objects())
        names = _names([r.marked_by_id for r in rows])
        for r in rows:
            yield ({"id": r.id, "child": _child(r.child_id, r.first_name, r.last_name,
                                                r.address_protection),
                    "group": r.name, "day": _day(r.day), "lesson": r.lesson,
                    "status": r.status,
                    "late_at": r.late_at.isoformat() if r.late_at else None,
                    "reason": r.reason, "marked_by": _named(r.marked_by_id, names),
                    "marked_at": _moment(r.marked_at)}, [])


def _named(user_id, names):
    return {"id": user_id, "name": names.get(user_id, "")} if user_id else None


def _batches(rows, size=CHUNK):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


READERS = {"messages": messages, "posts": posts, "leave": leave, "absence": absence,
           "attendance": attendance}
