"""Folders for staff and copies to the other home (issue 22).

- `thread.done_at`, `thread.done_by_id`: a thread marked done by a member of staff (for
  the staff who read it; undone when a guardian writes again).
- `thread_follow_up`: a member of staff's own reminder to follow a thread up, by a day
  or not; deleted with the thread or the person.
- `thread_participant.copied_by_id`: a guardian copied into a conversation by the
  co-guardian who wrote it.
"""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class User(Base):
        class Meta:
            table_name = 'user'

    class Thread(Base):
        class Meta:
            table_name = 'thread'

    def user_reference():
        return ForeignKeyField(User, null=True, on_delete='SET NULL', field=User.id)

    migrator.migrate(
        migrator.add_column('thread', 'done_at', DateTimeField(null=True)),
        migrator.add_column('thread', 'done_by_id', user_reference()),
        migrator.add_column('thread_participant', 'copied_by_id', user_reference()),
    )

    class ThreadFollowUp(Base):
        thread = ForeignKeyField(Thread, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE', index=False)
        due = DateField(null=True)
        created_at = DateTimeField()

        class Meta:
            table_name = 'thread_follow_up'
            indexes = ((('user', 'thread'), True),)

    db.create_tables([ThreadFollowUp])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('thread_follow_up'))
    migrator.migrate(
        migrator.drop_index('thread_participant', 'thread_participant_copied_by_id'),
        migrator.drop_index('thread', 'thread_done_by_id'),
    )
    migrator.migrate(
        migrator.drop_column('thread_participant', 'copied_by_id'),
        migrator.drop_column('thread', 'done_by_id'),
        migrator.drop_column('thread', 'done_at'),
    )
