"""Consents (rules 5 and 6 of DESIGN.md, seed 003): the effective status, who answers,
withdrawal as easy as giving, versions, yearly renewal, history, the staff table."""
import datetime
import json

import peewee
import pytest

from models.audit import AuditEvent
from models.consent import consent_book
from models.consent.tables import (GIVEN, NO, PHOTO, REFUSED, WAITING, WITHDRAWN, YES, Consent,
                                   ConsentAnswer, ConsentItem, ConsentVersion, effective,
                                   renewal_cutoff)
from models.db import today, utcnow
from models.messaging.tables import Message, Thread, ThreadParticipant
from models.school.tables import Child, Enrolment, Group, Guardianship, User

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import HTMX_MODE, Matrix, everyone, only



# The effective status ----------------------------------------------------------------

@pytest.mark.parametrize("answers, status", [
    ({1: YES, 2: YES}, GIVEN),            # two guardians, both yes
    ({1: YES, 2: NO}, REFUSED),           # one no is enough
    ({1: YES, 2: None}, WAITING),         # a missing answer: not given
    ({1: YES, 2: WITHDRAWN}, REFUSED),    # a withdrawal counts as no
    ({1: None, 2: None}, WAITING),
    ({1: NO, 2: None}, REFUSED),
    ({1: YES}, GIVEN),                    # a sole guardian
    ({1: WITHDRAWN}, REFUSED),
    ({}, WAITING),                        # nobody with parental responsibility
])
def test_effective_status_needs_a_yes_from_everyone(answers, status):
    assert effective(answers) == status


def photo():
    return Consent.get(Consent.kind == PHOTO)


def items():
    return {item.key: item for item in ConsentItem.select().where(ConsentItem.consent == photo())}


def photo_status(child, pupil_age=None):
    page = consent_book.for_child(child, "nb", "nb", pupil_age=pupil_age)
    consent, statuses = next((c, s) for c, s in page.consents if c.kind == PHOTO)
    return {s.item.key: s.status for s in statuses}


# The demo's answers (issue 4): Emma — kari yes to all, ola no to social media; Noah —
# both yes; Jonas — nina yes to the app only; Ali — nothing; Sara — lise no to all.
DEMO = {
    "Emma": {"app": GIVEN, "web": GIVEN, "social": REFUSED, "name": GIVEN},
    "Noah": {"app": GIVEN, "web": GIVEN, "social": GIVEN, "name": GIVEN},
    "Jonas": {"app": GIVEN, "web": WAITING, "social": WAITING, "name": WAITING},
    "Ali": {"app": WAITING, "web": WAITING, "social": WAITING, "name": WAITING},
    "Sara": {"app": REFUSED, "web": REFUSED, "social": REFUSED, "name": REFUSED},
}


@pytest.mark.parametrize("name", sorted(DEMO))
def test_the_demo_children_have_the_photo_statuses_of_the_issue(kids, name):
    assert photo_status(kids[name]) == DEMO[name]


def test_only_guardians_with_parental_responsibility_are_counted(kids, users):
    """Per (no parental responsibility) and bestemor (caregiver) are never asked and
    never counted; Emma's status rests on kari and ola alone."""
    page = consent_book.for_child(kids["Emma"], "nb", "nb")
    assert [g.name for g in page.guardians] == ["Kari Hansen", "Ola Hansen"]
    # Even a "no" stored for the caregiver changes nothing.
    consent = next(c for c, _ in page.consents if c.kind == PHOTO)
    ConsentAnswer.create(item=items()["app"], version=consent.version_id,
                         child=kids["Emma"], guardian=users["bestemor"], answer=NO,
                         recorded_by=users["bestemor"])
    assert photo_status(kids["Emma"])["app"] == GIVEN


# Who may see and answer ----------------------------------------------------------------

# Emma's consent page: her guardians with parental responsibility, and staff who reach
# her (1A and SFO 1–2). Not her information-only father, not her caregiver.
SEES_EMMA = {"kari", "ola", "rektor", "larer1a", "faglarer", "sfo"}
ANSWERS_FOR_EMMA = {"kari", "ola"}
SEES_1A_TABLE = {"rektor", "larer1a", "faglarer"}


