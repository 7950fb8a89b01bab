"""The tamper-evident audit log: a hash chain over the audit events, kept beside them.

`audit.record()` stays one insert (it runs on every page with a child's data); a sealer
(`seal()`, every minute in the worker, and first thing in `flask audit verify`) gives
each new event, in id order, a seal: SHA-256 over the previous seal's hash and the
event's content with the children it names. `verify()` walks the chain and names the
first row that does not fit: an event changed after it was sealed, a sealed event that is
gone, a seal missing from the sequence, an event left unsealed for longer than the sealer
ever takes. The database refuses changes and deletions of all of it (migrations 0001,
0014, 0025); only `purge_before()` may delete events older than the audit retention
period, after recording in AuditPurge the last deleted seal as the chain's new start.

Someone who can drop the triggers could rewrite the whole chain after a change: keep the
head hash that `flask audit verify` prints somewhere else (the operator's log) to catch
that too.
"""
import datetime
import hashlib
import json
from collections import namedtuple

import peewee

from models.audit import AppendOnly, AuditChild, AuditEvent, record
from models.db import database, utcnow

UNSEALED_GRACE = datetime.timedelta(minutes=10)
BATCH = 1000
GENESIS = "0" * 64


class AuditSeal(AppendOnly):
    seq = peewee.IntegerField(unique=True)
    event_id = peewee.IntegerField(unique=True)  # a plain id: the seal outlives a change
    hash = peewee.CharField(max_length=64)
    sealed_at = peewee.DateTimeField(default=utcnow)


class AuditPurge(AppendOnly):
    """A purge of old events: the chain now starts after anchor_seq, from anchor_hash."""
    cutoff = peewee.DateTimeField()
    anchor_seq = peewee.IntegerField()
    anchor_hash = peewee.CharField(max_length=64)
    events = peewee.IntegerField()
    purged_at = peewee.DateTimeField(default=utcnow)


Broken = namedtuple("Broken", "event_id seq problem")
Result = namedtuple("Result", "ok rows broken head")


def canonical(row, children):
    """The event's content as the seal hashes it: every column, in a fixed form."""
    event_id, at, actor_id, actor_name, action, object_type, object_id, ip, detail = row
    return json.dumps([event_id, at.isoformat(timespec="microseconds"), actor_id, actor_name,
                       action, object_type, object_id, ip, detail, sorted(children)],
                      ensure_ascii=False, separators=(",", ":"))


def link(previous, row, children):
    return hashlib.sha256((previous + canonical(row, children)).encode()).hexdigest()


_COLUMNS = (AuditEvent.id, AuditEvent.at, AuditEvent.actor_id, AuditEvent.actor_name,
            AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.ip,
            AuditEvent.detail)


def _children_of(event_ids):
    found = {}
    for event_id, child_id in (AuditChild.select(AuditChild.event, AuditChild.child_id)
                               .where(AuditChild.event.in_(event_ids)).tuples()):
        found.setdefault(event_id, []).append(child_id)
    return found


def _anchor():
    """(seq, hash) the chain starts after: the latest purge's anchor, or the start."""
    purge = AuditPurge.select().order_by(AuditPurge.anchor_seq.desc()).first()
    return (purge.anchor_seq, purge.anchor_hash) if purge else (0, GENESIS)


def _head():
    seal = AuditSeal.select().order_by(AuditSeal.seq.desc()).first()
    return (seal.seq, seal.hash, seal.event_id) if seal else (*_anchor(), 0)


def _unsealed(limit, since=None):
    query = (AuditEvent.select(*_COLUMNS)
             .join(AuditSeal, peewee.JOIN.LEFT_OUTER, on=(AuditSeal.event_id == AuditEvent.id))
             .where(AuditSeal.id.is_null()))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return list(query.order_by(AuditEvent.id).limit(limit).tuples())


def _seal_batch(full=False):
    seq, previous, last_event = _head()
    since = None
    if last_event and not full:
        # The minute's run looks only near the newest sealed event (an index range, not
        # the whole log); an event that turned up much later than its neighbours (a
        # long transaction, a host whose clock is behind) is sealed by the full pass of
        # verify().
        last_at = AuditEvent.select(AuditEvent.at).where(AuditEvent.id == last_event).scalar()
        if last_at is not None:
            since = last_at - datetime.timedelta(hours=1)
    rows = _unsealed(BATCH, since)
    if not rows:
        return 0
    children = _children_of([row[0] for row in rows])
    seals = []
    now = utcnow()
    for row in rows:
        seq += 1
        previous = link(previous, row, children.get(row[0], ()))
        seals.append((seq, row[0], previous, now))
    with database.atomic():
        AuditSeal.insert_many(seals, fields=[AuditSeal.seq, AuditSeal.event_id, AuditSeal.hash,
                                             AuditSeal.sealed_at]).execute()
    return len(seals)


def seal(attempts=5, full=False):
    """Seal every unsealed event, in id order; returns how many. Two sealers at once
    collide on the unique seq or event id: the loser's batch is rolled back and retried
    from the new head. `full` looks through the whole log, not only the last hour."""
    sealed = 0
    failures = 0
    while True:
        try:
            done = _seal_batch(full)
        except peewee.IntegrityError:
            failures += 1
            if failures >= attempts:
                raise
            continue
        if not done:
            return sealed
        sealed += done


