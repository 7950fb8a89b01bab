"""Local login: argon2, a new server-side session at login, timeouts, logout, rate
limiting, the same answer for unknown users and wrong passwords, and the audit log."""
import datetime
import os

import pytest

from models.audit import AuditEvent
from models.login.passwords import check_password
from models.login.sessions import LoginSession
from models.school.tables import User
from views.ratelimit import LoginLimiter, MemoryStore, RedisStore

from .helpers import HTMX, text_of

PASSWORD = "kontaktbok-demo"


def post_login(client, username, password=PASSWORD, **kwargs):
    return client.post("/login", data={"username": username, "password": password}, **kwargs)


def test_login_with_the_right_password_opens_the_home_page(client):
    response = post_login(client, "kari", follow_redirects=True)
    assert response.status_code == 200
    assert "Emma Hansen" in text_of(response)


def test_username_is_not_case_sensitive(client):
    assert post_login(client, " Kari ").status_code == 302


def test_passwords_are_argon2_hashes(users):
    assert users["kari"].password_hash.startswith("$argon2id$")
    assert check_password(users["kari"], PASSWORD)
    assert not check_password(users["kari"], "kontaktbok-demO")


def test_unknown_user_and_wrong_password_get_the_same_answer(client, t):
    wrong = post_login(client, "kari", "wrong password")
    unknown = post_login(client, "nobody-here", "wrong password")
    assert wrong.status_code == unknown.status_code == 401
    assert text_of(wrong) == text_of(unknown)
    assert t("The username or password is wrong.") in text_of(wrong)


def test_failed_login_keeps_the_username_on_the_form(client):
    response = post_login(client, "kari", "wrong")
    html = response.get_data(as_text=True)
    assert 'value="kari"' in html
    assert "wrong" not in html.replace("is wrong", "")  # the password is never echoed


def test_empty_form_says_what_is_missing(client, t):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 400
    assert t("Enter your username.") in text_of(response)
    assert t("Enter your password.") in text_of(response)


def test_every_login_and_failed_login_is_audited(client, users):
    post_login(client, "kari", "wrong")
    post_login(client, "nobody", "wrong")
    post_login(client, "kari")
    events = [(e.action, e.actor_id) for e in AuditEvent.select().order_by(AuditEvent.id)
              if e.action.startswith("login")]
    assert events == [("login.failed", users["kari"].id), ("login.failed", None),
                      ("login", users["kari"].id)]
    # What was typed as a username for an unknown account is not stored.
    assert all("nobody" not in e.detail for e in AuditEvent.select())


def test_inactive_account_cannot_log_in(client, users):
    User.update(is_active=False).where(User.username == "kari").execute()
    assert post_login(client, "kari").status_code == 401


def test_login_starts_a_new_session(client):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    post_login(client, "kari")
    with client.session_transaction() as session:
        assert "planted" not in session
        token = session["_user_id"]
    assert LoginSession.select().count() == 1
    assert token and token.isascii() and str(User.get(username="kari").id) != token


def test_logout_ends_the_session_even_for_a_copied_cookie(client, app):
    post_login(client, "kari")
    with client.session_transaction() as session:
        stolen = dict(session)
    assert client.post("/logout").status_code == 302
    assert LoginSession.select().count() == 0
    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(stolen)
    assert thief.get("/").status_code == 302


def test_logout_is_audited_and_needs_post(client, users):
    post_login(client, "kari")
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert AuditEvent.select().where(AuditEvent.action == "logout",
                                     AuditEvent.actor_id == users["kari"].id).exists()


def age_session(idle=None, age=None):
    for row in LoginSession.select():
        row.last_seen_at -= datetime.timedelta(**(idle or {}))
        row.created_at -= datetime.timedelta(**(age or {}))
        row.save()


def test_idle_session_times_out(client, t):
    post_login(client, "kari")
    age_session(idle={"minutes": 31}, age={"minutes": 31})
    response = client.get("/", follow_redirects=True)
    assert t("Your session has ended. Log in again.") in text_of(response)
    assert LoginSession.select().count() == 0


def test_session_has_an_absolute_limit_however_active(client):
    post_login(client, "kari")
    age_session(age={"hours": 12, "minutes": 1})
    assert client.get("/").status_code == 302


def test_active_session_continues(client):
    post_login(client, "kari")
    age_session(idle={"minutes": 20}, age={"minutes": 20})
    assert client.get("/").status_code == 200


