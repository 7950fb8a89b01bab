"""Safe sending for staff (issue 22).

- `outgoing_announcement`, `outgoing_file`: announcements held for the undo window or
  scheduled, with their checked files; deleted when sent or cancelled.
- `message_template`: a unit's or a person's announcement templates.
"""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class User(Base):
        class Meta:
            table_name = 'user'

    class Unit(Base):
        class Meta:
            table_name = 'unit'

    class OutgoingAnnouncement(Base):
        created_by = ForeignKeyField(User, on_delete='CASCADE')
        targets = TextField()
        subject = CharField(max_length=200)
        body = TextField()
        replies_allowed = BooleanField(default=True)
        per_child = BooleanField(default=False)
        urgent = BooleanField(default=False)
        scheduled = BooleanField(default=False)
        due_at = DateTimeField(index=True)
        created_at = DateTimeField()
        client_token = CharField(max_length=64, null=True, unique=True)

        class Meta:
            table_name = 'outgoing_announcement'

    class OutgoingFile(Base):
        announcement = ForeignKeyField(OutgoingAnnouncement, on_delete='CASCADE')
        filename = CharField(max_length=200)
        stored_name = CharField(max_length=64, unique=True)
        mimetype = CharField(max_length=50)
        size = IntegerField()
        width = IntegerField(null=True)
        height = IntegerField(null=True)

        class Meta:
            table_name = 'outgoing_file'

    class MessageTemplate(Base):
        unit = ForeignKeyField(Unit, null=True, on_delete='CASCADE')
        owner = ForeignKeyField(User, null=True, on_delete='CASCADE')
        name = CharField(max_length=100)
        subject = CharField(max_length=200)
        body = TextField()
        created_by = ForeignKeyField(User, on_delete='CASCADE')
        updated_at = DateTimeField()

        class Meta:
            table_name = 'message_template'

    db.create_tables([OutgoingAnnouncement, OutgoingFile, MessageTemplate])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('message_template'))
    migrator.migrate(migrator.drop_table('outgoing_file'))
    migrator.migrate(migrator.drop_table('outgoing_announcement'))
