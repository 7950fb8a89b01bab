"""A department's shared tablet (issue 18): the unit's leader pairs it once, on the
tablet; it then shows only its department's day (first names and where each child is),
and each check-in or check-out on it is confirmed by a staff member's PIN and recorded
under that person. Five wrong PINs in a row lock it until a leader unlocks it;
unpairing refuses it at once. With only its cookie, every other page treats it as
someone not logged in."""
import datetime
import itertools
import re

import pytest

from models.audit import AuditEvent
from models.daycare.tables import Presence
from models.demo_day import DEMO_PIN
from models.devices import devices, pins
from models.devices.tables import Device, StaffPin
from models.login.sessions import LoginSession
from models.school.tables import Child, Enrolment, Group, Guardianship, User
from views.devices import DEVICE_COOKIE

from .cast import ROLES, STAFF
from .crawl import crawl
from .helpers import queries_for, text_of
from .matrix import Matrix, expect, only

pytestmark = pytest.mark.clock("2026-11-18 10:00")  # a Wednesday
LEADERS = {"styrer", "rektor"}
ROUTES = Matrix({
    ("GET", "/devices"): only(LEADERS),
    ("GET", "/devices/pair"): only({"styrer"}),
    ("POST", "/devices/pair"): expect(only({"styrer"}, 400), data={"group": "", "name": ""}),
    ("POST", "/devices/{device}/unlock"): only({"styrer"}, 303),
    ("POST", "/devices/{device}/unpair"): only({"styrer"}, 303),
    ("GET", "/account/pin"): only(STAFF + ["admin"]),
    ("POST", "/account/pin"): expect(only(STAFF + ["admin"], 400), data={"pin": "1234"}),
    # The tablet's pages: only its cookie opens them (tested below); a person is not a
    # tablet.
    ("GET", "/device/"): only(()),
    ("GET", "/device/children/{noah}"): only(()),
    ("POST", "/device/children/{noah}"): only(()),
})


@pytest.fixture
def device_ids(ids):
    return {**ids, "device": Device.get(Device.name == "Blåklokka-nettbrett").id}


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, device_ids, role):
    ROUTES.check(client, login, role, device_ids, data={})


def blaaklokka():
    return Group.get(Group.name == "Blåklokka")


def pair(client, login, name="Blåklokka tablet"):
    """Stein pairs the client's browser to Blåklokka; returns the cookie's secret."""
    login("styrer")
    response = client.post("/devices/pair", data={"group": blaaklokka().id, "name": name})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/device/")
    return client.get_cookie(DEVICE_COOKIE).value


def not_yet_arrived():
    """The demo checked Noah in at 08:05: take it back, for tests that check him in."""
    Presence.delete().execute()


def tablet(app, token):
    """A browser with nothing but the tablet's cookie."""
    browser = app.test_client()
    browser.set_cookie(DEVICE_COOKIE, token)
    return browser


