"""Issue 19: a person's copy of their data and their children's (GDPR art. 15 and 20),
made by the task queue and downloaded once through a link."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class User(Base):
        class Meta:
            table_name = 'user'

    class DataExport(Base):
        user = ForeignKeyField(User, on_delete='CASCADE')
        requested_at = DateTimeField()
        state = CharField(max_length=12, default='waiting')
        started_at = DateTimeField(null=True)
        ready_at = DateTimeField(null=True)
        expires_at = DateTimeField(null=True)
        downloaded_at = DateTimeField(null=True)
        storage_key = CharField(max_length=64, null=True, unique=True)
        size = BigIntegerField(null=True)
        sha256 = CharField(max_length=64, default='')
        token_hash = CharField(max_length=64, null=True, unique=True)

        class Meta:
            table_name = 'data_export'
            indexes = ((('user', 'requested_at'), False), (('state', 'expires_at'), False))

    db.create_tables([DataExport])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('data_export'))
