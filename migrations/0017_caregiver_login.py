"""Issue 17: a confirmed caregiver can log in.

- A caregiver request may hold the person's national identity number (encrypted, found
  by its keyed hash), so that the eID login returning it accepts the invitation.
- The confirming leader allows a one-time code login per grant (`code_login`). Grants
  made before had it implicitly (their invitation offered codes), so they keep it.
- A caregiver invited by SMS logs in with codes to a mobile number (`code_login_phone`).
"""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('caregiver_grant', 'national_id', TextField(null=True)),
        migrator.add_column('caregiver_grant', 'national_id_index',
                            CharField(max_length=64, null=True, index=True)),
        migrator.add_column('caregiver_grant', 'code_login', BooleanField(default=False)),
        migrator.add_column('user', 'code_login_phone', CharField(max_length=40, null=True)),
    )
    db.execute_sql('UPDATE caregiver_grant SET code_login = %s' % (
        'TRUE' if isinstance(db, PostgresqlDatabase) else '1'))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('caregiver_grant',
                                         'caregiver_grant_national_id_index'))
    migrator.migrate(
        migrator.drop_column('user', 'code_login_phone'),
        migrator.drop_column('caregiver_grant', 'code_login'),
        migrator.drop_column('caregiver_grant', 'national_id_index'),
        migrator.drop_column('caregiver_grant', 'national_id'),
    )
