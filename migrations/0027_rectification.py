"""Issue 19: rectification requests (GDPR art. 16): the request, the units whose
leaders answer it, and its history."""
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

    class Absence(Base):
        class Meta:
            table_name = 'absence'

    class AttendanceMark(Base):
        class Meta:
            table_name = 'attendance_mark'

    class Rectification(Base):
        requester = ForeignKeyField(User, on_delete='CASCADE')
        about = CharField(max_length=10)
        field = CharField(max_length=20)
        child = ForeignKeyField(Child, null=True, on_delete='CASCADE')
        absence = ForeignKeyField(Absence, null=True, on_delete='SET NULL')
        mark = ForeignKeyField(AttendanceMark, null=True, on_delete='SET NULL')
        register = BooleanField(default=False)
        status = CharField(max_length=10, default='open')
        created_at = DateTimeField()
        closed_at = DateTimeField(null=True)
        closed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')

        class Meta:
            table_name = 'rectification'
            indexes = ((('requester', 'created_at'), False), (('status', 'register'), False))

    class RectificationUnit(Base):
        rectification = ForeignKeyField(Rectification, on_delete='CASCADE')
        unit = ForeignKeyField(Unit, on_delete='CASCADE')

        class Meta:
            table_name = 'rectification_unit'
            indexes = ((('rectification', 'unit'), True), (('unit',), False))

    class RectificationEntry(Base):
        rectification = ForeignKeyField(Rectification, on_delete='CASCADE')
        kind = CharField(max_length=10)
        author = ForeignKeyField(User, null=True, on_delete='SET NULL')
        text = CharField(max_length=500, default='')
        at = DateTimeField()

        class Meta:
            table_name = 'rectification_entry'
            indexes = ((('rectification', 'at'), False),)

    db.create_tables([Rectification, RectificationUnit, RectificationEntry])


def down(migrator, db):
    for table in ('rectification_entry', 'rectification_unit', 'rectification'):
        migrator.migrate(migrator.drop_table(table))
