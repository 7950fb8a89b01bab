"""The administrator's access log: read only with a reason, filtered by who did it, by
kind of event and by the child it concerns; every read is itself in the log."""
import pytest

from models import access, audit
from models.audit import AuditEvent
from models.school.tables import Child, Group, StaffRole, Unit, User

from .helpers import text_of


def read_log(client, **filters):
    return client.post("/admin/log", data={"reason": "A guardian asked who saw what",
                                           **filters})


def test_the_log_filtered_by_person_kind_and_child(client, login, users, kids, t):
    emma, jonas = kids["Emma"], kids["Jonas"]
    audit.record("absence.reported", actor=users["kari"], obj=emma)
    audit.record("consent.answered", actor=users["ola"], child=emma.id, item=3)
    audit.record("consent.answered", actor=users["nina"], child=jonas.id, item=3)
    audit.record("consent.answered", actor=users["nina"], child=emma.id * 10 + 1, item=3)
    login("admin")
    number = Child.get_by_id(emma.id).national_id.reveal()
    page = text_of(read_log(client, child=number))
    assert "Kari Hansen" in page and "Ola Hansen" in page and "Nina Lie" not in page
    page = text_of(read_log(client, person="nina", kind="consent.answered"))
    assert "Nina Lie" in page and "Kari Hansen" not in page
    assert page.count(t("Consent answered")) == 2
    reads = list(AuditEvent.select().where(AuditEvent.action == "audit_log.read")
                 .order_by(AuditEvent.id))
    assert reads[0].details == {"reason": "A guardian asked who saw what",
                                "child": emma.id}
    assert reads[1].details["person"] == users["nina"].id
    assert number not in reads[0].detail  # the number itself is never logged


def test_an_unknown_person_or_child_comes_back_on_the_form(client, login, t):
    login("admin")
    answer = read_log(client, person="nobody", child="01017012345")
    assert answer.status_code == 400
    page = text_of(answer)
    assert t("No account has that username or national identity number.") in page
    assert t("No child has that national identity number.") in page
    html = answer.get_data(as_text=True)
    assert 'value="nobody"' in html and "A guardian asked who saw what" in html
    assert not AuditEvent.select().where(AuditEvent.action == "audit_log.read").exists()


# Units, groups and staff ---------------------------------------------------------------------

ORGANISATION = [("GET", "/admin/organisation/"), ("POST", "/admin/organisation/units"),
                ("POST", "/admin/organisation/units/1/rename"),
                ("POST", "/admin/organisation/groups/1/rename"),
                ("POST", "/admin/organisation/groups"), ("POST", "/admin/organisation/staff"),
                ("GET", "/admin/organisation/roles/1/end"),
                ("POST", "/admin/organisation/roles/1/end")]


@pytest.mark.parametrize("role", [None, "kari", "per", "bestemor", "rektor", "larer1a",
                                  "faglarer", "sfo", "styrer", "bhg"])
def test_only_the_administrator_reaches_the_organisation(client, login, role):
    if role:
        login(role)
    for method, url in ORGANISATION:
        status = client.open(url, method=method).status_code
        assert status == (302 if role is None else 404), (role, url, status)


def test_the_administrator_adds_units_and_groups_and_sees_no_children(client, login, t):
    login("admin")
    page = client.get("/admin/organisation/")
    assert page.status_code == 200 and "Solbakken skole" in text_of(page)
    assert "Emma" not in text_of(page) and "Hansen" not in page.get_data(as_text=True)
    bad = client.post("/admin/organisation/units", data={"name": "", "kind": "school"})
    assert bad.status_code == 400
    assert t("Write the unit's name (at most %(max)d characters).", max=100) in text_of(bad)
    assert client.post("/admin/organisation/units", data={
        "name": "Nordby skole", "kind": "school"}).status_code == 303
    unit = Unit.get(Unit.name == "Nordby skole")
    again = client.post("/admin/organisation/units", data={"name": "Nordby skole",
                                                           "kind": "school"})
    assert again.status_code == 400 and 'value="Nordby skole"' in again.get_data(as_text=True)
    group = {"unit": str(unit.id), "name": "5B", "school_year": "2026"}
    assert client.post("/admin/organisation/groups", data=group).status_code == 303
    twice = client.post("/admin/organisation/groups", data=group)
    assert twice.status_code == 400
    assert t("The unit already has a group with that name that year.") in text_of(twice)
    assert {e.action for e in AuditEvent.select()} >= {"unit.created", "group.created"}


