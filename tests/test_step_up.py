"""The step-up before a sensitive thread (issue 22): what counts as a strong login and for
how long (15 minutes), the password and an authenticator app's code for a local account
(RFC 6238, rate-limited, each code once), setting the app up, the code-login family, a
safe `next`, and a fresh eID login through the loopback OpenID provider."""
import datetime
import urllib.parse
from dataclasses import replace

import pyotp
import pytest

from models import demo
from models.audit import AuditEvent
from models.db import utcnow
from models.login import oidc, step_up, totp
from models.login.sessions import LoginSession
from models.messaging import inbox
from models.school.tables import Unit, User
from tests.oidc_provider import (idporten_settings, kontaktbok_client, staff_settings,
                                 start_provider)

from .helpers import HTMX, queries_for, text_of

SUBJECT, SECRET = "Bekymring", "Noe vi må snakke om"
BASE = "http://localhost"
pytestmark = pytest.mark.clock("2026-11-18 10:00")


def sensitive(users, kids):
    return inbox.start_thread(Unit.get(Unit.name == "Solbakken skole"), kids["Emma"],
                              SUBJECT, SECRET, users["kari"], inbox.new_form_token(),
                              guardians=[users["kari"]], staff=[users["larer1a"]],
                              as_guardian=True, sensitive=True)


def enrol(user):
    """An authenticator app set up and confirmed for the user; returns its TOTP."""
    secret = totp.pending_secret(user)
    row = totp.TotpSecret.get(totp.TotpSecret.user == user.id)
    totp.TotpSecret.update(confirmed_at=utcnow()).where(
        totp.TotpSecret.id == row.id).execute()
    return pyotp.TOTP(secret)


def code_now(app_totp, clock, steps=0):
    return app_totp.at(clock.now() + datetime.timedelta(seconds=30 * steps))


def password_login(client, username):
    answer = client.post("/login", data={"username": username,
                                         "password": demo.PASSWORD})
    assert answer.status_code == 302, text_of(answer)


# Freshness --------------------------------------------------------------------------------

def test_fresh_for_15_minutes_then_not(client, login, users, kids, clock):
    thread = sensitive(users, kids)
    login("rektor")
    with client.session_transaction() as session:
        token = session["_user_id"]
    user = users["rektor"]
    user.session_token = token
    step_up.record(user, "test")
    assert client.get(f"/messages/{thread.id}").status_code == 200
    clock.advance(minutes=14)
    assert client.get(f"/messages/{thread.id}").status_code == 200
    clock.advance(minutes=2)  # 16 minutes
    answer = client.get(f"/messages/{thread.id}")
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/step-up")


def test_the_moment_is_on_the_session_not_in_the_cookie(client, login, users, kids):
    thread = sensitive(users, kids)
    login("rektor")
    with client.session_transaction() as session:
        session["strong_at"] = utcnow().isoformat()  # whatever a cookie says
        session["step_up"] = True
    assert client.get(f"/messages/{thread.id}").status_code == 303


# Password + authenticator app ---------------------------------------------------------------

def test_password_and_code_open_it_and_come_back(client, users, kids, clock, t):
    thread = sensitive(users, kids)
    app_totp = enrol(users["rektor"])
    password_login(client, "rektor")
    answer = client.get(f"/messages/{thread.id}")
    assert answer.headers["Location"] == f"/step-up?next=/messages/{thread.id}"
    page = client.get(answer.headers["Location"])
    assert t("Code from your authenticator app") in text_of(page)
    done = client.post(f"/step-up?next=/messages/{thread.id}", data={
        "password": demo.PASSWORD, "code": code_now(app_totp, clock)})
    assert done.status_code == 303 and done.headers["Location"] == f"/messages/{thread.id}"
    assert SECRET in text_of(client.get(f"/messages/{thread.id}"))
    row = LoginSession.select().where(LoginSession.user == users["rektor"].id).order_by(
        LoginSession.id.desc()).get()
    assert utcnow() - row.strong_at < datetime.timedelta(seconds=5)
    event = AuditEvent.get(AuditEvent.action == "login.step_up")
    assert event.details == {"method": "password+totp"}


