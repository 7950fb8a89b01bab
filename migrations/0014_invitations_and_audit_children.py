"""Issue 15.

- A caregiver request names the person as the requester typed them and invites their
  address; the grant finds its account only when the invited person accepts, logged in
  (so `caregiver_id` is empty until then). Grants made earlier keep their account and
  take its name and contact details as the typed ones.
- A changed e-mail address waits in `email_change` until its owner opens the link sent
  to it.
- `audit_child`: the children each audit event concerns, filled for the events already
  in the log from their `child` detail or their child object.
"""
import json

from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class User(Base):
        class Meta:
            table_name = 'user'

    class AuditEvent(Base):
        class Meta:
            table_name = 'audit_event'

    class AuditChild(Base):
        event = ForeignKeyField(AuditEvent, on_delete='CASCADE')
        child_id = IntegerField()

        class Meta:
            table_name = 'audit_child'
            indexes = ((('child_id', 'event'), True),)

    class EmailChange(Base):
        user = ForeignKeyField(User, on_delete='CASCADE', unique=True)
        address = CharField(max_length=200)
        token_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField()
        expires_at = DateTimeField()

        class Meta:
            table_name = 'email_change'

    migrator.migrate(
        migrator.drop_not_null('caregiver_grant', 'caregiver_id'),
        migrator.add_column('caregiver_grant', 'first_name', CharField(max_length=100, default='')),
        migrator.add_column('caregiver_grant', 'last_name', CharField(max_length=100, default='')),
        migrator.add_column('caregiver_grant', 'email', CharField(max_length=200, default='')),
        migrator.add_column('caregiver_grant', 'phone', CharField(max_length=40, default='')),
        migrator.add_column('caregiver_grant', 'invitation_hash',
                            CharField(max_length=64, null=True, unique=True)),
        migrator.add_column('caregiver_grant', 'invited_at', DateTimeField(null=True)),
        migrator.add_column('caregiver_grant', 'accepted_at', DateTimeField(null=True)),
    )
    for column in ('first_name', 'last_name', 'email', 'phone'):
        db.execute_sql(f'UPDATE caregiver_grant SET {column} = (SELECT u.{column} FROM "user" u '
                       f'WHERE u.id = caregiver_grant.caregiver_id)')
    db.execute_sql('UPDATE caregiver_grant SET accepted_at = created_at')

    db.create_tables([AuditChild, EmailChange])
    rows = db.execute_sql('SELECT id, object_type, object_id, detail FROM audit_event')
    pairs = set()
    for event_id, object_type, object_id, detail in rows.fetchall():
        if object_type == 'child' and object_id is not None:
            pairs.add((event_id, object_id))
        child = json.loads(detail or '{}').get('child')
        if isinstance(child, int):
            pairs.add((event_id, child))
    if pairs:
        AuditChild.insert_many(sorted(pairs), fields=[AuditChild.event,
                                                      AuditChild.child_id]).execute()
    # Append-only like audit_event (migration 0001).
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(
            "CREATE OR REPLACE FUNCTION audit_child_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_child is append-only'; END $$ LANGUAGE plpgsql")
        db.execute_sql(
            "CREATE TRIGGER audit_child_append_only BEFORE UPDATE OR DELETE ON audit_child "
            "FOR EACH ROW EXECUTE FUNCTION audit_child_append_only()")
    else:
        for event in ('UPDATE', 'DELETE'):
            db.execute_sql(
                f"CREATE TRIGGER audit_child_no_{event.lower()} BEFORE {event} ON audit_child "
                "BEGIN SELECT RAISE(ABORT, 'audit_child is append-only'); END")


def down(migrator, db):
    migrator.migrate(migrator.drop_table('email_change'), migrator.drop_table('audit_child'))
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP FUNCTION IF EXISTS audit_child_append_only()")
    migrator.migrate(migrator.drop_index('caregiver_grant', 'caregiver_grant_invitation_hash'))
    migrator.migrate(*[migrator.drop_column('caregiver_grant', column) for column in (
        'first_name', 'last_name', 'email', 'phone', 'invitation_hash', 'invited_at',
        'accepted_at')])
    db.execute_sql('DELETE FROM caregiver_grant WHERE caregiver_id IS NULL')
    migrator.migrate(migrator.add_not_null('caregiver_grant', 'caregiver_id'))