def test_the_leader_pairs_the_tablet_and_is_logged_out_of_it(client, login, users, t):
    assert t("Pair this device as a tablet") in text_of(
        (login("styrer"), client.get("/devices"))[1])
    page = client.get("/devices/pair")
    assert "Blåklokka" in text_of(page) and "1A" not in text_of(page)
    with client.session_transaction() as session:
        session_token = session["_user_id"]
    response = client.post("/devices/pair", data={"group": blaaklokka().id,
                                                  "name": "Blåklokka tablet"})
    cookie = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith(DEVICE_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=" in cookie
    token = client.get_cookie(DEVICE_COOKIE).value
    device = Device.get(Device.name == "Blåklokka tablet")
    assert device.group_id == blaaklokka().id and device.paired_by_id == users["styrer"].id
    assert token not in device.token_hash and len(token) >= 40
    # Stein's session on the tablet has ended; the tablet opens on its department's day.
    assert LoginSession.of_token(session_token) is None
    assert client.get("/").headers["Location"].endswith("/device/")
    assert "Noah" in text_of(client.get("/device/"))
    assert client.get("/messages/").status_code == 302  # not logged in
    actions = [e.action for e in AuditEvent.select().where(
        AuditEvent.actor_id == users["styrer"].id).order_by(AuditEvent.id)]
    assert actions[-2:] == ["device.paired", "logout"]


@pytest.mark.parametrize("username", ["bhg", "larer1a", "rektor", "kari", "admin"])
def test_only_the_units_leader_pairs(client, login, username):
    login(username)
    assert client.get("/devices/pair").status_code == 404
    assert client.post("/devices/pair", data={"group": blaaklokka().id,
                                              "name": "x"}).status_code == 404
    assert not Device.select().where(Device.name == "x").exists()


def test_the_leader_pairs_only_departments_of_his_unit(client, login, ids, t):
    login("styrer")
    response = client.post("/devices/pair", data={"group": ids["g1a"], "name": "Nettbrett"})
    assert response.status_code == 400
    assert t("Choose the department the tablet belongs to.") in text_of(response)
    assert 'value="Nettbrett"' in response.get_data(as_text=True)  # kept
    response = client.post("/devices/pair", data={"group": blaaklokka().id,
                                                   "name": "x" * 101})
    assert response.status_code == 400


def test_the_tablet_shows_first_names_and_nothing_of_other_departments(app, client, login,
                                                                       ids):
    not_yet_arrived()
    browser = tablet(app, pair(client, login))
    page = browser.get("/device/")
    text = text_of(page)
    assert page.status_code == 200 and "Noah" in text
    for hidden in ("Hansen", "Emma", "Jonas", "Sara", "Ali", "+47 900"):
        assert hidden not in page.get_data(as_text=True)
    child = browser.get(f"/device/children/{ids['noah']}")
    assert child.status_code == 200
    html = child.get_data(as_text=True)
    assert "Noah" in html and "Randi" in html and "Kari" in html  # who may pick up
    for hidden in ("Hansen", "Nilsen", "+47 900", "bestemor"):
        assert hidden not in html
    # Asked by id, a child of another department is not there.
    for other in ("emma", "jonas", "sara", "ali"):
        assert browser.get(f"/device/children/{ids[other]}").status_code == 404
        assert browser.post(f"/device/children/{ids[other]}", data={
            "action": "in", "staff": ids["bhg"], "pin": DEMO_PIN}).status_code == 404
    assert browser.get("/device/children/999999").status_code == 404
    assert not Presence.select().exists()


def _route_urls(app, ids):
    """Every GET route of the app with its <int:…> filled with demo ids (each
    parameter a few candidates: Noah, Emma, Blåklokka, 1A, …)."""
    values = sorted({ids[k] for k in ("noah", "emma", "sara", "blaaklokka", "g1a",
                                      "kindergarten", "school", "dentist", "forest",
                                      "trip", "photo", "leave", "kari", "bhg")})
    urls = set()
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        names = sorted(rule.arguments - set(rule.defaults or ()))
        if any(type(rule._converters.get(name)).__name__ != "IdConverter" for name in names):
            continue
        for combination in itertools.islice(itertools.product(values, repeat=len(names)),
                                            200):
            urls.add(adapter.build(rule.endpoint, dict(zip(names, combination))))
    return sorted(urls)


def test_with_only_the_tablets_cookie_no_page_of_the_app_shows_anything(app, client, login,
                                                                         ids):
    browser = tablet(app, pair(client, login))
    last_names = {last for (last,) in Child.select(Child.last_name).tuples()}
    others = {first for (first,) in Child.select(Child.first_name).where(
        Child.id.not_in(Enrolment.select(Enrolment.child).where(
            Enrolment.group == blaaklokka().id))).tuples()}
    phones = {phone for (phone,) in User.select(User.phone).where(
        User.id.in_(Guardianship.select(Guardianship.guardian)) & (User.phone != ""))
        .tuples()} | {"+47 900 00 007", "+47 900 00 008"}
    numbers = [c.national_id.reveal() for c in Child.select()] + [
        u.national_id.reveal() for u in User.select() if u.national_id]
    wrong, answered = [], 0
    for url in _route_urls(app, ids):
        response = browser.get(url)
        text = response.get_data(as_text=True) if response.status_code == 200 else ""
        response.close()
        assert response.status_code < 500, url
        if response.status_code == 200:
            answered += 1
        for word in last_names | others | phones:
            if re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text):
                wrong.append((url, word))
        wrong += [(url, "national id") for number in numbers if number in text]
    # And every page and fragment the tablet reaches by its own links.
    reached = crawl(browser, None, start="/device/")
    assert {"/device/", f"/device/children/{ids['noah']}"} <= reached.urls
    for page in reached.pages:
        assert page.status < 500, page.url
        for word in last_names | others | phones:
            if re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", page.text):
                wrong.append((page.url, word))
        wrong += [(page.url, "national id") for number in numbers if number in page.text]
    assert not wrong
    assert answered >= 3  # the login page, the tablet's own pages
    assert browser.get("/messages/").status_code == 302
    assert browser.get(f"/children/{ids['noah']}/absence").status_code == 302


