"""Step-up through the staff SSO (issue 22): a member of staff who logs in only through
the municipality's SSO (no password here) opens a sensitive thread after a fresh login
there (`prompt=login`, `max_age=0`) that shows a second factor (`amr` "mfa") or a level
the municipality file names; an `auth_time` older than 15 minutes or a login without a
second factor does not open it, and the step-up page says what to do. Against the real
OpenID provider on loopback (tests/oidc_provider.py), set up as a staff SSO."""
import datetime
import re
import urllib.parse
from dataclasses import replace

import pytest

import municipality
from models.audit import AuditEvent
from models.login import oidc, step_up
from models.login.sessions import LoginSession, _digest
from models.school.tables import User
from tests.oidc_provider import idporten_settings, staff_settings
from tests.test_config import EXAMPLE, write_config
from tests.test_step_up import (BASE, SECRET, SUBJECT, minutes_before,  # noqa: F401
                                provider, sensitive)  # provider: a fixture

from .helpers import text_of

pytestmark = pytest.mark.clock("2026-11-18 10:00")


def sso_settings(issuer, **changes):
    """The staff SSO with the municipality file's defaults for staff (matched by
    username: the test provider's `pid` field carries it)."""
    defaults = municipality.PROVIDER_DEFAULTS["staff"]
    return replace(staff_settings(issuer), **{
        "step_up_acr": tuple(defaults["step_up_acr"]),
        "step_up_amr": tuple(defaults["step_up_amr"]), **changes})


@pytest.fixture
def sso(app, provider, clock, users):
    """ID-porten for guardians and the staff SSO; the school leader has no password
    (an SSO-only account). The provider signs with its own clock: ours agrees."""
    clock.reset()
    app.config["MUNICIPALITY"] = replace(app.config["MUNICIPALITY"], eid_login=(
        idporten_settings(provider.issuer), sso_settings(provider.issuer)))
    oidc.forget_cached()
    provider.forget_browser()
    User.update(password_hash=None).where(User.id == users["rektor"].id).execute()
    return app


def sso_login(client, provider, start, acr="idporten-loa-low", amr="pwd"):
    """From `start` (an app URL) through the provider and back: the callback's answer."""
    started = client.get(start)
    assert started.status_code == 303, text_of(started)
    back = provider.login(started.headers["Location"], "rektor", acr, amr)
    assert back.startswith(f"{BASE}/login/eid/feide/callback?"), back
    return back[len(BASE):]


def step_up_link(client, thread):
    """The thread sends the leader to the step-up page; its "Log in again with Feide"."""
    answer = client.get(f"/messages/{thread.id}")
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"])
    html = page.get_data(as_text=True).replace("&amp;", "&")
    links = re.findall(r'href="(/login/eid/[^"]+)"', html)
    assert len(links) == 1 and links[0].startswith("/login/eid/feide?"), links
    return links[0]


def logged_in_through_sso(client, provider):
    """An everyday SSO login, without a second factor: in, but not strong."""
    assert client.get(sso_login(client, provider, "/login/eid/feide")).status_code == 302
    assert LoginSession.get(LoginSession.method == "sso").strong_at is None


def test_a_fresh_sso_login_with_a_second_factor_opens_it(sso, client, provider, users,
                                                         kids, t):
    thread = sensitive(users, kids)
    logged_in_through_sso(client, provider)
    page = text_of(client.get(f"/step-up?next=/messages/{thread.id}"))
    assert t("Log in again with %(provider)s", provider="Feide") in page
    assert t("Log in again with %(provider)s", provider="ID-porten") not in page  # no pid
    link = step_up_link(client, thread)
    assert dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query)) == {
        "next": f"/messages/{thread.id}", "fresh": "1"}
    started = client.get(link)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(started.headers["Location"]).query)
    assert query["prompt"] == ["login"] and query["max_age"] == ["0"]
    # The provider has a session from the first login, yet asks again (prompt=login):
    # the second factor typed now is what the ID token says.
    back = provider.login(started.headers["Location"], "rektor", "idporten-loa-low",
                          "pwd mfa")
    answer = client.get(back[len(BASE):])
    assert answer.status_code == 302 and answer.headers["Location"] == f"/messages/{thread.id}"
    assert SECRET in text_of(client.get(f"/messages/{thread.id}"))
    row = LoginSession.select().where(LoginSession.method == "sso").order_by(
        LoginSession.id.desc()).get()
    assert row.user_id == users["rektor"].id and row.strong_at is not None
    event = AuditEvent.get(AuditEvent.action == "login.step_up")
    assert event.details == {"method": "sso"}