def test_a_password_alone_or_a_code_alone_is_not_enough(client, users, kids, clock, t):
    sensitive(users, kids)
    app_totp = enrol(users["rektor"])
    password_login(client, "rektor")
    wrong_code = client.post("/step-up", data={"password": demo.PASSWORD,
                                               "code": "000000"})
    assert wrong_code.status_code == 401
    assert t("The password or the code is wrong.") in text_of(wrong_code)
    wrong_password = client.post("/step-up", data={"password": "nope",
                                                   "code": code_now(app_totp, clock)})
    assert wrong_password.status_code == 401
    missing = client.post("/step-up", data={"code": code_now(app_totp, clock, 1)})
    assert missing.status_code == 400
    assert LoginSession.select().where(LoginSession.strong_at.is_null(False)).count() == 0


def test_a_code_works_once(client, users, kids, clock):
    app_totp = enrol(users["rektor"])
    password_login(client, "rektor")
    code = code_now(app_totp, clock)
    form = {"password": demo.PASSWORD, "code": code}
    assert client.post("/step-up", data=form).status_code == 303
    assert client.post("/step-up", data=form).status_code == 401  # seen over a shoulder


def test_wrong_codes_are_rate_limited(client, users, kids, clock, t):
    app_totp = enrol(users["rektor"])
    password_login(client, "rektor")
    for _ in range(5):
        assert client.post("/step-up", data={"password": demo.PASSWORD,
                                             "code": "123456"}).status_code == 401
    blocked = client.post("/step-up", data={"password": demo.PASSWORD,
                                            "code": code_now(app_totp, clock)})
    assert blocked.status_code == 429  # even the right code, now
    assert AuditEvent.select().where(AuditEvent.action == "login.step_up_blocked").count() == 1
    assert AuditEvent.select().where(AuditEvent.action == "login.step_up_failed").count() == 5


def test_without_an_app_the_page_says_how_to_set_one_up(client, login, t):
    login("rektor")
    page = text_of(client.get("/step-up?next=/messages/"))
    assert t("You need a second factor first") in page
    assert t("Set up an authenticator app") in page
    assert client.post("/step-up", data={"code": "123456"}).status_code == 404


# Setting the app up -----------------------------------------------------------------------

def setup_of(page):
    """The setup the page's confirming form is for (its hidden field)."""
    html = page.get_data(as_text=True)
    return html.split('name="setup" value="')[1].split('"')[0]


def test_setting_up_the_app_takes_the_password_and_a_first_code(client, users, clock, t):
    password_login(client, "larer1a")
    page = client.get("/account/two-factor")
    html = page.get_data(as_text=True)
    svg = html.split("<svg")[1].split("</svg>")[0]
    assert "<script>" not in html and "style=" not in svg
    assert "http" not in svg.replace("http://www.w3.org", "")  # nothing from elsewhere
    secret = html.split('<code class="secret">')[1].split("</code>")[0]
    setup = setup_of(page)
    assert setup and secret not in setup
    app_totp = pyotp.TOTP(secret)
    assert not totp.confirmed(users["larer1a"])
    wrong = client.post("/account/two-factor", data={"password": "nope", "setup": setup,
                                                     "code": code_now(app_totp, clock)})
    assert wrong.status_code == 400 and not totp.confirmed(users["larer1a"])
    bad_code = client.post("/account/two-factor", data={"password": demo.PASSWORD,
                                                        "setup": setup, "code": "000000"})
    assert bad_code.status_code == 400 and secret_on(bad_code) is None  # never again
    assert setup_of(bad_code) == setup  # still the same setup to confirm
    done = client.post("/account/two-factor", data={"password": demo.PASSWORD,
                                                    "setup": setup,
                                                    "code": code_now(app_totp, clock)})
    assert done.status_code == 303 and totp.confirmed(users["larer1a"])
    after = client.get("/account/two-factor").get_data(as_text=True)
    assert secret not in after  # never shown again
    # The stored secret is encrypted (the data key), not the secret itself.
    raw = totp.TotpSecret.select(totp.TotpSecret.secret).tuples().get()[0]
    assert secret not in str(getattr(raw, "token", raw))
    # Removing it takes a fresh step-up.
    removed = client.post("/account/two-factor", data={"action": "remove"})
    assert removed.status_code == 303 and removed.headers["Location"].startswith("/step-up")
    assert totp.confirmed(users["larer1a"])


