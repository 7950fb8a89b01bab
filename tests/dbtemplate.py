"""The migrated schema, made once per test session and copied for every test.

Running the 28-odd migrations took most of a test's setup (0.2 s on SQLite, 0.5 s on
PostgreSQL, plus 0.15 s to drop the schema again). The first test of a session that needs
a migrated database runs the real migrations (models/db.py migrate(), the Runner the app
uses) into a template; every test after it gets a copy of that template:

- SQLite: a copy of the template's file (the file the migrations wrote, byte for byte);
- PostgreSQL: a database of its own made with CREATE DATABASE … TEMPLATE, a copy of the
  template database's files, catalogues and all (no DDL is replayed), dropped afterwards.
  A thread makes the next test's copy and drops the last one while a test runs. Dropping
  a database also leaves no dead catalogue rows behind in the shared one. The copy's
  tables are in its schema `public` (the URL says ?schema=public); pg_dump --schema-only
  of a copy and of a freshly migrated schema differ only in the schema's name and
  PostgreSQL's built-in comment on `public`.

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
from concurrent.futures import ThreadPoolExecutor
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
    """Databases copied from the migrated template by a thread of their own: the copy for
    the next test is made, and the last test's dropped, while a test runs (both wait on
    the server's disk: CREATE DATABASE writes the copy to the write-ahead log, DROP
    DATABASE waits for a checkpoint)."""

    def __init__(self, url):
        import psycopg2
        self.server = urlparse(url)
        self.admin = psycopg2.connect(url)
        self.admin.autocommit = True
        self.templates = {}  # migrations key -> database name
        self.spare = None  # (template, Future of the database's name), made ahead
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-databases")
        self.worker_admin = None
        self.drops = []  # Futures of the drops not yet waited for
        self._drop_stale()

    def _url(self, name, schema="public"):
        return urlunparse(self.server._replace(path=f"/{name}", query=f"schema={schema}"))

    def _execute(self, sql, connection=None):
        with (connection or self.admin).cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else None

    def _in_worker(self, sql):
        """Run on the worker thread, on a connection of its own."""
        if self.worker_admin is None:
            import psycopg2
            self.worker_admin = psycopg2.connect(urlunparse(self.server))
            self.worker_admin.autocommit = True
        self._execute(sql, self.worker_admin)

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
                self._drop_template(name)

    def _drop_template(self, name):
        self._execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _template(self):
        key = migrations_key()
        name = self.templates.get(key)
        if name is None:
            self._settle()
            name = self._name("template")
            self._execute(f'CREATE DATABASE "{name}"')
            try:
                _migrate(self._url(name))
            except BaseException:
                self._drop_template(name)
                raise
            # Nobody connects to it again (a connection would stop CREATE DATABASE …
            # TEMPLATE): copies are made from its files.
            self._execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            for old in self.templates.values():
                self._drop_template(old)
            self.templates = {key: name}
        return name

    def _copy(self, template):
        """Start making a copy of `template`; a Future of its name."""
        name = self._name("db")
        return self.worker.submit(
            lambda: self._in_worker(f'CREATE DATABASE "{name}" TEMPLATE "{template}"') or name)

    def _settle(self):
        """Wait for the worker: the spare made and the drops done (errors raised here)."""
        if self.spare is not None:
            template, made = self.spare
            self.spare = None
            self._drop_later(made.result())
        drops, self.drops = self.drops, []
        for drop in drops:
            drop.result()

    def _drop_later(self, name):
        self.drops = [d for d in self.drops if not d.done() or d.result()]
        self.drops.append(self.worker.submit(
            self._in_worker, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    @contextlib.contextmanager
    def migrated(self):
        """The URL of a database of its own, a copy of the migrated template."""
        template = self._template()
        if self.spare is not None and self.spare[0] == template:
            made = self.spare[1]
        else:
            made = self._copy(template)
        name = made.result()
        self.spare = (template, self._copy(template))
        try:
            yield self._url(name)
        finally:
            dbmod.close_all()
            self._drop_later(name)

    def close(self):
        try:
            self._settle()
        finally:
            self.worker.shutdown(wait=True)
            if self.worker_admin is not None:
                self.worker_admin.close()
            for name in self.templates.values():
                self._drop_template(name)
            self.templates = {}
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
