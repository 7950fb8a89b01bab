"""Issue 19: the tamper-evident audit log. Each audit event gets a seal: a SHA-256 over
the previous seal's hash and the event's content (models/audit_chain.py). The retention
purge may delete events, their children and seals older than a purge's cutoff, which it
records first in audit_purge with the last deleted seal as the chain's new anchor; the
database still refuses to delete anything younger, and to change anything at all."""
from peewee import *

# When a row of each table may be deleted: only below the latest purge's cutoff.
SQLITE_DELETABLE = {
    'audit_event': "OLD.at < (SELECT MAX(cutoff) FROM audit_purge)",
    'audit_child': "COALESCE((SELECT e.at FROM audit_event e WHERE e.id = OLD.event_id), '')"
                   " < (SELECT MAX(cutoff) FROM audit_purge)",
    'audit_seal': "OLD.seq <= (SELECT MAX(anchor_seq) FROM audit_purge)",
}
POSTGRES_DELETABLE = {
    'audit_event': "OLD.at < (SELECT MAX(cutoff) FROM audit_purge)",
    'audit_child': "COALESCE((SELECT e.at FROM audit_event e WHERE e.id = OLD.event_id), "
                   "'-infinity'::timestamp) < (SELECT MAX(cutoff) FROM audit_purge)",
    'audit_seal': "OLD.seq <= (SELECT MAX(anchor_seq) FROM audit_purge)",
}


def _postgres_function(table, deletable):
    allow = (f"IF TG_OP = 'DELETE' AND ({deletable}) THEN RETURN OLD; END IF; "
             if deletable else "")
    return (f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
            f"BEGIN {allow}RAISE EXCEPTION '{table} is append-only'; END $$ LANGUAGE plpgsql")


def _sqlite_triggers(db, table, deletable):
    for event in ('UPDATE', 'DELETE'):
        db.execute_sql(f"DROP TRIGGER IF EXISTS {table}_no_{event.lower()}")
        when = f" WHEN NOT COALESCE({deletable}, 0)" if event == 'DELETE' and deletable else ""
        db.execute_sql(
            f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}{when} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class AuditSeal(Base):
        seq = IntegerField(unique=True)
        event_id = IntegerField(unique=True)
        hash = CharField(max_length=64)
        sealed_at = DateTimeField()

        class Meta:
            table_name = 'audit_seal'

    class AuditPurge(Base):
        cutoff = DateTimeField()
        anchor_seq = IntegerField()
        anchor_hash = CharField(max_length=64)
        events = IntegerField()
        purged_at = DateTimeField()

        class Meta:
            table_name = 'audit_purge'

    db.create_tables([AuditSeal, AuditPurge])
    postgres = isinstance(db, PostgresqlDatabase)
    deletable = POSTGRES_DELETABLE if postgres else SQLITE_DELETABLE
    for table in ('audit_event', 'audit_child', 'audit_seal', 'audit_purge'):
        if postgres:
            db.execute_sql(_postgres_function(table, deletable.get(table)))
            if table in ('audit_seal', 'audit_purge'):
                db.execute_sql(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
        else:
            _sqlite_triggers(db, table, deletable.get(table))


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for table in ('audit_event', 'audit_child'):
            db.execute_sql(_postgres_function(table, None))
    else:
        for table in ('audit_event', 'audit_child'):
            _sqlite_triggers(db, table, None)
    migrator.migrate(migrator.drop_table('audit_purge'), migrator.drop_table('audit_seal'))
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP FUNCTION IF EXISTS audit_seal_append_only()")
        db.execute_sql("DROP FUNCTION IF EXISTS audit_purge_append_only()")
