"""Browser fixtures: the real app on a live local server, driven by Debian's Chromium.

The app is built the way tests/conftest.py builds it (same database choice, same demo
cast, fast password hashing), except that CSRF protection stays on: the browser posts
the real forms, tokens and all. One server serves the whole module; every test gets a
fresh browser context (no cookies carried over), with a guard that blocks and records
any request leaving the server's origin.
"""
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from app import create_app
from models import db as dbmod
from models import demo
from models.login.passwords import use_fast_hashing_for_tests
from models.school.tables import User

from ..helpers import empty_database

ROOT = Path(__file__).resolve().parent.parent.parent
SECRET = "test-secret-key-that-is-long-enough-for-production-checks"
PASSWORD = demo.PASSWORD
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--no-first-run"]
# The environment create_app reads; cleared so a developer's shell cannot leak in.
APP_ENV = ("KONTAKTBOK_ENV", "SECRET_KEY", "SECRET_KEY_FILE", "DATABASE_URL", "REDIS_URL",
           "MUNICIPALITY_FILE", "PUBLIC_URL", "DEBUG", "INSTANCE_PATH")

use_fast_hashing_for_tests()  # before demo.load hashes the demo password


@pytest.fixture(scope="module")
def live_database_url(tmp_path_factory):
    """tests/conftest.py's `database_url`, for a whole module instead of one test."""
    with empty_database(tmp_path_factory.mktemp("browser-db")) as url:
        yield url


@pytest.fixture(scope="module")
def live_config():
    """Settings a module's app has beyond the defaults (a module may override this)."""
    return {}


@pytest.fixture(scope="module")
def live_app(live_database_url, tmp_path_factory, live_config):
    saved = {name: os.environ.get(name) for name in APP_ENV}
    for name in APP_ENV:
        os.environ.pop(name, None)
    os.environ["INSTANCE_PATH"] = str(tmp_path_factory.mktemp("browser-instance"))
    try:
        application = create_app({"DATABASE_URL": live_database_url, "SECRET_KEY": SECRET,
                                  "WTF_CSRF_ENABLED": True, "TESTING": True,
                                  "ACCESS_LOG_FLUSH_SECONDS": 0, **live_config})
        with dbmod.database.connection_context():
            dbmod.migrate(str(ROOT / "migrations"))
            demo.load(storage=application.extensions["storage"])
        # Empty the pool: the server's request threads open their own connections.
        dbmod.close_all()
        yield application
    finally:
        dbmod.close_all()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Closed:
    """A response that is closed even when werkzeug's development server forgets to:
    when the browser drops a connection (a video's range request it no longer needs),
    the server fails before calling close(), and the photo or video file would stay
    open until garbage collection (a ResourceWarning, an error under our settings)."""

    def __init__(self, inner):
        self.inner = inner

    def __iter__(self):
        # Closed as soon as the iteration ends, however it ends (the iterator is let go
        # while the error unwinds, unlike the server's local variable).
        try:
            yield from self.inner
        finally:
            self.close()

    def close(self):
        inner, self.inner = self.inner, ()
        if hasattr(inner, "close"):
            inner.close()

    __del__ = close


def _closing(app):
    return lambda environ, start_response: _Closed(app(environ, start_response))