def secret_on(page):
    html = page.get_data(as_text=True)
    if '<code class="secret">' not in html:
        assert "<svg" not in html  # nor the QR code
        return None
    return html.split('<code class="secret">')[1].split("</code>")[0]


def test_the_secret_is_shown_once_by_the_visit_that_makes_it(client, users, clock, t):
    password_login(client, "larer1a")
    secret = secret_on(client.get("/account/two-factor"))
    assert secret
    # Back later (another tab, someone at the same screen): not shown again.
    later = client.get("/account/two-factor")
    assert later.status_code == 200 and secret_on(later) is None
    assert secret not in later.get_data(as_text=True)
    assert t("Setup started at %(time)s", time="10:00") in text_of(later)
    setup = setup_of(later)  # the same setup
    # A wrong password does not show it either.
    wrong = client.post("/account/two-factor", data={"password": "nope", "code": "000000",
                                                     "setup": setup})
    assert wrong.status_code == 400 and secret_on(wrong) is None
    # The app that scanned it the first time still finishes the setup.
    done = client.post("/account/two-factor", data={
        "password": demo.PASSWORD, "setup": setup,
        "code": code_now(pyotp.TOTP(secret), clock)})
    assert done.status_code == 303 and totp.confirmed(users["larer1a"])


def test_a_secret_seen_at_an_open_session_is_never_handed_to_the_owner(client, users,
                                                                      clock, t):
    """Someone at a session left open opens the setup first and copies its secret; the
    owner, typing their password and a code that is wrong, is not shown that secret to
    scan (they would enrol a factor the other person has). They start again instead."""
    password_login(client, "larer1a")
    seen_by_someone_else = secret_on(client.get("/account/two-factor"))
    owners_page = client.get("/account/two-factor")
    for code in ("000000", "12"):
        attempt = client.post("/account/two-factor", data={
            "password": demo.PASSWORD, "setup": setup_of(owners_page), "code": code})
        assert attempt.status_code == 400 and secret_on(attempt) is None
        assert seen_by_someone_else not in attempt.get_data(as_text=True)
        assert t("Your password, to start again") in text_of(attempt)
    assert not totp.confirmed(users["larer1a"])
    client.post("/account/two-factor", data={"action": "start-again",
                                             "password": demo.PASSWORD})
    own = secret_on(client.get("/account/two-factor"))
    assert own and own != seen_by_someone_else


def test_a_setup_expires_after_10_minutes_and_starts_again(client, users, clock, t):
    password_login(client, "larer1a")
    first = client.get("/account/two-factor")
    secret = secret_on(first)
    clock.advance(minutes=11)
    late = client.post("/account/two-factor", data={
        "password": demo.PASSWORD, "setup": setup_of(first),
        "code": code_now(pyotp.TOTP(secret), clock)})
    assert late.status_code == 400 and not totp.confirmed(users["larer1a"])
    assert t("Start the setup again") in text_of(late) and secret_on(late) is None
    page = client.get("/account/two-factor")
    fresh = secret_on(page)
    assert fresh and fresh != secret
    assert client.post("/account/two-factor", data={
        "password": demo.PASSWORD, "setup": setup_of(page),
        "code": code_now(pyotp.TOTP(fresh), clock)}).status_code == 303
    assert totp.confirmed(users["larer1a"])


def restart_events():
    return AuditEvent.select().where(AuditEvent.action == "two_factor.restarted").count()