def test_a_staff_member_sets_a_pin_not_an_easy_one(client, login, users, t):
    login("bhg")
    for pin, error in (("1234", "That PIN is too easy to guess (such as 0000, 1234 or 1212). "
                                "Choose another."),
                       ("0000", None), ("987654", None), ("1212", None), ("7890", None),
                       ("12a4", "The PIN can only have digits."), ("123", None),
                       ("1234567", None), ("٤٣٢١", None)):
        response = client.post("/account/pin", data={"pin": pin, "again": pin})
        assert response.status_code == 400, pin
        if error:
            assert t(error) in text_of(response)
    response = client.post("/account/pin", data={"pin": "3817", "again": "3871"})
    assert response.status_code == 400
    assert t("The two PINs are not the same. Type it again.") in text_of(response)
    assert client.post("/account/pin", data={"pin": "3817", "again": "3817"}).status_code == 303
    row = StaffPin.get(StaffPin.user == users["bhg"])
    assert "3817" not in row.pin_hash and pins.matches(row.pin_hash, "3817")
    event = AuditEvent.select().where(AuditEvent.action == "pin.set").get()
    assert event.actor_id == users["bhg"].id and "3817" not in event.detail
    assert t("You have a PIN. You can choose a new one here.") in text_of(
        client.get("/account/pin"))
    assert "/account/pin" in client.get("/account/notifications").get_data(as_text=True)


def _check_in(browser, ids, pin, staff="bhg"):
    return browser.post(f"/device/children/{ids['noah']}", data={
        "action": "in", "staff": ids[staff], "pin": pin})


def test_a_right_pin_checks_noah_in_under_bente_with_the_tablet_named(app, client, login,
                                                                      ids, t):
    not_yet_arrived()
    browser = tablet(app, pair(client, login))
    response = _check_in(browser, ids, DEMO_PIN)
    assert response.status_code == 303
    row = Presence.get(Presence.child == ids["noah"])
    assert row.checked_in_by_id == ids["bhg"] and row.checked_out_at is None
    used = AuditEvent.get(AuditEvent.action == "device.used")
    assert used.actor_id == ids["bhg"] and used.details["device"] == "Blåklokka tablet"
    assert used.children == [ids["noah"]]
    assert AuditEvent.get(AuditEvent.action == "presence.checked_in").actor_id == ids["bhg"]
    page = text_of(browser.get("/device/"))
    assert t("Here") in page and t("%(child)s is checked in by %(staff)s.", child="Noah",
                                   staff="Bente") in page
    # Checked out, picked up by Randi from his list.
    card = browser.get(f"/device/children/{ids['noah']}").get_data(as_text=True)
    randi = re.search(r'name="pickup" value="(person-\d+)"', card).group(1)
    response = browser.post(f"/device/children/{ids['noah']}", data={
        "action": "out", "pickup": randi, "staff": ids["bhg"], "pin": DEMO_PIN})
    assert response.status_code == 303
    row = Presence.get(Presence.child == ids["noah"])
    assert row.checked_out_by_id == ids["bhg"] and row.picked_up_by_person.first_name == "Randi"
    assert t("Gone home") in text_of(browser.get("/device/"))


