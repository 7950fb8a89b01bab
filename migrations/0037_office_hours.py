"""Office hours (issue 22).

- `staff_office_hours`: when a member of staff answers messages, one span a weekday
  (minutes after local midnight); none: the unit's hours.
- `unit_office_hours`: the same for a unit; none: no hours (no notice, no delay). The
  unit's phone for urgent matters is `unit.phone`, which exists already.
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

    class StaffOfficeHours(Base):
        user = ForeignKeyField(User, on_delete='CASCADE')
        weekday = SmallIntegerField()
        opens = SmallIntegerField()
        closes = SmallIntegerField()

        class Meta:
            table_name = 'staff_office_hours'
            indexes = ((('user', 'weekday'), True),)

    class UnitOfficeHours(Base):
        unit = ForeignKeyField(Unit, on_delete='CASCADE')
        weekday = SmallIntegerField()
        opens = SmallIntegerField()
        closes = SmallIntegerField()

        class Meta:
            table_name = 'unit_office_hours'
            indexes = ((('unit', 'weekday'), True),)

    db.create_tables([StaffOfficeHours, UnitOfficeHours])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('unit_office_hours'))
    migrator.migrate(migrator.drop_table('staff_office_hours'))
