"""The audit log (tilgangslogg / loggning): append-only, one row per event.

Rows are never changed or deleted by the application; the database refuses it too (a
trigger made by migration 0001). Only the retention purge of a later release may delete
rows older than the municipality's audit retention period.
"""
import datetime
import json
from collections import namedtuple

import peewee
from peewee import fn

from models.db import BaseModel, Prepared, utcnow


class AppendOnlyError(Exception):
    pass


EventLine = namedtuple("EventLine", "at actor_name action object_type object_id ip")


class AppendOnly(BaseModel):
    """Rows the application only ever adds (the database refuses the rest too)."""

    def save(self, *args, **kwargs):
        if self.id is not None:
            raise AppendOnlyError("audit events cannot be changed")
        return super().save(*args, **kwargs)

    def delete_instance(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")

    @classmethod
    def update(cls, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be changed")

    @classmethod
    def delete(cls):
        raise AppendOnlyError("audit events cannot be deleted")


class AuditEvent(AppendOnly):
    at = peewee.DateTimeField(default=utcnow, index=True)
    # Plain ids and a name snapshot, not foreign keys: the log outlives the accounts.
    actor_id = peewee.IntegerField(null=True, index=True)
    actor_name = peewee.CharField(max_length=200, default="")
    action = peewee.CharField(max_length=60, index=True)
    object_type = peewee.CharField(max_length=40, default="")
    object_id = peewee.IntegerField(null=True)
    ip = peewee.CharField(max_length=45, default="")
    detail = peewee.TextField(default="{}")

    @property
    def children(self):
        """The ids of the children the event concerns."""
        return sorted(c for (c,) in AuditChild.select(AuditChild.child_id)
                      .where(AuditChild.event == self.id).tuples())

    @property
    def details(self):
        return json.loads(self.detail or "{}")

    @classmethod
    def summary(cls, since):
        """How many events of each kind since a day: [(action, count), …]."""
        return _summary(since=since)

    @classmethod
    def recent(cls, limit=50):
        """The newest events, newest first."""
        return [EventLine(*row) for row in _recent(limit=limit)]

    @classmethod
    def filtered(cls, actor_id=None, action=None, child_id=None, limit=200):
        """The newest events by a person, of a kind, and/or concerning a child (the child
        itself, or named in the event's details), newest first."""
        query = cls.select(cls.at, cls.actor_name, cls.action, cls.object_type,
                           cls.object_id, cls.ip)
        if actor_id is not None:
            query = query.where(cls.actor_id == actor_id)
        if action:
            query = query.where(cls.action == action)
        if child_id is not None:
            query = query.where(cls.id.in_(AuditChild.select(AuditChild.event)
                                           .where(AuditChild.child_id == child_id)))
        return [EventLine(*row) for row in query.order_by(cls.at.desc(), cls.id.desc())
                .limit(limit).tuples()]


class AuditChild(AppendOnly):
    """A child an audit event concerns, so that the log of one child (rule 12: "who has
    seen my child's data") is an index lookup and finds every kind of event about it.
    A plain id, as in AuditEvent: the log outlives the child's record."""
    event = peewee.ForeignKeyField(AuditEvent, backref="+", on_delete="CASCADE")
    child_id = peewee.IntegerField()

    class Meta:
        indexes = ((("child_id", "event"), True),)


def record(action, actor=None, obj=None, ip="", children=(), **detail):
    """Write one audit event. Never put a national identity number or a password in
    `detail`.

    Every event that concerns a child names it: as `obj`, as `child` in `detail`, or,
    for an event about several children (who is in a photo), as `children` (ids, kept
    in the index only)."""
    concerned = {c for c in children if c is not None}
    if isinstance(detail.get("child"), int):
        concerned.add(detail["child"])
    object_type = (getattr(obj, "audit_type", type(obj).__name__.lower())
                   if obj is not None else "")
    if object_type == "child":
        concerned.add(obj.id)
    # Callers that change something write the event inside their own transaction.
    event = AuditEvent.create(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.name if actor is not None else "",
        action=action,
        object_type=object_type,
        object_id=obj.id if obj is not None else None,
        ip=ip or "",
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
    )
    if concerned:
        AuditChild.insert_many([(event.id, child) for child in sorted(concerned)],
                               fields=[AuditChild.event, AuditChild.child_id]).execute()
    return event


_recent = Prepared(lambda limit: AuditEvent.select(
    AuditEvent.at, AuditEvent.actor_name, AuditEvent.action, AuditEvent.object_type,
    AuditEvent.object_id, AuditEvent.ip)
    .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).tuples(),
    limit=int)

_summary = Prepared(lambda since: AuditEvent.select(AuditEvent.action, fn.COUNT(AuditEvent.id))
                    .where(AuditEvent.at >= since).group_by(AuditEvent.action)
                    .order_by(AuditEvent.action).tuples(), since=datetime.date)
