"""Issue 18: a unit's attendance settings (registers per lesson, when the notice of an
unexplained absence goes, which staff reasons need none), the staff's reason on an
absent mark, and the notices themselves with the guardians' answers."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class Unit(Base):
        class Meta:
            table_name = 'unit'

    class Child(Base):
        class Meta:
            table_name = 'child'

    class Group(Base):
        class Meta:
            table_name = 'group'

    class User(Base):
        class Meta:
            table_name = 'user'

    class AttendanceSetting(Base):
        unit = ForeignKeyField(Unit, on_delete='CASCADE', unique=True)
        lessons = IntegerField(default=0)
        notice_after = TimeField(null=True)
        exempt = CharField(max_length=60, default='phoned,activity')
        changed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        changed_at = DateTimeField()

        class Meta:
            table_name = 'attendance_setting'

    class AbsenceNotice(Base):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        day = DateField()
        group = ForeignKeyField(Group, on_delete='CASCADE')
        marked_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        due_at = DateTimeField()
        told = CharField(max_length=300, default='')
        withdrawn_at = DateTimeField(null=True)
        answer = CharField(max_length=12, default='')
        answered_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        answered_at = DateTimeField(null=True)

        class Meta:
            table_name = 'absence_notice'
            indexes = ((('child', 'day'), True), (('group', 'day'), False))

    migrator.migrate(migrator.add_column('attendance_mark', 'reason',
                                         CharField(max_length=12, default='unknown')))
    db.create_tables([AttendanceSetting, AbsenceNotice])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('absence_notice'),
                     migrator.drop_table('attendance_setting'),
                     migrator.drop_column('attendance_mark', 'reason'))