def test_a_level_named_substantial_counts_too(sso, client, provider, users, kids):
    thread = sensitive(users, kids)
    logged_in_through_sso(client, provider)
    back = sso_login(client, provider, step_up_link(client, thread),
                     acr="idporten-loa-substantial", amr="pwd")
    assert client.get(back).headers["Location"] == f"/messages/{thread.id}"
    assert client.get(f"/messages/{thread.id}").status_code == 200


def test_an_everyday_sso_login_with_a_second_factor_is_strong_at_once(sso, client,
                                                                      provider, users,
                                                                      kids):
    thread = sensitive(users, kids)
    assert client.get(sso_login(client, provider, "/login/eid/feide",
                                amr="pwd mfa")).status_code == 302
    assert client.get(f"/messages/{thread.id}").status_code == 200


def without_auth_time(monkeypatch):
    """The provider's ID tokens as from one that sends no `auth_time` (Entra ID v2 and
    others do, unless asked with max_age)."""
    finish = oidc.finish

    def finished(*args, **kwargs):
        claims, raw = finish(*args, **kwargs)
        return {k: v for k, v in claims.items() if k != "auth_time"}, raw
    monkeypatch.setattr(oidc, "finish", finished)


def test_an_everyday_sso_login_without_auth_time_is_not_strong(sso, client, provider,
                                                                users, kids, monkeypatch):
    """The provider's session may hold a second factor from hours ago: a silent login
    (no prompt=login) that does not say when does not open a sensitive thread."""
    thread = sensitive(users, kids)
    without_auth_time(monkeypatch)
    back = sso_login(client, provider, f"/login/eid/feide?next=/messages/{thread.id}",
                     amr="pwd mfa")
    assert client.get(back).headers["Location"] == f"/messages/{thread.id}"
    assert LoginSession.get(LoginSession.method == "sso").strong_at is None
    answer = client.get(f"/messages/{thread.id}")
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/step-up")
    assert SECRET not in text_of(client.get(f"/messages/{thread.id}",
                                            follow_redirects=True))


def test_an_everyday_sso_login_from_an_old_session_is_not_strong(sso, client, provider,
                                                                  users, kids, clock):
    thread = sensitive(users, kids)
    back = sso_login(client, provider, "/login/eid/feide", amr="pwd mfa")
    clock.advance(minutes=16)  # the answer is as old as the provider's session
    assert client.get(back).status_code == 302
    assert client.get(f"/messages/{thread.id}").status_code == 303


def test_a_step_up_answered_for_someone_else_keeps_the_login(sso, client, provider,
                                                              users, kids, t):
    """A fresh login at the provider as another member of staff does not switch the
    browser to that account: refused, logged, the login as it was."""
    thread = sensitive(users, kids)
    logged_in_through_sso(client, provider)
    before = LoginSession.get(LoginSession.method == "sso")
    started = client.get(step_up_link(client, thread))
    back = provider.login(started.headers["Location"], "larer1a", "idporten-loa-low",
                          "pwd mfa")
    answer = client.get(back[len(BASE):])
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/step-up?next=/messages/{thread.id}"
    page = text_of(client.get(answer.headers["Location"]))
    assert t("%(provider)s logged in someone else", provider="Feide") in page
    assert client.get(f"/messages/{thread.id}").status_code == 303
    # Still the leader's own login, not strong: no session for the other person.
    assert [row.id for row in LoginSession.select()] == [before.id]
    assert LoginSession.get_by_id(before.id).strong_at is None
    with client.session_transaction() as session:
        assert LoginSession.get(LoginSession.token_hash == _digest(
            session["_user_id"])).user_id == users["rektor"].id
    event = AuditEvent.get(AuditEvent.action == "login.step_up_other_person")
    assert event.actor_id == users["rektor"].id
    assert event.details == {"method": "sso", "provider": "feide"}


