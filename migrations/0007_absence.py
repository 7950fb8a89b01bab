"""Absence reports and leave applications (rule 6)."""
from peewee import *


def up(migrator, db):
    class Child(Model):
        class Meta:
            database = db
            table_name = 'child'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Thread(Model):
        class Meta:
            database = db
            table_name = 'thread'

    class LeaveApplication(Model):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        start_date = DateField()
        end_date = DateField()
        reason = CharField(max_length=500)
        applied_by = ForeignKeyField(User, on_delete='CASCADE')
        applied_at = DateTimeField()
        status = CharField(max_length=10, default='pending')
        decided_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        decided_at = DateTimeField(null=True)
        decision_reason = CharField(max_length=500, default='')
        thread = ForeignKeyField(Thread, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'leave_application'
            indexes = ((('child', 'start_date'), False), (('status',), False))

    class Absence(Model):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        start_date = DateField()
        end_date = DateField()
        part = CharField(max_length=10, default='whole')
        at_time = TimeField(null=True)
        picked_up_by = CharField(max_length=100, default='')
        reason = CharField(max_length=12)
        note = CharField(max_length=200, default='')
        reported_by = ForeignKeyField(User, on_delete='CASCADE')
        reported_at = DateTimeField()
        by_staff = BooleanField(default=False)
        withdrawn_at = DateTimeField(null=True)
        leave = ForeignKeyField(LeaveApplication, null=True, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'absence'
            indexes = ((('child', 'start_date'), False), (('start_date', 'end_date'), False))
    db.create_tables([LeaveApplication, Absence])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('absence'))
    migrator.migrate(migrator.drop_table('leave_application'))
