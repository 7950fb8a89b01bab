"""Pick-up lists (issue 18, kindergarten and after-school care): the guardians with
parental responsibility keep a child's list (a person counts once every one of them has
approved; any of them takes a person off at once) and say who picks up on a day; the
staff who reach the child see it, and for a protected child only its own department."""
import datetime
import re

import pytest
from playhouse.test_utils import count_queries

from models.audit import AuditEvent
from models.login.sessions import LoginSession
from models.pickup import lists
from models.pickup import today as pickup_day
from models.pickup.names import label
from models.pickup.tables import PickupPerson, PickupToday
from models.school.tables import (KINDERGARTEN_STAFF, Child, Enrolment, Group, Guardianship,
                                  StaffRole, Unit, User)

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import HTMX_MODE, Matrix, expect, only
from .smtp import smtp_server

pytestmark = pytest.mark.clock("2026-11-18 10:00")  # a Wednesday
TODAY = datetime.date(2026, 11, 18)

NOAH_KEEPERS = {"kari", "ola"}
NOAH_STAFF = {"styrer", "bhg"}
EMMA_STAFF = {"sfo"}  # Emma's SFO: not her school's teachers or principal
ROUTES = Matrix({
    ("GET", "/children/{noah}/pickup"): only(NOAH_KEEPERS | NOAH_STAFF),
    ("GET", "/children/{noah}/pickup", HTMX_MODE): only(NOAH_KEEPERS | NOAH_STAFF),
    ("GET", "/children/{emma}/pickup"): only(NOAH_KEEPERS | EMMA_STAFF),
    ("GET", "/children/{jonas}/pickup"): only(()),  # at school only: no list
    ("GET", "/children/{sara}/pickup"): only(()),
    ("POST", "/children/{noah}/pickup"): expect(
        {**only(NOAH_KEEPERS, 400), **dict.fromkeys(NOAH_STAFF, 403)}, data={}),
    ("POST", "/children/{noah}/pickup/day"): expect(
        {**only(NOAH_KEEPERS, 400), **dict.fromkeys(NOAH_STAFF, 403)}, data={}),
    ("POST", "/children/{noah}/pickup/day/withdraw"): expect(
        {**only(NOAH_KEEPERS, 404), **dict.fromkeys(NOAH_STAFF, 403)},
        data={"day": "2026-11-18"}),  # nothing said for today: nothing to withdraw
    ("POST", "/children/{noah}/pickup/{tone}/approve"): {
        **only(NOAH_KEEPERS, 303), **dict.fromkeys(NOAH_STAFF, 403)},
    ("POST", "/children/{noah}/pickup/{tone}/remove"): {
        **only(NOAH_KEEPERS, 303), **dict.fromkeys(NOAH_STAFF, 403)},
    ("POST", "/children/{emma}/pickup/{tone}/remove"): {  # Noah's person, not Emma's
        **only(NOAH_KEEPERS, 404), **dict.fromkeys(EMMA_STAFF, 403)},
})


def person_named(first):
    return PickupPerson.get(PickupPerson.first_name == first)


@pytest.fixture
def pickup_ids(ids):
    return {**ids, "tone": person_named("Tone").id, "randi": person_named("Randi").id}


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, pickup_ids, role):
    ROUTES.check(client, login, role, pickup_ids)


def names(persons):
    return [p.name for p in persons]


# --- the list: every responsible guardian approves -----------------------------------

def test_the_demo_list_has_randi_approved_and_a_neighbour_waiting_for_ola(app, kids):
    noah = kids["Noah"].id
    assert names(lists.approved_for([noah])[noah]) == ["Randi Hansen"]