def test_a_login_without_a_second_factor_does_not_open_it(sso, client, provider, users,
                                                          kids, t):
    thread = sensitive(users, kids)
    logged_in_through_sso(client, provider)
    back = sso_login(client, provider, step_up_link(client, thread),
                     acr="idporten-loa-low", amr="pwd")
    answer = client.get(back)
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/step-up?next=/messages/{thread.id}"
    page = text_of(client.get(answer.headers["Location"]))
    assert t("%(provider)s did not confirm a second factor", provider="Feide") in page
    assert t("Ask the municipality's administrator to set up a second factor for your "
             "account at %(provider)s, or to set which of its answers Kontaktbok accepts "
             "as one. Then log in again here.", provider="Feide") in page
    assert t("Log in again with %(provider)s", provider="Feide") in page  # to try again
    assert SECRET not in page
    assert client.get(f"/messages/{thread.id}").status_code == 303
    assert LoginSession.select().where(LoginSession.strong_at.is_null(False)).count() == 0
    assert LoginSession.select().count() == 1  # the login as it was, no weaker one added
    event = AuditEvent.get(AuditEvent.action == "login.step_up_weak")
    assert event.details == {"method": "sso", "provider": "feide", "problem": "weak"}
    # Said once: the next visit to the page is the plain page again.
    again = text_of(client.get(f"/step-up?next=/messages/{thread.id}"))
    assert t("%(provider)s did not confirm a second factor", provider="Feide") not in again


def test_an_auth_time_older_than_15_minutes_does_not_open_it(sso, client, provider,
                                                             users, kids, clock, t):
    thread = sensitive(users, kids)
    logged_in_through_sso(client, provider)
    back = sso_login(client, provider, step_up_link(client, thread),
                     acr="idporten-loa-low", amr="pwd mfa")
    # The answer comes to us 16 minutes after the person logged in at the provider:
    # its `auth_time` is that old (as when a provider answers from an older session).
    clock.advance(minutes=16)
    answer = client.get(back)
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/step-up?next=/messages/{thread.id}"
    page = text_of(client.get(answer.headers["Location"]))
    assert t("%(provider)s did not ask you to log in again", provider="Feide") in page
    assert client.get(f"/messages/{thread.id}").status_code == 303
    event = AuditEvent.get(AuditEvent.action == "login.step_up_weak")
    assert event.details["problem"] == "stale"


def test_an_sso_that_cannot_show_a_second_factor_says_to_ask_the_administrator(
        app, sso, client, provider, users, kids, t):
    thread = sensitive(users, kids)
    logged_in_through_sso(client, provider)
    app.config["MUNICIPALITY"] = replace(app.config["MUNICIPALITY"], eid_login=(
        idporten_settings(provider.issuer),
        sso_settings(provider.issuer, step_up_acr=(), step_up_amr=())))
    answer = client.get(f"/messages/{thread.id}")
    page = text_of(client.get(answer.headers["Location"]))
    assert t("A second factor is needed") in page
    assert t("Ask the municipality's administrator to set up a second factor for your "
             "account, and to set which logins Kontaktbok accepts as having one.") in page
    assert t("Log in again with %(provider)s", provider="Feide") not in page
    assert "/login/eid/" not in client.get(answer.headers["Location"]).get_data(as_text=True)
    # Nor is there anything to post: no password, no authenticator app.
    assert client.post(f"/step-up?next=/messages/{thread.id}",
                       data={"code": "123456"}).status_code == 404
    assert client.get("/account/two-factor").status_code == 404


# What counts, without a provider ------------------------------------------------------