def test_starting_again_takes_the_password_and_makes_a_new_secret(client, users, clock,
                                                                   t):
    password_login(client, "larer1a")
    first_page = client.get("/account/two-factor")
    first = secret_on(first_page)
    waiting = client.get("/account/two-factor")
    assert secret_on(waiting) is None
    assert t("Your password, to start again") in text_of(waiting)
    # Without the password (someone at an open session): nothing changes.
    for password in ("", "nope"):
        refused = client.post("/account/two-factor", data={"action": "start-again",
                                                           "password": password})
        assert refused.status_code == 400 and secret_on(refused) is None
        assert t("The password is wrong.") in text_of(refused)
    assert setup_of(client.get("/account/two-factor")) == setup_of(first_page)
    assert restart_events() == 0
    again = client.post("/account/two-factor", data={"action": "start-again",
                                                      "password": demo.PASSWORD})
    assert again.status_code == 303 and again.headers["Location"] == "/account/two-factor"
    assert restart_events() == 1
    second_page = client.get("/account/two-factor")
    second = secret_on(second_page)
    assert second and second != first
    # The old setup's code does not turn it on, and the current one is not shown
    # again, even after the password.
    old = client.post("/account/two-factor", data={
        "password": demo.PASSWORD, "setup": setup_of(second_page),
        "code": code_now(pyotp.TOTP(first), clock)})
    assert old.status_code == 400 and not totp.confirmed(users["larer1a"])
    assert secret_on(old) is None and second not in old.get_data(as_text=True)
    assert client.post("/account/two-factor", data={
        "password": demo.PASSWORD, "setup": setup_of(second_page),
        "code": code_now(pyotp.TOTP(second), clock, 1)}).status_code == 303
    # Starting again does not touch a factor that is set up.
    client.post("/account/two-factor", data={"action": "start-again",
                                             "password": demo.PASSWORD})
    assert totp.confirmed(users["larer1a"]) and restart_events() == 1


def test_a_setup_started_again_elsewhere_is_not_revealed(client, app, users, clock, t):
    """The person's form is for the setup they scanned; someone who started it again in
    the meantime (another tab, another browser) does not get the person to confirm and
    see a secret they did not scan."""
    password_login(client, "larer1a")
    mine = client.get("/account/two-factor")
    other = app.test_client()
    password_login(other, "larer1a")
    assert other.post("/account/two-factor", data={"action": "start-again",
                                                   "password": demo.PASSWORD}
                      ).status_code == 303
    planted = secret_on(other.get("/account/two-factor"))
    assert planted
    answer = client.post("/account/two-factor", data={
        "password": demo.PASSWORD, "setup": setup_of(mine),
        "code": code_now(pyotp.TOTP(secret_on(mine)), clock)})
    assert answer.status_code == 409 and not totp.confirmed(users["larer1a"])
    assert planted not in answer.get_data(as_text=True) and secret_on(answer) is None
    assert t("The setup was started again elsewhere, so this code cannot turn it on. If "
             "you did not start it again, start again here with your password.") in text_of(
        answer)
    # Even its own code, sent from the old form, does not turn the new one on.
    assert client.post("/account/two-factor", data={
        "password": demo.PASSWORD, "setup": setup_of(mine),
        "code": code_now(pyotp.TOTP(planted), clock)}).status_code == 409
    assert not totp.confirmed(users["larer1a"])


def test_the_pages_cost_a_few_queries(client, users, clock):
    enrol(users["rektor"])
    password_login(client, "rektor")
    assert queries_for(client, "/step-up?next=/messages/") <= 6
    assert queries_for(client, "/account/two-factor") <= 6  # set up
    password_login(client, "larer1a")
    assert queries_for(client, "/account/two-factor") <= 6  # made and shown
    assert queries_for(client, "/account/two-factor") <= 6  # waiting


# A family logged in with a one-time code ------------------------------------------------------

