"""The tamper-evident audit log (models/audit_chain.py): every audit event is sealed in
a hash chain; verify names the first row that was changed, deleted or left unsealed; the
retention purge deletes old events and the chain still verifies; the database refuses to
delete recent rows, purge or no purge."""
import contextlib
import datetime
import json

import peewee
import pytest
from click.testing import CliRunner

import cli
from models import audit, audit_chain
from models.audit import AuditChild, AuditEvent
from models.audit_chain import AuditPurge, AuditSeal
from models.db import database, utcnow

UTC = datetime.timezone.utc


def postgres():
    return isinstance(database.obj, peewee.PostgresqlDatabase)


@contextlib.contextmanager
def triggers_off(table):
    """Tamper as someone with the database's owner rights would: the triggers off."""
    if postgres():
        database.execute_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        try:
            yield
        finally:
            database.execute_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        return
    saved = [sql for (sql,) in database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,))]
    names = [name for (name,) in database.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,))]
    for name in names:
        database.execute_sql(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        for sql in saved:
            database.execute_sql(sql)


def raw(sql, params=()):
    """SQL written with ? placeholders, on either database."""
    return database.execute_sql(sql.replace("?", database.obj.param), params)


def refused(sql, params=()):
    with pytest.raises(peewee.DatabaseError):
        with database.atomic():
            raw(sql, params)


def events(n, action="test.event"):
    return [audit.record(action, n=i, child=None) for i in range(n)]


def test_a_fresh_log_seals_and_verifies(app):
    events(3)
    result = audit_chain.verify()
    assert result.ok and result.broken is None
    total = AuditEvent.select().count()
    # every event but the verification's own row (sealed next time) is in the chain
    assert result.rows == total - 1 == AuditSeal.select().count()
    row = AuditEvent.select().where(AuditEvent.action == "audit.verified").get()
    assert row.details == {"ok": True, "rows": result.rows, "broken_at": None, "problem": ""}
    assert audit_chain.verify().rows == total  # and the next walk includes it


def test_sealing_twice_seals_nothing_new_and_keeps_the_chain(app):
    events(2)
    first = audit_chain.seal()
    assert first == AuditEvent.select().count()
    assert audit_chain.seal() == 0
    events(1)
    assert audit_chain.seal() == 1
    seqs = [s for (s,) in AuditSeal.select(AuditSeal.seq).order_by(AuditSeal.seq).tuples()]
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_changed_event_is_found_and_named(app):
    made = events(5)
    audit_chain.seal()
    target = made[2]
    with triggers_off("audit_event"):
        raw("UPDATE audit_event SET detail = ? WHERE id = ?",
                             (json.dumps({"n": 99}), target.id))
    result = audit_chain.verify()
    assert not result.ok
    assert result.broken.event_id == target.id and result.broken.problem == "event changed"
    row = AuditEvent.select().where(AuditEvent.action == "audit.verified").get()
    assert row.details["ok"] is False and row.details["broken_at"] == target.id


def test_a_removed_child_of_an_event_is_found(app, ids):
    event = audit.record("child.viewed", children=[ids["emma"], ids["jonas"]])
    audit_chain.seal()
    with triggers_off("audit_child"):
        raw("DELETE FROM audit_child WHERE event_id = ? AND child_id = ?",
                             (event.id, ids["jonas"]))
    result = audit_chain.verify()
    assert result.broken.event_id == event.id and result.broken.problem == "event changed"


def test_a_deleted_middle_event_is_found(app):
    made = events(5)
    audit_chain.seal()
    with triggers_off("audit_event"):
        raw("DELETE FROM audit_event WHERE id = ?", (made[2].id,))
    result = audit_chain.verify()
    assert result.broken.event_id == made[2].id and result.broken.problem == "event deleted"


def test_a_deleted_event_and_its_seal_are_found(app):
    made = events(5)
    audit_chain.seal()
    with triggers_off("audit_event"), triggers_off("audit_seal"):
        raw("DELETE FROM audit_event WHERE id = ?", (made[2].id,))
        raw("DELETE FROM audit_seal WHERE event_id = ?", (made[2].id,))
    result = audit_chain.verify()
    assert result.broken.event_id == made[3].id and result.broken.problem == "seal missing"


def test_an_event_that_turned_up_late_is_sealed_by_verify(app, clock):
    clock.set(datetime.datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False)
    events(3)
    audit_chain.seal()
    # An event stamped long before the newest sealed one (a long transaction, a host
    # whose clock is behind): the minute's sealer does not look that far back…
    late = events(1)[0]
    with triggers_off("audit_event"):
        raw("UPDATE audit_event SET at = ? WHERE id = ?",
            (utcnow() - datetime.timedelta(hours=2), late.id))
    audit_chain.seal()
    assert not AuditSeal.select().where(AuditSeal.event_id == late.id).exists()
    # …verify's full pass seals it, and the chain holds.
    result = audit_chain.verify()
    assert result.ok, result.broken
    assert AuditSeal.select().where(AuditSeal.event_id == late.id).exists()


def test_a_purge_row_written_by_hand_to_delete_the_log_is_found(app):
    """Someone who may write to the database but not drop its triggers adds a purge row
    far ahead, so that the triggers let every row go, and deletes the log."""
    events(5)
    audit_chain.seal()
    assert audit_chain.verify().ok
    raw("INSERT INTO audit_purge (purged_at, cutoff, anchor_seq, anchor_hash, events) "
        "VALUES (?, ?, ?, ?, ?)", (utcnow(), datetime.datetime(9999, 1, 1), 10 ** 9,
                                   "f" * 64, 0))
    result = audit_chain.verify()
    assert not result.ok and result.broken.problem == "seal before the anchor"
    raw("DELETE FROM audit_child")
    raw("DELETE FROM audit_seal")
    raw("DELETE FROM audit_event")
    result = audit_chain.verify()
    assert not result.ok and result.broken.problem == "purge not in the log"


def test_the_database_refuses_changes_and_deletions(app):
    made = events(2)
    audit_chain.seal()
    refused("UPDATE audit_event SET action = 'x' WHERE id = ?", (made[0].id,))
    refused("DELETE FROM audit_event WHERE id = ?", (made[0].id,))
    refused("UPDATE audit_seal SET hash = 'x' WHERE event_id = ?", (made[0].id,))
    refused("DELETE FROM audit_seal WHERE event_id = ?", (made[0].id,))
    assert AuditEvent.select().where(AuditEvent.id == made[0].id).exists()


@pytest.mark.clock("2020-01-10 12:00")
def test_purge_keeps_the_chain_verifiable_and_recent_rows_undeletable(app, clock, ids):
    old = events(4, "old.event") + [audit.record("child.viewed", children=[ids["emma"]])]
    clock.set(datetime.datetime(2026, 1, 10, 12, tzinfo=UTC))
    recent = events(3, "recent.event")
    before = AuditEvent.select().count()
    deleted = audit_chain.purge_before(datetime.datetime(2021, 1, 1))
    assert deleted == before - len(recent)  # the demo's events are from 2020 too
    assert AuditEvent.select().count() == len(recent) + 1  # + audit.purged
    assert not AuditEvent.select().where(AuditEvent.id.in_([e.id for e in old])).exists()
    assert not AuditChild.select().where(AuditChild.event.in_([e.id for e in old])).exists()
    purge = AuditPurge.get()
    assert purge.events == deleted
    result = audit_chain.verify()
    assert result.ok, result.broken
    # The purge opened the door to old rows only: recent rows stay undeletable.
    refused("DELETE FROM audit_event WHERE id = ?", (recent[0].id,))
    refused("DELETE FROM audit_seal WHERE event_id = ?", (recent[0].id,))
    refused("DELETE FROM audit_purge")
    refused("UPDATE audit_purge SET cutoff = ?", (datetime.datetime(2030, 1, 1),))
    # and a second purge with nothing old to delete changes nothing
    assert audit_chain.purge_before(datetime.datetime(2021, 1, 1)) == 0
    assert audit_chain.verify().ok


def test_the_application_cannot_delete_or_change_seals(app):
    events(1)
    audit_chain.seal()
    seal = AuditSeal.select().first()
    with pytest.raises(audit.AppendOnlyError):
        seal.delete_instance()
    with pytest.raises(audit.AppendOnlyError):
        AuditSeal.update(hash="x")


def test_flask_audit_verify(app):
    events(2)
    runner = CliRunner()
    with app.app_context():
        ok = runner.invoke(cli.audit_group, ["verify"])
    assert ok.exit_code == 0, ok.output
    assert "verified" in ok.output and "head" in ok.output
    target = AuditEvent.select().order_by(AuditEvent.id).first()
    with triggers_off("audit_event"):
        raw("UPDATE audit_event SET ip = '10.0.0.1' WHERE id = ?",
                             (target.id,))
    with app.app_context():
        broken = runner.invoke(cli.audit_group, ["verify"])
    assert broken.exit_code == 1
    assert f"event {target.id}" in broken.output and "event changed" in broken.output


def test_the_workers_minute_task_seals_new_events(app):
    events(2)
    queue = app.extensions["queue"]
    assert queue.seal() == AuditEvent.select().count()
    assert queue.seal() == 0
    assert "seal_audit" in {task.__name__ for task in queue.huey._registry._periodic_tasks}
