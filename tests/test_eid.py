"""Login with the national eID and the staff SSO, against a real OpenID provider on
loopback (tests/oidc_provider.py: the npm package oidc-provider, set up like ID-porten):
the happy path, every check of the answer (state, a replayed code, nonce, audience,
expiry, signature, assurance level), the outcomes a person meets, and logout both ways."""
import time
import urllib.parse
from dataclasses import replace

import pytest

from models import demo
from models.audit import AuditEvent
from models.login import oidc
from models.login.sessions import LoginSession
from tests.oidc_provider import (CLIENT_ID, idporten_settings, kontaktbok_client,
                                 staff_settings, start_provider)

from .helpers import text_of

BASE = "http://localhost"
KARI = demo.adult_national_id("kari")


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    running = start_provider(tmp_path_factory.mktemp("oidc"), [kontaktbok_client(BASE)])
    yield running
    running.stop()


def idporten(provider, **changes):
    return idporten_settings(provider.issuer, **changes)


@pytest.fixture
def eid(app, provider):
    """The demo municipality with ID-porten for guardians and an SSO for staff (matched
    by username, the test provider's `pid` field carrying it)."""
    app.config["MUNICIPALITY"] = replace(app.config["MUNICIPALITY"], eid_login=(
        idporten(provider), staff_settings(provider.issuer)))
    oidc.forget_cached()
    provider.forget_browser()
    return app


def log_in(client, provider, pid=KARI, acr="idporten-loa-substantial", which="idporten"):
    """Start at the app, log in at the provider, come back: the app's answer."""
    started = client.get(f"/login/eid/{which}")
    assert started.status_code == 303
    back = provider.login(started.headers["Location"], pid, acr)
    assert back.startswith(f"{BASE}/login/eid/{which}/callback?"), back
    return client.get(back[len(BASE):])


def test_a_guardian_logs_in_with_id_porten(eid, client, provider, users, t):
    assert t("Log in with %(provider)s", provider="ID-porten") in text_of(client.get("/login"))
    started = client.get("/login/eid/idporten?next=/messages/")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(started.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["acr_values"] == ["idporten-loa-substantial"]
    assert query["state"][0] and query["nonce"][0] and query["ui_locales"] == ["nb"]
    back = provider.login(started.headers["Location"], KARI)
    answer = client.get(back[len(BASE):])
    assert answer.status_code == 302 and answer.headers["Location"] == "/messages/"
    assert "Kari Hansen" in text_of(client.get("/"))
    row = LoginSession.get(LoginSession.user == users["kari"])
    assert row.method == "eid" and row.provider == "idporten" and row.sid
    # Encrypted at rest: the stored value is not the token (which holds the pid).
    assert row.id_token.reveal().count(".") == 2 and "." not in row.id_token.token
    event = AuditEvent.get(AuditEvent.action == "login")
    assert event.details == {"method": "eid", "acr": "idporten-loa-substantial"}
    assert KARI not in str(event.details)


def test_the_answer_must_belong_to_a_login_started_here(eid, client, provider, t):
    started = client.get("/login/eid/idporten")
    back = provider.login(started.headers["Location"], KARI)
    mixed_up = back.replace("iss=", "iss=https%3A%2F%2Fother.example")
    assert client.get(mixed_up[len(BASE):]).status_code == 400
    started = client.get("/login/eid/idporten")
    back = provider.login(started.headers["Location"], KARI)
    forged = back.replace("state=", "state=x")
    answer = client.get(forged[len(BASE):])
    assert answer.status_code == 400
    assert t("The login could not be completed") in text_of(answer)
    assert client.get("/").status_code == 302  # not logged in
    # The real answer afterwards finds nothing either: the started login was used up.
    assert client.get(back[len(BASE):]).status_code == 400
    assert AuditEvent.select().where(AuditEvent.action == "login.eid_failed").count() == 3


def test_a_code_cannot_be_used_twice(eid, client, provider):
    first = client.get("/login/eid/idporten")
    back = provider.login(first.headers["Location"], KARI)
    assert client.get(back[len(BASE):]).status_code == 302
    client.post("/logout")
    # A new login started here, answered with the old code (and the new state).
    second = client.get("/login/eid/idporten")
    state = urllib.parse.parse_qs(urllib.parse.urlsplit(
        second.headers["Location"]).query)["state"][0]
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(back).query)["code"][0]
    replay = client.get(f"/login/eid/idporten/callback?code={code}&state={state}")
    assert replay.status_code == 400 and client.get("/").status_code == 302
    assert "invalid_grant" in AuditEvent.select().where(
        AuditEvent.action == "login.eid_failed").get().details["reason"]


def test_a_wrong_nonce_is_refused(eid, client, provider):
    started = client.get("/login/eid/idporten")
    back = provider.login(started.headers["Location"], KARI)
    with client.session_transaction() as session:
        session["oidc"] = {**session["oidc"], "nonce": "another-login"}
    assert client.get(back[len(BASE):]).status_code == 400
    assert client.get("/").status_code == 302


def test_too_low_an_assurance_level_is_refused_with_an_explanation(eid, client, provider, t):
    answer = log_in(client, provider, acr="idporten-loa-low")
    assert answer.status_code == 403
    assert t("A higher security level is needed") in text_of(answer)
    assert client.get("/").status_code == 302


def test_an_unknown_person_is_told_to_contact_the_school(eid, client, provider, t):
    answer = log_in(client, provider, pid="01017012345")
    assert answer.status_code == 403
    assert t("You are not registered with a school or kindergarten in %(municipality)s",
             municipality="Demo kommune") in text_of(answer)
    event = AuditEvent.get(AuditEvent.action == "login.eid_unknown")
    assert "01017012345" not in str(event.details)


