"""Roster import: the source system's ids of units and groups, ended guardianships kept
as history, the import runs, and when the register last overwrote a person's contact
details (so the guardian is told)."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Child(Model):
        class Meta:
            database = db
            table_name = 'child'

    class EndedGuardianship(Model):
        guardian = ForeignKeyField(User, on_delete='CASCADE')
        child = ForeignKeyField(Child, on_delete='CASCADE')
        responsibility = CharField(max_length=10)
        ended_at = DateTimeField()
        reason = CharField(max_length=20)
        class Meta:
            database = db
            table_name = 'ended_guardianship'
            indexes = ((('child',), False), (('guardian',), False))

    class ImportRun(Model):
        at = DateTimeField()
        by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        source = CharField(max_length=200)
        format = CharField(max_length=20)
        counts = TextField()
        class Meta:
            database = db
            table_name = 'import_run'

    migrator.migrate(
        migrator.add_column('unit', 'source_id', CharField(max_length=100, null=True)),
        migrator.add_column('group', 'source_id', CharField(max_length=100, null=True)),
        migrator.add_column('user', 'contact_updated_at', DateTimeField(null=True)),
        migrator.add_index('unit', ('source_id',), True),
        migrator.add_index('group', ('source_id',), True),
    )
    db.create_tables([EndedGuardianship, ImportRun])


def down(migrator, db):
    for table in ('import_run', 'ended_guardianship'):
        migrator.migrate(migrator.drop_table(table))
    migrator.migrate(
        migrator.drop_index('group', 'group_source_id'),
        migrator.drop_index('unit', 'unit_source_id'),
        migrator.drop_column('user', 'contact_updated_at'),
        migrator.drop_column('group', 'source_id'),
        migrator.drop_column('unit', 'source_id'),
    )
