"""OpenID Connect login: the national eID (ID-porten, a BankID/Freja broker) for
guardians, and the municipality's staff SSO (Feide, Entra ID).

The authorization code flow with PKCE (S256), `state` and `nonce`. The ID token is
checked here, never trusted: its signature against the provider's published keys, the
issuer, the audience, the expiry, the nonce of this login, and the assurance level
(`acr`) against the lowest the municipality accepts. The personal identity number in it
is only ever compared through its keyed hash (models/protect.py): it is not logged,
put in the session cookie or shown. The ID token itself, which holds it, is kept
encrypted with the login session (for `id_token_hint` at logout, as OpenID Connect
requires) and deleted with it.

Provider metadata and keys are fetched over HTTPS (plain http only on loopback, for the
tests) and kept for a bounded time; an unknown key id fetches the keys again, at most
once a minute.
"""
import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import jwt

from models.db import clock

METADATA_SECONDS = 6 * 3600     # ID-porten advises caching about a day; six hours
KEYS_SECONDS = 3600
KEYS_RETRY_SECONDS = 60         # an unknown key id fetches the keys again, but not often
HTTP_TIMEOUT = 10
LEEWAY_SECONDS = 60             # clock difference between us and the provider
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]

IDPORTEN_LEVELS = ("idporten-loa-low", "idporten-loa-substantial", "idporten-loa-high")
# A staff SSO's login counts as strong for a sensitive thread by default with OpenID's
# multi-factor policies as `acr`, or "mfa" (RFC 8176) in `amr`: the municipality file's
# step_up_acr and step_up_amr change them.
STAFF_STEP_UP_ACR = ("http://schemas.openid.net/pape/policies/2007/06/multi-factor",
                     "http://schemas.openid.net/pape/policies/2007/06/multi-factor-physical")
STAFF_STEP_UP_AMR = ("mfa",)


class Unavailable(Exception):
    """The provider did not answer, or answered with something that is not OIDC."""


class Rejected(Exception):
    """The provider's answer does not hold: the login must not go through. `reason` is
    for the audit log (never shown in detail, never holding personal data)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class TooLowAssurance(Rejected):
    """A valid login at a lower assurance level than the municipality requires."""


@dataclass(frozen=True)
class Provider:
    """One provider from the municipality file's [[eid_login.providers]]."""
    id: str                      # in URLs: /login/eid/<id>
    label: str                   # the button: "Log in with <label>"
    audience: str                # "guardians" or "staff"
    issuer: str
    client_id: str
    client_secret: str = field(repr=False, default="")
    scopes: tuple = ("openid",)
    acr_values: str = ""         # asked for
    acr_levels: tuple = ()       # lowest first
    minimum_acr: str = ""        # the lowest accepted ("" accepts any)
    identity_claim: str = "pid"  # the claim that names the person
    match: str = "national_id"   # what it is compared with: national_id, email, username
    # What else makes a login strong for a sensitive thread (models/login/step_up.py):
    # one of these `acr` values, or one of these in `amr` (a second factor).
    step_up_acr: tuple = ()
    step_up_amr: tuple = ()

    def accepts(self, acr):
        if not self.minimum_acr:
            return True
        if acr not in self.acr_levels:
            return False
        return self.acr_levels.index(acr) >= self.acr_levels.index(self.minimum_acr)


# Metadata and keys, per issuer -------------------------------------------------------------

_lock = threading.Lock()
_metadata = {}   # issuer -> (fetched at, document)
_keys = {}       # issuer -> (fetched at, {kid: key})


