"""The migrated schema, made once per test session and copied for every test.

Running the 28-odd migrations took most of a test's setup (0.2 s on SQLite, 0.5 s on
PostgreSQL, plus 0.15 s to drop the schema again). The first test of a session that needs
a migrated database runs the real migrations (models/db.py migrate(), the Runner the app
uses) into a template; every test after it gets a copy of that template:

- SQLite: a copy of the template's file (the file the migrations wrote, byte for byte);
- PostgreSQL: one database per session, migrated once, whose tables are emptied and
  sequences restarted before each test (PostgresTemplates below): the state the
  migrations leave, in milliseconds. Its tables are in its schema `public` (the URL
  says ?schema=public). Dropped at the end of the session; making and dropping
  databases, not schemas, leaves no dead catalogue rows behind in the shared one.

The template is keyed on the migrations directory (every file's name and contents), so a
migration added or changed during a session gets a new template at the next test.
tests/test_migrations.py still runs the real migrations into an empty database for each
of its tests (tests/conftest.py), and the templates are made by them.

The demo data is still loaded into every test's copy: its times are relative to the
moment it is loaded (a running clock), so a cached copy would not be the data the test's
clock gives. Only the demo's four made-up photos are remembered (`demo_photos_once`):
drawing and encoding them is a pure function of their seed, and the first time each is
made it is made twice and compared, so a remembered photo is byte for byte the one the
demo would make.

KONTAKTBOK_TEST_TEMPLATES=0 turns all of this off (every test migrates, as before).
"""
import contextlib
import copy
import hashlib
import os
import shutil
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from models import db as dbmod

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
ENABLED = os.environ.get("KONTAKTBOK_TEST_TEMPLATES", "1") != "0"
PREFIX = "kbtest_"  # PostgreSQL databases made here: kbtest_<kind>_<unix time>_<random>
STALE_AFTER = 12 * 3600  # left behind by a session that was killed: dropped by the next


def migrations_key():
    """A hash of every file in the migrations directory, names and contents."""
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _migrate(url):
    """The real migrations, into the empty database at `url`, as the app fixture ran them."""
    dbmod.bind(dbmod.open_database(url))
    try:
        with dbmod.database.connection_context():
            dbmod.migrate(str(MIGRATIONS))
    finally:
        dbmod.close_all()


class SqliteTemplates:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.files = {}

    def migrated(self, path):
        """Copy the migrated template to `path` (made first if the migrations changed)."""
        key = migrations_key()
        template = self.files.get(key)
        if template is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            template = self.directory / f"migrated-{key}.db"
            for leftover in self.directory.glob(f"{template.name}*"):  # a failed attempt
                leftover.unlink()
            _migrate(f"sqlite:///{template}")
            # Closed, so the write-ahead log is back in the file: the file is the database.
            assert not Path(f"{template}-wal").exists()
            self.files[key] = template
        shutil.copyfile(template, path)

    def close(self):
        pass