def test_five_wrong_pins_lock_the_tablet_until_a_leader_unlocks_it(app, client, login, ids,
                                                                    t):
    not_yet_arrived()
    browser = tablet(app, pair(client, login))
    for tries_left in (4, 3, 2, 1):
        response = _check_in(browser, ids, "1357")
        assert response.status_code == 400
        assert t("The PIN is wrong. %(num)d more try before the tablet locks.",
                 "The PIN is wrong. %(num)d more tries before the tablet locks.",
                 tries_left) in text_of(response)
    response = _check_in(browser, ids, "1357")
    assert response.status_code == 403
    locked = t("This tablet is locked after five wrong PINs. Ask a leader to unlock it.")
    assert locked in text_of(response)
    # The sixth try, right or not, is refused and never checked.
    assert _check_in(browser, ids, DEMO_PIN).status_code == 403
    assert browser.get(f"/device/children/{ids['noah']}").status_code == 403
    assert locked in text_of(browser.get("/device/"))
    assert not Presence.select().exists()
    device = Device.get(Device.name == "Blåklokka tablet")
    assert device.failed_pins == 5 and device.locked_at is not None
    assert AuditEvent.select().where(AuditEvent.action == "device.pin_failed").count() == 5
    assert AuditEvent.select().where(AuditEvent.action == "device.locked").count() == 1
    # Stein unlocks it from his own phone.
    login("styrer")
    assert t("Locked after wrong PINs") in text_of(client.get("/devices"))
    assert client.post(f"/devices/{device.id}/unlock").status_code == 303
    assert _check_in(browser, ids, DEMO_PIN).status_code == 303
    assert Presence.select().count() == 1


def test_a_right_pin_starts_the_count_again(app, client, login, ids):
    not_yet_arrived()
    browser = tablet(app, pair(client, login))
    for _ in range(4):
        assert _check_in(browser, ids, "1357").status_code == 400
    assert _check_in(browser, ids, DEMO_PIN).status_code == 303
    assert Device.get(Device.name == "Blåklokka tablet").failed_pins == 0


def test_staff_not_of_the_department_cannot_confirm(app, client, login, ids, users, t):
    for username in ("sfo", "larer1a"):
        pins.set_pin(users[username], "3817")
    not_yet_arrived()
    browser = tablet(app, pair(client, login))
    card = browser.get(f"/device/children/{ids['noah']}").get_data(as_text=True)
    assert "Bente B." in card and "Siri" not in card and "Lars" not in card
    for username in ("sfo", "larer1a"):
        response = _check_in(browser, ids, "3817", staff=username)
        assert response.status_code == 400
        assert t("Choose who you are.") in text_of(response)
    # Even asked directly, their PIN is a wrong PIN on Blåklokka's tablet.
    device = devices.recognise(browser.get_cookie(DEVICE_COOKIE).value)
    with pytest.raises(devices.WrongPin):
        devices.confirm(device, ids["sfo"], "3817")
    assert not Presence.select().exists()


def test_unpairing_refuses_the_tablet_at_once(app, client, login, ids, t):
    browser = tablet(app, pair(client, login))
    assert browser.get("/device/").status_code == 200
    login("styrer")
    device = Device.get(Device.name == "Blåklokka tablet")
    assert "Blåklokka tablet" in text_of(client.get("/devices"))
    assert client.post(f"/devices/{device.id}/unpair").status_code == 303
    response = browser.get("/device/")
    assert response.status_code == 403
    assert t("This device is not paired") in text_of(response)
    assert "Noah" not in text_of(response)
    assert any(h.startswith(DEVICE_COOKIE + "=;") for h in response.headers.getlist(
        "Set-Cookie"))
    assert browser.get_cookie(DEVICE_COOKIE) is None
    assert tablet(app, device and "x" * 43).get("/device/").status_code == 403
    assert _check_in(tablet(app, "y" * 43), ids, DEMO_PIN).status_code == 403
    client.get("/devices").close()  # the flash names it once
    assert "Blåklokka tablet" not in text_of(client.get("/devices"))
    assert client.post(f"/devices/{device.id}/unpair").status_code == 404  # gone
    event = AuditEvent.get(AuditEvent.action == "device.unpaired")
    assert event.actor_id == ids["styrer"] and event.object_id == device.id


def test_another_units_leader_cannot_manage_the_tablet(client, login, device_ids):
    login("rektor")
    for action in ("unpair", "unlock"):
        assert client.post(f"/devices/{device_ids['device']}/{action}").status_code == 404
    assert Device.get_by_id(device_ids["device"]).unpaired_at is None


