"""Issue 18: pick-up lists (with every responsible guardian's approval) and who picks up
a child today."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class Child(Base):
        class Meta:
            table_name = 'child'

    class User(Base):
        class Meta:
            table_name = 'user'

    class PickupPerson(Base):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        first_name = CharField(max_length=100)
        last_name = CharField(max_length=100, default='')
        relation = CharField(max_length=20, default='other')
        phone = CharField(max_length=40, default='')
        requested_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        removed_at = DateTimeField(null=True)
        removed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')

        class Meta:
            table_name = 'pickup_person'
            indexes = ((('child', 'removed_at'), False),)

    class PickupApproval(Base):
        person = ForeignKeyField(PickupPerson, on_delete='CASCADE')
        guardian = ForeignKeyField(User, on_delete='CASCADE')
        approved_at = DateTimeField()

        class Meta:
            table_name = 'pickup_approval'
            indexes = ((('person', 'guardian'), True),)

    class PickupToday(Base):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        day = DateField()
        person = ForeignKeyField(PickupPerson, null=True, on_delete='CASCADE')
        name = CharField(max_length=100, default='')
        phone = CharField(max_length=40, default='')
        said_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        said_at = DateTimeField()

        class Meta:
            table_name = 'pickup_today'
            indexes = ((('child', 'day'), True),)

    db.create_tables([PickupPerson, PickupApproval, PickupToday])


def down(migrator, db):
    for table in ('pickup_today', 'pickup_approval', 'pickup_person'):
        migrator.migrate(migrator.drop_table(table))
