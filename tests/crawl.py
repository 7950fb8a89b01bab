"""A crawler for the whole app as one user: every page and htmx fragment reachable by
following links, GET forms and hx-get attributes, plain and as a fragment."""
import html as htmllib
import re
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from .helpers import HTMX

# Not followed: leaving (a GET that logs out or starts a login elsewhere ends the crawl's
# session), and static files (no personal data; tests/test_pages.py checks them).
SKIPPED = re.compile(r"^/(static/|logout|login/eid/)")
MAX_PAGES = 600  # per user: a crawl that finds more is looping
# A page reached with other query values (the next day, the next page of a list) is the
# same page with other data: a few of each are enough, or the crawl walks the calendar.
VARIANTS = 2
TEXT_TYPES = ("text/", "application/json", "application/manifest+json", "text/vcard",
              "application/javascript")


class Links(HTMLParser):
    """The GET targets of a page: links, GET forms with their fields' current values,
    hx-get attributes, and media sources."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._form = (attrs.get("action") or "", []) if method == "get" else None
            return
        for name in ("href", "hx-get", "src", "poster"):
            if attrs.get(name):
                self.found.append(attrs[name])
        if self._form is None:
            return
        fields = self._form[1]
        if tag in ("input", "textarea") and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button", "file", "reset", "image"):
                fields.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "select":
            self._select = [attrs.get("name"), None, None]  # name, first, selected
        elif tag == "option" and self._select:
            value = attrs.get("value") or ""
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in attrs:
                self._select[2] = value

    def handle_endtag(self, tag):
        if tag == "select" and self._select and self._form is not None:
            name, first, chosen = self._select
            if name:
                self._form[1].append((name, chosen if chosen is not None else first or ""))
            self._select = None
        elif tag == "form" and self._form is not None:
            action, fields = self._form
            self.found.append(action + ("?" + urlencode(fields) if fields else ""))
            self._form = None


def local(url, base):
    """The path and query of a link inside the app, or None."""
    url = htmllib.unescape(url).strip()
    if not url or url.startswith(("#", "mailto:", "tel:", "data:", "javascript:")):
        return None
    absolute = urljoin(base, url)
    parts = urlsplit(absolute)
    if parts.netloc not in ("", "localhost"):
        return None
    path = parts.path + ("?" + parts.query if parts.query else "")
    return None if SKIPPED.match(path) else path


@dataclass
class Page:
    url: str
    htmx: bool
    status: int
    content_type: str
    text: str


@dataclass
class Crawl:
    user: str
    pages: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def urls(self):
        return {page.url for page in self.pages}


def readable(response):
    """What a person could read in a response: the text of a page or file, the names and
    text inside a zip archive."""
    kind = response.headers.get("Content-Type", "")
    data = response.get_data()
    if kind.startswith(TEXT_TYPES):
        return data.decode("utf-8", "replace")
    if kind.startswith("application/zip"):
        with zipfile.ZipFile(BytesIO(data)) as archive:
            parts = []
            for info in archive.infolist():
                parts.append(info.filename)
                if info.filename.endswith((".txt", ".html", ".json", ".csv", ".vcf")):
                    parts.append(archive.read(info).decode("utf-8", "replace"))
            return "\n".join(parts)
    return ""


def fetch(client, url, htmx):
    response = client.get(url, headers=HTMX if htmx else None)
    page = Page(url, htmx, response.status_code,
                response.headers.get("Content-Type", ""), readable(response))
    response.close()
    return page


def _shape(url):
    """A page's path and the names of its query parameters."""
    parts = urlsplit(url)
    return parts.path, tuple(sorted({key for key, _ in parse_qsl(parts.query,
                                                                 keep_blank_values=True)}))


def crawl(client, user, start="/"):
    """Every page `user` reaches from `start`, each fetched plain and as an htmx
    fragment; redirects are followed as links."""
    began = time.perf_counter()
    result = Crawl(user)
    queue, seen, shapes = [start], {start}, Counter()
    while queue and len(seen) <= MAX_PAGES:
        url = queue.pop(0)
        for htmx in (False, True):
            page = fetch(client, url, htmx)
            result.pages.append(page)
            targets = []
            if page.status in (301, 302, 303, 307, 308):
                location = client.get(url, headers=HTMX if htmx else None)
                targets.append(location.headers.get("Location", ""))
                location.close()
            elif "html" in page.content_type:
                parser = Links()
                parser.feed(page.text)
                targets += parser.found
            for target in targets:
                found = local(target, "http://localhost" + url)
                if found and found not in seen and shapes[_shape(found)] < VARIANTS:
                    seen.add(found)
                    shapes[_shape(found)] += 1
                    queue.append(found)
    result.seconds = time.perf_counter() - began
    return result


def replay(client, user, urls):
    """Other users' pages requested as `user`, plain and, where the page answers, as a
    fragment too."""
    began = time.perf_counter()
    result = Crawl(user)
    for url in sorted(urls):
        page = fetch(client, url, False)
        result.pages.append(page)
        if page.status < 400:
            result.pages.append(fetch(client, url, True))
    result.seconds = time.perf_counter() - began
    return result
