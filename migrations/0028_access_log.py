"""Issue 19, rule 12: who has seen a child's data — one row per child per page view by
staff or an administrator."""
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

    class AccessRecord(Base):
        at = DateTimeField(index=True)
        child = ForeignKeyField(Child, on_delete='CASCADE')
        viewer_id = IntegerField(null=True)
        viewer_name = CharField(max_length=200, default='')
        roles = CharField(max_length=200, default='')
        page = CharField(max_length=30)
        unit = ForeignKeyField(Unit, null=True, on_delete='SET NULL')

        class Meta:
            table_name = 'access_record'
            indexes = ((('child', 'at'), False),)

    db.create_tables([AccessRecord])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('access_record'))
