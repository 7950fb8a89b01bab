"""The ID-porten-like OIDC provider harness (tests/oidc_provider.py) on its own, no app."""
import base64
import hashlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    POST_LOGOUT_REDIRECT_URI,
    REDIRECT_URI,
    b64url,
    oidc_provider,  # noqa: F401 (a fixture)
)

ACR_VALUES = ["idporten-loa-low", "idporten-loa-substantial", "idporten-loa-high"]
PID = "24079420405"


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def post_token(token_endpoint, form):
    """POST to the token endpoint with client_secret_basic: (status, JSON body)."""
    credentials = f"{urllib.parse.quote(CLIENT_ID)}:{urllib.parse.quote(CLIENT_SECRET)}"
    request = urllib.request.Request(
        token_endpoint, data=urllib.parse.urlencode(form).encode(),
        headers={"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jwt(token, jwks):
    """The claims of an RS256 JWT whose signature verifies with a key of the JWKS."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    assert header["alg"] == "RS256"
    (jwk,) = [key for key in jwks["keys"] if key["kid"] == header["kid"]]
    public_key = rsa.RSAPublicNumbers(int.from_bytes(b64url_decode(jwk["e"]), "big"),
                                      int.from_bytes(b64url_decode(jwk["n"]), "big")).public_key()
    public_key.verify(b64url_decode(signature_b64), f"{header_b64}.{payload_b64}".encode(),
                      padding.PKCS1v15(), hashes.SHA256())  # raises InvalidSignature
    return json.loads(b64url_decode(payload_b64))


@pytest.fixture
def provider(oidc_provider):  # noqa: F811 (the imported fixture)
    oidc_provider.forget_browser()
    return oidc_provider


@pytest.fixture
def discovery(provider):
    return get_json(f"{provider.issuer}/.well-known/openid-configuration")


def authorize(discovery, pkce=True, **params):
    """An authorization URL as the app builds it (None drops a parameter): (url, code_verifier)."""
    verifier = secrets.token_urlsafe(48)
    query = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "response_type": "code",
             "scope": "openid", "state": secrets.token_urlsafe(12),
             "nonce": secrets.token_urlsafe(12), "acr_values": "idporten-loa-substantial"}
    if pkce:
        query["code_challenge"] = b64url(hashlib.sha256(verifier.encode()).digest())
        query["code_challenge_method"] = "S256"
    query = {key: value for key, value in {**query, **params}.items() if value is not None}
    return f"{discovery['authorization_endpoint']}?{urllib.parse.urlencode(query)}", verifier


def callback_params(url):
    assert url.split("?")[0] == REDIRECT_URI
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def log_in(provider, discovery, pid=PID, acr="idporten-loa-substantial", **params):
    """A whole code flow: the token form, the token response and the verified ID token claims."""
    url, verifier = authorize(discovery, state="the-state", nonce="the-nonce", **params)
    callback = callback_params(provider.login(url, pid, acr))
    assert callback["state"] == "the-state"
    form = {"grant_type": "authorization_code", "code": callback["code"],
            "redirect_uri": REDIRECT_URI, "code_verifier": verifier}
    status, tokens = post_token(discovery["token_endpoint"], form)
    assert status == 200, tokens
    claims = verify_jwt(tokens["id_token"], get_json(discovery["jwks_uri"]))
    return form, tokens, claims


def test_discovery_is_like_id_porten(provider, discovery):
    assert discovery["issuer"] == provider.issuer
    assert discovery["acr_values_supported"] == ACR_VALUES
    assert discovery["end_session_endpoint"].startswith(provider.issuer + "/")
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert discovery["response_types_supported"] == ["code"]
    assert "client_secret_basic" in discovery["token_endpoint_auth_methods_supported"]
    assert get_json(discovery["jwks_uri"])["keys"][0]["kid"] == provider.private_jwk["kid"]


@pytest.mark.parametrize("acr, acr_values", [
    ("idporten-loa-substantial", "idporten-loa-substantial"),
    ("idporten-loa-high", None),  # acr is there even when not asked for, as at ID-porten
])
def test_code_flow_gives_signed_id_token_with_pid_acr_sid(provider, discovery, acr, acr_values):
    form, _tokens, claims = log_in(provider, discovery, acr=acr, acr_values=acr_values)

    assert claims["iss"] == provider.issuer
    assert claims["aud"] == CLIENT_ID
    assert claims["pid"] == PID
    assert claims["sub"] == provider.sub_for(PID) != PID
    assert claims["acr"] == acr
    assert claims["nonce"] == "the-nonce"
    assert claims["sid"]
    # The code is single use.
    status, error = post_token(discovery["token_endpoint"], form)
    assert (status, error["error"]) == (400, "invalid_grant")


def test_code_exchange_needs_the_right_verifier(provider, discovery):
    url, _verifier = authorize(discovery)
    code = callback_params(provider.login(url, PID))["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "code_verifier": secrets.token_urlsafe(48)}
    status, error = post_token(discovery["token_endpoint"], form)
    assert (status, error["error"]) == (400, "invalid_grant")


def test_authorization_without_pkce_is_refused(provider, discovery):
    url, _verifier = authorize(discovery, pkce=False, state="s1")
    params = callback_params(provider.login(url, PID))
    assert params["error"] == "invalid_request"
    assert params["state"] == "s1"
    assert "code" not in params


def test_end_session_redirects_back_and_ends_the_session(provider, discovery):
    _form, tokens, _claims = log_in(provider, discovery)
    query = urllib.parse.urlencode({"id_token_hint": tokens["id_token"], "state": "bye",
                                    "post_logout_redirect_uri": POST_LOGOUT_REDIRECT_URI})
    url = provider.end_session(f"{discovery['end_session_endpoint']}?{query}")
    assert url == f"{POST_LOGOUT_REDIRECT_URI}?state=bye"
    # No single sign-on any more: the next login asks again and can be someone else.
    _form, _tokens, claims = log_in(provider, discovery, pid="01010012345")
    assert claims["pid"] == "01010012345"


def test_sign_uses_the_published_key(provider, discovery):
    token = provider.sign({"iss": provider.issuer, "aud": CLIENT_ID, "pid": PID})
    claims = verify_jwt(token, get_json(discovery["jwks_uri"]))
    assert claims == {"iss": provider.issuer, "aud": CLIENT_ID, "pid": PID}
