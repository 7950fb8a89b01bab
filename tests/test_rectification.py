"""Rectification (issue 19, GDPR art. 16): a guardian says something stored is wrong —
their contact details, a child's details, a recorded absence — and the unit leader
answers (the administrator, for data from the population register); both sides see the
history; nobody else learns of it (rule 11); everything is audited and notified."""
import pytest
from playhouse.test_utils import count_queries

from models.absence.tables import Absence
from models.audit import AuditChild, AuditEvent
from models.login.sessions import LoginSession
from models.notifications import senders
from models.notifications.tables import RECTIFICATION, RECTIFIED, Notification
from models.rectification.tables import (CORRECTED, DECLINED, OPEN, WITHDRAWN, Rectification,
                                         RectificationEntry)

from .cast import ROLES
from .helpers import text_of
from .matrix import Matrix, expect, only

pytestmark = pytest.mark.clock("2026-11-18 10:00")  # a Wednesday

EMMAS = {"kari", "ola"}           # Emma's guardians with parental responsibility
OLAS_LEADERS = {"rektor", "styrer"}  # leaders of the units of Ola's children
NOT_PER = [r for r in ROLES if r not in (None, "per")]

ROUTES = Matrix({
    ("GET", "/rectifications"): {**only(NOT_PER), "per": 403},
    ("GET", "/rectifications/new"): {**only(NOT_PER), "per": 403},
    ("GET", "/rectifications/new?about=child&child={emma}"): {**only(EMMAS), "per": 403},
    ("GET", "/rectifications/new?about=child&child={ali}"): {**only({"amina"}), "per": 403},
    ("GET", "/rectifications/new?about=absence&absence={emma_absence}"): {
        **only(EMMAS), "per": 403},
    ("GET", "/rectifications/new?about=nothing"): {**only((), no=404), "per": 403},
    ("POST", "/rectifications/new"): expect({**only(NOT_PER, 400), "per": 403}, data={}),
    ("POST", "/rectifications/new?about=child&child={emma}"): expect(
        {**only(EMMAS, 400), "per": 403}, data={"field": "group"}),
    ("GET", "/rectifications/{olas}"): only({"ola"} | OLAS_LEADERS),
    ("POST", "/rectifications/{olas}/comment"): expect(
        only({"ola"} | OLAS_LEADERS, 400), data={}),
    ("POST", "/rectifications/{olas}/answer"): expect(
        {**only(OLAS_LEADERS, 400), "ola": 403}, data={}),
    ("POST", "/rectifications/{olas}/withdraw"): {
        **only({"ola"}, 303), **dict.fromkeys(OLAS_LEADERS, 403)},
})


@pytest.fixture
def olas(app):
    return Rectification.get(Rectification.status == OPEN)


@pytest.fixture
def r_ids(ids, olas, kids):
    emma_absence = Absence.get(Absence.child == kids["Emma"].id)
    return {**ids, "olas": olas.id, "emma_absence": emma_absence.id}


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, r_ids, role):
    ROUTES.check(client, login, role, r_ids)


def file(client, url, **form):
    return client.post(url, data=form)


def latest():
    return Rectification.select().order_by(Rectification.id.desc()).first()


# --- filing ---------------------------------------------------------------------------

def test_the_demo_has_ola_s_open_request_about_his_phone_for_his_children_s_leaders(
        client, login, olas, users, t):
    assert (olas.requester_id, olas.about, olas.field) == (users["ola"].id, "contact", "phone")
    assert not olas.register
    for leader in ("rektor", "styrer"):
        login(leader)
        home = text_of(client.get("/"))
        assert t("%(num)d request to correct personal data to answer",
                 "%(num)d requests to correct personal data to answer", 1) in home
        page = text_of(client.get("/rectifications"))
        assert "Ola Hansen" in page and t("My phone number") in page


