"""Issue 18: the attendance register. One mark per child, day and lesson (0: the day
register); the group is the register it was marked in."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class Child(Base):
        class Meta:
            table_name = 'child'

    class Group(Base):
        class Meta:
            table_name = 'group'

    class User(Base):
        class Meta:
            table_name = 'user'

    class AttendanceMark(Base):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        group = ForeignKeyField(Group, on_delete='CASCADE')
        day = DateField()
        lesson = IntegerField(default=0)
        status = CharField(max_length=10)
        late_at = TimeField(null=True)
        marked_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        marked_at = DateTimeField()

        class Meta:
            table_name = 'attendance_mark'
            indexes = ((('child', 'day', 'lesson'), True), (('group', 'day'), False))

    db.create_tables([AttendanceMark])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('attendance_mark'))
