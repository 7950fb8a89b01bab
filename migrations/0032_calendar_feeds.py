"""Issue 20: personal calendar feeds and the units' calendar stamps.

- `calendar_feed`: one subscription per person; only the SHA-256 of its secret.
- `calendar_stamp`: when a unit's calendar last changed (the feeds' ETag).
"""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class Unit(Base):
        class Meta:
            table_name = 'unit'

    class User(Base):
        class Meta:
            table_name = 'user'

    class CalendarFeed(Base):
        user = ForeignKeyField(User, unique=True, on_delete='CASCADE')
        secret_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField()

        class Meta:
            table_name = 'calendar_feed'

    class CalendarStamp(Base):
        unit = ForeignKeyField(Unit, unique=True, on_delete='CASCADE')
        changed_at = DateTimeField()
        version = IntegerField(default=1)

        class Meta:
            table_name = 'calendar_stamp'

    db.create_tables([CalendarFeed, CalendarStamp])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('calendar_stamp'))
    migrator.migrate(migrator.drop_table('calendar_feed'))