def test_a_guardian_reports_a_wrong_group_and_the_school_s_leader_answers_it(
        client, login, kids, users, t):
    emma = kids["Emma"].id
    login("kari")
    form = client.get(f"/rectifications/new?about=child&child={emma}")
    assert t("Do not write about health, ethnic origin, religion, genetics or sexual "
             "orientation here. Such matters are better taken in a meeting or a phone "
             "call.") in text_of(form)
    response = file(client, f"/rectifications/new?about=child&child={emma}", field="group",
                    explanation="Emma har byttet til 1B etter høstferien.")
    assert response.status_code == 303
    row = latest()
    assert response.headers["Location"].endswith(f"/rectifications/{row.id}")
    assert (row.child_id, row.field, row.status, row.register) == (emma, "group", OPEN, False)

    # Audited with the child, and the school's leader is told (never what or whom).
    event = AuditEvent.get(AuditEvent.action == "rectification.requested",
                           AuditEvent.object_id == row.id)
    assert event.actor_id == users["kari"].id and "Emma" not in event.detail
    assert AuditChild.get(AuditChild.event == event.id).child_id == emma
    told = Notification.select().where(Notification.event == RECTIFICATION,
                                       Notification.path == f"/rectifications/{row.id}")
    assert {n.user_id for n in told} == {users["rektor"].id}

    # Nobody else learns of it: not Ola, not another family, not other staff.
    for other in ("ola", "nina", "amina", "bestemor", "larer1a", "faglarer", "sfo",
                  "styrer", "admin"):
        login(other)
        assert client.get(f"/rectifications/{row.id}").status_code == 404, other
        assert "1B etter høstferien" not in text_of(client.get("/rectifications"))

    # The leader declines without a reason: told what to fix, the choice kept.
    login("rektor")
    refused = file(client, f"/rectifications/{row.id}/answer", outcome="declined", answer="")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'id="error-summary"' in html and 'value="declined" checked' in html
    assert Rectification.get_by_id(row.id).status == OPEN
    done = file(client, f"/rectifications/{row.id}/answer", outcome="declined",
                answer="Emma står i 1A i elevregisteret; vi sjekker med kontoret.")
    assert done.status_code == 303
    assert Rectification.get_by_id(row.id).status == DECLINED
    answered = AuditEvent.get(AuditEvent.action == "rectification.answered")
    assert AuditChild.get(AuditChild.event == answered.id).child_id == emma
    assert Notification.select().where(Notification.event == RECTIFIED,
                                       Notification.user == users["kari"].id).exists()

    # Both sides see the whole history: the request, the answer, by whom, when.
    login("kari")
    page = text_of(client.get(f"/rectifications/{row.id}"))
    for seen in (t("Declined"), "Kari Hansen", "Rita Rektorsen", "1B etter høstferien",
                 "vi sjekker med kontoret", "18.11.2026", "Solbakken skole"):
        assert seen in page
    assert "Solbakken SFO" not in page  # Emma's SFO has no leader to answer
    # Closed: no more answers, comments or withdrawal.
    assert file(client, f"/rectifications/{row.id}/withdraw").status_code == 403
    login("rektor")
    assert file(client, f"/rectifications/{row.id}/answer", outcome="corrected",
                answer="Likevel.").status_code == 403


def test_register_data_goes_to_the_administrator_with_the_register_note(
        client, login, kids, users, t):
    emma = kids["Emma"].id
    login("ola")
    file(client, f"/rectifications/new?about=child&child={emma}", field="birth_date",
         explanation="Fødselsdatoen er en dag feil.")
    row = latest()
    assert row.register
    told = {n.user_id for n in Notification.select().where(
        Notification.event == RECTIFICATION, Notification.path == f"/rectifications/{row.id}")}
    assert told == {users["admin"].id}
    note = "Folkeregisteret"
    assert note in text_of(client.get(f"/rectifications/{row.id}"))
    login("rektor")
    assert client.get(f"/rectifications/{row.id}").status_code == 404
    login("admin")
    page = client.get(f"/rectifications/{row.id}")
    assert page.status_code == 200 and note in text_of(page)
    assert "Ola Hansen" in text_of(client.get("/rectifications"))
    assert file(client, f"/rectifications/{row.id}/answer", outcome="corrected",
                answer="Meldt videre; rettes ved neste import.").status_code == 303
    assert Rectification.get_by_id(row.id).status == CORRECTED


def test_the_administrator_s_overview_of_every_request_names_nobody(client, login, olas, t):
    login("admin")
    assert client.get(f"/rectifications/{olas.id}").status_code == 404
    assert "Ola Hansen" not in text_of(client.get("/rectifications"))
    everything = client.get("/rectifications?show=all")
    page = text_of(everything)
    assert t("My phone number") in page and "Ola Hansen" not in page
    assert f"/rectifications/{olas.id}" not in everything.get_data(as_text=True)


def test_a_recorded_absence_is_reported_from_the_child_s_absence_page(
        client, login, kids, t):
    emma = kids["Emma"].id
    absence = Absence.get(Absence.child == emma)
    login("kari")
    url = f"/rectifications/new?about=absence&absence={absence.id}"
    assert url.replace("&", "&amp;") in client.get(f"/children/{emma}/absence").get_data(
        as_text=True)
    assert absence.start_date.strftime("%d.%m.%Y") in text_of(client.get(url))
    assert file(client, url, explanation="Hun var på skolen denne dagen.").status_code == 303
    row = latest()
    assert (row.about, row.absence_id, row.child_id) == ("absence", absence.id, emma)
    login("rektor")
    page = text_of(client.get(f"/rectifications/{row.id}"))
    assert "Kari Hansen" in page and absence.start_date.strftime("%d.%m.%Y") in page
    login("nina")  # another family: neither the record nor the form
    assert client.get(url).status_code == 404


