"""Rule 11 in messages: no family learns about another through a thread. A guardian in
an announcement sees who sent it and to which group, never the other recipients or
their read status; in a conversation about a child, the staff and that child's adults
only. The sender and the staff rule 3 lets read the thread see everyone's read status,
by child."""
import datetime
import re

import pytest
from flask import Response

from models.db import today, utcnow
from models.messaging import inbox
from models.messaging.tables import Thread, ThreadParticipant
from models.school.tables import CaregiverGrant, Child, Enrolment, Group, Guardianship, Unit, User

from .helpers import HTMX, queries_for, text_of
from .test_thread_access import MEETING

# Everyone of 1A's families but Jonas's (Nina's): Emma's parents and grandmother, and
# Lise Berg, mother of Sara, whose address is strictly confidential.
OTHER_FAMILIES = ("Kari", "Ola", "Randi", "Hansen", "Lise", "Berg", "Sara", "Emma")


def thread_id(subject):
    return Thread.get(Thread.subject == subject).id


def people_list(response):
    """The visible text of the thread's list of people ('' when there is none)."""
    found = re.search(r'<details class="people">.*?</details>',
                      response.get_data(as_text=True), re.S)
    return text_of(Response(found.group(0))) if found else ""


def read_marks(t):
    return (t("has read everything"), t("has not read the latest"))


def announce_to_1a(client, login, subject="Tur fredag"):
    login("larer1a")
    response = client.post("/messages/announce", data={
        "to": f"group:{Group.get(Group.name == '1A').id}", "subject": subject,
        "body": "Vi går på tur fredag.", "replies": "1", "token": f"ann-{subject}"})
    assert response.status_code == 303
    return thread_id(subject)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_guardian_in_an_announcement_sees_the_sender_and_the_group_only(
        client, login, t, headers):
    meeting = thread_id(MEETING)
    login("nina")
    response = client.get(f"/messages/{meeting}", headers=headers)
    assert response.status_code == 200
    html, page = response.get_data(as_text=True), text_of(response)
    for name in OTHER_FAMILIES:
        assert name not in html, name
    for mark in read_marks(t):
        assert mark not in page
    assert t("Sent by %(sender)s to the guardians of %(to)s", sender="Lars Lærer",
             to="1A") in page
    # New messages polled into the open thread name nobody else either.
    poll = client.get(f"/messages/{meeting}/after/0", headers=HTMX).get_data(as_text=True)
    assert "Lars Lærer" in poll
    for name in OTHER_FAMILIES:
        assert name not in poll, name


def test_a_refused_reply_shows_the_announcement_the_same_way(client, login, t):
    meeting = thread_id(MEETING)
    login("nina")
    response = client.post(f"/messages/{meeting}", data={"body": "", "token": "e"})
    assert response.status_code == 400
    for name in OTHER_FAMILIES:
        assert name not in response.get_data(as_text=True), name


def test_a_school_wide_announcement_names_no_guardian_to_a_guardian(client, login, users,
                                                                     t):
    school = Unit.get(Unit.name == "Solbakken skole")
    thread, = inbox.announce(users["rektor"], school, None, "Skolen er stengt",
                             "Stengt i morgen.", inbox.new_form_token(), True, False)
    everyone = {"kari": "Kari Hansen", "ola": "Ola Hansen", "nina": "Nina Lie",
                "lise": "Lise Berg", "amina": "Amina Hassan", "bestemor": "Randi Hansen"}
    for username in everyone:
        login(username)
        response = client.get(f"/messages/{thread.id}")
        html, page = response.get_data(as_text=True), text_of(response)
        for other, name in everyone.items():
            if other != username:
                assert name not in html, (username, name)
        if username != "lise":
            assert "Sara" not in html and "Berg" not in html, username
        for mark in read_marks(t):
            assert mark not in page, username
        assert t("Sent by %(sender)s to the guardians of %(to)s", sender="Rita Rektorsen",
                 to="Solbakken skole") in page