def _get_json(url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers={
        "Accept": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            body = json.loads(error.read())
        except ValueError:
            body = {}
        finally:
            error.close()
        if 400 <= error.code < 500 and isinstance(body, dict) and "error" in body:
            raise Rejected(f"token endpoint: {body['error']}") from None
        raise Unavailable(f"{url}: HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        raise Unavailable(f"{url}: {type(error).__name__}") from None


def _checked_url(url, issuer):
    parts = urllib.parse.urlsplit(url or "")
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise Unavailable(f"{issuer}: an endpoint is not https")
    return url


def metadata(provider, now=None):
    """The provider's discovery document, fetched at most every METADATA_SECONDS."""
    now = now or time.monotonic()
    with _lock:
        cached = _metadata.get(provider.issuer)
    if cached and now - cached[0] < METADATA_SECONDS:
        return cached[1]
    document = _get_json(provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
    if not isinstance(document, dict) or document.get("issuer") != provider.issuer:
        raise Unavailable(f"{provider.issuer}: the discovery document names another issuer")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        _checked_url(document.get(key), provider.issuer)
    with _lock:
        _metadata[provider.issuer] = (now, document)
    return document


def _signing_key(provider, kid):
    now = time.monotonic()
    with _lock:
        fetched, keys = _keys.get(provider.issuer, (0.0, {}))
    stale = now - fetched >= KEYS_SECONDS
    if kid not in keys and (stale or now - fetched >= KEYS_RETRY_SECONDS):
        stale = True
    if stale:
        document = _get_json(metadata(provider)["jwks_uri"])
        keys = {}
        for data in document.get("keys", []) if isinstance(document, dict) else []:
            if data.get("use", "sig") != "sig":
                continue
            try:
                keys[data.get("kid")] = jwt.PyJWK(data)
            except (jwt.PyJWKError, jwt.InvalidKeyError):
                continue  # a key type we do not use
        with _lock:
            _keys[provider.issuer] = (now, keys)
    if kid not in keys:
        raise Rejected("the ID token is signed with an unknown key")
    return keys[kid]


def forget_cached():
    """Drop cached metadata and keys (tests, and after a provider's key rollover)."""
    with _lock:
        _metadata.clear()
        _keys.clear()


# The flow ------------------------------------------------------------------------------------

@dataclass
class Started:
    """A login on its way: the URL to send the browser to, and what to remember."""
    url: str
    state: str
    nonce: str
    verifier: str


def start(provider, redirect_uri, locale=None, fresh=False):
    """`fresh`: the person must log in again at the provider, not be let through by a
    session there (a step-up before a sensitive thread, models/login/step_up.py)."""
    document = metadata(provider)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {"response_type": "code", "client_id": provider.client_id,
             "redirect_uri": redirect_uri, "scope": " ".join(provider.scopes),
             "state": state, "nonce": nonce, "code_challenge": challenge,
             "code_challenge_method": "S256"}
    if provider.acr_values:
        query["acr_values"] = provider.acr_values
    if locale:
        query["ui_locales"] = locale
    if fresh:
        # Both: some providers honour only one. max_age=0 asks for the same as
        # prompt=login and obliges the provider to send `auth_time` (OIDC Core 3.1.2.1).
        query["prompt"] = "login"
        query["max_age"] = "0"
    endpoint = document["authorization_endpoint"]
    separator = "&" if "?" in endpoint else "?"
    return Started(endpoint + separator + urllib.parse.urlencode(query), state, nonce,
                   verifier)


def finish(provider, code, redirect_uri, verifier, nonce, now=None):
    """Exchange the code for tokens and check the ID token; returns (claims, raw ID
    token). Raises Rejected, TooLowAssurance or Unavailable."""
    document = metadata(provider)
    form = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": redirect_uri,
                                   "code_verifier": verifier}).encode()
    basic = base64.b64encode(
        f"{urllib.parse.quote(provider.client_id, safe='')}:"
        f"{urllib.parse.quote(provider.client_secret, safe='')}".encode()).decode()
    tokens = _get_json(document["token_endpoint"], data=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": f"Basic {basic}"})
    raw = tokens.get("id_token") if isinstance(tokens, dict) else None
    if not isinstance(raw, str):
        raise Rejected("no ID token in the token response")
    return check_id_token(provider, raw, nonce, now), raw


def check_id_token(provider, raw, nonce, now=None):
    """The ID token's claims, once every check holds. `now` (aware) defaults to the
    app's clock."""
    try:
        header = jwt.get_unverified_header(raw)
    except jwt.InvalidTokenError:
        raise Rejected("the ID token is not a JWT") from None
    if header.get("alg") not in ALGORITHMS:
        raise Rejected(f"the ID token's algorithm {header.get('alg')!r} is not accepted")
    key = _signing_key(provider, header.get("kid"))
    try:
        claims = jwt.decode(
            raw, key=key, algorithms=[header["alg"]], audience=provider.client_id,
            issuer=provider.issuer,
            # PyJWT reads the system clock: the times are checked below, on ours.
            options={"require": ["iss", "aud", "exp", "iat", "sub"], "verify_exp": False,
                     "verify_iat": False, "verify_nbf": False})
    except jwt.InvalidAudienceError:
        raise Rejected("the ID token is for another client") from None
    except jwt.InvalidIssuerError:
        raise Rejected("the ID token is from another issuer") from None
    except jwt.InvalidTokenError as error:
        raise Rejected(f"the ID token does not hold: {type(error).__name__}") from None
    _check_times(claims, (now or clock.now()).timestamp())
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != \
            provider.client_id:
        raise Rejected("the ID token is for several clients, not authorised for us")
    if not nonce or not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise Rejected("the ID token's nonce is not this login's")
    if not provider.accepts(claims.get("acr")):
        raise TooLowAssurance(f"assurance level {claims.get('acr')!r} is below "
                              f"{provider.minimum_acr!r}")
    return claims


def _check_times(claims, now):
    """Not expired, not issued or valid only later, within LEEWAY_SECONDS either way
    (RFC 7519 § 4.1.4-6)."""
    try:
        expires, issued = int(claims["exp"]), int(claims["iat"])
        valid_from = int(claims.get("nbf", issued))
    except (TypeError, ValueError, OverflowError):
        raise Rejected("the ID token's times are not numbers") from None
    if expires <= now - LEEWAY_SECONDS:
        raise Rejected("the ID token has expired")
    if max(issued, valid_from) > now + LEEWAY_SECONDS:
        raise Rejected("the ID token is not valid yet")


def end_session_url(provider, id_token, post_logout_redirect_uri, state):
    """Where to send the browser to log out at the provider too, or None."""
    try:
        endpoint = metadata(provider).get("end_session_endpoint")
    except Unavailable:
        return None
    if not endpoint:
        return None
    _checked_url(endpoint, provider.issuer)
    query = {"id_token_hint": id_token, "post_logout_redirect_uri": post_logout_redirect_uri,
             "state": state, "client_id": provider.client_id}
    separator = "&" if "?" in endpoint else "?"
    return endpoint + separator + urllib.parse.urlencode(query)