def test_a_person_counts_only_once_every_responsible_guardian_has_approved(
        client, login, kids, users, t):
    noah = kids["Noah"]
    login("kari")
    response = client.post(f"/children/{noah.id}/pickup", data={
        "first_name": "Mona", "last_name": "Moe", "relation": "family_friend",
        "phone": "+47 911 22 333"})
    assert response.status_code == 303
    mona = person_named("Mona")
    assert names(lists.approved_for([noah.id])[noah.id]) == ["Randi Hansen"]
    page = text_of(client.get(f"/children/{noah.id}/pickup"))
    assert t("Waiting for approval from %(names)s", names="Ola Hansen") in page
    login("per")  # Emma's father without parental responsibility: neither sees nor approves
    assert client.get(f"/children/{kids['Emma'].id}/pickup").status_code == 404
    assert client.post(f"/children/{noah.id}/pickup/{mona.id}/approve").status_code == 404
    login("ola")
    home = client.get("/").get_data(as_text=True)
    assert f'href="/children/{noah.id}/pickup"' in home
    assert t("%(num)d person on the pick-up list waits for your approval",
             "%(num)d persons on the pick-up list wait for your approval", 2) in text_of(
        client.get("/"))  # Mona, and the demo's neighbour
    assert client.post(f"/children/{noah.id}/pickup/{mona.id}/approve").status_code == 303
    assert names(lists.approved_for([noah.id])[noah.id]) == ["Mona Moe", "Randi Hansen"]
    assert t("%(num)d person on the pick-up list waits for your approval",
             "%(num)d persons on the pick-up list wait for your approval", 1) in text_of(
        client.get("/"))
    actions = [e.action for e in AuditEvent.select().where(
        AuditEvent.object_type == "pickupperson", AuditEvent.object_id == mona.id)
        .order_by(AuditEvent.id)]
    assert actions == ["pickup.proposed", "pickup.approved"]
    login("kari")  # she approved when she proposed: nothing waits for her
    home = text_of(client.get("/"))
    for n in (1, 2, 3):
        assert t("%(num)d person on the pick-up list waits for your approval",
                 "%(num)d persons on the pick-up list wait for your approval", n) not in home


def test_any_responsible_guardian_removes_a_person_at_once(client, login, kids, users):
    noah = kids["Noah"]
    randi = person_named("Randi")
    login("kari")
    assert client.post(f"/children/{noah.id}/pickup/day", data={
        "day": TODAY.isoformat(), "who": str(randi.id)}).status_code == 303
    assert pickup_day.for_day([noah.id], TODAY)[noah.id].person_id == randi.id
    login("ola")
    assert client.post(f"/children/{noah.id}/pickup/{randi.id}/remove").status_code == 303
    assert lists.approved_for([noah.id])[noah.id] == []
    removed = PickupPerson.get_by_id(randi.id)
    assert removed.removed_at is not None and removed.removed_by_id == users["ola"].id
    assert pickup_day.for_day([noah.id], TODAY) == {}  # her day is withdrawn with her
    assert f"/pickup/{randi.id}/" not in client.get(f"/children/{noah.id}/pickup").get_data(
        as_text=True)
    assert "Randi Hansen" not in names(lists.persons(noah.id))
    assert client.post(f"/children/{noah.id}/pickup/{randi.id}/approve").status_code == 404
    assert AuditEvent.select().where(AuditEvent.action == "pickup.removed",
                                     AuditEvent.object_id == randi.id).count() == 1


def test_a_sole_guardian_s_person_counts_at_once(app, kids, users):
    noah = kids["Noah"]
    Guardianship.update(responsibility="none").where(
        Guardianship.guardian == users["ola"].id, Guardianship.child == noah.id).execute()
    lists.propose(noah, users["kari"], "Mona", "Moe", "relative", "+47 911 22 333")
    assert names(lists.approved_for([noah.id])[noah.id]) == ["Mona Moe", "Randi Hansen",
                                                            "Tone Nilsen"]


def test_a_name_already_on_the_list_is_refused(client, login, kids, t):
    login("ola")
    response = client.post(f"/children/{kids['Noah'].id}/pickup", data={
        "first_name": "randi", "last_name": "HANSEN", "relation": "grandparent",
        "phone": "+47 900 00 007"})
    assert response.status_code == 400
    assert t("A person with this name is already on the list.") in text_of(response)


# --- the other guardian is told, without the child's name ------------------------------

def test_the_other_guardian_is_notified_without_the_child_or_the_person(
        app, client, login, kids, t):
    with smtp_server(app) as smtp:
        login("kari")
        assert client.post(f"/children/{kids['Noah'].id}/pickup", data={
            "first_name": "Mona", "last_name": "Moe", "relation": "family_friend",
            "phone": "+47 911 22 333"}).status_code == 303
        told = sorted(to[0] for to, _ in smtp.messages)
        assert told == ["ola@example.org"]  # not Kari herself, not Per
        mail = smtp.messages[0][1]
        subject = mail["Subject"]
        body = mail.get_payload(decode=True).decode()
    assert subject.strip() == t("%(unit)s: a person on a pick-up list waits for your approval",
                        unit="Regnbuen barnehage")
    assert f"/children/{kids['Noah'].id}/pickup" in body
    for secret in ("Noah", "Hansen", "Mona", "Moe", "911"):
        assert secret not in subject and secret not in body


# --- who picks up on a day --------------------------------------------------------------

