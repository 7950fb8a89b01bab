"""Which records of a kind belong to a unit, and on which day each falls.

A record falls on its first day: a message on the day it was sent, a post on the day it
was published, leave and absence on their start date, an attendance mark on its day.
The purge deletes by a record's last day (a thread's last message, an absence's end), so
a record is always archived in the package of a period that the purge reaches no sooner
than the record itself. Moments are compared on the days of their stored UTC times.

Leave and absence belong to the child, not to a unit: they fall to every unit with a
group the child was enrolled in on the record's first day (a school and its SFO both)."""
import datetime

import peewee
from peewee import SQL, fn

from models.absence.tables import Absence, LeaveApplication
from models.attendance.tables import AttendanceMark
from models.messaging.tables import Message, Thread
from models.posts.tables import Post
from models.school.tables import Enrolment, Group

KINDS = ("messages", "posts", "leave", "absence", "attendance")


def day_start(day):
    return datetime.datetime.combine(day, datetime.time.min)


def _enrolled_in_unit(child_field, day_field, unit_id):
    return fn.EXISTS(
        Enrolment.select(SQL("1")).join(Group, on=(Enrolment.group == Group.id)).where(
            (Enrolment.child == child_field) & (Group.unit == unit_id)
            & (Enrolment.start_date <= day_field)
            & (Enrolment.end_date.is_null() | (Enrolment.end_date >= day_field))))


def of_kind(kind, unit_id):
    """(the unit's rows of the kind as a query of its table, the field dating a row)."""
    if kind == "messages":
        return (Message.select().join(Thread, on=(Message.thread == Thread.id))
                .where(Thread.unit == unit_id)), Message.created_at
    if kind == "posts":
        return Post.select().where(Post.unit == unit_id), Post.published_at
    if kind == "leave":
        return (LeaveApplication.select().where(_enrolled_in_unit(
            LeaveApplication.child, LeaveApplication.start_date, unit_id)),
            LeaveApplication.start_date)
    if kind == "absence":
        return (Absence.select().where(_enrolled_in_unit(
            Absence.child, Absence.start_date, unit_id)), Absence.start_date)
    if kind == "attendance":
        return (AttendanceMark.select().join(Group, on=(AttendanceMark.group == Group.id))
                .where(Group.unit == unit_id)), AttendanceMark.day
    raise ValueError(f"unknown kind {kind!r}")


def in_period(field, start, end):
    """The condition "falls on a day from start to end, both included"."""
    if isinstance(field, peewee.DateTimeField):
        return (field >= day_start(start)) & (field < day_start(end + datetime.timedelta(1)))
    return (field >= start) & (field <= end)


def as_day(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def earliest(kind, unit_id):
    """The first day the unit has a record of the kind on, or None."""
    query, field = of_kind(kind, unit_id)
    row = query.select(field).order_by(field).limit(1).tuples().first()
    return as_day(row[0]) if row else None


def count(kind, unit_id, start, end):
    query, field = of_kind(kind, unit_id)
    return query.where(in_period(field, start, end)).count()


def _grouped(kind):
    """(kind, unit, first day, last day) of the kind's records, per unit, as one SELECT."""
    label = peewee.Value(kind).alias("kind")
    if kind == "messages":
        field, unit = Message.created_at, Thread.unit
        query = Message.select().join(Thread, on=(Message.thread == Thread.id))
    elif kind == "posts":
        field, unit, query = Post.published_at, Post.unit, Post.select()
    elif kind == "attendance":
        field, unit = AttendanceMark.day, Group.unit
        query = AttendanceMark.select().join(Group, on=(AttendanceMark.group == Group.id))
    else:
        table = LeaveApplication if kind == "leave" else Absence
        field, unit = table.start_date, Group.unit
        query = (table.select().join(Enrolment, on=(
            (Enrolment.child == table.child) & (Enrolment.start_date <= table.start_date)
            & (Enrolment.end_date.is_null() | (Enrolment.end_date >= table.start_date))))
            .join(Group, on=(Enrolment.group == Group.id)))
    return query.select(label, unit.alias("unit_id"), fn.MIN(fn.DATE(field)).alias("first"),
                        fn.MAX(fn.DATE(field)).alias("last")).group_by(unit)


def spans(kinds=KINDS):
    """{(kind, unit id): (first day, last day)} of every unit's records: one query."""
    query = None
    for kind in kinds:
        query = _grouped(kind) if query is None else query + _grouped(kind)
    found = {}
    for kind, unit_id, first, last in query.tuples():
        found[(kind, unit_id)] = tuple(
            value if isinstance(value, datetime.date) else
            datetime.date.fromisoformat(str(value)[:10]) for value in (first, last))
    return found
