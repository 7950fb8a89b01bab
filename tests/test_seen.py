"""Rule 12, "who has seen my child's data": every opening of a page with a child's
personal data by staff or an administrator writes one access row per child shown, after
the response (no query the person waits for, one INSERT); the child's guardians with
parental responsibility read the rows of the last 12 months."""
import dataclasses
import datetime
import logging

import pytest

from models.access_log import cleanup, record
from models.access_log.tables import AccessRecord
from models.db import utcnow
from models.school.tables import Child, Enrolment
from views import seen

from .cast import ROLES
from .helpers import text_of
from .matrix import HTMX_MODE, Matrix, only

pytestmark = pytest.mark.clock("2026-11-18 10:00")  # a Wednesday; Noah is checked in
TODAY = datetime.date(2026, 11, 18)

ROUTES = Matrix({
    ("GET", "/children/{emma}/seen"): only({"kari", "ola"}),
    ("GET", "/children/{emma}/seen", HTMX_MODE): only({"kari", "ola"}),
    ("GET", "/children/{noah}/seen"): only({"kari", "ola"}),
    ("GET", "/children/{sara}/seen"): only({"lise"}),
    ("GET", "/children/{jonas}/seen?page=1"): only(()),  # nina's child: no second page
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids)


# Which routes count -----------------------------------------------------------------------

# Endpoints with a child, a thread or a group in their URL that are not personal pages
# in the sense of rule 12. Each says why; a new route about a child must be put either
# under @personal_page or here.
NOT_PERSONAL = {
    # The calendar (issue 20): a family's own pages and changes, and the group's plan.
    "events.reply": "guardians only", "meetings.booking_page": "guardians only",
    "meetings.book": "guardians only", "meetings.cancel": "guardians only",
    "meetings.separate": "guardians only",
    **{f"weekplan.{name}": "the group's plan: no child's data" for name in (
        "week", "printable", "add", "update", "delete", "note", "copy", "publish",
        "unpublish")},
    # Changes: they answer with a redirect (or the form again, with a 400); the page the
    # change was made from is the one logged.
    "messages.reply": "a change", "messages.archive": "a change",
    "messages.withdraw": "a change", "message_folders.done": "a change",
    "message_sensitive.mark": "a change",
    "message_folders.follow_up": "a change", "consents.answer": "guardians' answer",
    "consents.remind": "a change", "caregivers.ask": "guardians only",
    "caregivers.decide": "guardians only", "class_list.save": "guardians only",
    "absence.report": "a change", "absence.withdraw": "guardians only",
    "absence.apply_leave": "guardians only", "absence.withdraw_leave": "guardians only",
    "letters.mark": "a change", "attendance.save": "a change",
    "attendance_notice.answer": "guardians only", "pickup.add": "guardians only",
    "pickup.decide": "guardians only", "pickup.say": "guardians only",
    "pickup.withdraw": "guardians only", "daycare.save_correction": "a change",
    # A change answered (for htmx) with the one row just changed, on a list whose
    # opening was logged.
    "attendance.save_one": "a change", "daycare.check_in": "a change",
    "daycare.check_out": "a change", "daycare.undo": "a change",
    # Guardians' own pages: staff get 404 there.
    "caregivers.child": "guardians only", "class_list.sharing": "guardians only",
    "absence.edit": "guardians only", "absence.not_coming": "guardians only",
    "absence.pickup": "guardians only", "attendance_notice.show": "guardians only",
    "posts.archive": "guardians only", "seen.child": "guardians only",
    # The htmx poll of an open thread: the thread's opening is logged, the poll adds
    # nothing about the child.
    "messages.newer": "a poll",
    # Files of a thread: listed on the thread page, whose opening is logged.
    "messages.attachment": "listed on a logged page",
    "messages.rendition": "listed on a logged page",
    # Who of the recipients were notified and read an announcement: an announcement is
    # to a group, not about a child.
    "messages.notified": "an announcement",
    "letters.print_letters": "an announcement's paper letters",
    # The class list: what the families themselves chose to share with the whole group,
    # which the contact teacher sees as the group's families do (rule 7); a protected
    # child is never on it.
    "class_list.group": "shared by the families", "class_list.print_view": "shared",
    "class_list.vcards": "shared", "class_list.vcard": "shared",
    # A shared tablet: nobody is logged in (the staff PIN acts are in the audit log).
    "devices_tablet.child": "no person logged in", "devices_tablet.act": "a change",
}
ABOUT_A_CHILD = {"child_id", "thread_id", "group_id"}


def test_every_route_about_a_child_a_thread_or_a_group_is_decided(app):
    marked = seen.registry(app)
    undecided = sorted(rule.endpoint for rule in app.url_map.iter_rules()
                       if set(rule.arguments) & ABOUT_A_CHILD
                       and rule.endpoint not in marked and rule.endpoint not in NOT_PERSONAL)
    assert not undecided, f"personal page or not? {undecided}"
    assert not set(marked) & set(NOT_PERSONAL)


def enrolled(group):
    return {c for (c,) in Enrolment.select(Enrolment.child).where(
        (Enrolment.group == group) & Enrolment.active(TODAY)).tuples()}


# endpoint: (viewer, method, URL, form, the children it shows)
OPENINGS = {
    "absence.child": ("larer1a", "GET", "/children/{emma}/absence", None, lambda i: {i["emma"]}),
    "absence.group_day": ("larer1a", "GET", "/groups/{g1a}/absence", None,
                          lambda i: enrolled(i["g1a"])),
    "absence.pending": ("rektor", "GET", "/leave/", None, lambda i: {i["ali"]}),
    "admin.thread": ("admin", "POST", "/admin/thread",
                     {"thread": "{dentist}", "reason": "Foreldrene har klaget, saksnr 12"},
                     lambda i: {i["emma"]}),
    "attendance.register": ("larer1a", "GET", "/groups/{g1a}/register", None,
                            lambda i: enrolled(i["g1a"])),
    "attendance.statistics": ("larer1a", "GET", "/groups/{g1a}/attendance", None,
                              lambda i: enrolled(i["g1a"])),
    "attendance.statistics_csv": ("larer1a", "GET", "/groups/{g1a}/attendance.csv", None,
                                  lambda i: enrolled(i["g1a"])),
    "code_login.manage": ("larer1a", "GET", "/children/{emma}/code-login", None,
                          lambda i: {i["emma"]}),
    "consents.child": ("larer1a", "GET", "/children/{emma}/consents", None,
                       lambda i: {i["emma"]}),
    "consents.history": ("larer1a", "GET", "/children/{emma}/consents/history", None,
                         lambda i: {i["emma"]}),
    "consents.group": ("larer1a", "GET", "/groups/{g1a}/consents", None,
                       lambda i: enrolled(i["g1a"])),
    "consents.group_print": ("larer1a", "GET", "/groups/{g1a}/consents/print", None,
                             lambda i: enrolled(i["g1a"])),
    "daycare.day": ("bhg", "GET", "/groups/{blaaklokka}/day", None,
                    lambda i: enrolled(i["blaaklokka"])),
    "daycare.correct": ("bhg", "GET", "/groups/{blaaklokka}/day/{noah}/correct", None,
                        lambda i: {i["noah"]}),
    "daycare.group_headcount": ("bhg", "GET", "/groups/{blaaklokka}/headcount", None,
                                lambda i: {i["noah"]}),  # the one checked in
    "daycare.unit_headcount": ("styrer", "GET", "/units/{kindergarten}/headcount", None,
                               lambda i: {i["noah"]}),
    "messages.thread": ("larer1a", "GET", "/messages/{dentist}", None, lambda i: {i["emma"]}),
    "pickup.child": ("bhg", "GET", "/children/{noah}/pickup", None, lambda i: {i["noah"]}),
    # The demo event's and meeting round's invited children in the groups larer1a has.
    "events.show": ("larer1a", "GET", "/events/{event}", None, lambda i: enrolled(i["g1a"])),
    "meetings.schedule": ("larer1a", "GET", "/meetings/{round}", None,
                          lambda i: enrolled(i["g1a"])),
    "meetings.print_view": ("larer1a", "GET", "/meetings/{round}/print", None,
                            lambda i: enrolled(i["g1a"])),
}


class Statements(logging.Handler):
    """The SQL statements run while it listens (peewee logs each one)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.sql = []

    def emit(self, record_):
        if record_.name != "peewee":  # not the pool's messages
            return
        self.sql.append(str(record_.msg[0] if isinstance(record_.msg, tuple)
                            else record_.msg))

    def __enter__(self):
        logger = logging.getLogger("peewee")
        self._level = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        logger = logging.getLogger("peewee")
        logger.removeHandler(self)
        logger.setLevel(self._level)


def rows_now():
    return list(AccessRecord.select().order_by(AccessRecord.id))


def open_page(client, ids, method, url, form=None):
    data = {k: (str(ids[v[1:-1]]) if v.startswith("{") else v) for k, v in (form or {}).items()}
    return client.open(url.format(**ids), method=method, data=data or None)


def test_a_guardians_page_view_costs_nothing_after_the_page(client, login, ids):
    """Guardians open these pages most: their reads are never logged, and the session's
    own query already said that they hold no staff role, so nothing runs afterwards."""
    login("kari")
    for url in (f"/children/{ids['emma']}/absence", f"/children/{ids['emma']}/consents",
                f"/messages/{ids['dentist']}"):
        response = client.get(url)
        assert response.status_code == 200
        with Statements() as after:
            response.close()
        assert after.sql == [], url
    login("larer1a")  # staff: the rows are written
    response = client.get(f"/children/{ids['emma']}/absence")
    with Statements() as after:
        response.close()
    assert len(after.sql) == 2


def test_in_production_the_views_of_a_few_seconds_are_written_together(app, ids, users):
    """Each app process keeps the staff's page views of a few seconds and writes them in
    one query for who everyone is and one INSERT (record.later; the tests write at once)."""
    AccessRecord.delete().execute()
    now, day = utcnow(), TODAY
    kari, lars, rita = users["kari"], users["larer1a"], users["rektor"]
    record.later(60, (lars.id, lars.name, "absence", [ids["emma"]], None, now, day))
    record.later(60, (rita.id, rita.name, "thread", [ids["emma"], ids["jonas"]],
                      ids["school"], now, day))
    record.later(60, (kari.id, kari.name, "absence", [ids["emma"]], None, now, day))
    assert rows_now() == []  # not yet
    with Statements() as writing:
        assert record.flush() == 3
    statements = [sql.lstrip("( ").split()[0].upper() for sql in writing.sql]
    assert statements.count("SELECT") == 1 and statements.count("INSERT") == 1
    assert sorted((r.viewer_name, r.child_id, r.page) for r in rows_now()) == sorted([
        (lars.name, ids["emma"], "absence"), (rita.name, ids["emma"], "thread"),
        (rita.name, ids["jonas"], "thread")])  # Kari's own child: not logged
    assert {r.roles for r in rows_now() if r.viewer_name == rita.name} == {"unit_leader"}
    assert record.flush() == 0  # nothing twice


# Personal pages whose child is not in the demo's own data: tested one by one below.
# translation.show: tests/test_machine_translation.py (it needs a translation server).
OPENED_BELOW = {"admin.log", "rectification.show", "translation.show"}


def test_the_registry_is_the_list_of_openings_here(app):
    assert set(seen.registry(app)) == set(OPENINGS) | OPENED_BELOW


def test_the_administrator_reading_a_childs_access_log_is_seen_by_the_family(
        client, login, ids):
    emma = Child.get_by_id(ids["emma"])
    AccessRecord.delete().execute()  # the demo's own
    login("admin")
    response = client.post("/admin/log", data={
        "reason": "Foreldrene ba om innsyn, saksnr 2026/12",
        "child": emma.national_id.reveal()})
    assert response.status_code == 200
    response.close()
    assert [(r.child_id, r.page, r.roles) for r in rows_now()] == [
        (emma.id, "audit_log", "administrator")]
    login("admin")
    client.post("/admin/log", data={"reason": "Oversikt over innlogginger i uka"}).close()
    assert len(rows_now()) == 1  # the whole log, about no child in particular: no row


def test_a_leader_reading_a_request_about_a_child_is_seen_by_the_family(
        client, login, ids):
    AccessRecord.delete().execute()  # the demo's own
    login("kari")
    sent = client.post(f"/rectifications/new?about=child&child={ids['emma']}",
                       data={"field": "group", "explanation": "Emma går i 1B nå."})
    assert sent.status_code == 303
    url = sent.headers["Location"]
    client.get(url).close()
    assert rows_now() == []  # the family's own reading
    login("rektor")
    response = client.get(url)
    assert response.status_code == 200
    response.close()
    assert [(r.child_id, r.page) for r in rows_now()] == [(ids["emma"], "rectification")]


@pytest.mark.parametrize("endpoint", sorted(OPENINGS))
def test_each_personal_page_writes_one_row_per_child_shown_in_one_insert_after_the_page(
        app, client, login, ids, endpoint):
    viewer, method, url, form, shown = OPENINGS[endpoint]
    login(viewer)
    AccessRecord.delete().execute()
    with Statements() as during:
        response = open_page(client, ids, method, url, form)
        assert response.status_code == 200, response.status_code
        page = response.get_data(as_text=True)
    assert not any("access_record" in sql for sql in during.sql)  # the page: no query more
    with Statements() as after:
        response.close()  # the server has sent the page
    inserts = [sql for sql in after.sql if sql.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1 and "access_record" in inserts[0]
    assert len(after.sql) == 2  # who the viewer is to the children, and the insert
    expected = shown(ids)
    written = rows_now()
    assert sorted(r.child_id for r in written) == sorted(expected)
    assert {r.page for r in written} == {seen.registry(app)[endpoint]}
    assert {r.viewer_name for r in written} == {login(viewer).name}
    names = {c.id: c.first_name for c in Child.select()}
    for child_id in expected:  # the children written are the ones the page shows
        assert names[child_id] in page


def test_the_row_says_who_in_which_role_at_which_unit(client, login, ids):
    login("larer1a")
    client.get(f"/children/{ids['emma']}/absence").close()
    login("rektor")
    client.get(f"/messages/{ids['dentist']}").close()
    login("sfo")  # Emma's after-school care: reached through the SFO, not the school
    client.get(f"/children/{ids['emma']}/absence").close()
    seen_rows = [(r.viewer_name, r.roles, r.unit_id, r.page) for r in rows_now()
                 if r.at > utcnow() - datetime.timedelta(minutes=5)]
    assert seen_rows == [("Lars Lærer", "contact_teacher", ids["school"], "absence"),
                         ("Rita Rektorsen", "unit_leader", ids["school"], "thread"),
                         ("Siri Fritid", "sfo_staff", ids["sfo_unit"], "absence")]


def test_the_administrators_inspection_is_written_as_the_administrators(client, login, ids):
    login("admin")
    AccessRecord.delete().execute()
    client.post("/admin/thread", data={"thread": ids["dentist"],
                                       "reason": "Klage fra foreldrene, sak 2026/14"}).close()
    (row,) = rows_now()
    assert (row.child_id, row.roles, row.unit_id, row.page) == (
        ids["emma"], "administrator", ids["school"], "thread_inspection")


@pytest.mark.parametrize("who", ["kari", "ola", "bestemor"])
def test_the_familys_own_reads_are_never_written(client, login, ids, who):
    login(who)
    AccessRecord.delete().execute()
    for url in (f"/children/{ids['emma']}/absence", f"/messages/{ids['dentist']}",
                f"/children/{ids['emma']}/consents", f"/children/{ids['noah']}/pickup"):
        client.get(url).close()
    assert rows_now() == []


def test_a_member_of_staff_who_is_the_childs_parent_is_not_written(client, login, ids):
    from models.school.tables import Guardianship
    Guardianship.create(guardian=ids["larer1a"], child=ids["jonas"], responsibility="shared")
    login("larer1a")
    AccessRecord.delete().execute()
    client.get(f"/children/{ids['jonas']}/absence").close()
    client.get(f"/children/{ids['emma']}/absence").close()
    assert [r.child_id for r in rows_now()] == [ids["emma"]]


def test_nothing_is_written_for_a_refusal_or_a_poll(client, login, ids):
    AccessRecord.delete().execute()
    login("larer1a")
    assert client.get(f"/children/{ids['noah']}/absence").status_code == 404  # not hers
    login("bhg")
    response = client.post(f"/children/{ids['noah']}/pickup", data={})
    assert response.status_code == 403
    response.close()
    login("admin")  # no reason given: the thread is not shown
    response = client.post("/admin/thread", data={"thread": ids["dentist"], "reason": ""})
    assert response.status_code == 400
    response.close()
    login("larer1a")
    response = client.get(f"/messages/{ids['dentist']}/after/0",
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    response.close()
    assert rows_now() == []


def test_rows_for_leaves_out_people_without_a_staff_role():
    facts = [(record.ENROLMENT, "", 7, 3, 1)]
    assert record.rows_for(5, "Kari", "absence", [7], None, utcnow(), facts) == []


# The family's page ------------------------------------------------------------------------

def test_karis_page_shows_the_demos_openings_with_name_and_role_newest_first(
        client, login, ids, t):
    login("kari")
    page = text_of(client.get(f"/children/{ids['emma']}/seen"))
    assert t("Who has seen %(name)s's data", name="Emma") in page
    assert "Lars Lærer (" + t("Contact teacher") + "), Solbakken skole" in page
    assert "Rita Rektorsen (" + t("Leader of the unit (principal or head)") in page
    assert page.index("Rita Rektorsen") < page.index("Lars Lærer")  # newest first
    assert t("Opened: %(page)s", page=t("Absence and leave")) in page
    assert "18.11.2026" in page and "17.11.2026" in page  # grouped by day
    home = client.get("/").get_data(as_text=True)
    assert f'href="/children/{ids["emma"]}/seen"' in home


def test_a_protected_childs_staff_are_named_as_for_every_child(client, login, ids, t):
    login("larer1a")
    client.get(f"/children/{ids['sara']}/absence").close()
    login("lise")
    assert "Lars Lærer" in text_of(client.get(f"/children/{ids['sara']}/seen"))


@pytest.fixture
def by_role_app(app):
    app.config["MUNICIPALITY"] = dataclasses.replace(
        app.config["MUNICIPALITY"], staff_by_role_for_protected=True)
    return app


def test_where_the_municipality_chooses_a_protected_childs_staff_are_shown_by_role_only(
        by_role_app, client, login, ids, t):
    login("larer1a")
    client.get(f"/children/{ids['sara']}/absence").close()
    client.get(f"/children/{ids['jonas']}/absence").close()
    login("lise")
    page = text_of(client.get(f"/children/{ids['sara']}/seen"))
    assert t("Contact teacher") in page
    assert "Lars" not in page and "Lærer" not in page
    login("nina")  # a child without protection: named as before
    assert "Lars Lærer" in text_of(client.get(f"/children/{ids['jonas']}/seen"))


def add_rows(child, count, start, step=datetime.timedelta(hours=1), viewer="Vera Vikar"):
    AccessRecord.insert_many([
        {"at": start - n * step, "child": child, "viewer_id": None, "viewer_name": viewer,
         "roles": "group_staff", "page": "register", "unit": None} for n in range(count)
    ]).execute()


def test_only_the_last_12_months_are_shown(client, login, ids):
    now = utcnow()
    add_rows(ids["emma"], 1, now - datetime.timedelta(days=366), viewer="Gammel Vikar")
    add_rows(ids["emma"], 1, now - datetime.timedelta(days=364), viewer="Ny Vikar")
    login("kari")
    page = text_of(client.get(f"/children/{ids['emma']}/seen"))
    assert "Ny Vikar" in page and "Gammel Vikar" not in page


def count_queries_of(client, url):
    from playhouse.test_utils import count_queries
    with count_queries() as counter:
        response = client.get(url)
        assert response.status_code == 200
    return counter.count, text_of(response)


def test_the_page_costs_the_same_few_queries_whatever_the_number_of_rows(client, login, ids):
    login("kari")
    url = f"/children/{ids['emma']}/seen"
    AccessRecord.delete().execute()
    add_rows(ids["emma"], 1, utcnow())
    few, _ = count_queries_of(client, url)
    add_rows(ids["emma"], 129, utcnow() - datetime.timedelta(minutes=1))
    many, first = count_queries_of(client, url)
    older, last = count_queries_of(client, url + "?page=2")
    assert few == many == older <= 6
    assert first.count("Vera Vikar") == 50 and last.count("Vera Vikar") == 30
    assert client.get(url + "?page=3").status_code == 404


# Retention ---------------------------------------------------------------------------------

def test_purge_before_deletes_only_older_rows(app, ids):
    now = utcnow()
    AccessRecord.delete().execute()
    add_rows(ids["emma"], 3, now - datetime.timedelta(days=400), viewer="Gammel")
    add_rows(ids["emma"], 2, now - datetime.timedelta(days=10), viewer="Ny")
    assert cleanup.purge_before(now - datetime.timedelta(days=395)) == 3
    assert sorted({r.viewer_name for r in rows_now()}) == ["Ny"]


def test_the_home_page_links_to_who_has_seen_each_child_by_name(client, login, ids, t, kids):
    login("kari")
    page = text_of(client.get("/"))
    assert t("Who has seen %(name)s's data", name=kids["Emma"].name) in page
    assert f"/children/{ids['emma']}/seen" in client.get("/").get_data(as_text=True)