def test_a_parent_without_parental_responsibility_is_told_why(eid, client, provider, t):
    assert log_in(client, provider, pid=demo.adult_national_id("per")).status_code == 302
    assert t("You can still ask the school or kindergarten for information about your "
             "child.") in text_of(client.get("/"))


def test_the_id_token_is_checked_claim_by_claim(eid, provider):
    """Tokens signed with the provider's own published key, each wrong in one way."""
    settings = idporten(provider)
    now = int(time.time())
    good = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "x", "iat": now,
            "exp": now + 60, "nonce": "n1", "acr": "idporten-loa-substantial", "pid": KARI}
    assert oidc.check_id_token(settings, provider.sign(good), "n1")["pid"] == KARI
    for change, error in (({"aud": "another-client"}, oidc.Rejected),
                          ({"iss": "https://idporten.no"}, oidc.Rejected),
                          ({"exp": now - 120, "iat": now - 300}, oidc.Rejected),
                          ({"nonce": "n2"}, oidc.Rejected),
                          ({"acr": "idporten-loa-low"}, oidc.TooLowAssurance),
                          ({"aud": [CLIENT_ID, "other"]}, oidc.Rejected)):
        with pytest.raises(error):
            oidc.check_id_token(settings, provider.sign({**good, **change}), "n1")
    header, payload, signature = provider.sign(good).split(".")
    tampered = provider.sign({**good, "pid": "01017012345"}).split(".")[1]
    with pytest.raises(oidc.Rejected):
        oidc.check_id_token(settings, f"{header}.{tampered}.{signature}", "n1")


def test_logging_out_ends_the_session_at_the_provider_too(eid, client, provider, t):
    assert log_in(client, provider).status_code == 302
    page = client.post("/logout")
    assert page.status_code == 200 and t("You are logged out") in text_of(page)
    html = page.get_data(as_text=True)
    url = html.split('http-equiv="refresh" content="0;url=')[1].split('"')[0].replace(
        "&amp;", "&")
    assert url.startswith(provider.issuer)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["post_logout_redirect_uri"] == [f"{BASE}/login"] and query["id_token_hint"]
    assert client.get("/").status_code == 302  # ended here at once
    assert provider.end_session(url).startswith(f"{BASE}/login?state=")
    # At the provider too: a new login asks again instead of signing straight in.
    started = client.get("/login/eid/idporten")
    back = provider.login(started.headers["Location"], demo.adult_national_id("ola"))
    assert client.get(back[len(BASE):]).status_code == 302
    assert "Ola Hansen" in text_of(client.get("/"))


def test_front_channel_logout_ends_the_session_without_its_cookie(eid, app, client,
                                                                  provider, users):
    assert log_in(client, provider).status_code == 302
    sid = LoginSession.get(LoginSession.user == users["kari"]).sid
    provider_frame = app.test_client()  # the provider's iframe: none of our cookies
    assert provider_frame.get(f"/login/eid/idporten/logout?iss=x&sid={sid}").status_code == 400
    answer = provider_frame.get("/login/eid/idporten/logout?" + urllib.parse.urlencode(
        {"iss": provider.issuer, "sid": sid}))
    assert answer.status_code == 200
    assert f"frame-ancestors {provider.issuer}" in answer.headers["Content-Security-Policy"]
    assert client.get("/").status_code == 302


def test_a_provider_that_is_down_gets_a_plain_page(eid, app, client, t):
    down = replace(app.config["MUNICIPALITY"].eid_login[0], id="down",
                   issuer="http://127.0.0.1:9")
    app.config["MUNICIPALITY"] = replace(app.config["MUNICIPALITY"], eid_login=(down,))
    answer = client.get(f"/login/eid/{down.id}")
    assert answer.status_code == 503
    assert t("%(provider)s is not answering", provider="ID-porten") in text_of(answer)
    assert "Traceback" not in answer.get_data(as_text=True)


def test_staff_log_in_with_the_sso_and_only_staff(eid, client, provider, t):
    assert t("Staff: log in with %(provider)s", provider="Feide") in text_of(
        client.get("/login"))
    assert log_in(client, provider, pid="larer1a", which="feide").status_code == 302
    assert LoginSession.select().where(LoginSession.method == "sso").count() == 1
    client.post("/logout")
    provider.forget_browser()
    answer = log_in(client, provider, pid="kari", which="feide")  # a guardian, no role
    assert answer.status_code == 403
    assert t("You have no staff account in Kontaktbok") in text_of(answer)


def test_a_swedish_broker_names_the_number_in_its_own_claim(eid, provider, users):
    """The OIDC Sweden profile's claim, or Signicat's `nin`: whichever the municipality
    file names is the one compared; another claim with a number is ignored."""
    from models.login.accounts import eid_account
    claim = "https://id.oidc.se/claim/personalIdentityNumber"
    swedish = idporten(provider, identity_claim=claim)
    assert eid_account(swedish, {claim: KARI}).id == users["kari"].id
    assert eid_account(swedish, {"pid": KARI}) is None
    assert eid_account(idporten(provider, identity_claim="nin"), {"nin": KARI}).id == \
        users["kari"].id


def test_staff_sso_refuses_an_unverified_address(eid, provider, users):
    from models.login.accounts import eid_account
    staff = idporten(provider, id="entra", audience="staff", identity_claim="email",
                     match="email")
    address = users["larer1a"].email
    assert eid_account(staff, {"email": address}).id == users["larer1a"].id
    assert eid_account(staff, {"email": address, "email_verified": False}) is None
    assert eid_account(staff, {"email": users["kari"].email}) is None  # no staff role