@pytest.mark.clock("2026-11-18 08:00", tick=False)
def test_the_session_limits_count_on_the_apps_clock(client, clock):
    post_login(client, "kari")
    for _ in range(24):  # a request every 29 minutes keeps it open, for 11 h 36 min
        clock.advance(minutes=29)
        assert client.get("/").status_code == 200
    clock.advance(minutes=25)  # 12 h 1 min after logging in: the absolute limit
    assert client.get("/").status_code == 302
    post_login(client, "kari")
    clock.advance(minutes=30, seconds=1)  # idle for just over 30 minutes
    assert client.get("/").status_code == 302
    assert LoginSession.select().count() == 0


def test_expired_session_on_htmx_request_redirects_the_whole_page(client):
    post_login(client, "kari")
    age_session(idle={"minutes": 31}, age={"minutes": 31})
    response = client.get("/", headers=HTMX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")
    assert "<html" not in response.get_data(as_text=True)


def test_login_returns_to_the_page_asked_for_but_never_to_another_host(client):
    assert post_login(client, "admin", query_string={"next": "/admin/"}).headers[
        "Location"] == "/admin/"
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/", "javascript:alert(1)",
                 "/\\evil.example", "/\t/evil.example"):
        response = post_login(client, "admin", query_string={"next": evil})
        assert response.headers["Location"] == "/", evil
        client.post("/logout")


def test_too_many_failures_block_the_account_name(client, t):
    for _ in range(5):
        assert post_login(client, "kari", "wrong").status_code == 401
    blocked = post_login(client, "kari")  # even the right password
    assert blocked.status_code == 429
    assert t("Too many failed attempts. Wait %(minutes)d minutes and try again, or contact "
             "the school or kindergarten.", minutes=15) in text_of(blocked)
    assert AuditEvent.select().where(AuditEvent.action == "login.blocked").exists()
    # Another account from another address is not affected.
    assert post_login(client, "ola", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302


def test_too_many_attempts_from_one_address_block_it(make_app):
    app = make_app(LOGIN_ATTEMPTS_PER_ADDRESS=3)
    limiter = app.extensions["login_limiter"]
    assert all(limiter.attempt(name, "10.1.1.1") for name in ("a", "b", "c"))
    assert not limiter.attempt("someone-else", "10.1.1.1")
    assert limiter.attempt("someone-else", "10.1.1.2")


def test_success_takes_its_attempts_back():
    limiter = LoginLimiter(MemoryStore(), per_account=2, per_address=2)
    assert limiter.attempt("kari", "1.2.3.4")
    limiter.succeeded("kari", "1.2.3.4")
    assert limiter.attempt("kari", "1.2.3.4") and limiter.attempt("kari", "1.2.3.4")
    assert not limiter.attempt("kari", "1.2.3.4")


def test_window_expiry_unblocks():
    limiter = LoginLimiter(MemoryStore(), per_account=1, window=0)
    assert limiter.attempt("kari", "1.2.3.4")
    assert limiter.attempt("kari", "1.2.3.4")


def test_attempts_sent_at_once_cannot_slip_past_the_limit():
    """Each attempt is counted before its (slow) password check."""
    from concurrent.futures import ThreadPoolExecutor
    limiter = LoginLimiter(MemoryStore(), per_account=5, per_address=1000)
    with ThreadPoolExecutor(8) as pool:
        allowed = list(pool.map(lambda n: limiter.attempt("kari", f"10.0.0.{n}"), range(40)))
    assert allowed.count(True) == 5


def test_blocked_login_checks_no_password(client, monkeypatch):
    for _ in range(5):
        post_login(client, "kari", "wrong")
    import views.auth
    monkeypatch.setattr(views.auth, "check_password",
                        lambda *a: pytest.fail("password checked while blocked"))
    assert post_login(client, "kari").status_code == 429


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"),
                    reason="TEST_REDIS_URL names a Redis server to test the shared store")
def test_app_processes_share_the_count_in_redis(make_app):
    """Two app processes with the same REDIS_URL see one count."""
    url = os.environ["TEST_REDIS_URL"]
    first = make_app(REDIS_URL=url).extensions["login_limiter"]
    second = make_app(REDIS_URL=url).extensions["login_limiter"]
    assert isinstance(first.store, RedisStore)
    name = f"redis-test-{os.getpid()}-{id(first)}"
    for limiter in (first, second, first, second, first):
        assert limiter.attempt(name, "9.9.9.9")
    assert not second.attempt(name, "9.9.9.8")
    second.succeeded(name, "9.9.9.9")
    assert first.attempt(name, "9.9.9.9")
    first.succeeded(name, "9.9.9.9")


def test_a_hash_with_old_parameters_is_renewed_at_login(client, users):
    from argon2 import PasswordHasher
    kari = users["kari"]
    kari.password_hash = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(
        PASSWORD)
    kari.save()
    assert post_login(client, "kari").status_code == 302
    renewed = User.get_by_id(kari.id).password_hash
    assert "m=512" not in renewed and check_password(User.get_by_id(kari.id), PASSWORD)
