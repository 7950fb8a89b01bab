"""Issue 20: the weekly plan (ukeplan / veckobrev) of a group, and its entries."""
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

    class WeekPlan(Base):
        group = ForeignKeyField(Group, on_delete='CASCADE')
        week_start = DateField()
        note = TextField(default='')
        publish_at = DateTimeField(null=True)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = 'week_plan'
            indexes = ((('group', 'week_start'), True),)

    class WeekPlanEntry(Base):
        plan = ForeignKeyField(WeekPlan, on_delete='CASCADE')
        day = DateField(null=True)
        subject = CharField(max_length=80, default='')
        activity = TextField(default='')
        homework = TextField(default='')
        bring = TextField(default='')
        author = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        changed_after_publish = BooleanField(default=False)
        position = IntegerField(default=0)

        class Meta:
            table_name = 'week_plan_entry'
            indexes = ((('plan', 'day', 'position'), False),)

    db.create_tables([WeekPlan, WeekPlanEntry])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('week_plan_entry'), migrator.drop_table('week_plan'))
