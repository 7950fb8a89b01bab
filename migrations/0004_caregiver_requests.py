"""Caregiver grants as a request: who asked, the relation to the child, the unit
leader's confirmation, and who ended a grant and why (declined or withdrawn).

Grants that already gave access under the earlier rule (every guardian with parental
responsibility had approved) are confirmed as of their creation, so nobody loses access
by upgrading.
"""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    def user_reference():
        return ForeignKeyField(User, null=True, on_delete='SET NULL', field=User.id)

    migrator.migrate(
        migrator.add_column('caregiver_grant', 'requested_by_id', user_reference()),
        migrator.add_column('caregiver_grant', 'relation',
                            CharField(max_length=20, default='other')),
        migrator.add_column('caregiver_grant', 'confirmed_at', DateTimeField(null=True)),
        migrator.add_column('caregiver_grant', 'confirmed_by_id', user_reference()),
        migrator.add_column('caregiver_grant', 'ended_by_id', user_reference()),
        migrator.add_column('caregiver_grant', 'end_reason',
                            CharField(max_length=10, default='')),
    )
    db.execute_sql(
        "UPDATE caregiver_grant SET confirmed_at = created_at WHERE revoked_at IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM guardianship g WHERE g.child_id = caregiver_grant.child_id "
        "AND g.responsibility IN ('shared', 'sole') AND NOT EXISTS (SELECT 1 FROM "
        "caregiver_approval a WHERE a.grant_id = caregiver_grant.id "
        "AND a.guardian_id = g.guardian_id))")


def down(migrator, db):
    migrator.migrate(*[migrator.drop_index('caregiver_grant', f'caregiver_grant_{column}')
                       for column in ('requested_by_id', 'confirmed_by_id', 'ended_by_id')])
    migrator.migrate(*[migrator.drop_column('caregiver_grant', column) for column in (
        'requested_by_id', 'relation', 'confirmed_at', 'confirmed_by_id', 'ended_by_id',
        'end_reason')])
