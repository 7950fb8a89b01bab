"""Every route × every role, what each home page shows, and what a page costs in SQL."""
import datetime
import re
from pathlib import Path

import pytest

from models import audit
from models.audit import AuditEvent
from models.db import today
from models.login.sessions import LoginSession
from models.school.tables import Child, Enrolment, Group, Guardianship, StaffRole, Unit, User

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import Matrix, everyone, expect, only

ROOT = Path(__file__).resolve().parent.parent

ADMIN = {"admin"}
# Routes run in this order for each role on one database: logging out comes last.
ROUTES = Matrix({
    ("GET", "/"): everyone(200),
    ("GET", "/login"): everyone(302, anonymous=200),
    ("POST", "/login"): everyone(302, anonymous=400),  # no username
    ("GET", "/admin/"): only(ADMIN),
    ("POST", "/admin/log"): only(ADMIN, 400),  # no reason
    ("POST", "/admin/thread"): only(ADMIN, 400),  # no number
    ("GET", "/admin/import"): only(ADMIN),
    ("POST", "/admin/import"): only(ADMIN, 400),  # no file
    ("POST", "/admin/import/apply"): only(ADMIN, 409),  # nothing previewed
    ("GET", "/admin/import/samples/kontaktbok.zip"): only(ADMIN),
    ("GET", "/admin/import/samples/oneroster.zip"): only(ADMIN),
    ("GET", "/admin/import/samples/ss12000.json"): only(ADMIN),
    ("GET", "/admin/organisation/"): only(ADMIN),
    ("POST", "/admin/organisation/units"): only(ADMIN, 400),
    ("POST", "/admin/organisation/groups"): only(ADMIN, 400),
    ("POST", "/admin/organisation/staff"): only(ADMIN, 400),
    ("GET", "/admin/organisation/roles/999999/end"): only(ADMIN, 303),
    ("POST", "/admin/organisation/roles/999999/end"): only(ADMIN, 303),
    ("POST", "/admin/organisation/units/{school}/rename"): only(ADMIN, 400),  # no name
    ("POST", "/admin/organisation/groups/{g1a}/rename"): only(ADMIN, 400),
    ("POST", "/language"): expect(everyone(303, anonymous=303), data={"locale": "nb"}),
    ("GET", "/theme.css"): everyone(200, anonymous=200),
    ("GET", "/logo"): everyone(200, anonymous=200),
    ("GET", "/static/css/app.css"): everyone(200, anonymous=200),
    # No eID provider in the demo municipality (tests/test_eid.py has one).
    ("GET", "/login/eid/idporten"): everyone(404, anonymous=404),
    ("GET", "/login/eid/idporten/callback"): everyone(404, anonymous=404),
    ("GET", "/login/eid/idporten/logout"): everyone(404, anonymous=404),
    ("GET", "/no-such-page"): everyone(404, anonymous=404),
    # Login with a code (the demo sends mail to instance/outbox).
    ("GET", "/login/code"): everyone(200, anonymous=200),
    ("POST", "/login/code"): everyone(400, anonymous=400),  # no address
    # No code asked for in this session: back to asking.
    ("GET", "/login/code/enter"): everyone(303, anonymous=303),
    ("POST", "/login/code/enter"): everyone(303, anonymous=303),
    ("POST", "/logout"): everyone(302),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids, data={})


def test_anonymous_is_sent_to_login_and_back(client):
    response = client.get("/admin/")
    assert response.headers["Location"].startswith("/login?next=/admin/")


def CHILDREN(n):  # noqa: N802
    return ("%(num)d child", "%(num)d children", n)


class UI(str):
    """An interface string: the test looks for its translation."""


def seen(t, text):
    if isinstance(text, tuple):
        return t(*text)
    return t(text) if isinstance(text, UI) else text


HOME = {
    "kari": (["Emma Hansen", "Noah Hansen", "Solbakken skole", "1A", "SFO 1–2",
              "Regnbuen barnehage", "Blåklokka", "+47 22 00 10 00"],
             ["Jonas", "Sara", "Ali", UI("Administration")]),
    "bestemor": (["Emma Hansen", "Solbakken skole"], ["Noah", "Jonas", "Regnbuen"]),
    "per": ([UI("No children to show"), UI(
        "You are registered as a parent without parental responsibility. Only parents with "
        "parental responsibility can use Kontaktbok for a child.")], ["Emma", "Solbakken"]),
    "nina": (["Jonas Lie"], ["Emma", "Sara", "Ali"]),
    "lise": (["Sara Berg"], ["Emma", "Jonas"]),
    "larer1a": ([UI("Contact teacher"), "Solbakken skole", "1A", CHILDREN(3)],
                ["1B", "Regnbuen", "Emma"]),
    "faglarer": ([UI("Staff attached to the group"), "1A", "1B", CHILDREN(2)], ["Regnbuen"]),
    "rektor": ([UI("Leader of the unit (principal or head)"), "1A", "1B", CHILDREN(3), CHILDREN(2)],
               ["SFO 1–2", "Regnbuen"]),
    # Siri works at the SFO and is Ida's mother: her child's card too.
    "sfo": ([UI("After-school care staff"), "Solbakken SFO", "SFO 1–2", "Ida Fritid", "1B"],
            ["1A", "Regnbuen"]),
    "styrer": ([UI("Leader of the unit (principal or head)"), "Regnbuen barnehage", "Blåklokka"], ["Solbakken"]),
    "bhg": ([UI("Kindergarten staff"), "Regnbuen barnehage", "Blåklokka"], ["Solbakken"]),
    "admin": ([UI("Administration"), UI("Open administration")],
              ["Emma", UI("No children to show")]),
}


@pytest.mark.parametrize("username", sorted(HOME))
def test_home_page_shows_what_the_role_has_access_to(client, login, t, username):
    login(username)
    page = text_of(client.get("/"))
    shown, hidden = HOME[username]
    for text in shown:
        assert seen(t, text) in page, (username, text)
    for text in hidden:
        assert seen(t, text) not in page, (username, text)


def test_every_page_has_branding_footer_and_language_switcher(client, login):
    login("kari")
    page = client.get("/").get_data(as_text=True)
    assert "Demo kommune" in page and 'class="demo"' in page
    assert "postmottak@demo.kommune.no" in page and "08:00–15:30" in page
    assert "https://demo.kommune.no/personvern" in page
    assert "https://uustatus.no/nb/erklaringer/publisert/demo" in page
    for code in ("nb", "nn", "sv"):
        assert f'name="locale" value="{code}"' in page


def test_demo_marker_is_absent_for_real_data(make_app, app):
    from dataclasses import replace
    real = make_app()
    real.config["MUNICIPALITY"] = replace(real.config["MUNICIPALITY"], demo=False)
    assert 'class="demo"' not in real.test_client().get("/login").get_data(as_text=True)


def test_error_page_fragment_for_htmx_has_no_html_shell(client, login, t):
    login("kari")
    response = client.get("/admin/", headers=HTMX)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "<html" not in body and t("Page not found") in body
    assert "HX-Request" in response.headers["Vary"]
    full = client.get("/admin/")
    assert "<html" in full.get_data(as_text=True)


def test_boosted_and_history_restore_requests_get_the_whole_page(client, login):
    login("kari")
    for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        response = client.get("/admin/", headers={**HTMX, **extra})
        assert "<html" in response.get_data(as_text=True)


def grow(extra_children):
    """Add many children, guardianships, groups and logged events, to see that no page's
    cost grows with them."""
    unit = Unit.get(Unit.name == "Solbakken skole")
    kari = User.get(User.username == "kari")
    per = User.get(User.username == "per")
    larer = User.get(User.username == "larer1a")
    start = today() - datetime.timedelta(days=30)
    for n in range(extra_children):
        group = Group.create(unit=unit, name=f"X{n}", school_year=today().year + 10)
        child = Child.create(first_name=f"Extra{n}", last_name="Barn",
                             birth_date=today() - datetime.timedelta(days=2500))
        Enrolment.create(child=child, group=group, start_date=start)
        Guardianship.create(guardian=kari, child=child, responsibility="shared")
        Guardianship.create(guardian=per, child=child, responsibility="none")
        StaffRole.create(user=larer, role="contact_teacher", unit=unit, group=group)
        audit.record(f"test.event{n}", actor=kari)


@pytest.mark.parametrize("username, url", [
    ("kari", "/"), ("larer1a", "/"), ("rektor", "/"), ("per", "/"), ("admin", "/"),
    ("admin", "/admin/"), (None, "/login"), ("bestemor", "/"),
])
def test_pages_cost_a_constant_small_number_of_queries(client, login, username, url):
    if username:
        login(username)
    before = queries_for(client, url)
    grow(15)
    after = queries_for(client, url)
    assert before == after, (url, before, after)
    assert after <= 6, (url, after)


class TestLanguage:
    def test_accept_language_picks_the_language(self, client):
        page = client.get("/login", headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"})
        assert '<html lang="sv" dir="ltr">' in page.get_data(as_text=True)

    def test_plain_no_means_bokmal(self, client):
        page = client.get("/login", headers={"Accept-Language": "no,en;q=0.5"})
        assert '<html lang="nb" dir="ltr">' in page.get_data(as_text=True)

    def test_unknown_language_falls_back_to_the_municipality_default(self, client):
        page = client.get("/login", headers={"Accept-Language": "de-DE"})
        assert '<html lang="nb" dir="ltr">' in page.get_data(as_text=True)

    def test_session_choice_beats_accept_language(self, client):
        client.post("/language", data={"locale": "nn", "next": "/login"})
        page = client.get("/login", headers={"Accept-Language": "sv"})
        assert '<html lang="nn" dir="ltr">' in page.get_data(as_text=True)

    def test_saved_choice_follows_the_user_to_a_new_session(self, app, client, login):
        login("kari")
        client.post("/language", data={"locale": "sv"})
        assert User.get(User.username == "kari").locale == "sv"
        fresh = app.test_client()
        fresh.post("/login", data={"username": "kari", "password": "kontaktbok-demo"})
        page = fresh.get("/", headers={"Accept-Language": "nb"})
        assert '<html lang="sv" dir="ltr">' in page.get_data(as_text=True)

    def test_the_language_of_the_login_stays_for_the_session(self, client):
        client.post("/login", data={"username": "kari", "password": "kontaktbok-demo"},
                    headers={"Accept-Language": "sv"})
        page = client.get("/", headers={"Accept-Language": "nb"})
        assert '<html lang="sv" dir="ltr">' in page.get_data(as_text=True)

    def test_language_switch_returns_to_the_page_and_never_elsewhere(self, client):
        assert client.post("/language", data={"locale": "sv", "next": "/login?x=1"}).headers[
            "Location"] == "/login?x=1"
        assert client.post("/language", data={
            "locale": "sv", "next": "https://evil.example/"}).headers["Location"] == "/"

    def test_unknown_language_is_refused(self, client):
        assert client.post("/language", data={"locale": "de"}).status_code == 400

    def test_pages_are_translated(self, client, login):
        login("kari")
        client.post("/language", data={"locale": "sv"})
        assert "Mina barn" in text_of(client.get("/"))
        client.post("/language", data={"locale": "nb"})
        assert "Mine barn" in text_of(client.get("/"))
        client.post("/language", data={"locale": "nn"})
        assert "Borna mine" in text_of(client.get("/"))


def test_templates_render_in_a_forced_language_and_back(app, login, client):
    """E-mails will render in the recipient's language with flask-babel's force_locale;
    the pre-translated templates and the runtime strings both follow it."""
    from flask_babel import force_locale

    from views.common import render_template
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        page = render_template("errors/_error.html", title="T", text="x")
        assert "Gå til forsiden" in page
        with force_locale("sv"):
            assert "Gå till startsidan" in render_template("errors/_error.html", title="T",
                                                            text="x")
        assert "Gå til forsiden" in render_template("errors/_error.html", title="T", text="x")


def test_email_links_escape_what_they_show():
    from views.common import email_link
    assert str(email_link("a<b@x.no")) == (
        '<a href="mailto:a&lt;b@x.no">a&lt;b@<wbr>x.no</a>')


def test_administration_shows_numbers_but_no_person(client, login, t):
    client.post("/login", data={"username": "kari", "password": "wrong"})
    login("admin")
    page = text_of(client.get("/admin/"))
    numbers = dict(re.findall(r"(\w+) (\d+)", page))
    assert numbers[t("Units")] == "3" and numbers[t("Children")] == "6"
    assert numbers[t("Accounts")] == "15" and numbers[t("Staff")] == "8"  # with the DPO
    assert f'{t("Failed login")} 1' in page
    for person in ("Kari", "Emma", "Jonas", "Sara", "Ali", "Noah", "Ida", "127.0.0.1"):
        assert person not in page


def test_reading_the_access_log_needs_a_reason_and_is_logged(client, login, t, users):
    client.post("/login", data={"username": "kari", "password": "wrong"})
    login("admin")
    refused = client.post("/admin/log", data={"reason": "  just  "})
    assert refused.status_code == 400
    assert t("Write why you need to read the access log (%(low)d to %(high)d characters).",
             low=10, high=500) in text_of(refused)
    assert "just" in refused.get_data(as_text=True)  # what was typed is kept
    assert not AuditEvent.select().where(AuditEvent.action == "audit_log.read").exists()

    reason = "Kari Hansen asked who tried to log in as her"
    page = text_of(client.post("/admin/log", data={"reason": reason}))
    assert "Kari Hansen" in page and t("Failed login") in page and "127.0.0.1" in page
    read = AuditEvent.get(AuditEvent.action == "audit_log.read")
    assert read.actor_id == users["admin"].id and read.details["reason"] == reason


def test_administration_works_on_a_new_empty_installation(make_app, database_url):
    from models import db as dbmod
    from models.school.tables import StaffRole
    app = make_app()
    with dbmod.database.connection_context():
        dbmod.migrate(str(ROOT / "migrations"))
        admin = User.create(username="it", first_name="I", last_name="T")
        StaffRole.create(user=admin, role="administrator")
    client = app.test_client()
    token = LoginSession.start(admin)
    with client.session_transaction() as session:
        session["_user_id"] = token
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("username", ["kari", "ola", "larer1a", "rektor", "styrer", "bhg"])
def test_every_link_on_the_home_page_leads_somewhere(client, login, username):
    """The home page writes its links out instead of building each with url_for: every
    one must answer."""
    login(username)
    html = client.get("/").get_data(as_text=True)
    links = set(re.findall(r'href="(/(?:children|groups|posts|consents|caregivers|leave)'
                           r'[^"]*)"', html))
    assert links
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        response.close()
        assert response.status_code == 200, (username, link, response.status_code)


def test_the_weekly_summary_names_every_event_in_words(client, login, users, t):
    """Kari saves her notification settings; the administrator's 7-day summary says so
    in the page's language, not as the event's key."""
    from models.notifications import preferences
    from models.school import own_settings
    kari = users["kari"]
    own_settings.save_notification_settings(kari, preferences.choices_of(kari),
                                            preferences.schedule_of(kari), kari.email,
                                            kari.phone)
    login("admin")
    page = text_of(client.get("/admin/"))
    assert t("Notification settings saved") in page
    assert "notifications.chosen" not in page