def test_a_code_login_family_cannot_set_up_a_factor_or_step_up_with_the_code(
        client, users, kids, clock):
    """The code proves only the mailbox: a factor set up from a code-login session (a
    stolen mailbox, a session left open) would let that session read the thread."""
    thread = sensitive(users, kids)
    kari = users["kari"]
    User.update(password_hash=None).where(User.id == kari.id).execute()
    token = LoginSession.start(kari, method="code")
    with client.session_transaction() as session:
        session["_user_id"] = token
    assert client.get("/account/two-factor").status_code == 404
    assert client.post("/account/two-factor", data={"code": "123456"}).status_code == 404
    assert client.post(f"/step-up?next=/messages/{thread.id}",
                       data={"code": "123456"}).status_code == 404
    assert client.get(f"/messages/{thread.id}").status_code == 303


# `next` ---------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_next_refuses_another_site(client, users, clock, target):
    app_totp = enrol(users["rektor"])
    password_login(client, "rektor")
    quoted = urllib.parse.quote(target, safe="")
    page = client.get(f"/step-up?next={quoted}").get_data(as_text=True)
    main = page.split("<main")[1].split("</main>")[0]
    assert "evil.example" not in main and "javascript:" not in main
    done = client.post(f"/step-up?next={quoted}", data={"password": demo.PASSWORD,
                                                         "code": code_now(app_totp, clock)})
    assert done.status_code == 303 and done.headers["Location"] == "/messages/"


def test_htmx_gets_hx_redirect_to_the_step_up_page(client, login, users, kids):
    thread = sensitive(users, kids)
    login("kari")
    answer = client.get(f"/messages/{thread.id}", headers=HTMX)
    assert answer.status_code == 401 and b"<html" not in answer.get_data()
    assert answer.headers["HX-Redirect"] == f"/step-up?next=/messages/{thread.id}"


# What counts as strong from the eID ------------------------------------------------------------

def test_strong_levels():
    idporten = idporten_settings("https://idporten.example")
    assert step_up.strong_acr(idporten, "idporten-loa-substantial")
    assert step_up.strong_acr(idporten, "idporten-loa-high")
    assert not step_up.strong_acr(idporten, "idporten-loa-low")
    assert not step_up.strong_acr(idporten, None)
    eidas = replace(idporten, acr_levels=("loa2", "loa3", "loa4"))
    assert step_up.strong_acr(eidas, "http://eidas.europa.eu/LoA/substantial")
    assert not step_up.strong_acr(eidas, "loa3")  # no level named strong: not assumed
    named = replace(idporten, acr_levels=("low", "substantial", "high"))
    assert step_up.strong_acr(named, "high") and not step_up.strong_acr(named, "low")
    sso = staff_settings("https://sso.example")
    assert not step_up.strong_acr(sso, "")  # an SSO without a level
    assert step_up.may_be_strong(idporten) and not step_up.may_be_strong(sso)


def test_auth_time_is_the_moment():
    now = utcnow().replace(microsecond=0)

    def at(delta):
        return int((now + delta).replace(tzinfo=datetime.timezone.utc).timestamp())

    old = at(-datetime.timedelta(hours=2))
    assert step_up.strong_moment({"auth_time": old}, now) == now - datetime.timedelta(hours=2)
    # No auth_time, or not a number: no moment (never "now").
    assert step_up.strong_moment({}, now) is None
    assert step_up.strong_moment({"auth_time": "x"}, now) is None
    # Later than now: within the ID token's clock leeway it is now, beyond it not valid.
    assert step_up.strong_moment({"auth_time": at(datetime.timedelta(seconds=30))},
                                 now) == now
    assert step_up.strong_moment({"auth_time": at(datetime.timedelta(minutes=5))},
                                 now) is None
    idporten = idporten_settings("https://idporten.example")
    future = {"acr": "idporten-loa-substantial",
              "auth_time": at(datetime.timedelta(days=1))}
    assert step_up.judge(idporten, future, now) == (None, step_up.STALE)


def minutes_before(now):
    """auth_time claims (seconds since 1970) so many minutes before `now` (naive UTC)."""
    def at(minutes_ago):
        moment = now - datetime.timedelta(minutes=minutes_ago)
        return int(moment.replace(tzinfo=datetime.timezone.utc).timestamp())
    return at