def test_the_form_keeps_what_was_typed_and_refuses_a_national_identity_number(
        client, login, t):
    login("ola")
    long = "x" * 501
    response = file(client, "/rectifications/new", field="phone", explanation=long)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert long in html and 'value="phone" checked' in html
    number = "14031900123"  # looks like a fødselsnummer
    response = file(client, "/rectifications/new", field="address",
                    explanation=f"Mitt nummer er {number}")
    assert response.status_code == 400
    assert t("Do not write a national identity number here: the school can find it "
             "without it.") in text_of(response)
    # A phone number written with the country code is not one.
    assert file(client, "/rectifications/new", field="phone",
                explanation="Riktig nummer er +4790000020").status_code == 303


def test_a_follow_up_comment_reaches_the_leaders_and_the_requester_may_withdraw(
        client, login, olas, users):
    login("ola")
    assert file(client, f"/rectifications/{olas.id}/comment",
                comment="Det nye nummeret står nå på Min side.").status_code == 303
    told = {n.user_id for n in Notification.select().where(
        Notification.event == RECTIFICATION, Notification.path == f"/rectifications/{olas.id}")}
    assert told >= {users["rektor"].id, users["styrer"].id}
    login("styrer")
    assert file(client, f"/rectifications/{olas.id}/comment",
                comment="Takk, vi ser på det.").status_code == 303
    assert Notification.select().where(Notification.event == RECTIFIED,
                                       Notification.user == users["ola"].id).exists()
    login("ola")
    assert file(client, f"/rectifications/{olas.id}/withdraw").status_code == 303
    assert Rectification.get_by_id(olas.id).status == WITHDRAWN
    assert AuditEvent.select().where(AuditEvent.action == "rectification.withdrawn").exists()
    kinds = [e.kind for e in RectificationEntry.select().where(
        RectificationEntry.rectification == olas.id).order_by(RectificationEntry.id)]
    assert kinds == ["requested", "comment", "comment", "withdrawn"]
    login("rektor")
    assert "Takk, vi ser på det." in text_of(client.get(f"/rectifications/{olas.id}"))


def test_a_code_login_session_files_only_about_its_own_contact_details(
        client, login, kids, users, t):
    login("kari")
    LoginSession.update(method="code").where(LoginSession.user == users["kari"].id).execute()
    emma = kids["Emma"].id
    refused = client.get(f"/rectifications/new?about=child&child={emma}")
    assert refused.status_code == 403
    assert t("Log in with the national eID") in text_of(refused)
    assert file(client, f"/rectifications/new?about=child&child={emma}", field="group",
                explanation="Feil gruppe").status_code == 403
    assert file(client, "/rectifications/new", field="email",
                explanation="Feil e-postadresse").status_code == 303


def test_a_parent_without_parental_responsibility_is_told_there_is_no_access(
        client, login, t):
    login("per")
    for url in ("/rectifications", "/rectifications/new"):
        response = client.get(url)
        assert response.status_code == 403
        assert t("You have no access to this") in text_of(response)


def test_notifications_say_the_kind_and_the_unit_never_what_or_whom(app, olas):
    with app.test_request_context():
        for event in (RECTIFICATION, RECTIFIED):
            words = senders.title(event, "Solbakken skole")
            assert "Solbakken skole" in words
            assert "Ola" not in words and "telefon" not in words.lower()


def test_the_links_to_report_an_error(client, login, kids):
    login("kari")
    home = client.get("/").get_data(as_text=True)
    assert f"rectifications/new?about=child&amp;child={kids['Emma'].id}" in home
    account = client.get("/account/notifications").get_data(as_text=True)
    assert "rectifications/new?about=contact" in account


@pytest.mark.parametrize("user, url", [
    ("ola", "/rectifications"), ("rektor", "/rectifications"),
    ("admin", "/rectifications?show=all"), ("ola", "/rectifications/{olas}"),
    ("rektor", "/rectifications/{olas}"), ("kari", "/rectifications/new?about=child"),
    ("kari", "/rectifications/new?about=absence&absence={emma_absence}"),
])
def test_each_page_costs_at_most_six_queries(client, login, r_ids, user, url):
    login(user)
    with count_queries() as counter:
        response = client.get(url.format(**r_ids))
    assert response.status_code == 200
    assert counter.count <= 6, counter.count
