"""Compressed answers from the app itself: `make run` has no proxy in front, and a phone
on a slow network should not wait for 50 KB where 12 would do (issue 23).

Brotli (Google's `brotli`) when the browser takes it, gzip otherwise. Static files and
the theme hold nothing personal: each is compressed once, at the highest level, and
kept in memory. Pages are compressed as they go, at a level that costs well under a
millisecond, but only when the browser says the request comes from our own pages or
from the person themselves (`Sec-Fetch-Site: same-origin` or `none`). A compressed page
that holds a secret (the CSRF token, a name) next to text an attacker chose (a search
word) leaks the secret through its size when the attacker can make the browser ask for
it many times (BREACH); such requests come from another site, and are answered
uncompressed. A browser too old to send the header gets uncompressed pages.
"""
import gzip
from pathlib import Path

import brotli
from flask import current_app, request

TEXT = {"text/html", "text/css", "text/javascript", "application/javascript",
        "application/json", "application/manifest+json", "image/svg+xml", "text/plain",
        "text/calendar"}
MIN_SIZE = 500  # smaller answers gain less than the header costs
OWN_REQUEST = {"same-origin", "none"}
SHARED = ("static", "brand.theme")  # the same for everyone, secret to no one
PAGE_LEVELS = {"br": 4, "gzip": 5}
_static = {}  # (path, its modification time, encoding) -> compressed bytes


def chosen_encoding():
    """"br", "gzip" or None, from the request's Accept-Encoding."""
    accepted = request.accept_encodings
    for encoding in ("br", "gzip"):
        if accepted[encoding]:
            return encoding
    return None


def _compress(data, encoding, best=False):
    if encoding == "br":
        return brotli.compress(data, quality=11 if best else PAGE_LEVELS["br"])
    return gzip.compress(data, compresslevel=9 if best else PAGE_LEVELS["gzip"], mtime=0)


def _static_body(response, encoding):
    """A static file's compressed bytes, made once per file and encoding."""
    path = Path(current_app.static_folder) / request.view_args["filename"]
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, encoding)
    body = _static.get(key)
    if body is None:
        body = _static[key] = _compress(path.read_bytes(), encoding, best=True)
    return body


def after_request(response):
    """Compress the answer when it is worth it and safe (see the module's text)."""
    vary = response.vary
    vary.add("Accept-Encoding")
    if (response.status_code != 200 or response.mimetype not in TEXT
            or "Content-Encoding" in response.headers or request.method == "HEAD"):
        return response
    shared = request.endpoint in SHARED
    if not shared:
        vary.add("Sec-Fetch-Site")
        if request.headers.get("Sec-Fetch-Site") not in OWN_REQUEST:
            return response
    encoding = chosen_encoding()
    if encoding is None:
        return response
    if request.endpoint == "static":
        length = response.content_length
        if length is not None and length < MIN_SIZE:
            return response
        body = _static_body(response, encoding)
        if hasattr(response.response, "close"):
            response.response.close()  # the open file send_file handed over
        response.direct_passthrough = False
        response.headers.pop("Accept-Ranges", None)
    else:
        if response.is_streamed:
            return response
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        body = _compress(data, encoding, best=shared)
    response.set_data(body)
    response.headers["Content-Encoding"] = encoding
    etag, weak = response.get_etag()
    if etag:  # another representation: another tag (RFC 9110, 8.8.3)
        response.set_etag(f"{etag}-{encoding}", weak=weak)
    return response
