"""A child's own login: a pupil answers consents about themselves from the age the
municipality sets (off by default)."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    migrator.migrate(migrator.add_column(
        'child', 'account_id', ForeignKeyField(User, null=True, on_delete='SET NULL',
                                               field=User.id)))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('child', 'child_account_id'))
    migrator.migrate(migrator.drop_column('child', 'account_id'))
