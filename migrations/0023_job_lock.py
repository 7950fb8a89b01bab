"""Issue 19: the purge and the exports announce themselves, so that they never run over
the same data at once (models/retention/jobs.py)."""
from peewee import *


def up(migrator, db):
    class JobLock(Model):
        kind = CharField(max_length=10, index=True)
        key = CharField(max_length=100, unique=True)
        started_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'job_lock'

    db.create_tables([JobLock])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('job_lock'))