def test_every_post_needs_the_csrf_token(make_app):
    from models import db as dbmod
    from models import demo
    from pathlib import Path
    app = make_app(WTF_CSRF_ENABLED=True)
    with dbmod.database.connection_context():
        dbmod.migrate(str(Path(__file__).resolve().parent.parent / "migrations"))
        demo.load(storage=app.extensions["storage"])
    client = app.test_client()
    user = User.get(User.username == "styrer")
    with client.session_transaction() as session:
        session["_user_id"] = LoginSession.start(user)
    group = Group.get(Group.name == "Blåklokka")
    device = Device.get(Device.name == "Blåklokka-nettbrett")
    for url, data in (("/devices/pair", {"group": group.id, "name": "T"}),
                      (f"/devices/{device.id}/unlock", {}),
                      (f"/devices/{device.id}/unpair", {}),
                      ("/account/pin", {"pin": "3817", "again": "3817"})):
        assert client.post(url, data=data).status_code == 400, url
    html = client.get("/devices/pair").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/devices/pair", data={"group": group.id, "name": "T",
                                              "csrf_token": token}).status_code == 303
    noah = Child.get(Child.first_name == "Noah")
    bente = User.get(User.username == "bhg")
    not_yet_arrived()
    url = f"/device/children/{noah.id}"
    assert client.post(url, data={"action": "in", "staff": bente.id,
                                  "pin": DEMO_PIN}).status_code == 400
    html = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post(url, data={"action": "in", "staff": bente.id, "pin": DEMO_PIN,
                                  "csrf_token": token}).status_code == 303
    dbmod.close_all()


def test_the_tablets_day_costs_the_same_queries_for_30_more_children(app, client, login):
    browser = tablet(app, pair(client, login))
    group = blaaklokka()
    browser.get("/device/")  # "last seen" is written at most once a minute
    before = queries_for(browser, "/device/")
    for i in range(30):
        child = Child.create(first_name=f"Barn{i:02d}", last_name="Ekstra",
                             birth_date=datetime.date(2022, 1, 1))
        Enrolment.create(child=child, group=group, start_date=datetime.date(2026, 8, 15))
    after = queries_for(browser, "/device/")
    assert after == before <= 6, (before, after)
    page = browser.get("/device/").get_data(as_text=True)
    assert "Barn29" in page and "Ekstra" not in page


def test_the_tablet_form_without_choices_says_what_is_missing(app, client, login, ids, t):
    not_yet_arrived()
    browser = tablet(app, pair(client, login))
    response = browser.post(f"/device/children/{ids['noah']}", data={})
    assert response.status_code == 400
    text = text_of(response)
    for message in ("Choose check in or check out.", "Choose who you are.", "Type your PIN."):
        assert t(message) in text
    response = browser.post(f"/device/children/{ids['noah']}", data={
        "action": "out", "staff": ids["bhg"], "pin": DEMO_PIN})
    assert response.status_code == 400  # not checked in yet: nothing counted
    assert t("The child is not checked in today.") in text_of(response)
    assert Device.get(Device.name == "Blåklokka tablet").failed_pins == 0


@pytest.mark.parametrize("form", [
    {"action": "sideways", "staff": "1", "pin": "2468"},
    {"action": "in", "staff": "9" * 40, "pin": "2468"},
    {"action": "in", "staff": "-1", "pin": "٢٤٦٨"},
    {"action": "in", "staff": "{bhg}", "pin": "2" * 5000},
    {"action": "out", "staff": "{bhg}", "pin": "2468", "pickup": "person-999999"},
    {"action": "out", "staff": "{bhg}", "pin": "2468", "pickup": "other",
     "other_name": "x" * 500},
    {"action": "in", "staff": "{bhg}", "pin": "2468\x00"},
])
def test_hostile_tablet_forms_are_refused_not_failed(app, client, login, ids, form):
    not_yet_arrived()
    browser = tablet(app, pair(client, login))
    data = {key: str(ids["bhg"]) if value == "{bhg}" else value for key, value in form.items()}
    response = browser.post(f"/device/children/{ids['noah']}", data=data)
    assert 400 <= response.status_code < 500
    assert not Presence.select().exists()
    assert Device.get(Device.name == "Blåklokka tablet").failed_pins == 0