def test_what_a_staff_sso_login_must_show():
    sso = sso_settings("https://sso.example")
    assert step_up.strong_login(sso, {"amr": ["pwd", "mfa"]})
    assert step_up.strong_login(sso, {"amr": "mfa"})  # a lone string, as some send it
    assert step_up.strong_login(sso, {"acr": oidc.STAFF_STEP_UP_ACR[0]})
    assert step_up.strong_login(sso, {"acr": "urn:x:loa:substantial"})
    assert not step_up.strong_login(sso, {"amr": ["pwd"], "acr": "1"})
    assert not step_up.strong_login(sso, {"amr": [["mfa"]], "acr": ["mfa"]})
    assert not step_up.strong_login(sso, {})
    bare = staff_settings("https://sso.example")
    assert not step_up.strong_login(bare, {"amr": ["mfa"]})
    assert not step_up.may_be_strong(bare) and step_up.may_be_strong(sso)


def test_a_step_up_needs_a_fresh_auth_time():
    sso = sso_settings("https://sso.example")
    now = datetime.datetime(2026, 11, 18, 9, 0)
    at = minutes_before(now)

    strong = {"amr": ["mfa"]}
    # An everyday login as a step-up: counted from auth_time, within 15 minutes.
    assert step_up.judge(sso, {**strong, "auth_time": at(1)}, now) == (
        now - datetime.timedelta(minutes=1), None)
    assert step_up.judge(sso, {**strong, "auth_time": at(16)}, now) == (
        None, step_up.STALE)
    # Without auth_time nothing says when the second factor was used: not strong.
    assert step_up.judge(sso, strong, now) == (None, step_up.STALE)
    assert step_up.judge(sso, {**strong, "auth_time": "soon"}, now) == (
        None, step_up.STALE)
    assert step_up.judge(sso, {"amr": ["pwd"], "auth_time": at(0)}, now) == (
        None, step_up.WEAK)


def test_an_auth_time_in_the_future_is_not_valid():
    sso = sso_settings("https://sso.example")
    now = datetime.datetime(2026, 11, 18, 9, 0)

    def at(seconds_ahead):
        moment = now + datetime.timedelta(seconds=seconds_ahead)
        return int(moment.replace(tzinfo=datetime.timezone.utc).timestamp())

    # Within the leeway allowed for the provider's clock: now.
    assert step_up.judge(sso, {"amr": ["mfa"], "auth_time": at(oidc.LEEWAY_SECONDS)},
                         now) == (now, None)
    for ahead in (oidc.LEEWAY_SECONDS + 1, 3600, 10 ** 8):
        assert step_up.judge(sso, {"amr": ["mfa"], "auth_time": at(ahead)}, now) == (
            None, step_up.STALE)


# The municipality file ----------------------------------------------------------------

STAFF_SSO = """
[[eid_login.providers]]
id = "feide"
label = "Feide"
for = "staff"
issuer = "https://auth.dataporten.no"
client_id = "kontaktbok"
client_secret = "s3cret"
"""


def test_the_municipality_file_names_what_counts_with_a_default(tmp_path):
    (provider,) = municipality.load(write_config(tmp_path, EXAMPLE + STAFF_SSO)).eid_login
    assert provider.step_up_amr == ("mfa",)
    assert provider.step_up_acr == oidc.STAFF_STEP_UP_ACR
    chosen = STAFF_SSO + 'step_up_acr = ["https://sso.example/mfa"]\nstep_up_amr = []\n'
    (provider,) = municipality.load(write_config(tmp_path, EXAMPLE + chosen)).eid_login
    assert step_up.strong_login(provider, {"acr": "https://sso.example/mfa"})
    assert not step_up.strong_login(provider, {"amr": ["mfa"]})
    eid = STAFF_SSO.replace('"staff"', '"guardians"').replace('"feide"', '"idporten"')
    (provider,) = municipality.load(write_config(tmp_path, EXAMPLE + eid)).eid_login
    assert provider.step_up_acr == provider.step_up_amr == ()  # the eID's levels do it


@pytest.mark.parametrize("line, message", [
    ('step_up_amr = "mfa"', "step_up_amr: must be"),
    ('step_up_acr = ["", "x"]', "step_up_acr: must be a list of non-empty strings"),
])
def test_a_bad_step_up_setting_is_refused_naming_the_key(tmp_path, line, message):
    path = write_config(tmp_path, EXAMPLE + STAFF_SSO + line + "\n")
    with pytest.raises(municipality.ConfigError, match=re.escape(message)):
        municipality.load(path)
