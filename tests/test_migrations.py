"""Migrating an empty database gives exactly the schema the models describe."""
from pathlib import Path

import pytest
from playhouse.migrations import Runner
from playhouse.schema_diff import diff_models

from models import MODELS
from models.db import database, open_database

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = str(ROOT / "migrations")


def describe(db, tables):
    """Columns (name, type, nullable, primary key), indexes and foreign keys per table."""
    shape = {}
    for table in tables:
        columns = sorted((c.name, c.data_type.lower(), c.null, c.primary_key)
                         for c in db.get_columns(table))
        indexes = sorted((tuple(i.columns), i.unique) for i in db.get_indexes(table))
        foreign_keys = sorted((f.column, f.dest_table, f.dest_column)
                              for f in db.get_foreign_keys(table))
        shape[table] = (columns, indexes, foreign_keys)
    return shape


@pytest.fixture
def second_database(database_url, app):
    """Another empty database (or schema) of the same kind as the test's."""
    if database_url.startswith("sqlite"):
        path = database_url.replace("test.db", "models.db")
        yield open_database(path)
        return
    base, schema = database_url.split("?schema=")
    other = f"{schema}_m"
    admin = open_database(base)
    admin.execute_sql(f'CREATE SCHEMA "{other}"')
    db = open_database(f"{base}?schema={other}")
    yield db
    db.close()
    admin.execute_sql(f'DROP SCHEMA "{other}" CASCADE')
    admin.close()


def test_migrated_schema_equals_the_models(app, second_database):
    tables = [m._meta.table_name for m in MODELS]
    assert not diff_models(database.obj, MODELS), str(diff_models(database.obj, MODELS))
    models_db = second_database
    with models_db.bind_ctx(MODELS):
        models_db.create_tables(MODELS)
    migrated = describe(database.obj, tables)
    created = describe(models_db, tables)
    assert migrated == created


def test_every_migration_is_applied_and_recorded(app):
    runner = Runner(database.obj, MIGRATIONS)
    status = runner.status()
    assert status and all(m.applied for m in status)
    assert runner.up() == []  # running again changes nothing


def test_migrations_can_be_reverted_and_reapplied(app):
    runner = Runner(database.obj, MIGRATIONS)
    names = [m.name for m in runner.status()]
    for _ in names:
        runner.down()
    assert not database.obj.table_exists("child")
    assert runner.up() == names
    assert database.obj.table_exists("child")
