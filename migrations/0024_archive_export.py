"""Issue 19: archive packages per unit and period, made before the purge, and whether
the municipality's archive took them."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class Unit(Base):
        class Meta:
            table_name = 'unit'

    class User(Base):
        class Meta:
            table_name = 'user'

    class ArchiveExport(Base):
        unit = ForeignKeyField(Unit, on_delete='CASCADE')
        period_start = DateField()
        period_end = DateField()
        kinds = CharField(max_length=100)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        stored_name = CharField(max_length=100, default='')
        sha256 = CharField(max_length=64)
        size = BigIntegerField()
        counts = TextField(default='{}')
        confirmed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        confirmed_at = DateTimeField(null=True)

        class Meta:
            table_name = 'archive_export'
            indexes = ((('unit', 'period_start'), False),)

    db.create_tables([ArchiveExport])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('archive_export'))