ROUTES = Matrix({
    ("GET", "/children/{emma}/consents"): only(SEES_EMMA),
    ("GET", "/children/{emma}/consents/history"): only(SEES_EMMA),
    ("POST", "/children/{emma}/consents/{app_item}"): only(ANSWERS_FOR_EMMA, 303),
    ("POST", "/children/{emma}/consents/{app_item}", HTMX_MODE): only(ANSWERS_FOR_EMMA),
    ("GET", "/groups/{g1a}/consents"): only(SEES_1A_TABLE),
    ("GET", "/groups/{g1a}/consents/print"): only(SEES_1A_TABLE),
    ("POST", "/groups/{g1a}/consents/{trip}/remind"): only(SEES_1A_TABLE, 303),
    ("GET", "/children/999999/consents"): everyone(404),
    ("GET", "/groups/999999/consents"): everyone(404),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    """Every consent route × every role: 404 for anyone the rule leaves out, htmx
    fragments included; not logged in, the login page (401 with HX-Redirect for htmx)."""
    ROUTES.check(client, login, role, {**ids, "app_item": items()["app"].id},
                 data={"answer": "no"})


def test_staff_read_a_childs_consents_but_cannot_answer(client, login, kids, t):
    login("larer1a")
    page = client.get(f"/children/{kids['Emma'].id}/consents").get_data(as_text=True)
    assert "Kari Hansen" in page and 'name="answer"' not in page


def test_a_guardian_cannot_answer_for_another_guardians_child(client, login, kids):
    login("nina")
    response = client.post(f"/children/{kids['Emma'].id}/consents/{items()['app'].id}",
                           data={"answer": "yes"})
    assert response.status_code == 404
    assert not ConsentAnswer.select().where(
        ConsentAnswer.guardian == User.get(User.username == "nina"),
        ConsentAnswer.child == kids["Emma"]).exists()


def test_an_item_of_a_consent_that_does_not_ask_the_child_is_refused(client, login, kids):
    """The 1A trip does not ask Noah (kindergarten)."""
    login("kari")
    trip_item = ConsentItem.get(ConsentItem.consent != photo())
    response = client.post(f"/children/{kids['Noah'].id}/consents/{trip_item.id}",
                           data={"answer": "yes"})
    assert response.status_code == 404


def test_a_guardian_who_loses_access_can_no_longer_answer(client, login, kids):
    emma = kids["Emma"]
    Enrolment.update(end_date=today() - datetime.timedelta(days=1)).where(
        Enrolment.child == emma).execute()
    login("kari")
    assert client.get(f"/children/{emma.id}/consents").status_code == 404
    assert client.post(f"/children/{emma.id}/consents/{items()['app'].id}",
                       data={"answer": "no"}).status_code == 404


# Answering, withdrawing, history -------------------------------------------------------

def test_withdrawing_is_one_tap_and_shows_in_the_staff_table_at_once(client, login, kids,
                                                                      users, t):
    emma, app_item = kids["Emma"], items()["app"]
    login("larer1a")
    g1a = Group.get(Group.name == "1A").id
    assert client.get(f"/groups/{g1a}/consents").status_code == 200  # warm, no cache

    login("kari")
    response = client.post(f"/children/{emma.id}/consents/{app_item.id}",
                           data={"answer": "no"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#item-{app_item.id}")
    assert photo_status(emma)["app"] == REFUSED
    latest = ConsentAnswer.select().order_by(ConsentAnswer.id.desc()).first()
    assert (latest.guardian_id, latest.answer, latest.channel) == (
        users["kari"].id, WITHDRAWN, "app")

    login("larer1a")
    html = client.get(f"/groups/{g1a}/consents").get_data(as_text=True)
    row = html[html.index("Emma Hansen"):]
    row = row[:row.index("</tr>")]
    assert 'class="refused"' in row.split("<td")[1]  # the app column: no longer given

    event = AuditEvent.select().where(AuditEvent.action == "consent.answered").get()
    assert event.actor_id == users["kari"].id
    assert event.details["answer"] == WITHDRAWN and event.details["item"] == "app"


def test_giving_again_after_withdrawing_counts_again(client, login, kids):
    emma, app_item = kids["Emma"], items()["app"]
    login("kari")
    client.post(f"/children/{emma.id}/consents/{app_item.id}", data={"answer": "no"})
    client.post(f"/children/{emma.id}/consents/{app_item.id}", data={"answer": "yes"})
    assert photo_status(emma)["app"] == GIVEN


def test_the_htmx_answer_swaps_the_item_and_confirms_it(client, login, kids, t):
    jonas, web = kids["Jonas"], items()["web"]
    login("nina")
    response = client.post(f"/children/{jonas.id}/consents/{web.id}",
                           data={"answer": "yes"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith(f'<div class="consent-item" id="item-{web.id}"')
    assert t("Saved: %(answer)s", answer=t("Yes")) in text_of(response)
    assert t("Withdraw my consent") in text_of(response)
    assert photo_status(jonas)["web"] == GIVEN


def test_a_double_tap_records_one_answer(client, login, kids):
    jonas, web = kids["Jonas"], items()["web"]
    login("nina")
    before = ConsentAnswer.select().count()
    for _ in range(2):
        client.post(f"/children/{jonas.id}/consents/{web.id}", data={"answer": "yes"})
    assert ConsentAnswer.select().count() == before + 1


def test_an_unknown_answer_is_refused(client, login, kids):
    login("nina")
    response = client.post(f"/children/{kids['Jonas'].id}/consents/{items()['web'].id}",
                           data={"answer": "maybe"})
    assert response.status_code == 400


def test_answers_are_never_changed_in_the_database(kids):
    answer = ConsentAnswer.select().first()
    with pytest.raises(ValueError):
        answer.answer = NO
        answer.save()
    with pytest.raises(peewee.DatabaseError):
        ConsentAnswer.update(answer=NO).where(ConsentAnswer.id == answer.id).execute()


def test_the_history_keeps_every_answer_with_who_when_and_version(client, login, kids, t):
    emma, app_item = kids["Emma"], items()["app"]
    login("kari")
    client.post(f"/children/{emma.id}/consents/{app_item.id}", data={"answer": "no"})
    client.post(f"/children/{emma.id}/consents/{app_item.id}", data={"answer": "yes"})
    lines = consent_book.history(emma.id)
    app_lines = [line for line in lines if line.item_key == "app"
                 and line.guardian == "Kari Hansen"]
    assert [line.answer for line in app_lines] == [YES, WITHDRAWN, YES]  # newest first
    assert all(line.version == 1 for line in app_lines)
    login("larer1a")  # staff with access see it too
    page = text_of(client.get(f"/children/{emma.id}/consents/history"))
    assert t("Withdrawn") in page and "Kari Hansen" in page and "Ola Hansen" in page


# Versions and renewal -----------------------------------------------------------------

def test_a_new_version_asks_everyone_again(kids):
    consent = photo()
    texts = json.loads(ConsentVersion.get(ConsentVersion.consent == consent).texts)
    texts["nb"]["text"] += "\n\nNytt: vi bruker også bilder i årsrapporten."
    ConsentVersion.create(consent=consent, number=2, texts=json.dumps(texts))
    assert set(photo_status(kids["Noah"]).values()) == {WAITING}
    page = consent_book.for_child(kids["Noah"], "nb", "nb")
    assert next(c for c, _ in page.consents if c.kind == PHOTO).version == 2
    # The old answers are kept, tied to version 1.
    assert {line.version for line in consent_book.history(kids["Noah"].id)} == {1}


def test_a_yearly_consent_is_asked_again_when_the_school_year_begins(kids):
    next_year = renewal_cutoff(today()).date().replace(year=renewal_cutoff(today()).year + 1)
    page = consent_book.for_child(kids["Noah"], "nb", "nb", day=next_year)
    consent, statuses = next((c, s) for c, s in page.consents if c.kind == PHOTO)
    assert {s.status for s in statuses} == {WAITING}


def test_the_photo_consent_text_is_in_the_guardians_language(client, login, kids):
    login("kari")
    client.post("/language", data={"locale": "sv"})
    page = text_of(client.get(f"/children/{kids['Emma'].id}/consents"))
    assert "Foto, film och ljud" in page and "Demo kommune" in page
    assert "inte i kommersiellt syfte" in page or "aldrig i kommersiellt syfte" in page


# The staff table -------------------------------------------------------------------------

def test_the_staff_table_marks_a_protected_child_without_revealing_the_level(client, login,
                                                                              kids, t):
    login("larer1a")
    g1a = Group.get(Group.name == "1A").id
    html = client.get(f"/groups/{g1a}/consents").get_data(as_text=True)
    sara = html[html.index("Sara Berg"):]
    assert t("Take care") in sara[:sara.index("</th>")]
    emma = html[html.index("Emma Hansen"):]
    assert t("Take care") not in emma[:emma.index("</th>")]
    for level in ("strengtFortrolig", "fortrolig", "klientadresse", "code 6", "kode 6"):
        assert level not in html


def test_the_staff_table_names_who_has_not_answered(client, login, t):
    login("larer1a")
    page = text_of(client.get(f"/groups/{Group.get(Group.name == '1A').id}/consents"))
    waiting = page[page.index("Tur til Mjøsa"):]
    waiting = waiting[waiting.index(t("Not answered yet")):]
    assert "Emma Hansen : Kari Hansen, Ola Hansen" in waiting
    assert "Sara Berg : Lise Berg" in waiting
    assert "Nina Lie" not in waiting  # she answered the trip


def test_a_reminder_writes_to_each_home_that_has_not_answered(client, login, users, t):
    User.update(locale="en").where(User.username == "larer1a").execute()
    login("larer1a")  # reads English; the reminder is written in the municipality's
    g1a = Group.get(Group.name == "1A").id
    trip = Consent.get(Consent.kind != PHOTO)
    before = set(Thread.select(Thread.id).tuples())
    response = client.post(f"/groups/{g1a}/consents/{trip.id}/remind")
    assert response.status_code == 303
    new = [t_ for t_ in Thread.select() if (t_.id,) not in before]
    assert sorted(t_.child.first_name for t_ in new) == ["Emma", "Sara"]
    people = {t_.child.first_name: {p.user.username for p in ThreadParticipant.select()
                                    .where(ThreadParticipant.thread == t_)} for t_ in new}
    assert people == {"Emma": {"kari", "ola", "larer1a"}, "Sara": {"lise", "larer1a"}}
    first = Message.get(Message.thread == new[0])
    assert "Tur til Mjøsa" in first.body and "/consents" in first.body
    assert first.language == "nb"  # and kept as written in it (machine translation)
    assert AuditEvent.select().where(AuditEvent.action == "consent.reminded").exists()


def test_the_staff_table_costs_the_same_queries_for_3_or_30_children(client, login, users):
    login("larer1a")
    g1a = Group.get(Group.name == "1A")
    url = f"/groups/{g1a.id}/consents"
    small = queries_for(client, url)
    photo_items = items()
    version = ConsentVersion.get(ConsentVersion.consent == photo())
    start = today() - datetime.timedelta(days=30)
    for n in range(27):
        child = Child.create(first_name=f"Barn{n}", last_name="Test",
                             birth_date=today() - datetime.timedelta(days=2500))
        Enrolment.create(child=child, group=g1a, start_date=start)
        parent = User.create(username=f"p{n}", first_name="P", last_name=str(n))
        Guardianship.create(guardian=parent, child=child, responsibility="sole")
        ConsentAnswer.create(item=photo_items["app"], version=version, child=child,
                             guardian=parent, answer=YES, recorded_by=parent, at=utcnow())
    large = queries_for(client, url)
    assert small == large <= 6
    assert text_of(client.get(url)).count("Barn") >= 27


def test_the_childs_page_costs_a_fixed_number_of_queries(client, login, kids):
    login("kari")
    assert queries_for(client, f"/children/{kids['Emma'].id}/consents") <= 6


# Defining further consents ---------------------------------------------------------------

MANAGERS = {"rektor", "admin"}  # styrer leads the kindergarten, not the school


def trip():
    return Consent.get(Consent.kind != PHOTO)


def new_consent(client, **fields):
    data = {"to": f"group:{Group.get(Group.name == '1A').id}",
            "title_nb": "Svømming", "text_nb": "1A har svømming på tirsdager i vår.",
            "deadline": "", **fields}
    return client.post("/consents/new", data=data)


DEFINITION_ROUTES = Matrix({
    ("GET", "/consents/"): only({"rektor", "styrer", "admin"}),
    ("GET", "/consents/new"): only({"rektor", "styrer", "admin"}),
    ("POST", "/consents/new"): only({"rektor", "styrer", "admin"}, 400),  # no text
    ("GET", "/consents/{trip}/edit"): only(MANAGERS),
    ("POST", "/consents/{trip}/edit"): only(MANAGERS, 400),  # no text
    ("POST", "/consents/{trip}/close"): only(MANAGERS, 303),
    ("GET", "/consents/{photo}/edit"): everyone(404),  # the built-in one is not edited here
})


@pytest.mark.parametrize("role", ROLES)
def test_definition_route_matrix(client, login, ids, role):
    DEFINITION_ROUTES.check(client, login, role, ids, data={})


def test_a_unit_leader_asks_a_group_and_its_guardians_see_it(client, login, kids, users, t):
    login("rektor")
    response = new_consent(client, deadline=(today() + datetime.timedelta(days=7)).isoformat())
    assert response.status_code == 303
    made = Consent.select().order_by(Consent.id.desc()).first()
    assert made.group.name == "1A" and made.deadline is not None
    event = AuditEvent.get(AuditEvent.action == "consent.defined", AuditEvent.object_id == made.id)
    assert event.actor_id == users["rektor"].id

    login("kari")
    assert "Svømming" in text_of(client.get(f"/children/{kids['Emma'].id}/consents"))
    assert "Svømming" not in text_of(client.get(f"/children/{kids['Noah'].id}/consents"))
    login("amina")  # Ali is in 1B
    assert "Svømming" not in text_of(client.get(f"/children/{kids['Ali'].id}/consents"))


def test_a_consent_for_chosen_children_asks_only_them(client, login, kids):
    login("rektor")
    response = new_consent(client, to="children", child=[kids["Emma"].id])
    assert response.status_code == 303
    login("kari")
    assert "Svømming" in text_of(client.get(f"/children/{kids['Emma'].id}/consents"))
    login("nina")
    assert "Svømming" not in text_of(client.get(f"/children/{kids['Jonas'].id}/consents"))


def test_bad_input_comes_back_on_the_same_form_with_what_was_typed(client, login, t):
    login("rektor")
    response = new_consent(client, title_nb="", text_nb="Teksten som ble skrevet",
                           title_sv="Simning", text_sv="", deadline="2001-01-01")
    assert response.status_code == 400
    page = text_of(response)
    html = response.get_data(as_text=True)
    assert t("Write a title.") in page
    assert t("Write the text guardians answer.") in page  # Swedish title without text
    assert t("The deadline cannot be in the past.") in page
    assert "Teksten som ble skrevet" in html and 'value="Simning"' in html
    assert Consent.select().where(Consent.kind != PHOTO).count() == 1  # nothing saved


def test_a_leader_cannot_ask_children_of_another_unit(client, login, kids):
    login("styrer")
    response = new_consent(client)  # 1A belongs to the school
    assert response.status_code == 400
    response = new_consent(client, to="children", child=[kids["Emma"].id])
    assert response.status_code == 400
    assert Consent.select().where(Consent.kind != PHOTO).count() == 1


def test_new_words_on_an_answered_consent_make_a_new_version(client, login, kids):
    login("rektor")
    consent = trip()
    response = client.post(f"/consents/{consent.id}/edit", data={
        "title_nb": "Tur til Mjøsa", "text_nb": "Ny plan: vi drar med tog, ikke buss.",
        "deadline": consent.deadline.isoformat()})
    assert response.status_code == 303
    page = consent_book.for_child(kids["Jonas"], "nb", "nb")
    line, statuses = next((c, s) for c, s in page.consents if c.id == consent.id)
    assert line.version == 2 and "tog" in line.text
    assert statuses[0].status == WAITING  # nina answered version 1: asked again
    assert [h.version for h in consent_book.history(kids["Jonas"].id)
            if h.consent_id == consent.id] == [1]


def test_new_words_on_an_unanswered_consent_keep_its_version(client, login, kids):
    login("rektor")
    new_consent(client)
    made = Consent.select().order_by(Consent.id.desc()).first()
    client.post(f"/consents/{made.id}/edit", data={
        "title_nb": "Svømming", "text_nb": "Rettet: svømming på onsdager."})
    versions = list(ConsentVersion.select().where(ConsentVersion.consent == made))
    assert len(versions) == 1 and "onsdager" in versions[0].texts


def test_closing_a_consent_stops_asking_and_keeps_the_answers(client, login, kids):
    login("rektor")
    consent = trip()
    answers = ConsentAnswer.select().join(ConsentItem).where(
        ConsentItem.consent == consent).count()
    assert client.post(f"/consents/{consent.id}/close").status_code == 303
    login("nina")
    assert "Tur til Mjøsa" not in text_of(client.get(f"/children/{kids['Jonas'].id}/consents"))
    assert ConsentAnswer.select().join(ConsentItem).where(
        ConsentItem.consent == consent).count() == answers


# Pupils answering for themselves (a municipality's choice, off by default) ----------------

@pytest.fixture
def pupil_jonas(app, kids):
    """Jonas at 15 with his own login."""
    jonas = kids["Jonas"]
    jonas.birth_date = today().replace(year=today().year - 15, day=1)
    jonas.account = User.create(username="jonas", first_name="Jonas", last_name="Lie")
    jonas.save()
    return jonas


def allow_pupils_from(app, age):
    import dataclasses
    app.config["MUNICIPALITY"] = dataclasses.replace(app.config["MUNICIPALITY"],
                                                     pupil_consent_age=age)


def test_by_default_guardians_answer_even_for_a_pupil_with_a_login(client, login,
                                                                    pupil_jonas):
    login("jonas")
    assert client.get(f"/children/{pupil_jonas.id}/consents").status_code == 404
    assert client.post(f"/children/{pupil_jonas.id}/consents/{items()['web'].id}",
                       data={"answer": "yes"}).status_code == 404
    login("nina")
    assert client.post(f"/children/{pupil_jonas.id}/consents/{items()['web'].id}",
                       data={"answer": "yes"}).status_code == 303


def test_where_switched_on_the_pupil_answers_and_guardians_see_it(app, client, login, t,
                                                                   pupil_jonas):
    allow_pupils_from(app, 15)
    web = items()["web"]
    login("nina")
    page = client.get(f"/children/{pupil_jonas.id}/consents")
    assert 'name="answer"' not in page.get_data(as_text=True)
    assert client.post(f"/children/{pupil_jonas.id}/consents/{web.id}",
                       data={"answer": "yes"}).status_code == 403
    # Nina's earlier yes to the app no longer decides: Jonas has not answered.
    assert photo_status(pupil_jonas, 15) == {k: WAITING for k in ("app", "web", "social", "name")}

    login("jonas")
    assert client.post(f"/children/{pupil_jonas.id}/consents/{web.id}",
                       data={"answer": "yes"}).status_code == 303
    assert photo_status(pupil_jonas, 15)["web"] == GIVEN
    latest = ConsentAnswer.select().order_by(ConsentAnswer.id.desc()).first()
    assert latest.guardian.username == "jonas"

    login("nina")
    page = text_of(client.get(f"/children/{pupil_jonas.id}/consents"))
    assert t("%(name)s said yes", name="Jonas Lie") in page
    login("larer1a")
    html = client.get(f"/groups/{Group.get(Group.name == '1A').id}/consents").get_data(
        as_text=True)
    row = html[html.index("Jonas Lie"):]
    assert 'class="given"' in row[:row.index("</tr>")].split("<td")[2]  # web and print


def test_a_pupil_under_the_age_does_not_answer(app, client, login, pupil_jonas):
    allow_pupils_from(app, 16)
    login("jonas")
    assert client.get(f"/children/{pupil_jonas.id}/consents").status_code == 404
    login("nina")
    assert client.post(f"/children/{pupil_jonas.id}/consents/{items()['web'].id}",
                       data={"answer": "yes"}).status_code == 303


# Staff see the consents of their own units (issue 15, finding 10) -------------------------

PHOTO_TITLE, TRIP_TITLE = "Bilder, film og lyd", "Tur til Mjøsa"


def test_staff_see_only_the_consents_of_their_own_units(client, login, kids, users):
    """The school asks 1A about a trip; Emma is in 1A and in the SFO group. The SFO's
    staff see the municipality's photo consent for her, not the school's trip."""
    emma, sfo_group = kids["Emma"], Group.get(Group.name == "SFO 1–2")
    g1a = Group.get(Group.name == "1A")
    agree = ConsentItem.get(ConsentItem.consent == trip())
    ConsentAnswer.create(item=agree, version=ConsentVersion.get(ConsentVersion.consent
                                                                == trip()),
                         child=emma, guardian=users["kari"], answer=YES,
                         recorded_by=users["kari"])
    login("sfo")
    for url in (f"/groups/{sfo_group.id}/consents", f"/groups/{sfo_group.id}/consents/print",
                f"/children/{emma.id}/consents"):
        page = text_of(client.get(url))
        assert "Emma" in page and PHOTO_TITLE in page, url
        assert TRIP_TITLE not in page, url
    fragment = client.get(f"/groups/{sfo_group.id}/consents", headers=HTMX)
    assert TRIP_TITLE not in fragment.get_data(as_text=True)
    sfo_history = client.get(f"/children/{emma.id}/consents/history").get_data(as_text=True)
    assert client.post(f"/groups/{sfo_group.id}/consents/{trip().id}/remind").status_code == 404

    for staff in ("larer1a", "rektor"):
        login(staff)
        assert TRIP_TITLE in text_of(client.get(f"/groups/{g1a.id}/consents")), staff
        assert TRIP_TITLE in text_of(client.get(f"/children/{emma.id}/consents")), staff
    school_history = client.get(f"/children/{emma.id}/consents/history").get_data(
        as_text=True)
    # Kari's yes to the trip is a line of the school's history, not of the SFO's.
    assert school_history.count("<li>") == sfo_history.count("<li>") + 1
    login("kari")  # a guardian sees everything asked of her child
    page = text_of(client.get(f"/children/{emma.id}/consents"))
    assert TRIP_TITLE in page and PHOTO_TITLE in page


# Reminder links (issue 15, finding 6) ---------------------------------------------------

def reminder_bodies(app, client, host):
    """The messages a reminder about the trip writes, asked for with a Host header
    the client chose (the session cookie sent along, as a browser would)."""
    name = app.config["SESSION_COOKIE_NAME"]
    client.set_cookie(name, client.get_cookie(name).value, domain=host)
    g1a = Group.get(Group.name == "1A").id
    before = Message.select(peewee.fn.MAX(Message.id)).scalar()
    response = client.post(f"/groups/{g1a}/consents/{trip().id}/remind",
                           headers={"Host": host})
    assert response.status_code == 303
    return [m.body for m in Message.select().where(Message.id > before)]


def test_a_reminder_links_to_the_public_address_whatever_the_host_header(app, client,
                                                                         login, kids):
    app.config["PUBLIC_URL"] = "https://kontaktbok.example.no/"
    login("larer1a")
    bodies = reminder_bodies(app, client, "evil.example")
    assert len(bodies) == 2
    for body in bodies:
        assert "evil.example" not in body
        assert "https://kontaktbok.example.no/children/" in body
        assert body.count("://") == 1


def test_without_a_public_address_a_reminder_links_relatively(app, client, login, kids):
    login("larer1a")
    bodies = reminder_bodies(app, client, "evil.example")
    assert {kids["Emma"].id, kids["Sara"].id} == {
        int(body.split("/children/")[1].split("/")[0]) for body in bodies}
    for body in bodies:
        assert "evil.example" not in body and "://" not in body
