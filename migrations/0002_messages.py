"""Messages: threads about a child (or, for announcements, a group) in a unit, their
participants with read and archive state, and the messages.

Frozen copies of the models as they were. The referenced tables are stubs.
"""
from peewee import *


def up(migrator, db):
    class Child(Model):
        class Meta:
            database = db
            table_name = 'child'

    class Group(Model):
        class Meta:
            database = db
            table_name = 'group'

    class Unit(Model):
        class Meta:
            database = db
            table_name = 'unit'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Thread(Model):
        kind = CharField(max_length=20, default='conversation')
        unit = ForeignKeyField(Unit, on_delete='CASCADE')
        child = ForeignKeyField(Child, null=True, on_delete='CASCADE')
        group = ForeignKeyField(Group, null=True, on_delete='CASCADE')
        subject = CharField(max_length=200)
        created_by = ForeignKeyField(User, on_delete='CASCADE')
        created_at = DateTimeField()
        replies_allowed = BooleanField(default=True)
        last_message_at = DateTimeField(index=True)
        last_from_guardian = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'thread'
            indexes = ((('unit', 'last_message_at'), False), (('child', 'unit'), False))
    db.create_tables([Thread])

    class Message(Model):
        thread = ForeignKeyField(Thread, on_delete='CASCADE')
        sender = ForeignKeyField(User, on_delete='CASCADE')
        body = TextField()
        created_at = DateTimeField()
        withdrawn_at = DateTimeField(null=True)
        client_token = CharField(unique=True, null=True, max_length=64)
        class Meta:
            database = db
            table_name = 'message'
            indexes = ((('thread', 'created_at'), False),)
    db.create_tables([Message])

    class ThreadParticipant(Model):
        thread = ForeignKeyField(Thread, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        role = CharField(max_length=10)
        last_read_at = DateTimeField(null=True)
        archived_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'thread_participant'
            indexes = ((('thread', 'user'), True), (('user', 'archived_at'), False))
    db.create_tables([ThreadParticipant])

    class Attachment(Model):
        message = ForeignKeyField(Message, on_delete='CASCADE')
        filename = CharField(max_length=200)
        stored_name = CharField(unique=True, max_length=64)
        mimetype = CharField(max_length=50)
        size = IntegerField()
        width = IntegerField(null=True)
        height = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'attachment'
    db.create_tables([Attachment])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('attachment'))
    migrator.migrate(migrator.drop_table('thread_participant'))
    migrator.migrate(migrator.drop_table('message'))
    migrator.migrate(migrator.drop_table('thread'))

