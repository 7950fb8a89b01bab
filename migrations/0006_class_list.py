"""The class list: what each guardian shares about a child in a group, field by field
(rule 7)."""
from peewee import *


def up(migrator, db):
    class Child(Model):
        class Meta:
            database = db
            table_name = 'child'

    class Group(Model):
        class Meta:
            database = db
            table_name = 'group'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class ClassListShare(Model):
        guardian = ForeignKeyField(User, on_delete='CASCADE')
        child = ForeignKeyField(Child, on_delete='CASCADE')
        group = ForeignKeyField(Group, on_delete='CASCADE')
        child_name = BooleanField(default=False)
        my_name = BooleanField(default=False)
        email = BooleanField(default=False)
        phone = BooleanField(default=False)
        address = BooleanField(default=False)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'class_list_share'
            indexes = ((('guardian', 'child', 'group'), True), (('group', 'child'), False))
    db.create_tables([ClassListShare])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('class_list_share'))
