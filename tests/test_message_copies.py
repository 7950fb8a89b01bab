"""Copy to the other home (issue 22): a guardian writing about a child may copy the
child's other guardians with parental responsibility — exactly them, none ticked; the
copied guardian is told, reads and answers; staff and the family see who was copied;
nobody else can be slipped in; a protected address stays protected."""
import datetime

import pytest

from models.audit import AuditEvent
from models.db import today
from models.messaging.tables import Message, Thread, ThreadParticipant
from models.notifications.tables import MESSAGE, Notification
from models.school.tables import Child, Enrolment, Guardianship, User

from .helpers import queries_for, text_of
from .matrix import Matrix, expect, only

pytestmark = pytest.mark.clock("2026-11-18 10:00")

# Emma: Kari and Ola share parental responsibility; Per, her father, has none; Randi
# (bestemor) is a caregiver. Only Kari and Ola write with a copy for each other.
SEES_EMMA = {"kari", "ola", "bestemor", "rektor", "larer1a", "faglarer", "sfo"}
ROUTES = Matrix({
    # Kari copies Ola: a conversation is started (303). Ola copying Ola: 400. Anyone else
    # who sees Emma has nobody to copy: the field is not one the page made (400).
    ("POST", "/messages/new?child={emma}"): expect(
        only(SEES_EMMA, 400) | {"kari": 303},
        data={"subject": "Kopi", "body": "Hei begge.",
              "copy": "{ola}", "token": "{kari}"}),
})


@pytest.mark.parametrize("role", ["kari", "ola", "per", "nina", "bestemor", "larer1a",
                                  "admin", None])
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids)


def form_of(client, child):
    return client.get(f"/messages/new?child={child.id}").get_data(as_text=True)


def send(client, child, to, copy=(), subject="Til begge hjem", body="Emma trenger ny "
         "gymsko.", token="c1"):
    return client.post(f"/messages/new?child={child.id}", data={
        "to": to, "subject": subject, "body": body, "copy": [str(c) for c in copy],
        "token": token})


def test_the_other_parent_is_offered_unticked_and_nobody_else(client, login, users, kids, t):
    login("kari")
    form = form_of(client, kids["Emma"])
    assert t("Send a copy to") in form
    assert f'id="copy-{users["ola"].id}" name="copy" value="{users["ola"].id}">' in form
    for other in ("kari", "per", "bestemor", "nina"):
        assert f'name="copy" value="{users[other].id}"' not in form, other
    login("ola")
    form = form_of(client, kids["Emma"])
    assert f'name="copy" value="{users["kari"].id}"' in form
    assert f'name="copy" value="{users["ola"].id}"' not in form


@pytest.mark.parametrize("username, child", [
    ("nina", "Jonas"),     # sole parental responsibility: nobody to copy
    ("bestemor", "Emma"),  # a caregiver, not a guardian
    ("larer1a", "Emma"),   # staff choose the guardians themselves
])
def test_no_copy_is_offered_where_there_is_nobody_to_copy(client, login, kids, t, username,
                                                          child):
    login(username)
    form = form_of(client, kids[child])
    assert 'name="copy"' not in form and t("Send a copy to") not in form


def test_a_guardian_without_responsibility_or_whose_access_ended_is_not_offered(
        client, login, users, kids):
    ola = users["ola"]
    login("kari")
    Guardianship.update(responsibility="none").where(
        (Guardianship.guardian == ola) & (Guardianship.child == kids["Emma"])).execute()
    assert 'name="copy"' not in form_of(client, kids["Emma"])
    Guardianship.update(responsibility="shared").where(
        (Guardianship.guardian == ola) & (Guardianship.child == kids["Emma"])).execute()
    User.update(is_active=False).where(User.id == ola.id).execute()
    assert 'name="copy"' not in form_of(client, kids["Emma"])
    # Noah (kindergarten) shares the same parents: Ola is offered again when active.
    User.update(is_active=True).where(User.id == ola.id).execute()
    assert f'name="copy" value="{ola.id}"' in form_of(client, kids["Noah"])


