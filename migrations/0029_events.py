"""Issue 20: events — the event, its texts in other languages, who is invited, and
each child's reply."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class Child(Base):
        class Meta:
            table_name = 'child'

    class Unit(Base):
        class Meta:
            table_name = 'unit'

    class User(Base):
        class Meta:
            table_name = 'user'

    class Group(Base):
        class Meta:
            table_name = 'group'

    class Event(Base):
        unit = ForeignKeyField(Unit, on_delete='CASCADE')
        title = CharField(max_length=120)
        body = TextField(default='')
        place = CharField(max_length=200, default='')
        bring = TextField(default='')
        language = CharField(max_length=5)
        all_day = BooleanField(default=False)
        starts_at = DateTimeField()
        ends_at = DateTimeField()
        first_day = DateField()
        last_day = DateField()
        whole_unit = BooleanField(default=False)
        reply_wanted = BooleanField(default=False)
        asks_counts = BooleanField(default=False)
        reply_deadline = DateTimeField(null=True)
        uid = CharField(max_length=64, unique=True)
        sequence = IntegerField(default=0)
        changed_at = DateTimeField(null=True)
        previous = TextField(default='')
        cancelled_at = DateTimeField(null=True)
        reminded_at = DateTimeField(null=True)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = 'event'
            indexes = ((('unit', 'first_day'), False), (('first_day', 'last_day'), False))

    class EventText(Base):
        event = ForeignKeyField(Event, on_delete='CASCADE')
        language = CharField(max_length=5)
        title = CharField(max_length=120)
        body = TextField(default='')
        bring = TextField(default='')

        class Meta:
            table_name = 'event_text'
            indexes = ((('event', 'language'), True),)

    class EventAudience(Base):
        event = ForeignKeyField(Event, on_delete='CASCADE')
        group = ForeignKeyField(Group, null=True, on_delete='CASCADE')
        child = ForeignKeyField(Child, null=True, on_delete='CASCADE')

        class Meta:
            table_name = 'event_audience'

    class EventReply(Base):
        event = ForeignKeyField(Event, on_delete='CASCADE')
        child = ForeignKeyField(Child, on_delete='CASCADE')
        answer = CharField(max_length=5)
        children = IntegerField(null=True)
        adults = IntegerField(null=True)
        answered_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        answered_at = DateTimeField()

        class Meta:
            table_name = 'event_reply'
            indexes = ((('event', 'child'), True),)

    db.create_tables([Event, EventText, EventAudience, EventReply])


def down(migrator, db):
    for table in ('event_reply', 'event_audience', 'event_text', 'event'):
        migrator.migrate(migrator.drop_table(table))