def _anchor_problem():
    """Whether the chain's starting point was tampered with: seals left from before the
    latest purge's anchor, or an anchor no sealed `audit.purged` event accounts for (a
    purge row written by hand, to make old rows deletable). None when it holds."""
    purge = AuditPurge.select().order_by(AuditPurge.anchor_seq.desc()).first()
    if purge is None:
        return None
    stale = (AuditSeal.select(AuditSeal.event_id).where(AuditSeal.seq <= purge.anchor_seq)
             .order_by(AuditSeal.seq).limit(1).scalar())
    if stale is not None:
        return Broken(stale, None, "seal before the anchor")
    told = (AuditEvent.select(AuditEvent.id)
            .join(AuditSeal, on=(AuditSeal.event_id == AuditEvent.id))
            .where((AuditEvent.action == "audit.purged")
                   & (AuditEvent.detail.contains(f'"anchor_seq": {purge.anchor_seq},')))
            .limit(1).scalar())
    if told is None and purge.anchor_seq > 0:
        return Broken(None, purge.anchor_seq, "purge not in the log")
    return None


def _walk():
    """The first broken link and the number of seals checked."""
    problem = _anchor_problem()
    if problem is not None:
        return problem, 0, _anchor()[1]
    expected, previous = _anchor()
    rows = 0
    last = expected
    while True:
        seals = list(AuditSeal.select(AuditSeal.seq, AuditSeal.event_id, AuditSeal.hash)
                     .where(AuditSeal.seq > last).order_by(AuditSeal.seq).limit(BATCH).tuples())
        if not seals:
            return None, rows, previous
        events = {row[0]: row for row in AuditEvent.select(*_COLUMNS).where(
            AuditEvent.id.in_([s[1] for s in seals])).tuples()}
        children = _children_of(list(events))
        for seq, event_id, digest in seals:
            expected += 1
            if seq != expected:
                return Broken(event_id, expected, "seal missing"), rows, previous
            row = events.get(event_id)
            if row is None:
                return Broken(event_id, seq, "event deleted"), rows, previous
            if link(previous, row, children.get(event_id, ())) != digest:
                return Broken(event_id, seq, "event changed"), rows, previous
            previous = digest
            rows += 1
        last = seals[-1][0]


def verify(actor=None):
    """Seal what is new, walk the chain, and write the outcome to the audit log."""
    seal(full=True)
    broken, rows, head = _walk()
    if broken is None:
        old = (AuditEvent.select(AuditEvent.id)
               .join(AuditSeal, peewee.JOIN.LEFT_OUTER, on=(AuditSeal.event_id == AuditEvent.id))
               .where(AuditSeal.id.is_null() & (AuditEvent.at < utcnow() - UNSEALED_GRACE))
               .order_by(AuditEvent.id).limit(1).scalar())
        if old is not None:
            broken = Broken(old, None, "event not sealed")
    record("audit.verified", actor=actor, ok=broken is None, rows=rows,
           broken_at=broken.event_id if broken else None,
           problem=broken.problem if broken else "")
    return Result(broken is None, rows, broken, head)


def last_verified():
    """When the chain was last verified, and whether it held: (at, ok), or None."""
    event = (AuditEvent.select(AuditEvent.at, AuditEvent.detail)
             .where(AuditEvent.action == "audit.verified")
             .order_by(AuditEvent.id.desc()).first())
    return (event.at, bool(event.details.get("ok"))) if event else None


def purge_before(cutoff: datetime.datetime) -> int:
    """Delete the audit events older than `cutoff`, with their children and seals, and
    keep the chain verifiable: the chain is cut after its longest start whose events are
    all older than the cutoff, and the last deleted seal becomes the new anchor. Returns
    the number of events deleted."""
    seal()
    start, _ = _anchor()
    first_kept = (AuditSeal.select(peewee.fn.MIN(AuditSeal.seq)).join(
        AuditEvent, on=(AuditEvent.id == AuditSeal.event_id))
        .where((AuditSeal.seq > start) & (AuditEvent.at >= cutoff)).scalar())
    if first_kept is None:
        first_kept = (AuditSeal.select(peewee.fn.MAX(AuditSeal.seq)).scalar() or start) + 1
    anchor_seq = first_kept - 1
    if anchor_seq <= start:
        return 0
    anchor_hash = AuditSeal.select(AuditSeal.hash).where(AuditSeal.seq == anchor_seq).scalar()
    doomed = AuditSeal.select(AuditSeal.event_id).where(AuditSeal.seq <= anchor_seq)
    with database.atomic():
        # The cutoff recorded is the newest deleted event's moment, just past it: the
        # triggers then allow exactly these rows.
        newest = AuditEvent.select(peewee.fn.MAX(AuditEvent.at)).where(
            AuditEvent.id.in_(doomed)).scalar()
        AuditPurge.insert(cutoff=min(cutoff, newest + datetime.timedelta(microseconds=1))
                          if newest else cutoff, anchor_seq=anchor_seq,
                          anchor_hash=anchor_hash, events=anchor_seq - start).execute()
        peewee.ModelDelete(AuditChild).where(AuditChild.event.in_(doomed)).execute()
        deleted = peewee.ModelDelete(AuditEvent).where(AuditEvent.id.in_(doomed)).execute()
        peewee.ModelDelete(AuditSeal).where(AuditSeal.seq <= anchor_seq).execute()
        record("audit.purged", count=deleted, before=cutoff.isoformat(),
               anchor_seq=anchor_seq)
    return deleted
