"""Safe sending (issue 22): an announcement the worker could not send stays in its
sender's outbox, saying why, instead of vanishing.

- `outgoing_announcement.not_sent`: why it was not sent ("target": the sender may no
  longer send to one of its groups or units; "nobody": nobody to deliver it to), or
  null while it waits to be sent.
"""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('outgoing_announcement', 'not_sent',
                            CharField(max_length=20, null=True)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('outgoing_announcement', 'not_sent'))