def test_today_randi_picks_up_and_tomorrow_someone_once(client, login, kids, t):
    noah = kids["Noah"]
    randi = person_named("Randi")
    tomorrow = TODAY + datetime.timedelta(days=1)
    login("kari")
    assert client.post(f"/children/{noah.id}/pickup/day", data={
        "day": TODAY.isoformat(), "who": str(randi.id)}).status_code == 303
    assert client.post(f"/children/{noah.id}/pickup/day", data={
        "day": tomorrow.isoformat(), "who": "other", "once_name": "Geir Nabo",
        "once_phone": "+47 922 33 444", "first_name": "ignored"}).status_code == 303
    found = pickup_day.for_day([noah.id, kids["Emma"].id], TODAY)
    assert list(found) == [noah.id]
    with app_context(client):
        assert label(found[noah.id]) == t("%(name)s (%(relation)s)", name="Randi Hansen",
                                          relation=t("Grandparent"))
    later = pickup_day.for_day([noah.id], tomorrow)[noah.id]
    assert (later.person_id, later.name, later.phone) == (None, "Geir Nabo", "+47 922 33 444")
    login("bhg")  # the department's staff see it on the child's page, with phones
    page = text_of(client.get(f"/children/{noah.id}/pickup"))
    assert "Randi Hansen" in page and "+47 900 00 007" in page
    assert "Geir Nabo" in page and "+47 922 33 444" in page
    assert "Tone Nilsen" not in page  # not approved by Ola: not on the staff's list
    assert f'action="/children/{noah.id}/pickup' not in client.get(
        f"/children/{noah.id}/pickup").get_data(as_text=True)  # read-only
    login("ola")  # changed, then withdrawn
    assert client.post(f"/children/{noah.id}/pickup/day", data={
        "day": TODAY.isoformat(), "who": "other", "once_name": "Ola selv",
        "once_phone": "+47 900 00 002"}).status_code == 303
    assert pickup_day.for_day([noah.id], TODAY)[noah.id].name == "Ola selv"
    assert client.post(f"/children/{noah.id}/pickup/day/withdraw",
                       data={"day": TODAY.isoformat()}).status_code == 303
    assert pickup_day.for_day([noah.id], TODAY) == {}
    assert {e.action for e in AuditEvent.select().where(
        AuditEvent.action.startswith("pickup."))} == {"pickup.said", "pickup.withdrawn"}


def app_context(client):
    return client.application.test_request_context()


def test_a_day_that_has_passed_cannot_be_changed(client, login, kids, users, clock):
    noah = kids["Noah"]
    pickup_day.say(noah, users["kari"], TODAY, name="Geir Nabo", phone="+47 922 33 444")
    clock.advance(days=1)
    login("kari")
    assert client.post(f"/children/{noah.id}/pickup/day/withdraw",
                       data={"day": TODAY.isoformat()}).status_code == 404
    assert PickupToday.select().count() == 1


def test_a_pending_or_removed_person_cannot_be_named_for_a_day(client, login, kids, t):
    noah = kids["Noah"]
    login("kari")
    response = client.post(f"/children/{noah.id}/pickup/day", data={
        "day": TODAY.isoformat(), "who": str(person_named("Tone").id)})
    assert response.status_code == 400
    assert t("Choose a person from the list, or someone else.") in text_of(response)
    assert PickupToday.select().count() == 0


# --- bad input: 400 with the summary, and what was typed kept -------------------------

