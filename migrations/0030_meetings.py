"""Issue 20: parent–teacher meeting rounds, their children and slots, and bookings
(UNIQUE(slot): no double booking)."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class Unit(Base):
        class Meta:
            table_name = 'unit'

    class Group(Base):
        class Meta:
            table_name = 'group'

    class Child(Base):
        class Meta:
            table_name = 'child'

    class User(Base):
        class Meta:
            table_name = 'user'

    class MeetingRound(Base):
        unit = ForeignKeyField(Unit, on_delete='CASCADE')
        group = ForeignKeyField(Group, null=True, on_delete='CASCADE')
        title = CharField(max_length=120)
        intro = TextField(default='')
        deadline = DateTimeField()
        allow_separate = BooleanField(default=False)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        cancelled_at = DateTimeField(null=True)

        class Meta:
            table_name = 'meeting_round'

    class MeetingRoundChild(Base):
        round = ForeignKeyField(MeetingRound, on_delete='CASCADE')
        child = ForeignKeyField(Child, on_delete='CASCADE')
        agenda = TextField(default='')
        separate = BooleanField(default=False)

        class Meta:
            table_name = 'meeting_round_child'
            indexes = ((('round', 'child'), True),)

    class MeetingSlot(Base):
        round = ForeignKeyField(MeetingRound, on_delete='CASCADE')
        starts_at = DateTimeField()
        ends_at = DateTimeField()
        first_day = DateField()
        place = CharField(max_length=200, default='')
        video_link = CharField(max_length=300, default='')

        class Meta:
            table_name = 'meeting_slot'
            indexes = ((('round', 'starts_at'), False),)

    class MeetingBooking(Base):
        slot = ForeignKeyField(MeetingSlot, unique=True, on_delete='CASCADE')
        round = ForeignKeyField(MeetingRound, on_delete='CASCADE')
        child = ForeignKeyField(Child, on_delete='CASCADE')
        household = IntegerField(default=0)
        booked_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        by_staff = BooleanField(default=False)
        booked_at = DateTimeField()
        reminded_at = DateTimeField(null=True)

        class Meta:
            table_name = 'meeting_booking'
            indexes = ((('round', 'child', 'household'), True),)

    db.create_tables([MeetingRound, MeetingRoundChild, MeetingSlot, MeetingBooking])


def down(migrator, db):
    for table in ('meeting_booking', 'meeting_slot', 'meeting_round_child', 'meeting_round'):
        migrator.migrate(migrator.drop_table(table))