class PostgresTemplates:
    """One migrated database per session (per migrations key), emptied before each test.

    Copying a template database for every test (CREATE DATABASE … TEMPLATE, then DROP
    DATABASE) cost the server about a second per test, which the SQLite run beside it
    paid for too. Emptying the tables costs a few milliseconds: every table but the
    migrations' own record is emptied (DELETE, with the tables' triggers and foreign keys
    set aside for the moment: session_replication_role = replica) and every sequence
    starts again at 1, in one transaction — the state the migrations leave. Connections
    a test left open (a thread of its own) are ended first, so nothing holds a lock."""

    def __init__(self, url):
        import psycopg
        self.server = urlparse(url)
        self.admin = psycopg.connect(url, autocommit=True)
        # migrations key -> (database name, its connection, reset SQL, tables, sequences)
        self.databases = {}
        self._drop_stale()

    def _url(self, name, schema="public"):
        return urlunparse(self.server._replace(path=f"/{name}", query=f"schema={schema}"))

    def _execute(self, sql, connection=None):
        with (connection or self.admin).cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else None

    def _name(self, kind):
        return f"{PREFIX}{kind}_{int(time.time())}_{uuid.uuid4().hex[:10]}"

    def _drop_stale(self):
        """Databases a killed session left: only old ones, other sessions may be running."""
        rows = self._execute(f"SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'")
        for (name,) in rows:
            try:
                made = int(name.split("_")[2])
            except (IndexError, ValueError):
                continue
            if time.time() - made > STALE_AFTER:
                self._drop(name)

    def _drop(self, name):
        self._execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _database(self):
        key = migrations_key()
        found = self.databases.get(key)
        if found is None:
            import psycopg
            name = self._name("db")
            self._execute(f'CREATE DATABASE "{name}"')
            try:
                _migrate(self._url(name))
            except BaseException:
                self._drop(name)
                raise
            connection = psycopg.connect(urlunparse(self.server._replace(path=f"/{name}")))
            tables = [t for (t,) in self._execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'schema_migration' ORDER BY tablename", connection)]
            sequences = [q for (q,) in self._execute(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' "
                "ORDER BY sequencename", connection)]
            connection.commit()
            reset = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = current_database() AND pid <> pg_backend_pid();"
                     "SET LOCAL session_replication_role = replica;"
                     + "".join(f'DELETE FROM public."{t}";' for t in tables)
                     + "".join(f"SELECT setval('public.\"{q}\"', 1, false);"
                               for q in sequences))
            for old_connection, old_name in [(v[1], v[0]) for v in self.databases.values()]:
                old_connection.close()
                self._drop(old_name)
            found = self.databases[key] = (name, connection, reset, tables, sequences)
        return found

    def save_demo(self, schema):
        """Copy every table (the demo just loaded, committed) into `schema`, made the
        first time; its sequences' values go into a table of their own there. Rows are
        deleted and inserted, never tables made again: no dead catalogue rows."""
        _, connection, _, tables, sequences = self._database()
        made = self._execute(f"SELECT 1 FROM pg_namespace WHERE nspname = '{schema}'",
                             connection)
        sql = ["SET LOCAL session_replication_role = replica;"]
        if not made:
            sql.append(f'CREATE SCHEMA "{schema}";')
            sql += [f'CREATE TABLE "{schema}"."{t}" (LIKE public."{t}");' for t in tables]
            sql.append(f'CREATE TABLE "{schema}".kb_sequences (name text, value bigint, '
                       "called boolean);")
        for table in tables + ["kb_sequences"]:
            sql.append(f'DELETE FROM "{schema}"."{table}";')
        sql += [f'INSERT INTO "{schema}"."{t}" SELECT * FROM public."{t}";' for t in tables]
        sql.append(f'INSERT INTO "{schema}".kb_sequences SELECT sequencename, '
                   "coalesce(last_value, 1), last_value IS NOT NULL FROM pg_sequences "
                   "WHERE schemaname = 'public';")
        self._execute("".join(sql), connection)
        connection.commit()

    def restore_demo(self, schema):
        """The tables (just emptied for the test) and sequences as save_demo kept them."""
        _, connection, _, tables, sequences = self._database()
        sql = ["SET LOCAL session_replication_role = replica;"]
        sql += [f'INSERT INTO public."{t}" OVERRIDING SYSTEM VALUE '
                f'SELECT * FROM "{schema}"."{t}";' for t in tables]
        sql.append("SELECT setval(format('public.%I', name), value, called) "
                   f'FROM "{schema}".kb_sequences;')
        self._execute("".join(sql), connection)
        connection.commit()

    @contextlib.contextmanager
    def migrated(self):
        """The URL of the session's migrated database, emptied for this test."""
        name, connection, reset, _, _ = self._database()
        self._execute(reset, connection)
        connection.commit()
        try:
            yield self._url(name)
        finally:
            dbmod.close_all()

    def close(self):
        for name, connection, *_ in self.databases.values():
            connection.close()
            self._drop(name)
        self.databases = {}
        self.admin.close()


_URLS = set()  # the URLs handed out already migrated


@contextlib.contextmanager
def migrated_database(templates, directory):
    """The URL of a migrated database for one test (the counterpart of
    tests/helpers.empty_database)."""
    if isinstance(templates, SqliteTemplates):
        path = directory / "test.db"
        templates.migrated(path)
        url = f"sqlite:///{path}"
        _URLS.add(url)
        try:
            yield url
        finally:
            _URLS.discard(url)
        return
    with templates.migrated() as url:
        _URLS.add(url)
        try:
            yield url
        finally:
            _URLS.discard(url)


def is_migrated(url):
    return url in _URLS


def make_templates(test_database_url, directory):
    if test_database_url:
        return PostgresTemplates(test_database_url)
    return SqliteTemplates(directory)


# The demo's photos --------------------------------------------------------------------

_PHOTOS = {}


@contextlib.contextmanager
def demo_photos_once():
    """While the demo loads: its made-up photos (models/demo.py _picture, then
    attachments.prepare_photo) drawn and encoded once per session. Each is made twice the
    first time and must come out the same, byte for byte; the files are still written
    (attachments.store, under new random names) by every load."""
    from models import demo
    from models.messaging import attachments

    real_picture, real_prepare = demo._picture, attachments.prepare_photo

    def once(kind, real, *args):
        key = (kind, *args)
        if key not in _PHOTOS:
            first, second = real(*args), real(*args)
            if first != second:
                raise AssertionError(f"the demo's photo {args[0]!r} differs when made again")
            _PHOTOS[key] = first
        return copy.deepcopy(_PHOTOS[key])

    def picture(seed, sky, ground):
        return once("picture", real_picture, seed, sky, ground)

    def prepare_photo(name, data, max_bytes, *rest):
        return once("photo", real_prepare, name, data, max_bytes, *rest)

    demo._picture, attachments.prepare_photo = picture, prepare_photo
    try:
        yield
    finally:
        demo._picture, attachments.prepare_photo = real_picture, real_prepare
