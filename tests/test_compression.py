"""Compressed answers from the app itself (views/compression.py, issue 23): pages for a
request from our own pages, static files always, and never a page a request from
another site asked for (BREACH)."""
import gzip
import re
from pathlib import Path

import brotli
import pytest

ROOT = Path(__file__).resolve().parent.parent
OWN = {"Accept-Encoding": "gzip, deflate, br, zstd", "Sec-Fetch-Site": "same-origin"}


def plain(client, url):
    return without_token(client.get(url).get_data())


def without_token(page):
    """The page without its CSRF token (signed anew for every answer)."""
    return re.sub(rb'(value="|"X-CSRFToken": ")[\w.-]+"', rb'\1"', page)


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_a_page_the_person_asks_for_comes_compressed_with_brotli(client, login, site):
    login("kari")
    response = client.get("/messages/1", headers={**OWN, "Sec-Fetch-Site": site})
    assert response.headers["Content-Encoding"] == "br"
    body = brotli.decompress(response.get_data())
    assert without_token(body) == plain(client, "/messages/1")
    assert len(response.get_data()) < len(body) / 2
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    vary = {v.strip() for v in response.headers["Vary"].split(",")}
    assert {"Accept-Encoding", "Sec-Fetch-Site"} <= vary  # no cache mixes them up


def test_gzip_for_a_browser_without_brotli(client, login):
    login("kari")
    response = client.get("/", headers={**OWN, "Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert without_token(gzip.decompress(response.get_data())) == plain(client, "/")


@pytest.mark.parametrize("site", ["cross-site", "same-site", None])
def test_a_page_another_site_makes_the_browser_ask_for_is_not_compressed(client, login,
                                                                          site):
    """BREACH: a search word the attacker chose beside the CSRF token and the family's
    names; compressed, its size would tell whether a guess matched. A browser too old
    to say where a request comes from (None) is treated the same."""
    login("kari")
    headers = {"Accept-Encoding": "gzip, br"}
    if site:
        headers["Sec-Fetch-Site"] = site
    response = client.get("/messages/search?q=Emma", headers=headers)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    page = response.get_data(as_text=True)
    assert 'name="csrf_token"' in page and "Emma" in page  # the secret beside the guess


def test_static_files_come_compressed_to_anyone(client):
    html = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=\w+)"', html).group(1)
    js = re.search(r'src="(/static/vendor/htmx[^"]+)"', html).group(1)
    for url, path in ((css, "static/css/app.css"), (js, None)):
        response = client.get(url, headers={"Accept-Encoding": "br",
                                            "Sec-Fetch-Site": "cross-site"})
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "br"
        body = brotli.decompress(response.get_data())
        if path:
            assert body == (ROOT / path).read_bytes()
        assert "immutable" in response.headers["Cache-Control"]
        assert "Accept-Ranges" not in response.headers  # ranges of which bytes?
        response.close()


def test_a_static_files_validator_names_its_encoding(client):
    html = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=\w+)"', html).group(1)
    identity = client.get(css)
    compressed = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["ETag"] != identity.headers["ETag"]
    assert compressed.headers["ETag"].endswith('-gzip"')
    identity.close()
    compressed.close()


def test_small_answers_are_left_alone_and_the_unread_poll_still_answers_304(client, login):
    login("kari")
    first = client.get("/messages/unread", headers=OWN)
    assert "Content-Encoding" not in first.headers
    again = client.get("/messages/unread",
                       headers={**OWN, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_head_request_and_an_error_page_are_not_compressed(client, login):
    login("kari")
    assert "Content-Encoding" not in client.head("/", headers=OWN).headers
    missing = client.get("/no-such-page", headers=OWN)
    assert missing.status_code == 404 and "Content-Encoding" not in missing.headers
