"""The home page starts with what waits for the person (issue 17): answers they owe
(consents, caregiver approvals, leave to decide, caregiver requests to confirm), unread
messages, today's absences for staff; each one tap away, and at a constant number of
queries whatever the amount of data."""
import datetime
import html
import re

import pytest

from models.absence.tables import LeaveApplication
from models.consent.tables import ConsentItem
from models.db import today
from models.messaging.tables import GUARDIAN, Thread, ThreadParticipant
from models.notifications.tables import FAILED, Notification
from models.school.tables import (CaregiverApproval, CaregiverGrant, Child, Enrolment, Group,
                                  Guardianship, Unit, User)

from .helpers import queries_for, text_of

WEDNESDAY = "2026-11-18 10:00"


def waiting(client):
    """The "Waiting for you" section of the home page: [(visible text, link), …], or
    the one line it says when nothing waits."""
    page = client.get("/").get_data(as_text=True)
    section = re.search(r'<section class="card waiting".*?</section>', page, re.S)
    assert section, "the home page starts with what waits"
    items = [(re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text))).strip(),
              html.unescape(href))
             for href, text in re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>',
                                          section.group(0), re.S)]
    return items or text_of_section(section.group(0))


def text_of_section(markup):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def link_for(items, text):
    found = [href for shown, href in items if text in shown]
    assert found, (text, items)
    return found[0]


def test_ola_is_told_of_two_caregiver_requests_and_approves_them_from_there(client, login,
                                                                            kids, t):
    emma = kids["Emma"]
    login("ola")
    items = waiting(client)
    shown = " | ".join(text for text, _ in items)
    assert t("%(num)d caregiver request waits for your approval",
             "%(num)d caregiver requests wait for your approval", 2) in shown
    assert "Emma Hansen" in shown
    href = link_for(items, t("%(num)d caregiver request waits for your approval",
                             "%(num)d caregiver requests wait for your approval", 2))
    assert href == f"/children/{emma.id}/caregivers"
    page = client.get(href)
    assert page.status_code == 200
    assert "Arne Hansen" in text_of(page) and "Svein Moe" in text_of(page)
    for grant in CaregiverGrant.select().where(CaregiverGrant.child == emma,
                                               CaregiverGrant.confirmed_at.is_null()):
        assert f'action="{href}/{grant.id}/approve"' in page.get_data(as_text=True)
        assert client.post(f"{href}/{grant.id}/approve").status_code == 303
    shown = " | ".join(text for text, _ in waiting(client))
    assert t("%(num)d caregiver request waits for your approval",
             "%(num)d caregiver requests wait for your approval", 2) not in shown


def test_ola_is_told_of_the_trip_consent_and_answers_it_from_there(client, login, kids, ids, t):
    emma = kids["Emma"]
    login("ola")
    one = t("%(num)d consent waits for your answer", "%(num)d consents wait for your answer", 1)
    href = link_for(waiting(client), one)
    assert href == f"/children/{emma.id}/consents"
    assert client.get(href).status_code == 200
    trip = ConsentItem.get(ConsentItem.consent == ids["trip"])
    assert client.post(f"{href}/{trip.id}", data={"answer": "yes"}).status_code == 303
    assert one not in " | ".join(text for text, _ in waiting(client))
    # Kari has not answered: it still waits for her.
    login("kari")
    assert one in " | ".join(text for text, _ in waiting(client))


def test_the_leader_is_told_of_requests_to_confirm_once_every_guardian_approved(
        client, login, kids, t):
    emma = kids["Emma"]
    login("rektor")
    to_confirm = t("%(num)d caregiver request to confirm",
                   "%(num)d caregiver requests to confirm", 1)
    assert to_confirm not in str(waiting(client))  # Ola has not approved yet
    login("ola")
    grant = CaregiverGrant.get(CaregiverGrant.email == "arne.hansen@example.org")
    assert client.post(f"/children/{emma.id}/caregivers/{grant.id}/approve").status_code == 303
    login("rektor")
    href = link_for(waiting(client), to_confirm)
    assert href == "/caregivers/"
    page = client.get(href)
    assert "Arne Hansen" in text_of(page)
    assert f'action="/caregivers/{grant.id}/confirm"' in page.get_data(as_text=True)
    # Kari ends the request: nothing is left to confirm.
    login("kari")
    assert client.post(f"/children/{emma.id}/caregivers/{grant.id}/withdraw"
                       ).status_code == 303
    login("rektor")
    assert to_confirm not in str(waiting(client))
    login("styrer")  # Emma is not in the kindergarten
    assert to_confirm not in str(waiting(client))


def next_monday():
    return today() + datetime.timedelta(days=7 - today().weekday())


