"""Rule 3 of DESIGN.md (seed 001): who may read which message thread, for the whole demo
cast, and how access to threads ends."""
import datetime

import pytest

from models import access
from models.audit import AuditEvent
from models.db import today
from models.messaging.tables import Thread, ThreadParticipant
from models.school.tables import Enrolment, Group, StaffRole

from .helpers import text_of

DENTIST, LUNCH, PICKUP = "Tannlege torsdag", "Matpakke", "Henting fredag"
MATHS, GYM, MEETING = "Lekser i matte", "Gymtøy", "Foreldremøte 1A"

# Guardians: the threads they take part in. Unit-wide staff: every thread of the unit.
# Contact teacher: the school's threads about the children of the group, and its
# announcements. Other staff: their own threads. Administrator: none.
MATRIX = {
    "kari": {DENTIST, MEETING},
    "ola": {LUNCH, PICKUP, MEETING},
    "per": set(),
    "nina": {GYM, MEETING},
    "lise": {MEETING},
    "amina": {MATHS},
    "bestemor": set(),
    "rektor": {DENTIST, MATHS, GYM, MEETING},
    "larer1a": {DENTIST, GYM, MEETING},
    "faglarer": {MATHS, GYM},
    "sfo": {PICKUP},
    "styrer": {LUNCH},
    "bhg": {LUNCH},
    "admin": set(),
}


def subjects(user, day=None):
    return {thread.subject for thread in access.threads(user, day)}


@pytest.mark.parametrize("username", sorted(MATRIX))
def test_each_demo_user_reads_exactly_their_threads(users, username):
    assert subjects(users[username]) == MATRIX[username]


@pytest.mark.parametrize("username", sorted(MATRIX))
def test_a_single_thread_is_found_only_through_the_same_rule(users, username):
    for thread in Thread.select():
        found = access.thread_or_none(users[username], thread.id)
        assert (found is not None) == (thread.subject in MATRIX[username]), (
            username, thread.subject)


def make_eighteen_today(child):
    child.birth_date = today().replace(year=today().year - 18)
    child.save()


@pytest.mark.clock("2026-11-18 10:00")  # not a 29 February
def test_a_guardian_who_loses_access_to_the_child_loses_its_threads(users, kids):
    make_eighteen_today(kids["Emma"])
    # Kari has no other child at the school, so the class announcement goes too.
    assert subjects(users["kari"]) == set()
    assert subjects(users["ola"]) == {LUNCH}
    # The school keeps its history.
    assert subjects(users["rektor"]) == MATRIX["rektor"]


def test_leaving_sfo_ends_the_guardians_sfo_threads_not_the_sfos_history(users, kids):
    emma = kids["Emma"]
    Enrolment.update(end_date=today() - datetime.timedelta(days=1)).where(
        (Enrolment.child == emma)
        & (Enrolment.group == Group.get(Group.name == "SFO 1–2"))).execute()
    assert PICKUP not in subjects(users["ola"])
    assert subjects(users["sfo"]) == {PICKUP}


def test_a_contact_teacher_follows_the_pupil_not_the_thread(users, kids):
    """Jonas moves to 1B: 1A's contact teacher no longer reads threads about him."""
    jonas = kids["Jonas"]
    Enrolment.update(end_date=today() - datetime.timedelta(days=1)).where(
        Enrolment.child == jonas).execute()
    Enrolment.create(child=jonas, group=Group.get(Group.name == "1B"),
                     start_date=today())
    assert GYM not in subjects(users["larer1a"])
    assert GYM in subjects(users["faglarer"])  # attached to 1B, and takes part
    assert GYM in subjects(users["rektor"])


def test_staff_who_take_part_lose_the_thread_when_no_longer_attached(users, kids):
    StaffRole.delete().where((StaffRole.user == users["faglarer"])
                             & (StaffRole.group == Group.get(Group.name == "1B"))).execute()
    assert subjects(users["faglarer"]) == {GYM}


def test_taking_part_is_not_enough_for_an_unrelated_guardian(users):
    """Adding a guardian of another child to a thread does not let them read it."""
    dentist = Thread.get(Thread.subject == DENTIST)
    ThreadParticipant.create(thread=dentist, user=users["amina"], role="guardian")
    assert DENTIST not in subjects(users["amina"])


def test_contact_teacher_does_not_read_another_units_threads_about_the_pupil(users):
    # Emma's SFO thread belongs to the SFO, not to the school's contact teacher.
    assert PICKUP not in subjects(users["larer1a"])
    assert PICKUP not in subjects(users["rektor"])


def test_demo_read_state(users):
    """Kari has not read the teacher's reply; of the meeting invitation only Nina has."""
    dentist = Thread.get(Thread.subject == DENTIST)
    kari = ThreadParticipant.get(thread=dentist, user=users["kari"])
    assert kari.last_read_at < dentist.last_message_at
    meeting = Thread.get(Thread.subject == MEETING)
    readers = {p.user.username for p in meeting.participants
               if p.role == "guardian" and p.last_read_at is not None}
    assert readers == {"nina"}


# The administrator opens a thread only with a stated reason (rule 3) -------------------

def _dentist():
    return Thread.get(Thread.subject == DENTIST)


def test_the_administrator_opens_a_thread_only_with_a_reason_that_is_logged(
        client, login, t, users):
    thread = _dentist()
    login("admin")
    assert client.get(f"/messages/{thread.id}").status_code == 404  # not by default

    refused = client.post("/admin/thread", data={"thread": str(thread.id), "reason": "x"})
    assert refused.status_code == 400
    assert t("Write why you need to open the conversation (%(low)d to %(high)d "
             "characters).", low=10, high=500) in text_of(refused)
    assert DENTIST not in text_of(refused)
    assert not AuditEvent.select().where(AuditEvent.action == "thread.inspected").exists()

    unknown = client.post("/admin/thread", data={"thread": "999999",
                                                 "reason": "A complaint from a guardian"})
    assert unknown.status_code == 400
    assert "A complaint from a guardian" in text_of(unknown)  # what was typed is kept
    assert t("No conversation has that number. The number is shown at the bottom of the "
             "conversation.") in text_of(unknown)

    reason = "Kari Hansen complained about a reply from the school"
    read_before = {p.user_id: p.last_read_at for p in ThreadParticipant.select()
                   .where(ThreadParticipant.thread == thread)}
    page = client.post("/admin/thread", data={"thread": f"#{thread.id}", "reason": reason})
    assert page.status_code == 200
    shown = text_of(page)
    assert DENTIST in shown and "Emma" in shown and reason in shown
    event = AuditEvent.get(AuditEvent.action == "thread.inspected")
    assert (event.actor_id, event.object_type, event.object_id) == (
        users["admin"].id, "thread", thread.id)
    assert event.details["reason"] == reason
    # Reading as the administrator marks nothing as read for anyone.
    assert read_before == {p.user_id: p.last_read_at for p in ThreadParticipant.select()
                           .where(ThreadParticipant.thread == thread)}
    # The access log then says which conversation was opened.
    log = text_of(client.post("/admin/log", data={"reason": "Checking my own reading"}))
    assert t("Conversation opened by an administrator") in log
    assert t("conversation no. %(id)s") % {"id": thread.id} in log


@pytest.mark.parametrize("username", sorted(set(MATRIX) - {"admin"}))
def test_nobody_but_the_administrator_opens_threads_by_reason(client, login, username):
    login(username)
    response = client.post("/admin/thread", data={"thread": str(_dentist().id),
                                                  "reason": "I would like to read this"})
    assert response.status_code == 404