def test_in_a_conversation_a_guardian_sees_the_staff_and_the_childs_own_adults(
        client, login, users, kids, t):
    login("larer1a")
    client.post(f"/messages/new?child={kids['Emma'].id}", data={
        "guardian": [users["kari"].id, users["ola"].id, users["bestemor"].id],
        "subject": "Skidag", "body": "Husk ski på onsdag.", "token": "ski"})
    thread = thread_id("Skidag")
    # A stray participant with a child elsewhere (rule 3 already keeps them out).
    ThreadParticipant.create(thread=thread, user=users["amina"], role="guardian")
    login("kari")
    response = client.get(f"/messages/{thread}")
    people, html = people_list(response), response.get_data(as_text=True)
    for name in ("Ola Hansen", "Randi Hansen", "Lars Lærer"):
        assert name in people, name
    assert "Amina" not in html and "Hassan" not in html
    assert t("has not read the latest") not in people  # Ola's reading is his own
    assert t("has read everything") in people.split("Lars Lærer", 1)[1].split("Emma")[0]
    login("larer1a")
    teacher = people_list(client.get(f"/messages/{thread}"))
    assert "Amina Hassan" in teacher.split(t("No longer connected to a child here"))[1]


def test_the_sender_and_rule_3_staff_see_read_status_by_child(client, login, t):
    thread = announce_to_1a(client, login)
    login("nina")
    client.get(f"/messages/{thread}")
    for username in ("larer1a", "rektor"):
        login(username)
        people = people_list(client.get(f"/messages/{thread}"))
        read, unread = read_marks(t)
        guardian, caregiver = t("guardian"), t("caregiver")
        emma = people.split("Emma Hansen", 1)[1].split("Jonas Lie", 1)[0]
        assert f"Kari Hansen ({guardian}) – {unread}" in emma
        assert f"Ola Hansen ({guardian}) – {unread}" in emma
        assert f"Randi Hansen ({caregiver}) – {unread}" in emma
        jonas = people.split("Jonas Lie", 1)[1].split("Sara Berg", 1)[0]
        assert jonas.strip() == f"Nina Lie ({guardian}) – {read}"
        sara = people.split("Sara Berg", 1)[1]
        assert sara.strip() == f"Lise Berg ({guardian}) – {unread}"
        assert people.startswith(t("%(num)d person in this conversation",
                                   "%(num)d people in this conversation", 6))


def test_a_guardian_of_two_children_is_under_each(client, login, users, kids, t):
    """Nina is also Sara's guardian here: listed under both, counted once."""
    Guardianship.create(guardian=users["nina"], child=kids["Sara"], responsibility="shared")
    thread = announce_to_1a(client, login)
    people = people_list(client.get(f"/messages/{thread}"))
    assert "Nina Lie" in people.split("Jonas Lie", 1)[1].split("Sara Berg", 1)[0]
    assert "Nina Lie" in people.split("Sara Berg", 1)[1]
    assert people.startswith(t("%(num)d person in this conversation",
                               "%(num)d people in this conversation", 6))


@pytest.mark.parametrize("username", ["nina", "larer1a"])
def test_an_announcement_costs_the_same_whatever_the_number_of_recipients(
        client, login, users, username):
    meeting = thread_id(MEETING)
    login(username)
    url = f"/messages/{meeting}"
    client.get(url)  # the first view marks it read; measure the next ones
    before = queries_for(client, url)
    g1a = Group.get(Group.name == "1A")
    for n in range(15):
        child = Child.create(first_name=f"X{n}", last_name="Y",
                             birth_date=today() - datetime.timedelta(days=2500))
        Enrolment.create(child=child, group=g1a,
                         start_date=today() - datetime.timedelta(days=3))
        parent = User.create(username=f"p{n}", first_name=f"P{n}", last_name="Y")
        helper = User.create(username=f"c{n}", first_name=f"C{n}", last_name="Y")
        Guardianship.create(guardian=parent, child=child, responsibility="sole")
        CaregiverGrant.create(caregiver=helper, child=child, requested_by=parent,
                              confirmed_at=utcnow())
        for user in (parent, helper):
            ThreadParticipant.create(thread=meeting, user=user, role="guardian")
    after = queries_for(client, url)
    assert before == after and after <= 6, (before, after)
