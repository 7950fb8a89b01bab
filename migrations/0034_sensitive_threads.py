"""Sensitive threads (issue 22).

- `thread.sensitive`: readable only by its participants and the unit's leader, after a
  fresh strong login; never unset.
"""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('thread', 'sensitive', BooleanField(default=False)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('thread', 'sensitive'))