@pytest.fixture(scope="module")
def live_server(live_app):
    """The app over HTTP on 127.0.0.1 and a free port; yields its origin."""
    server = make_server("127.0.0.1", 0, _closing(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def reset_saved_languages(live_app, live_database_url):
    """Choosing a language while logged in saves it on the account; undo that so the
    other tests still get the language from Accept-Language. (On a database handle of
    its own: the app's pool belongs to the server's threads.)"""
    yield
    db = dbmod.open_database(live_database_url)
    try:
        db.execute_sql(f'UPDATE "{User._meta.table_name}" SET locale = NULL')
    finally:
        db.close()
        if hasattr(db, "close_all"):
            db.close_all()


@pytest.fixture
def translate(live_app):
    """The app's own translation of a message in a locale, so the assertions hold
    whatever the catalogues say (and whether or not they are compiled)."""
    from flask_babel import force_locale, gettext

    def translate(locale, message, **variables):
        with live_app.test_request_context("/"), force_locale(locale):
            return gettext(message, **variables)

    return translate


_RUNNING = {}  # the browser of the browser tests, while they run


def _launch():
    if "browser" not in _RUNNING:
        from playwright.sync_api import sync_playwright
        playwright = sync_playwright().start()
        try:
            _RUNNING["browser"] = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        except BaseException:
            playwright.stop()
            raise
        _RUNNING["playwright"] = playwright
    return _RUNNING["browser"]


def _close():
    browser, playwright = _RUNNING.pop("browser", None), _RUNNING.pop("playwright", None)
    try:
        if browser is not None:
            browser.close()
    finally:
        if playwright is not None:
            playwright.stop()


@pytest.fixture
def chromium():
    """One Chromium for the browser tests in a row (launched at the first of them)."""
    return _launch()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last browser test of a run of them, Chromium goes: idle, it still used
    an eighth of a core for the rest of the suite."""
    yield
    here = Path(__file__).resolve().parent
    if nextitem is None or here not in Path(str(nextitem.fspath)).resolve().parents:
        _close()


class Session:
    """One browser context and its page, with what the guard and listeners saw."""

    def __init__(self, base_url, context, page, js=True):
        self.base_url = base_url
        self.js = js              # False: axe cannot run here (check_page says so at once)
        self.context = context
        self.page = page
        self.blocked = []         # requests to anywhere but the live server
        self.console_errors = []  # console.error messages and uncaught exceptions
        self.csp_violations = []  # console messages about Content Security Policy
        self.server_errors = []   # responses with a 5xx status

    def url(self, path="/"):
        return self.base_url + path

    def goto(self, path="/"):
        response = self.page.goto(self.url(path))
        assert response is not None and response.ok, (
            f"GET {path}: {response and response.status}; server errors: "
            f"{self.server_errors}")
        return response

    def log_in(self, username, password=PASSWORD):
        """Through the real login form, as a person would."""
        page = self.page
        if urlsplit(page.url).path != "/login":
            self.goto("/login")
        page.locator("#username").fill(username)
        page.locator("#password").fill(password)
        self.submit("form.form button[type=submit]")

    def submit(self, button):
        """Click a form's submit button and wait until the answer (after any
        redirects) has loaded."""
        with self.page.expect_navigation():
            self.page.locator(button).click()
        assert not self.server_errors, f"submitting {button}: {self.server_errors}"

    def assert_clean(self):
        assert not self.server_errors, f"server errors: {self.server_errors}"
        assert not self.blocked, f"third-party requests: {self.blocked}"
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.csp_violations, f"CSP violations: {self.csp_violations}"


@pytest.fixture
def open_session(chromium, live_server):
    """A factory for fresh browser contexts: open_session(locale=, viewport=, js=)."""
    origin = urlsplit(live_server)
    opened = []

    def open_session(locale="nb", viewport=(1280, 800), js=True):
        context = chromium.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, locale=locale,
            extra_http_headers={"Accept-Language": locale}, java_script_enabled=js)
        page = context.new_page()
        session = Session(live_server, context, page, js)
        opened.append(session)

        def guard(route):
            target = urlsplit(route.request.url)
            if (target.scheme, target.netloc) == (origin.scheme, origin.netloc):
                route.continue_()
            else:
                session.blocked.append(route.request.url)
                route.abort()

        def on_console(message):
            if "Content Security Policy" in message.text:
                session.csp_violations.append(message.text)
            if message.type == "error":
                session.console_errors.append(message.text)

        context.route("**/*", guard)
        page.on("console", on_console)
        page.on("pageerror", lambda error: session.console_errors.append(str(error)))
        page.on("response", lambda response: response.status >= 500 and
                session.server_errors.append(
                    f"{response.status} {response.request.method} {response.url}"))
        return session

    yield open_session
    try:
        for session in opened:
            assert not session.blocked, f"third-party requests: {session.blocked}"
    finally:
        for session in opened:
            session.context.close()
