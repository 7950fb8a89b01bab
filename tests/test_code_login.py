"""Login without a national eID: staff allow a one-time code to a verified address; the
code arrives by real SMTP (aiosmtpd on loopback), holds nothing about the child, works
once, for ten minutes and five tries; the session it opens reads and sends messages but
changes no consent, class-list sharing or caregiver access."""
import datetime
import re
import time

import pytest

from models.audit import AuditEvent
from models.db import utcnow
from models.login import code_login
from models.login.sessions import LoginSession

from .cast import ROLES
from .helpers import text_of
from .matrix import Matrix, expect, only
from .smtp import smtp_server

ADDRESS = "nina.lie@example.org"


@pytest.fixture
def inbox(app):
    """A real SMTP server on loopback, and the app sending to it."""
    with smtp_server(app) as server:
        yield server.messages


def allow_nina(client, login, users):
    login("larer1a")  # the contact teacher of Jonas's group
    jonas = users["nina"].guardianships[0].child_id
    return client.post(f"/children/{jonas}/code-login", data={
        "guardian": users["nina"].id, "action": "allow", "email": ADDRESS}), jonas


def arrived(inbox, count=1):
    """The mail is sent beside the request: wait for it (at most five seconds)."""
    for _ in range(100):
        if len(inbox) >= count:
            return inbox
        time.sleep(0.05)
    raise AssertionError(f"{count} mail(s) expected, {len(inbox)} arrived")


def code_from(message):
    return re.search(r"\b(\d{6})\b", message.get_payload(decode=True).decode()).group(1)


def log_in_with_code(client, address=ADDRESS, code=None, inbox=None):
    client.post("/logout")
    before = len(inbox or [])
    client.post("/login/code", data={"email": address})
    code = code or code_from(arrived(inbox, before + 1)[-1][1])
    return client.post("/login/code/enter", data={"email": address, "code": code})


def test_staff_allow_a_code_and_the_guardian_logs_in_with_it(client, login, users, inbox,
                                                             kids, t):
    answer, jonas = allow_nina(client, login, users)
    assert answer.status_code == 303
    assert AuditEvent.get(AuditEvent.action == "code_login.allowed").object_id == \
        users["nina"].id
    client.post("/logout")
    assert t("No national eID? Log in with a code") in text_of(client.get("/login"))
    sent = client.post("/login/code", data={"email": "Nina.Lie@example.org "})
    assert sent.status_code == 303 and "@" not in sent.headers["Location"]  # not in a URL
    (recipients, message), = arrived(inbox)
    assert recipients == [ADDRESS]
    assert message["Subject"] == t("Your login code for Kontaktbok")
    body = message.get_payload(decode=True).decode()
    assert "Jonas" not in body and "Lie" not in body  # nothing about the child
    done = client.post("/login/code/enter", data={"code": code_from(message)})
    assert done.status_code == 302
    assert "Jonas" in text_of(client.get("/"))
    assert LoginSession.get(LoginSession.user == users["nina"]).method == "code"
    assert AuditEvent.select().where(AuditEvent.action == "login",
                                     AuditEvent.actor_id == users["nina"].id).exists()


