"""When the database or Redis cannot be reached (issue 23): a clear, translated "try
again" page (503, Retry-After), never a stack trace; a login is refused, never let
through with its attempts uncounted."""
import socket

import pytest

from .helpers import text_of


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def unreachable_database(tmp_path):
    return f"sqlite:///{tmp_path / 'no-such-folder' / 'kontaktbok.db'}"


@pytest.mark.parametrize("language, title", [
    ("nb", "Kontaktbok kan ikke svare akkurat nå"),
    ("sv", "Kontaktbok kan inte svara just nu"),
])
def test_a_database_that_cannot_be_reached_gives_a_translated_try_again_page(
        make_app, tmp_path, language, title):
    app = make_app(DATABASE_URL=unreachable_database(tmp_path))
    client = app.test_client()
    for ask in (lambda: client.get("/", headers={"Accept-Language": language}),
                lambda: client.post("/login", headers={"Accept-Language": language},
                                    data={"username": "kari", "password": "x"})):
        response = ask()
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Content-Security-Policy" in response.headers
        page = text_of(response)
        assert title in page
        assert "Traceback" not in page and "OperationalError" not in page


def test_while_redis_is_down_a_login_is_refused_not_let_through_uncounted(app, make_app):
    down = make_app(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    client = down.test_client()
    response = client.post("/login", data={"username": "kari",
                                           "password": "kontaktbok-demo"})
    assert response.status_code == 503
    assert "Kontaktbok" in text_of(response)
    assert client.get("/messages/").status_code in (302, 303)  # not logged in
    assert "/login" in client.get("/messages/").headers["Location"]


def test_the_try_again_link_stays_on_this_site(make_app, tmp_path):
    app = make_app(DATABASE_URL=unreachable_database(tmp_path))
    page = app.test_client().get(
        "/", environ_overrides={"PATH_INFO": "//evil.example/x"}).get_data(as_text=True)
    assert 'href="/evil.example/x"' in page and 'href="//evil.example' not in page


def test_the_try_again_page_has_its_stylesheet_while_the_database_is_down(make_app, tmp_path):
    import re
    app = make_app(DATABASE_URL=unreachable_database(tmp_path))
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=\w+)"', page).group(1)
    response = client.get(css)
    assert response.status_code == 200 and b".card" in response.get_data()
    response.close()


@pytest.mark.parametrize("path", ["/%5Cevil.example/x", "/%09/evil.example", "//evil.example"])
def test_no_try_again_link_leads_to_another_site(make_app, tmp_path, path):
    import re
    from urllib.parse import unquote
    app = make_app(DATABASE_URL=unreachable_database(tmp_path))
    page = app.test_client().get(
        "/", environ_overrides={"PATH_INFO": unquote(path)}).get_data(as_text=True)
    link = re.search(r'<p><a href="([^"]*)">', page).group(1)
    assert link.startswith("/") and not link.startswith("//")
    assert "\\\\" not in link and "\\t" not in link
