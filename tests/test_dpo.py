"""The data-protection officer's view (issue 19, DESIGN.md rule 12): privacy figures
and documents, never a child."""
import datetime
from zoneinfo import ZoneInfo

import pytest

from models import audit
from models.audit import AuditEvent
from models.db import today
from models.school.tables import Child

from .cast import ROLES
from .helpers import queries_for, text_of
from .matrix import Matrix, only

OFFICER = ("personvern",)
ROUTES = Matrix({
    ("GET", "/privacy-office/"): only(OFFICER),
    ("GET", "/privacy-office/?start=2026-01-01&end=2026-01-31"): only(OFFICER),
    ("GET", "/privacy-office/?start=2026-02-01&end=2026-01-31"): only(OFFICER, 400),
    ("GET", "/privacy-office/?start=2020-01-01&end=2026-01-31"): only(OFFICER, 400),
    ("GET", "/privacy-office/?start=2026-13-01"): only(OFFICER, 400),
    ("GET", "/privacy-office/units"): only(OFFICER),
    ("GET", "/privacy-office/processors"): only(OFFICER),
    ("GET", "/privacy-office/record-of-processing"): only(OFFICER),
    ("GET", "/privacy-office/dpia"): only(OFFICER),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids)



NOW = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Oslo"))


def _at(clock, days_ago, action, actor=None, ip="", **detail):
    """An audit event `days_ago` days before NOW (the log is append-only: the clock
    goes back, not the row)."""
    clock.set(NOW - datetime.timedelta(days=days_ago))
    audit.record(action, actor=actor, ip=ip, **detail)
    clock.set(NOW)


@pytest.mark.clock("2026-03-10 10:00")
def test_the_figures_count_the_period_s_events(client, login, users, clock, t):
    admin, kari, ola = users["admin"], users["kari"], users["ola"]
    from models.dpo.figures import figures
    day = today()
    # The demo's own history (Ola's open rectification) is the baseline.
    base = figures(day - datetime.timedelta(days=29), day)
    for days_ago in (1, 2, 40):
        _at(clock, days_ago, "export.requested", kari)
    _at(clock, 1, "export.downloaded", kari)
    _at(clock, 3, "purge.run", counts={"messages": 12, "posts": 3}, dry_run=False)
    _at(clock, 4, "archive.exported", admin, unit=1, files=7)
    _at(clock, 4, "archive.confirmed", admin)
    _at(clock, 5, "audit_log.read", admin, reason="Complaint from a guardian, case 2026/17",
        child=users["kari"].id)
    _at(clock, 6, "thread.inspected", admin, reason="Police request about a message",
        child=1)
    _at(clock, 100, "audit_log.read", admin, reason="Old reason outside the period")
    # Rectifications: two opened (one long ago), one answered: one open now.
    _at(clock, 60, "rectification.requested", ola)
    _at(clock, 2, "rectification.requested", kari)
    _at(clock, 1, "rectification.answered", admin)
    for days_ago, ip in ((1, "203.0.113.9"), (1, "203.0.113.9"), (2, "198.51.100.4")):
        _at(clock, days_ago, "login.failed", kari, ip=ip)
    _at(clock, 1, "login.blocked", kari, ip="203.0.113.9")
    _at(clock, 8, "audit.verified", ok=True, rows=1234, broken_at=None)
    login("personvern")
    page = text_of(client.get("/privacy-office/"))
    numbers = client.get("/privacy-office/").get_data(as_text=True)
    assert "Complaint from a guardian, case 2026/17" in page
    assert "Police request about a message" in page
    assert "Old reason outside the period" not in page
    assert "Ada Administrator" in page
    assert "messages: 12" in page and "posts: 3" in page and "files: 7" in page
    assert "unit: 1" not in page
    assert "203.0.113.9 3" in page and "198.51.100.4 1" in page
    assert t("The chain was whole (%(rows)s rows).", rows=1234) in page
    assert numbers.count("<dd>2</dd>") >= 1  # two exports asked for in 30 days
    found = figures(day - datetime.timedelta(days=29), day)
    assert found.counts["export.requested"] == 2
    assert found.counts["export.downloaded"] == 1
    assert found.counts["purge.run"] == 1
    assert found.rectifications_opened == base.rectifications_opened + 1
    assert found.rectifications_closed == base.rectifications_closed + 1
    assert found.rectifications_open == base.rectifications_open + 1
    assert [(d.failed, d.unusual) for d in found.login_days] == [(2, 1), (1, 0)]
    assert found.addresses == [("203.0.113.9", 3), ("198.51.100.4", 1)]
    wider = figures(day - datetime.timedelta(days=100), day)
    assert wider.counts["export.requested"] == 3 and len(wider.reads) == 3


def test_the_view_names_no_child_and_is_audited(client, login, kids):
    login("personvern")
    pages = [client.get(url).get_data(as_text=True) for url in (
        "/privacy-office/", "/privacy-office/units", "/privacy-office/processors",
        "/privacy-office/record-of-processing", "/privacy-office/dpia")]
    for child in Child.select():
        for page in pages:
            assert child.first_name not in page, child.first_name
    reads = [e.details for e in AuditEvent.select().where(AuditEvent.action == "dpo.viewed")]
    assert [r["page"] for r in reads] == ["figures", "units", "processors"]
    assert AuditEvent.select().where(AuditEvent.action == "dpo.document").count() == 2


def test_protected_children_are_counted_per_unit_never_named(client, login, kids, t):
    login("personvern")
    page = client.get("/privacy-office/units").get_data(as_text=True)
    assert "Sara" not in page and "Berg" not in page
    from models.dpo.units import protected_count, units
    lines = {line.name: line for line in units()}
    school = lines["Solbakken skole"]
    assert school.protected == 1  # Sara
    assert school.children == 5  # Emma, Jonas, Sara, Ali, Ida
    assert lines["Regnbuen barnehage"].protected == 0
    assert protected_count() == 1
    assert f"<td>{school.children}</td><td>1</td>" in page


def test_photo_consent_coverage_follows_the_consent_rule(app, kids):
    from models.dpo.units import units
    from models.posts.photo_consent import photo_consent
    lines = {line.name: line for line in units()}
    school = lines["Solbakken skole"]
    status = photo_consent([kids[n].id for n in ("Emma", "Jonas", "Sara", "Ali")])
    for use in ("app", "web", "social", "name"):
        given = sum(1 for child in status.values() if child.get(use) == "given")
        assert school.consented[use] == given
    assert 0 <= school.share("app") <= 100


def test_the_record_names_the_configured_processors_and_retention(make_app, database_url,
                                                                   client, login, app, t):
    login("personvern")
    response = client.get("/privacy-office/record-of-processing")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert "<script" not in html and "http://" not in html.replace("http://www.w3", "")
    assert "<link" not in html and "src=" not in html
    assert "Demo kommune" in html and "opplæringslova" in html and "barnehageloven" in html
    assert "Dina Personvernombud" in html and "personvern@demo.kommune.no" in html
    assert "fcm.googleapis.com" in html and "web.push.apple.com" in html
    assert t("%(num)d year", "%(num)d years", 5) in html
    assert t("%(num)d month", "%(num)d months", 3) in html
    for child in Child.select():
        assert child.first_name not in html
    assert "46elks" not in html  # no [sms] section in the demo
    assert "LibreTranslate" not in html  # nor [translation]


def test_the_record_has_what_is_configured(make_app, tmp_path, client, login):
    secret = tmp_path / "sms.txt"
    secret.write_text("password")
    from pathlib import Path
    source = Path(__file__).resolve().parent.parent / "municipality.example.toml"
    text = source.read_text().replace('logo = "static/img/demo-crest.svg"\n', "")
    text = text.replace('country = "NO"', 'country = "SE"')
    text += ('\n[sms]\nprovider = "46elks"\nusername = "u1"\npassword_file = "sms.txt"\n'
             'sender = "Demo"\n\n[translation]\nurl = "http://translate.internal:5000"\n'
             'api_key = "lt-secret-key"\n')
    config = tmp_path / "municipality.toml"
    config.write_text(text)
    other = make_app(MUNICIPALITY_FILE=str(config), SMTP_HOST="smtp.kommun.example")
    with other.test_client() as browser:
        token = _login(browser, "personvern")
        assert token
        html = browser.get("/privacy-office/record-of-processing").get_data(as_text=True)
        dpia = browser.get("/privacy-office/dpia").get_data(as_text=True)
    assert "46elks" in html and "api.46elks.com" in html and "u1" not in html
    assert "smtp.kommun.example" in html and "skollagen (2010:800)" in html
    assert "arkivlagen" in dpia and "password" not in html
    # The municipality's own translation server, by its host, never its key.
    assert "LibreTranslate" in html and "translate.internal" in html
    assert "lt-secret-key" not in html and "lt-secret-key" not in dpia


def _login(browser, username):
    from models.login.sessions import LoginSession
    from models.school.tables import User
    token = LoginSession.start(User.get(User.username == username))
    with browser.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return token


def test_the_dpia_covers_the_high_risk_points(client, login, t):
    login("personvern")
    html = client.get("/privacy-office/dpia").get_data(as_text=True)
    for heading in ("1. Children's personal data", "2. Protected addresses", "3. Photos and film",
                    "4. Absence data close to health", "5. Guardian–child relations",
                    "6. Processors and channels"):
        assert str(t(heading)).replace("'", "&#39;") in html or t(heading) in html, heading
    assert "barneloven § 47" in html and "Datatilsynet" in html


@pytest.mark.parametrize("url", ["/children/{emma}", "/messages/{dentist}",
                                 "/groups/{g1a}/register", "/groups/{g1a}/consents",
                                 "/groups/{g1a}/class-list", "/admin/", "/children/{sara}"])
def test_the_officer_reaches_no_child(client, login, ids, url):
    login("personvern")
    assert client.get(url.format(**ids)).status_code == 404


def test_the_home_page_links_the_view(client, login, t):
    login("personvern")
    page = client.get("/").get_data(as_text=True)
    assert "/privacy-office/" in page
    assert str(t("No children to show")) not in page


@pytest.mark.parametrize("url", ["/privacy-office/", "/privacy-office/units",
                                 "/privacy-office/processors", "/privacy-office/dpia",
                                 "/privacy-office/record-of-processing"])
def test_each_page_costs_at_most_six_queries(client, login, clock, users, url):
    login("personvern")
    before = queries_for(client, url)
    for n in range(10):
        audit.record("audit_log.read", actor=users["admin"], reason=f"Reason number {n}")
        audit.record("login.failed", actor=users["kari"], ip=f"192.0.2.{n}")
    after = queries_for(client, url)
    assert after == before <= 6, url