def test_a_code_session_cannot_change_consents_sharing_or_caregivers(client, login, users,
                                                                     inbox, kids, t):
    _, jonas = allow_nina(client, login, users)
    assert log_in_with_code(client, inbox=inbox).status_code == 302
    from models.consent import consent_book
    from models.consent.tables import PHOTO
    item = next(s.item for c, statuses in consent_book.for_child(
        kids["Jonas"], "nb", "nb").consents if c.kind == PHOTO for s in statuses)
    refused = client.post(f"/children/{jonas}/consents/{item.id}", data={"answer": "yes"})
    assert refused.status_code == 403
    assert t("This needs a login with the national eID") in text_of(refused)
    group = kids["Jonas"].enrolments[0].group_id
    assert client.post(f"/children/{jonas}/class-list/{group}",
                       data={"phone": "1"}).status_code == 403
    assert client.post(f"/children/{jonas}/caregivers", data={}).status_code == 403
    assert client.get("/messages/").status_code == 200  # messages still work


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, inbox):
    answer = client.post("/login/code", data={"email": "nobody@example.org"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/enter")
    time.sleep(0.3)
    assert inbox == []


def test_a_code_works_once_for_ten_minutes_and_five_tries(client, login, users, inbox):
    allow_nina(client, login, users)
    nina = users["nina"]
    code = code_login.new_code(nina)
    assert code_login.check(ADDRESS, code, now=utcnow() + datetime.timedelta(minutes=11)) \
        is None
    assert code_login.check(ADDRESS, code).id == nina.id
    assert code_login.check(ADDRESS, code) is None  # used
    code = code_login.new_code(nina)
    for _ in range(code_login.CODE_TRIES):
        assert code_login.check(ADDRESS, "000000" if code != "000000" else "111111") is None
    assert code_login.check(ADDRESS, code) is None  # locked after five wrong tries
    for _ in range(code_login.CODES_PER_HOUR):
        code_login.new_code(nina)
    assert code_login.new_code(nina) is None


@pytest.mark.clock("2026-11-18 08:00", tick=False)
def test_a_code_lasts_ten_minutes_and_five_an_hour_on_the_apps_clock(client, login, users,
                                                                       inbox, clock):
    allow_nina(client, login, users)
    nina = users["nina"]
    code = code_login.new_code(nina)
    clock.advance(minutes=10)
    assert code_login.check(ADDRESS, code) is None  # ten minutes to the second
    codes = [code_login.new_code(nina) for _ in range(code_login.CODES_PER_HOUR - 1)]
    assert code_login.new_code(nina) is None  # five within the hour
    clock.advance(minutes=9, seconds=59)
    assert code_login.check(ADDRESS, codes[-1]).id == nina.id
    clock.advance(minutes=40, seconds=1)  # the first code is more than an hour old
    assert code_login.new_code(nina) is not None


def test_a_wrong_code_comes_back_on_the_form(client, login, users, inbox, t):
    allow_nina(client, login, users)
    answer = log_in_with_code(client, code="12345x")
    assert answer.status_code == 401
    assert t("The code is wrong or too old. Ask for a new one.") in text_of(answer)
    assert client.get("/").status_code == 302


def test_only_leaders_and_contact_teachers_allow_it(client, login, users, kids, t):
    jonas = kids["Jonas"].id
    login("faglarer")  # a subject teacher sees the page, cannot change it
    assert client.get(f"/children/{jonas}/code-login").status_code == 200
    assert client.post(f"/children/{jonas}/code-login", data={
        "guardian": users["nina"].id, "action": "allow",
        "email": ADDRESS}).status_code == 404
    for role in ("kari", "bhg", "admin"):
        login(role)
        assert client.get(f"/children/{jonas}/code-login").status_code == 404
    login("rektor")
    bad = client.post(f"/children/{jonas}/code-login", data={
        "guardian": users["nina"].id, "action": "allow", "email": "nina.lie"})
    assert bad.status_code == 400 and 'value="nina.lie"' in bad.get_data(as_text=True)
    assert t("Write an e-mail address you have checked with the guardian.") in text_of(bad)


def test_stopping_it_ends_the_codes_and_their_sessions(client, app, login, users, inbox):
    _, jonas = allow_nina(client, login, users)
    guardian = app.test_client()
    assert log_in_with_code(guardian, inbox=inbox).status_code == 302
    assert guardian.get("/").status_code == 200
    client.post(f"/children/{jonas}/code-login", data={"guardian": users["nina"].id,
                                                       "action": "stop"})
    assert guardian.get("/").status_code == 302  # the open session ended
    client.post("/logout")
    client.post("/login/code", data={"email": ADDRESS})
    time.sleep(0.3)
    assert len(inbox) == 1  # only the first code


def test_staff_cannot_be_given_a_code_login(client, login, users, t):
    """A code would get around the staff account's own login (and its roles)."""
    from models.school.tables import StaffRole
    from models.school.tables import Group
    StaffRole.create(user=users["nina"], role="group_staff",
                     unit=Group.get(Group.name == "1B").unit_id,
                     group=Group.get(Group.name == "1B"))
    answer, _ = allow_nina(client, login, users)
    assert answer.status_code == 400
    assert t("%(name)s works here and logs in with a staff account: a code would get "
             "around it.", name="Nina Lie") in text_of(answer)
    assert code_login.holder(ADDRESS) is None


# Who may allow it: a subject teacher sees the page but cannot change it.
ROUTES = Matrix({
    ("GET", "/children/{jonas}/code-login"): only({"rektor", "larer1a", "faglarer"}),
    ("POST", "/children/{jonas}/code-login"): expect(
        only({"rektor", "larer1a"}, 400),  # not an address
        data={"guardian": "{nina}", "action": "allow", "email": "nina.lie"}),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids)
