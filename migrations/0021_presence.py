"""Issue 18: the kindergarten and after-school day, one row per child and day from
check-in to check-out, with who picked the child up."""
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

    class PickupPerson(Base):
        class Meta:
            table_name = 'pickup_person'

    class Presence(Base):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        group = ForeignKeyField(Group, on_delete='CASCADE')
        day = DateField()
        checked_in_at = DateTimeField()
        checked_in_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        checked_out_at = DateTimeField(null=True)
        checked_out_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        picked_up_by_person = ForeignKeyField(PickupPerson, null=True, on_delete='SET NULL')
        picked_up_by_name = CharField(max_length=100, default='')
        corrected_at = DateTimeField(null=True)
        corrected_by = ForeignKeyField(User, null=True, on_delete='SET NULL')

        class Meta:
            table_name = 'presence'
            indexes = ((('child', 'day'), True), (('group', 'day'), False),
                       (('day',), False))

    db.create_tables([Presence])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('presence'))