def test_an_eid_login_is_strong_only_with_a_fresh_auth_time():
    idporten = idporten_settings("https://idporten.example")
    now = datetime.datetime(2026, 11, 18, 9, 0)
    at = minutes_before(now)

    substantial = {"acr": "idporten-loa-substantial"}
    assert step_up.judge(idporten, {**substantial, "auth_time": at(14)}, now) == (
        now - datetime.timedelta(minutes=14), None)
    assert step_up.judge(idporten, {**substantial, "auth_time": at(16)}, now) == (
        None, step_up.STALE)
    assert step_up.judge(idporten, substantial, now) == (None, step_up.STALE)
    assert step_up.judge(idporten, {"acr": "idporten-loa-low", "auth_time": at(0)},
                         now) == (None, step_up.WEAK)


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    running = start_provider(tmp_path_factory.mktemp("oidc"), [kontaktbok_client(BASE)])
    yield running
    running.stop()


@pytest.fixture
def eid(app, provider):
    app.config["MUNICIPALITY"] = replace(app.config["MUNICIPALITY"], eid_login=(
        idporten_settings(provider.issuer),))
    oidc.forget_cached()
    provider.forget_browser()
    return app


def test_a_fresh_eid_login_from_the_step_up_page_opens_it(eid, client, provider, users,
                                                          kids, t, clock):
    clock.reset()  # the provider signs with its own clock: ours must agree
    thread = sensitive(users, kids)
    password_login(client, "kari")
    step = client.get(f"/messages/{thread.id}").headers["Location"]
    page = client.get(step)
    assert t("Log in again with %(provider)s", provider="ID-porten") in text_of(page)
    html = page.get_data(as_text=True).replace("&amp;", "&")
    link = html.split('href="/login/eid/idporten')[1].split('"')[0]
    link = "/login/eid/idporten" + link
    assert dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query)) == {
        "next": f"/messages/{thread.id}", "fresh": "1"}
    started = client.get(link)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(started.headers["Location"]).query)
    assert query["prompt"] == ["login"]  # not let through by a session at the provider
    back = provider.login(started.headers["Location"], demo.adult_national_id("kari"),
                          "idporten-loa-substantial")
    answer = client.get(back[len(BASE):])
    assert answer.status_code == 302 and answer.headers["Location"] == f"/messages/{thread.id}"
    assert SECRET in text_of(client.get(f"/messages/{thread.id}"))
    row = LoginSession.select().where(LoginSession.method == "eid").get()
    assert row.strong_at is not None and row.user_id == users["kari"].id
    assert User.get_by_id(users["kari"].id).is_active


def without_auth_time(monkeypatch):
    finish = oidc.finish

    def finished(*args, **kwargs):
        claims, raw = finish(*args, **kwargs)
        return {k: v for k, v in claims.items() if k != "auth_time"}, raw
    monkeypatch.setattr(oidc, "finish", finished)


def test_an_everyday_eid_login_at_substantial_is_strong_with_a_fresh_auth_time(
        eid, client, provider, users, kids, clock):
    clock.reset()
    thread = sensitive(users, kids)
    started = client.get(f"/login/eid/idporten?next=/messages/{thread.id}")
    back = provider.login(started.headers["Location"], demo.adult_national_id("kari"),
                          "idporten-loa-substantial")
    assert client.get(back[len(BASE):]).headers["Location"] == f"/messages/{thread.id}"
    assert SECRET in text_of(client.get(f"/messages/{thread.id}"))


def test_an_everyday_eid_login_without_auth_time_is_not_strong(eid, client, provider,
                                                                users, kids, clock,
                                                                monkeypatch):
    clock.reset()
    thread = sensitive(users, kids)
    without_auth_time(monkeypatch)
    started = client.get(f"/login/eid/idporten?next=/messages/{thread.id}")
    back = provider.login(started.headers["Location"], demo.adult_national_id("kari"),
                          "idporten-loa-substantial")
    assert client.get(back[len(BASE):]).headers["Location"] == f"/messages/{thread.id}"
    assert LoginSession.get(LoginSession.method == "eid").strong_at is None
    answer = client.get(f"/messages/{thread.id}")
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/step-up")
