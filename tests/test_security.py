"""Security headers, cookies, CSRF, caching and the absence of third-party requests."""
import base64
import hashlib
import re
from pathlib import Path

import pytest

from models.audit import AppendOnlyError, AuditEvent, record

from .cast import ROLES
from .helpers import text_of
from .matrix import Matrix, everyone

ROOT = Path(__file__).resolve().parent.parent


def test_every_page_has_a_strict_content_security_policy(client, login):
    login("kari")
    for url in ("/", "/login", "/no-such-page", "/theme.css"):
        csp = client.get(url).headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "default-src 'self'" in csp


def test_the_one_inline_style_is_the_theme_allowed_by_its_hash(client, login):
    """The municipality's colours come inline (a phone draws the first page one request
    sooner); the CSP allows that exact text by its SHA-256 and no other inline style."""
    login("kari")
    for url in ("/", "/messages/", "/no-such-page"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        styles = re.findall(r"<style>(.*?)</style>", page, re.S)
        assert len(styles) == 1 and "--brand:#" in styles[0]
        digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
        style_src = next(part for part in response.headers["Content-Security-Policy"]
                         .split("; ") if part.startswith("style-src"))
        assert style_src == f"style-src 'self' 'sha256-{digest}'"
        assert "style=" not in page  # no style attribute: the hash does not cover those


def test_other_security_headers(client):
    headers = client.get("/login").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # plain http in the demo


def test_hsts_and_secure_cookies_behind_https(make_app, app):
    secure = make_app(PUBLIC_URL="https://kontaktbok.example.no")
    client = secure.test_client()
    response = client.post("/login", data={"username": "kari", "password": "kontaktbok-demo"},
                           base_url="https://kontaktbok.example.no")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_httponly_and_samesite(client):
    response = client.post("/login", data={"username": "kari", "password": "kontaktbok-demo"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_with_personal_data_are_never_cached(client, login):
    login("kari")
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers["Cache-Control"] == "no-store"


def test_static_files_have_hashed_urls_and_long_caching(client):
    html = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', html).group(1)
    js = re.search(r'src="(/static/vendor/htmx-2\.0\.11\.min\.js\?v=[0-9a-f]{12})"', html).group(1)
    for url in (css, js):
        response = client.get(url)
        assert response.status_code == 200
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
        response.close()
    assert "<style>:root{--brand:#1f4e79;" in html  # the theme comes inline
    # …and is still served as a file, for a page a browser kept from before.
    themed = client.get(f"/theme.css?v={client.application.config['MUNICIPALITY'].theme_version}")
    assert "--brand:#1f4e79" in themed.get_data(as_text=True)
    assert "immutable" in themed.headers["Cache-Control"]


def test_no_page_refers_to_another_host(client, login):
    for username in (None, "kari", "larer1a", "admin"):
        if username:
            login(username)
        html = client.get("/" if username else "/login").get_data(as_text=True)
        for url in re.findall(r'(?:src|href|action)="([^"]+)"', html):
            if url.startswith(("mailto:", "tel:", "#")):
                continue
            # Links to the municipality's own statements are navigation, not requests.
            if url.startswith("https://demo.kommune.no/") or url.startswith("https://uustatus.no/"):
                continue
            assert url.startswith("/") and not url.startswith("//"), url
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', html)


# Documents downloaded to be opened and edited outside the app (in Word or LibreOffice),
# one file each: their print styles are inside, and they are served with a CSP of their
# own that allows nothing else (views/dpo.py); or the index.html of an archive package,
# which opens offline from the unpacked zip.
STANDALONE_DOCUMENTS = {"dpo/document.html", "archive/package_index.html"}


def test_templates_have_no_inline_script_or_style():
    for path in (ROOT / "templates").rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        if path.relative_to(ROOT / "templates").as_posix() in STANDALONE_DOCUMENTS:
            assert "<style>" in html and "style=" not in html, path
            continue
        if path.relative_to(ROOT / "templates").as_posix() == "base.html":
            # The municipality's colours, allowed by their hash in the CSP alone.
            html = html.replace("<style>{{ layout.theme_css }}</style>", "", 1)
        assert "style=" not in html and "<style" not in html, path
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), path  # no onclick= etc.


def test_htmx_is_configured_without_eval_or_script_tags(client):
    html = client.get("/login").get_data(as_text=True)
    config = re.search(r'name="htmx-config" content=\'([^\']+)\'', html).group(1)
    assert '"selfRequestsOnly":true' in config
    assert '"allowEval":false' in config and '"allowScriptTags":false' in config
    assert '"historyCacheSize":0' in config  # no pages with personal data in localStorage


class TestCsrfEnforced:
    @pytest.fixture
    def strict(self, make_app, app):
        return make_app(WTF_CSRF_ENABLED=True).test_client()

    def test_login_without_token_is_refused(self, strict, t):
        response = strict.post("/login", data={"username": "kari",
                                               "password": "kontaktbok-demo"})
        assert response.status_code == 400
        assert t("The form had expired") in text_of(response)

    def test_login_with_token_works(self, strict):
        html = strict.get("/login").get_data(as_text=True)
        token = re.search(r'type="hidden" name="csrf_token" value="([^"]+)"', html).group(1)
        response = strict.post("/login", data={"username": "kari", "password": "kontaktbok-demo",
                                               "csrf_token": token})
        assert response.status_code == 302

    def test_logout_and_language_need_the_token(self, strict):
        assert strict.post("/language", data={"locale": "sv"}).status_code == 400
        assert strict.post("/logout").status_code == 400

    def test_htmx_sends_the_token_in_a_header(self, strict):
        html = strict.get("/login").get_data(as_text=True)
        header = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", html).group(1)
        response = strict.post("/language", data={"locale": "sv"},
                               headers={"X-CSRFToken": header})
        assert response.status_code == 303


def test_audit_log_is_append_only_in_the_application(app):
    event = record("test.event", note="x")
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete_instance()
    with pytest.raises(AppendOnlyError):
        AuditEvent.update(action="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.delete()


def test_audit_log_is_append_only_in_the_database(app):
    from models.db import database
    record("test.event")
    for sql in ('UPDATE audit_event SET action = %s' , 'DELETE FROM audit_event'):
        with pytest.raises(Exception, match="append-only"):
            with database.atomic():
                database.execute_sql(sql.replace("%s", "'x'"))
    assert AuditEvent.select().where(AuditEvent.action == "test.event").count() == 1


def test_national_identity_numbers_are_encrypted_at_rest_and_shown_masked(app, kids):
    from models.db import database
    emma = kids["Emma"]
    stored = database.execute_sql("SELECT national_id FROM child WHERE id = %s".replace(
        "%s", str(emma.id))).fetchone()[0]
    number = emma.national_id.reveal()
    assert number not in stored and len(number) == 11
    assert emma.national_id_masked == number[:6] + " *****"
    assert number not in repr(emma.national_id) and number not in str(emma.national_id)


def test_national_identity_numbers_never_reach_a_page_or_the_log(client, login, kids):
    numbers = [child.national_id.reveal() for child in kids.values()]
    login("admin")
    pages = [client.post("/admin/log", data={"reason": "checking the national id rule"})]
    for username in ("kari", "lise", "larer1a", "rektor", "admin"):
        login(username)
        pages += [client.get("/"), client.get("/admin/")]
    for page in pages:
        digits = re.sub(r"\D", "", page.get_data(as_text=True))  # spaced or split too
        for number in numbers:
            assert number not in digits
    for event in AuditEvent.select():
        for number in numbers:
            assert number not in re.sub(r"\D", "", event.detail)


def test_a_hostile_translation_stays_text(app):
    """Translations come from many hands: one can never run as template code or inject
    markup, whether pre-translated into the template or translated at render time."""
    from jinja2 import DictLoader, Environment

    from views.common import TranslatedLoader, template_gettext

    class Hostile:
        def ugettext(self, text):
            if "%(name)s" in text:
                return "{{ 7 * 7 }} <b>bold</b> %(name)s"
            return "{{ 7 * 7 }} {# <b>bold</b> {% raw %}"

        def ungettext(self, singular, plural, n):
            return self.ugettext(singular)

    source = '<p>{{ _("Log out") }}</p><p>{{ _("Hello, %(name)s", name="x") }}</p>'
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"],
                      loader=TranslatedLoader(DictLoader({"t.html": source}), Hostile()))
    with app.test_request_context():
        import views.common
        original = views.common.get_translations
        views.common.get_translations = Hostile
        try:
            html = env.get_template("t.html").render(template_gettext())
        finally:
            views.common.get_translations = original
    assert "49" not in html and "<b>" not in html
    assert html.count("&lt;b&gt;bold&lt;/b&gt;") == 2


# Caching of personal responses, and what the server says about itself (issue 15, finding 9)

def test_personal_media_files_and_downloads_are_never_stored(client, login, kids):
    """Photos were sent `private, no-cache`, which lets the browser keep them on disk: a
    withdrawn photo or a child's archive could outlive the session on a shared PC."""
    from models.posts.tables import Post, PostMedia

    login("kari")
    post = Post.get(Post.title == "Vi lager drager")
    media = PostMedia.get(PostMedia.post == post.id)
    for url in (f"/posts/{post.id}/media/{media.id}",
                f"/posts/{post.id}/media/{media.id}/thumb",
                f"/posts/archive/{kids['Emma'].id}.zip", "/", "/messages/",
                f"/posts/{post.id}", "/no-such-page"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert response.headers["Cache-Control"] == "no-store", url
        response.close()


def test_the_polled_unread_count_is_not_stored_and_still_answers_304(client, login):
    login("kari")
    first = client.get("/messages/unread")
    assert first.headers["Cache-Control"] == "no-store"
    again = client.get("/messages/unread", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == "no-store"


def test_only_versioned_static_files_and_shared_app_files_are_cached(client, login):
    login("kari")
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', html).group(1)
    response = client.get(css)
    assert "immutable" in response.headers["Cache-Control"]
    response.close()
    unversioned = client.get("/static/css/app.css")
    assert unversioned.headers["Cache-Control"] == "no-store"
    unversioned.close()
    manifest = client.get("/manifest.webmanifest")
    assert manifest.cache_control.public and not manifest.cache_control.no_store


def test_gunicorn_does_not_name_itself(database_url, app, tmp_path):
    """A real gunicorn, started as `make run` starts it, from the repository (where it
    reads gunicorn.conf.py), on loopback."""
    import http.client
    import os
    import socket
    import subprocess
    import sys
    import time

    from .conftest import SECRET

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET,
           "INSTANCE_PATH": str(tmp_path / "instance")}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "-", "app:create_app()"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        response = None
        for _ in range(200):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/login")
                response = connection.getresponse()
                break
            except OSError:  # not listening yet, or a worker still starting (timed out)
                connection.close()
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.1)
        assert response is not None and response.status == 200
        assert response.getheader("Server") is None
        assert "gunicorn" not in str(response.headers).lower()
        assert response.getheader("Cache-Control") == "no-store"
        connection.close()
        # A one-time link's token never reaches the access log.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/caregivers/invitation/secret-token-123")
        connection.getresponse().read()
        connection.close()
        # Nor does a calendar feed's secret address (views/calendar_feed.py).
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/calendar/feed/feed-secret-456.ics")
        connection.getresponse().read()
        connection.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        log = server.stdout.read().decode()
        server.stdout.close()
        server.stderr.close()
    assert "/caregivers/invitation/" in log and "secret-token-123" not in log
    assert "/calendar/feed/" in log and "feed-secret-456" not in log


# A link confirming a new e-mail address (views/notifications.py): only its asker uses it.
EMAIL_LINKS = Matrix({("GET", "/account/email/no-such-token"): everyone(404)})


@pytest.mark.parametrize("role", ROLES)
def test_email_link_route_matrix(client, login, ids, role):
    EMAIL_LINKS.check(client, login, role, ids)