def test_the_copied_parent_is_told_reads_and_answers(client, login, users, kids, ids, t):
    login("kari")
    response = send(client, kids["Emma"], f"staff:{users['larer1a'].id}",
                    copy=[users["ola"].id])
    assert response.status_code == 303
    thread = Thread.get(Thread.subject == "Til begge hjem")
    people = {p.user.username: p for p in thread.participants}
    assert set(people) == {"kari", "ola", "larer1a"}
    assert people["ola"].role == "guardian" and people["ola"].copied_by_id == users["kari"].id
    assert people["kari"].copied_by_id is None
    told = Notification.select().where((Notification.user == users["ola"].id)
                                       & (Notification.thread == thread.id))
    assert told.count() >= 1 and {n.event for n in told} == {MESSAGE}
    assert AuditEvent.get(AuditEvent.action == "thread.started").details["copied"] == [
        users["ola"].id]
    copied = t("Copied: %(names)s", names="Ola Hansen")
    for username in ("kari", "ola", "larer1a", "rektor"):
        login(username)
        page = client.get(f"/messages/{thread.id}")
        assert page.status_code == 200 and copied in text_of(page), username
    login("ola")
    assert "Til begge hjem" in text_of(client.get("/messages/"))
    assert client.post(f"/messages/{thread.id}", data={"body": "Jeg kjøper dem.",
                                                       "token": "o1"}).status_code == 303
    login("larer1a")
    assert "Jeg kjøper dem." in text_of(client.get(f"/messages/{thread.id}"))
    assert copied in text_of(client.get("/messages/"))  # on the inbox line too
    for username in ("per", "nina", "sfo", "faglarer"):
        login(username)
        assert client.get(f"/messages/{thread.id}").status_code == 404, username


def test_unticked_nobody_is_copied_or_told(client, login, users, kids, t):
    login("kari")
    send(client, kids["Emma"], f"staff:{users['larer1a'].id}")
    thread = Thread.get(Thread.subject == "Til begge hjem")
    assert {p.user.username for p in thread.participants} == {"kari", "larer1a"}
    assert not Notification.select().where(Notification.user == users["ola"].id).exists()
    assert t("Copied: %(names)s", names="Ola Hansen") not in text_of(
        client.get(f"/messages/{thread.id}"))


@pytest.mark.parametrize("stranger", ["nina", "per", "bestemor", "lise", "kari"])
def test_nobody_but_the_offered_can_be_slipped_in(client, login, users, kids, t, stranger):
    login("kari")
    response = send(client, kids["Emma"], f"staff:{users['larer1a'].id}",
                    copy=[users["ola"].id, users[stranger].id])
    assert response.status_code == 400
    assert t("Copy only the guardians listed.") in text_of(response)
    assert "Emma trenger ny gymsko." in response.get_data(as_text=True)  # kept
    assert not Thread.select().where(Thread.subject == "Til begge hjem").exists()
    assert not Notification.select().where(Notification.user == users["ola"].id).exists()


def test_a_guardian_with_nobody_to_copy_cannot_post_one(client, login, users, kids):
    login("nina")
    response = send(client, kids["Jonas"], "", copy=[users["kari"].id])
    assert response.status_code == 400
    assert not Thread.select().where(Thread.subject == "Til begge hjem").exists()
    assert not ThreadParticipant.select().where(
        ThreadParticipant.user == users["kari"].id,
        ThreadParticipant.copied_by.is_null(False)).exists()
    login("kari")  # and another child's guardian is no way into Jonas's threads
    assert send(client, kids["Jonas"], "", copy=[users["ola"].id]).status_code == 404


def test_a_protected_co_guardian_is_copied_by_name_and_nothing_more(client, login, users,
                                                                     kids, t):
    (User.update(address_protection="strengtFortrolig", address="Skjultveien 7",
                 phone="+47 955 55 555", email="skjult@example.org")
     .where(User.username == "ola").execute())
    login("kari")
    form = form_of(client, kids["Emma"])
    assert f'name="copy" value="{users["ola"].id}"' in form
    for secret in ("Skjultveien 7", "955 55 555", "skjult@example.org", "strengtFortrolig"):
        assert secret not in form
    send(client, kids["Emma"], f"staff:{users['larer1a'].id}", copy=[users["ola"].id])
    thread = Thread.get(Thread.subject == "Til begge hjem")
    for username in ("kari", "larer1a", "ola"):
        login(username)
        page = client.get(f"/messages/{thread.id}").get_data(as_text=True)
        assert t("Copied: %(names)s", names="Ola Hansen") in text_of(
            client.get(f"/messages/{thread.id}"))
        for secret in ("Skjultveien 7", "955 55 555", "skjult@example.org",
                       "strengtFortrolig"):
            assert secret not in page, (username, secret)


def test_a_double_tap_copies_once(client, login, users, kids):
    login("kari")
    for _ in range(2):
        send(client, kids["Emma"], f"staff:{users['larer1a'].id}", copy=[users["ola"].id],
             token="same")
    assert Thread.select().where(Thread.subject == "Til begge hjem").count() == 1
    assert ThreadParticipant.select().where(ThreadParticipant.copied_by.is_null(False)
                                            ).count() == 1


def test_the_form_costs_a_constant_small_number_of_queries(client, login, users, kids):
    login("kari")
    url = f"/messages/new?child={kids['Emma'].id}"
    before = queries_for(client, url)
    for n in range(5):
        other = User.create(username=f"forelder{n}", first_name="F", last_name=str(n))
        Guardianship.create(guardian=other, child=kids["Emma"], responsibility="shared")
    after = queries_for(client, url)
    assert before == after and after <= 6, (before, after)
    assert form_of(client, kids["Emma"]).count('name="copy"') == 6
