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
    db.close_all()  # psycopg 3 warns of a pooled connection left open
    admin.execute_sql(f'DROP SCHEMA "{other}" CASCADE')
    admin.close()
    admin.close_all()  # psycopg 3 warns of a pooled connection left open


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


def test_upgrading_keeps_the_access_of_caregivers_approved_before(app, second_database):
    """0004 adds the unit leader's confirmation: a grant every guardian with parental
    responsibility had approved is confirmed on upgrade; an unapproved one is not."""
    db = second_database
    runner = Runner(db, MIGRATIONS)
    runner.up(target="0003_consents")
    now = "2026-01-01 10:00:00"
    mark = db.param  # ? for SQLite, %s for PostgreSQL
    db.execute_sql('INSERT INTO "user" (id, username, first_name, last_name, email, phone, '
                   "address, address_protection, paper_letters, is_active, created_at) VALUES "
                   + ", ".join(f"({n}, '{name}', 'X', 'X', '', '', '', 'ugradert', false, "
                               f"true, {mark})"
                               for n, name in enumerate(("mor", "far", "besta", "nabo"), 1)),
                   (now,) * 4)
    db.execute_sql("INSERT INTO child (id, first_name, last_name, birth_date, address, "
                   "address_protection) VALUES (1, 'B', 'B', '2018-01-01', '', 'ugradert')")
    db.execute_sql("INSERT INTO guardianship (guardian_id, child_id, responsibility, "
                   "fixed_residence, main_addressee) VALUES (1, 1, 'shared', true, true), "
                   "(2, 1, 'shared', false, false)")
    db.execute_sql(f"INSERT INTO caregiver_grant (id, caregiver_id, child_id, created_at) "
                   f"VALUES (1, 3, 1, {mark}), (2, 4, 1, {mark})", (now, now))
    db.execute_sql(f"INSERT INTO caregiver_approval (grant_id, guardian_id, approved_at) "
                   f"VALUES (1, 1, {mark}), (1, 2, {mark}), (2, 1, {mark})", (now,) * 3)
    runner.up()
    confirmed = dict(db.execute_sql(
        "SELECT id, confirmed_at FROM caregiver_grant ORDER BY id").fetchall())
    assert confirmed[1] is not None and confirmed[2] is None
