"""Shared fixtures: a fresh, migrated database with the demo cast for every test.

SQLite by default; PostgreSQL when TEST_DATABASE_URL is set (each test then gets a
schema, or for the `app` fixture a database, of its own, dropped afterwards). The same
tests run on both, without skips. The migrated schema is made once per session and
copied for every test (tests/dbtemplate.py).
"""
import datetime
from contextlib import nullcontext
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale, gettext, ngettext

from app import create_app
from models import db as dbmod
from models import demo
from models.login.passwords import use_fast_hashing_for_tests
from models.login.sessions import LoginSession
from models.school.tables import Child, User

from . import dbtemplate, demo_snapshot, fast_routes, forms
from .helpers import TEST_DATABASE_URL, empty_database

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-secret-key-that-is-long-enough-for-production-checks"

use_fast_hashing_for_tests()
fast_routes.install()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "clock(instant, tick=True): the app's clock shows this instant (ISO "
        "8601; without an offset, Oslo time) from before the test's app is built")


@pytest.fixture(autouse=True)
def clock(request):
    """The app's one clock (models/db.py). A test that depends on the hour, the weekday
    or the date says which instant it needs: `@pytest.mark.clock("2026-11-18 10:00")`
    sets it before the app and its demo data exist; `clock.set(aware datetime)` and
    `clock.advance(hours=…)` move it during the test. Back to the system clock after
    each test. (The time-bound test files also run under libfaketime at night and
    around midnight: .ci/clock.)"""
    marker = request.node.get_closest_marker("clock")
    if marker is not None:
        instant = datetime.datetime.fromisoformat(marker.args[0])
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=ZoneInfo("Europe/Oslo"))
        dbmod.clock.set(instant, **marker.kwargs)
    request.node.kb_clock_state = (dbmod.clock._instant, dbmod.clock._since)
    yield dbmod.clock
    dbmod.clock.reset()


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory):
    """The migrated templates of this session (tests/dbtemplate.py)."""
    templates = dbtemplate.make_templates(TEST_DATABASE_URL,
                                          tmp_path_factory.mktemp("templates"))
    yield templates
    templates.close()


@pytest.fixture(scope="session")
def demo_snapshots(database_templates):
    """The demo as loaded by an earlier test, for the next (tests/demo_snapshot.py)."""
    snapshots = demo_snapshot.Snapshots(database_templates)
    yield snapshots
    snapshots.close()


def _from_template(request):
    """A test with the `app` fixture starts from a copy of the migrated template, except
    in tests/test_migrations.py: there the app fixture runs the real migrations."""
    return (dbtemplate.ENABLED and "app" in request.fixturenames
            and request.path.name != "test_migrations.py")


@pytest.fixture
def database_url(request, tmp_path):
    """An empty database; already migrated when the test has the `app` fixture, which
    would migrate it first thing (a copy of the session's template, tests/dbtemplate.py)."""
    if _from_template(request):
        templates = request.getfixturevalue("database_templates")
        with dbtemplate.migrated_database(templates, tmp_path) as url:
            yield url
        return
    with empty_database(tmp_path) as url:
        yield url


@pytest.fixture
def make_app(database_url, tmp_path, monkeypatch):
    """Build an app on the test database; extra config overrides the defaults."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    for name in ("KONTAKTBOK_ENV", "SECRET_KEY", "SECRET_KEY_FILE", "DATABASE_URL",
                 "REDIS_URL", "MUNICIPALITY_FILE", "PUBLIC_URL", "DEBUG"):
        monkeypatch.delenv(name, raising=False)

    def make(**config):
        settings = {"DATABASE_URL": database_url, "SECRET_KEY": SECRET,
                    "WTF_CSRF_ENABLED": False, "TESTING": True,
                    "QUEUE_IMMEDIATE": True, "ACCESS_LOG_FLUSH_SECONDS": 0,
                    # Announcements go at once unless a test is about the undo window
                    # (tests/test_safe_sending.py).
                    "ANNOUNCE_UNDO_SECONDS": 0}
        for key, value in config.items():
            if value is None:  # None: leave it to the environment
                settings.pop(key, None)
            else:
                settings[key] = value
        application = create_app(settings)
        application.after_request(_forms_checked)
        return application

    return make


def _forms_checked(response):
    """Every page of every test keeps the error-summary rule (tests/forms.py)."""
    forms.check(response)
    return response


@pytest.fixture
def app(make_app, database_url, request):
    """The app with the demo cast, loaded, or copied from an earlier test's load when
    that is the same demo (tests/demo_snapshot.py)."""
    snapshots = key = copy = None
    if demo_snapshot.ENABLED and dbtemplate.is_migrated(database_url):
        snapshots = request.getfixturevalue("demo_snapshots")
        key = snapshots.key(request, getattr(request.node, "kb_clock_state", None))
        copy = snapshots.find(key) if key is not None else None
        if copy is not None:
            snapshots.restore(copy, database_url)  # before the app opens the database
    application = make_app()
    attachments = application.config["ATTACHMENT_DIR"]
    with dbmod.database.connection_context():
        if copy is not None:
            snapshots.files_into(copy, attachments)
        else:
            if not dbtemplate.is_migrated(database_url):
                dbmod.migrate(str(ROOT / "migrations"))
            with dbtemplate.demo_photos_once() if dbtemplate.ENABLED else nullcontext():
                demo.load(storage=application.extensions["storage"])
            if key is not None:
                snapshots.save(key, database_url, attachments)
    yield application
    dbmod.close_all()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(app):
    return {u.username: u for u in User.select()}


@pytest.fixture
def kids(app):
    return {c.first_name: c for c in Child.select()}


@pytest.fixture
def t(app):
    """What a user sees for an English source string, in the municipality's default
    language (nb for the demo) — tests state the source, pages show the translation."""
    def translate(message, plural=None, n=None, **values):
        with app.test_request_context(), force_locale(
                app.config["MUNICIPALITY"].default_language):
            if plural is not None:
                return ngettext(message, plural, n, **values)
            return gettext(message, **values)
    return translate


@pytest.fixture
def login(client):
    """Log the test client in as a demo user, without the cost of a password check
    (tests/test_auth.py covers the real form)."""
    def as_user(username):
        user = User.get(User.username == username)
        token = LoginSession.start(user)
        with client.session_transaction() as session:
            session.clear()
            session["_user_id"] = token
            session["_fresh"] = True
        return user
    return as_user


@pytest.fixture
def ids(app):
    """The demo objects' ids by name, for route templates (tests/cast.py)."""
    from .cast import demo_ids
    return demo_ids()


# A real S3-compatible object store on loopback (SeaweedFS, tests/seaweed.py), started
# by the first test that asks for it; a bucket of its own for each test.
@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    from .seaweed import SeaweedFS
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bucket(seaweed):
    return seaweed.new_bucket()


@pytest.fixture
def s3_config(seaweed, bucket):
    """The settings of an app that keeps its files in `bucket`."""
    return {"S3_ENDPOINT": seaweed.endpoint, "S3_BUCKET": bucket,
            "S3_ACCESS_KEY": seaweed.access_key, "S3_SECRET_KEY": seaweed.secret_key}