def test_a_new_staff_account_gets_a_password_once_and_a_role_that_can_end(client, login,
                                                                         app, kids, t):
    login("admin")
    g1a = Group.get(Group.name == "1A")
    missing = client.post("/admin/organisation/staff", data={
        "username": "vikar", "first_name": "Vera", "last_name": "Vikar",
        "role": "contact_teacher", "place": f"u{g1a.unit_id}"})
    assert missing.status_code == 400 and t(
        "A contact teacher or group staff belongs to a group: choose one.") in text_of(missing)
    page = client.post("/admin/organisation/staff", data={
        "username": "Vikar", "first_name": "Vera", "last_name": "Vikar",
        "role": "contact_teacher", "place": f"g{g1a.id}"})
    assert page.status_code == 200
    password = page.get_data(as_text=True).split('<p class="password"><code>')[1].split("<")[0]
    vikar = User.get(User.username == "vikar")
    assert access.staff_child_or_none(vikar, kids["Emma"].id) is not None
    assert password not in str([e.detail for e in AuditEvent.select()])
    other = app.test_client()
    assert other.post("/login", data={"username": "vikar",
                                      "password": password}).status_code == 302
    role = StaffRole.get(StaffRole.user == vikar)
    # The list's "End" opens a page that asks; a post without its confirmation ends
    # nothing (a stray click, an old form) and asks again.
    asked = client.get(f"/admin/organisation/roles/{role.id}/end")
    assert asked.status_code == 200
    assert t("End the role %(role)s for %(name)s?", role=t("Contact teacher") + " (1A)",
             name="Vera Vikar") in text_of(asked)
    assert client.post(f"/admin/organisation/roles/{role.id}/end").status_code == 200
    assert access.staff_child_or_none(vikar, kids["Emma"].id) is not None
    assert not AuditEvent.select().where(AuditEvent.action == "role.ended").exists()
    assert client.post(f"/admin/organisation/roles/{role.id}/end",
                       data={"confirm": "1"}).status_code == 303
    assert access.staff_child_or_none(vikar, kids["Emma"].id) is None
    assert AuditEvent.get(AuditEvent.action == "role.ended").details["role"] == \
        "contact_teacher"


def test_the_administrator_renames_units_and_groups(client, login, t):
    login("admin")
    school = Unit.get(Unit.name == "Solbakken skole")
    g1a, g1b = Group.get(Group.name == "1A"), Group.get(Group.name == "1B")
    assert client.post(f"/admin/organisation/units/{school.id}/rename",
                       data={"name": "Solbakken barneskole"}).status_code == 303
    assert Unit.get_by_id(school.id).name == "Solbakken barneskole"
    taken = client.post(f"/admin/organisation/groups/{g1b.id}/rename", data={"name": "1A"})
    assert taken.status_code == 400 and t("That name is taken.") in text_of(taken)
    assert Group.get_by_id(g1b.id).name == "1B" and Group.get_by_id(g1a.id).name == "1A"
    assert client.post("/admin/organisation/groups/999999/rename",
                       data={"name": "X"}).status_code == 404
    event = AuditEvent.get(AuditEvent.action == "unit.renamed")
    assert event.details == {"old": "Solbakken skole", "new": "Solbakken barneskole"}


# The notifications page ----------------------------------------------------------------

def test_the_notifications_page_names_everything_in_words(client, login, users, t):
    """A notification that failed is shown with its kind, channel and status in the
    page's language, and the period and the tries as counts in words — never as keys."""
    from models.notifications.tables import EMAIL, FAILED, MESSAGE, Notification
    Notification.create(user=users["kari"].id, event=MESSAGE, channel=EMAIL, path="/",
                        key="failed-once", status=FAILED, attempts=3,
                        error="smtp: mailbox full")
    login("admin")
    page = text_of(client.get("/admin/notifications/"))
    assert "Kari Hansen" in page
    for label in ("New messages and announcements", "E-mail", "failed"):
        assert t(label) in page, label
    assert t("The last %(num)d day", "The last %(num)d days", 30) in page
    assert t("%(num)d try", "%(num)d tries", 3) in page
    for key in ("message", "email", "fell_back", "notifications."):
        assert f" {key} " not in f" {page} ", key


def test_labels_say_what_they_do(client, login, kids, t):
    """Labels read as actions or say what they restrict, not as notes or jargon."""
    login("admin")
    assert t("Narrow down the log (optional)") in text_of(client.get("/admin/"))
    assert t("Leader of the unit (principal or head)") in text_of(
        client.get("/admin/organisation/"))
    login("larer1a")
    page = text_of(client.get(f"/children/{kids['Emma'].id}/code-login"))
    assert t("Send letters on paper to this guardian") in page
    assert "Mark: wants letters on paper" not in page
