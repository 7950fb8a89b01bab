"""Issue 18: a department's shared tablet (paired by a leader, unpaired at once) and each
staff member's PIN for it."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class Group(Base):
        class Meta:
            table_name = 'group'

    class User(Base):
        class Meta:
            table_name = 'user'

    class Device(Base):
        group = ForeignKeyField(Group, on_delete='CASCADE')
        name = CharField(max_length=100)
        token_hash = CharField(max_length=64, unique=True)
        paired_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        paired_at = DateTimeField()
        unpaired_at = DateTimeField(null=True)
        unpaired_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        failed_pins = IntegerField(default=0)
        locked_at = DateTimeField(null=True)
        last_seen_at = DateTimeField(null=True)

        class Meta:
            table_name = 'device'
            indexes = ((('group', 'unpaired_at'), False),)

    class StaffPin(Base):
        user = ForeignKeyField(User, unique=True, on_delete='CASCADE')
        pin_hash = CharField(max_length=200)
        set_at = DateTimeField()

        class Meta:
            table_name = 'staff_pin'

    db.create_tables([Device, StaffPin])


def down(migrator, db):
    for table in ('staff_pin', 'device'):
        migrator.migrate(migrator.drop_table(table))