@pytest.mark.clock(WEDNESDAY)
def test_the_teacher_is_told_of_short_leave_to_decide_and_who_is_away_today(client, login,
                                                                            kids, ids, t):
    emma = kids["Emma"]
    start = next_monday()
    login("kari")
    assert client.post(f"/children/{emma.id}/leave", data={
        "start": start.isoformat(), "end": (start + datetime.timedelta(days=1)).isoformat(),
        "reason": "Besøk hos farmor."}).status_code == 303
    assert client.post(f"/children/{emma.id}/leave", data={
        "start": (start + datetime.timedelta(days=7)).isoformat(),
        "end": (start + datetime.timedelta(days=11)).isoformat(),
        "reason": "Familiebryllup i Tromsø."}).status_code == 303
    assert client.post(f"/children/{emma.id}/absence", data={
        "start": today().isoformat(), "end": today().isoformat(), "part": "whole",
        "reason": "ill", "confirm": "1"}).status_code == 303

    login("larer1a")
    items = waiting(client)
    # The five-day leave is the leader's to decide, not the contact teacher's.
    leave = link_for(items, t("%(num)d leave application to decide",
                              "%(num)d leave applications to decide", 1))
    assert leave == "/leave/"
    absent = link_for(items, t("%(num)d child absent today", "%(num)d children absent today",
                               1))
    assert absent == f"/groups/{ids['g1a']}/absence"
    assert "1A" in str(items)
    assert "Emma Hansen" in text_of(client.get(absent))
    short = LeaveApplication.get(LeaveApplication.child == emma,
                                 LeaveApplication.reason == "Besøk hos farmor.")
    assert "Besøk hos farmor." in text_of(client.get(leave))
    assert client.post(f"/leave/{short.id}", data={"decision": "approve"}).status_code == 303
    assert t("%(num)d leave application to decide", "%(num)d leave applications to decide",
             1) not in str(waiting(client))

    login("rektor")  # both of Emma's, and Ali's from the demo, are the leader's
    assert t("%(num)d leave application to decide", "%(num)d leave applications to decide",
             2) in str(waiting(client))

    login("ola")  # the guardians hear that it was decided
    decided = link_for(waiting(client), t("%(num)d leave application has been decided",
                                          "%(num)d leave applications have been decided", 1))
    assert decided == f"/children/{emma.id}/absence"


def test_the_administrator_is_told_of_notifications_that_did_not_arrive(client, login, users,
                                                                        t):
    login("admin")
    assert waiting(client) == f'{t("Waiting for you")} {t("Nothing waits for you.")}'
    for n in range(3):
        Notification.create(user=users["kari"].id, event="message", channel="email",
                            path="/", key=f"test-{n}", status=FAILED, error="refused")
    href = link_for(waiting(client), t(
        "%(num)d notification did not arrive in the last %(days)d days",
        "%(num)d notifications did not arrive in the last %(days)d days", 3, days=7))
    assert href == "/admin/notifications/"
    assert client.get(href).status_code == 200
    login("larer1a")  # not the administrator's business of others
    assert "email" not in str(waiting(client)) and t(
        "%(num)d notification did not arrive in the last %(days)d days",
        "%(num)d notifications did not arrive in the last %(days)d days", 3,
        days=7) not in str(waiting(client))


def test_when_nothing_waits_the_page_says_so_in_one_line(client, login, t):
    login("bestemor")
    assert waiting(client) == f'{t("Waiting for you")} {t("Nothing waits for you.")}'
    login("per")  # no child to see: no section at all, the page explains instead
    assert 'class="card waiting"' not in client.get("/").get_data(as_text=True)


def test_a_caregiver_is_not_asked_for_consents_or_approvals(client, login, kids):
    """Only guardians with parental responsibility answer and approve."""
    login("bestemor")
    assert "/consents" not in str(waiting(client))
    login("per")
    assert "/caregivers" not in client.get("/").get_data(as_text=True)


def more_of_everything(count):
    """More children for Ola and the teacher's group, each with a caregiver request, a
    consent, an unread announcement reply, an absence today and a leave application; to
    see that no home page's cost grows with them."""
    from models.absence.tables import Absence
    from models.consent import consent_book
    from models.messaging.tables import CONVERSATION, Message
    unit = Unit.get(Unit.name == "Solbakken skole")
    g1a = Group.get(Group.name == "1A")
    kari, ola, rektor = (User.get(User.username == name) for name in ("kari", "ola", "rektor"))
    start = today() - datetime.timedelta(days=30)
    monday = next_monday()
    for n in range(count):
        child = Child.create(first_name=f"Ekstra{n}", last_name="Hansen",
                             birth_date=today() - datetime.timedelta(days=2500))
        Enrolment.create(child=child, group=g1a, start_date=start)
        for guardian in (kari, ola):
            Guardianship.create(guardian=guardian, child=child, responsibility="shared")
        grant = CaregiverGrant.create(child=child, requested_by=kari, relation="other",
                                      first_name="Nabo", last_name=str(n),
                                      email=f"nabo{n}@example.org")
        CaregiverApproval.create(grant=grant, guardian=kari)
        ready = CaregiverGrant.create(child=child, requested_by=kari, relation="other",
                                      first_name="Venn", last_name=str(n),
                                      email=f"venn{n}@example.org")
        for guardian in (kari, ola):
            CaregiverApproval.create(grant=ready, guardian=guardian)
        consent_book.create(rektor, {"nb": {"title": f"Tur {n}", "text": "Svar ja."}},
                            unit=unit, group=g1a, children=[child])
        thread = Thread.create(kind=CONVERSATION, unit=unit, child=child, subject=f"Sak {n}",
                               created_by=rektor)
        Message.create(thread=thread, sender=rektor, body="Hei")
        ThreadParticipant.create(thread=thread, user=ola, role=GUARDIAN)
        Absence.create(child=child, start_date=today(), end_date=today(), reason="ill",
                       reported_by=kari)
        LeaveApplication.create(child=child, start_date=monday, end_date=monday,
                                reason="Tannlege", applied_by=kari)
        LeaveApplication.create(child=child, start_date=monday,
                                end_date=monday + datetime.timedelta(days=4),
                                reason="Reise", applied_by=kari)


@pytest.mark.clock(WEDNESDAY)
@pytest.mark.parametrize("username", ["ola", "larer1a", "rektor", "admin"])
def test_what_waits_costs_the_same_queries_however_much_waits(client, login, username):
    login(username)
    before = queries_for(client, "/")
    more_of_everything(6)
    shown = waiting(client)
    after = queries_for(client, "/")
    assert before == after <= 6, (before, after)
    if username != "admin":
        assert isinstance(shown, list) and shown, shown  # it did find what now waits