@pytest.mark.parametrize("form, message", [
    ({"first_name": "Mona", "last_name": "Moe", "relation": "other", "phone": "ring meg"},
     "Write the phone number with digits only, for example +47 912 34 567."),
    ({"first_name": "M" * 101, "last_name": "Moe", "relation": "other",
      "phone": "+47 911 22 333"}, "The name can be at most %(max)d characters."),
    ({"first_name": "Mona", "last_name": "", "relation": "other", "phone": "+47 911 22 333"},
     "Write the last name."),
    ({"first_name": "Mona", "last_name": "Moe", "relation": "aunt", "phone": "+47 911"},
     "Choose how the person is related to the child."),
])
def test_a_bad_person_is_refused_with_what_was_typed(client, login, kids, t, form, message):
    login("kari")
    response = client.post(f"/children/{kids['Noah'].id}/pickup", data=form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert t(message, max=100) in text_of(response)
    assert f'value="{form["first_name"]}"' in html and f'value="{form["phone"]}"' in html
    assert PickupPerson.select().count() == 2


@pytest.mark.parametrize("day", ["2026-11-17", "2026-12-03", "2026-02-30", "i morgen", ""])
def test_a_day_outside_the_next_two_weeks_is_refused(client, login, kids, t, day):
    login("kari")
    response = client.post(f"/children/{kids['Noah'].id}/pickup/day", data={
        "day": day, "who": "other", "once_name": "Geir Nabo", "once_phone": "+47 922 33 444"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'href="#day"' in html
    assert t("Choose a day from %(first)s to %(last)s.", first="18.11.2026",
             last="02.12.2026") in text_of(response)
    assert 'value="Geir Nabo"' in html and 'value="+47 922 33 444"' in html
    assert PickupToday.select().count() == 0


def test_the_last_day_open_is_fourteen_days_ahead(client, login, kids):
    login("kari")
    assert client.post(f"/children/{kids['Noah'].id}/pickup/day", data={
        "day": "2026-12-02", "who": "other", "once_name": "Geir Nabo",
        "once_phone": "+47 922 33 444"}).status_code == 303


def test_a_one_off_needs_a_name_and_a_phone(client, login, kids, t):
    login("kari")
    response = client.post(f"/children/{kids['Noah'].id}/pickup/day", data={
        "day": TODAY.isoformat(), "who": "other", "once_name": "", "once_phone": "x"})
    assert response.status_code == 400
    text = text_of(response)
    assert t("Write the name of the person who picks up.") in text
    assert t("Write the phone number with digits only, for example +47 912 34 567.") in text


@pytest.mark.parametrize("who", ["99999999999999999999", "-1", "²", "0", str(2 ** 63)])
def test_hostile_choices_are_refused_not_failed(client, login, kids, who):
    login("kari")
    response = client.post(f"/children/{kids['Noah'].id}/pickup/day", data={
        "day": TODAY.isoformat(), "who": who})
    assert response.status_code == 400
    assert client.post(f"/children/{kids['Noah'].id}/pickup/day/withdraw",
                       data={"day": who}).status_code == 404
    assert client.post(f"/children/{kids['Noah'].id}/pickup/99999999999999999999/approve"
                       ).status_code == 404
    assert client.post(f"/children/{kids['Noah'].id}/pickup/{2 ** 31}/remove"
                       ).status_code == 404
    assert PickupToday.select().count() == 0


def test_a_code_login_and_staff_cannot_change_the_list(client, login, kids, t):
    tone = person_named("Tone")
    url = f"/children/{kids['Noah'].id}/pickup/{tone.id}/approve"
    user = login("ola")
    LoginSession.update(method="code").where(LoginSession.user == user.id).execute()
    assert client.get(f"/children/{kids['Noah'].id}/pickup").status_code == 200
    response = client.post(url)
    assert response.status_code == 403
    assert t("You cannot change this pick-up list") in text_of(response)
    login("bhg")
    assert client.post(url).status_code == 403
    assert names(lists.approved_for([kids["Noah"].id])[kids["Noah"].id]) == ["Randi Hansen"]


# --- a protected child: only its own department ---------------------------------------

@pytest.fixture
def protected(app, users):
    """Mia, in Blåklokka with a protected address; Løvetann, another department of the
    kindergarten, with its own staff member."""
    blaaklokka = Group.get(Group.name == "Blåklokka")
    unit = Unit.get_by_id(blaaklokka.unit_id)
    lovetann = Group.create(unit=unit, name="Løvetann", school_year=blaaklokka.school_year)
    mia = Child.create(first_name="Mia", last_name="Skjult", birth_date=datetime.date(2022, 5, 1),
                       address_protection="strengtFortrolig")
    Enrolment.create(child=mia, group=blaaklokka, start_date=datetime.date(2026, 8, 15))
    mother = User.create(username="mor", first_name="Mor", last_name="Skjult",
                         address_protection="strengtFortrolig")
    Guardianship.create(guardian=mother, child=mia, responsibility="sole")
    other = User.create(username="bhg2", first_name="Berit", last_name="Løvetann")
    StaffRole.create(user=other, role=KINDERGARTEN_STAFF, unit=unit, group=lovetann)
    lists.propose(mia, mother, "Trygve", "Trygg", "relative", "+47 933 44 555")
    return mia


def test_a_protected_child_s_list_is_seen_only_by_its_department(client, login, kids,
                                                                  protected):
    url = f"/children/{protected.id}/pickup"
    login("mor")
    assert client.get(url).status_code == 200
    login("bhg")  # her department
    page = client.get(url)
    assert page.status_code == 200 and "Trygve Trygg" in text_of(page)
    assert "+47 933 44 555" in text_of(page)
    for username in ("bhg2", "styrer", "kari", "nina", "lise", "sfo", "rektor", "admin"):
        login(username)
        assert client.get(url).status_code == 404, username
    login("bhg2")  # unit-wide staff still see an unprotected child of another department
    assert client.get(f"/children/{kids['Noah'].id}/pickup").status_code == 200


def test_no_page_shows_the_protection(client, login, kids, protected, t):
    for username, url in (("mor", f"/children/{protected.id}/pickup"),
                          ("bhg", f"/children/{protected.id}/pickup"),
                          ("bhg", f"/children/{kids['Noah'].id}/pickup")):
        login(username)
        html = client.get(url).get_data(as_text=True).lower()
        for word in ("fortrolig", "protect", "beskytt", "skydd", "sperr"):
            assert word not in html, (username, url, word)
    # To the department's staff, the protected child's page is shaped as any other's.
    login("bhg")
    shape = [re.sub(r"[0-9]+", "N", re.sub(r">[^<]*<", "><", client.get(
        f"/children/{c}/pickup").get_data(as_text=True))) for c in (protected.id,
                                                                   kids["Noah"].id)]
    assert shape[0] == shape[1]


# --- the public API, the fragment and the cost ----------------------------------------

def test_the_two_api_functions_cost_one_query_each(app, kids, users):
    noah, emma = kids["Noah"], kids["Emma"]
    pickup_day.say(noah, users["kari"], TODAY, person=person_named("Randi"))
    with count_queries() as counter:
        found = lists.approved_for([noah.id, emma.id])
    assert counter.count == 1 and found == {noah.id: found[noah.id], emma.id: []}
    with count_queries() as counter:
        today_ = pickup_day.for_day([noah.id, emma.id], TODAY)
        assert today_[noah.id].person.name == "Randi Hansen"
    assert counter.count == 1
    assert lists.approved_for([]) == {} and pickup_day.for_day([], TODAY) == {}


def test_the_fragment_is_the_page_s_content_only(client, login, kids):
    login("kari")
    fragment = client.get(f"/children/{kids['Noah'].id}/pickup", headers=HTMX)
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "Randi Hansen" in html


@pytest.mark.parametrize("username", ["kari", "bhg"])
def test_the_page_costs_the_same_queries_however_long_the_list(client, login, kids, users,
                                                               username):
    noah = kids["Noah"]
    url = f"/children/{noah.id}/pickup"
    login(username)
    before = queries_for(client, url)
    for n in range(10):
        person = lists.propose(noah, users["kari"], f"Ekstra{n}", "Person", "other",
                               "+47 911 00 000")
        lists.approve(person, users["ola"])
        pickup_day.say(noah, users["kari"], TODAY + datetime.timedelta(days=n),
                       person=person if n % 2 else None, name="Geir", phone="+47 922 33 444")
    after = queries_for(client, url)
    assert before == after <= 6, (before, after)
    assert "Ekstra9 Person" in text_of(client.get(url))


def test_guardians_find_the_list_from_the_child_s_card(client, login, kids):
    login("kari")
    home = client.get("/").get_data(as_text=True)
    assert f'href="/children/{kids["Noah"].id}/pickup"' in home
    assert f'href="/children/{kids["Emma"].id}/pickup"' in home  # SFO
    login("nina")  # Jonas is at school only
    assert "/pickup\"" not in client.get("/").get_data(as_text=True)
    login("per")
    assert "/pickup\"" not in client.get("/").get_data(as_text=True)


def test_a_list_page_can_ask_whose_lists_a_member_of_staff_sees(app, kids, users, protected):
    from models.access.pickup import visible_child_ids
    every = [protected.id, kids["Noah"].id, kids["Emma"].id, kids["Jonas"].id]
    assert visible_child_ids(users["bhg"], every) == {protected.id, kids["Noah"].id}
    assert visible_child_ids(users["styrer"], every) == {kids["Noah"].id}
    assert visible_child_ids(User.get(User.username == "bhg2"), every) == {kids["Noah"].id}
    assert visible_child_ids(users["sfo"], every) == {kids["Emma"].id}
    assert visible_child_ids(users["kari"], every) == {kids["Noah"].id, kids["Emma"].id}
    assert visible_child_ids(users["per"], every) == set()
    with count_queries() as counter:
        visible_child_ids(users["bhg"], every)
    assert counter.count == 1


def test_changing_the_list_needs_the_csrf_token(make_app, app, users, kids):
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = LoginSession.start(users["ola"])
        session["_fresh"] = True
    tone = person_named("Tone")
    assert client.post(f"/children/{kids['Noah'].id}/pickup/{tone.id}/approve"
                       ).status_code == 400
    assert names(lists.approved_for([kids["Noah"].id])[kids["Noah"].id]) == ["Randi Hansen"]
