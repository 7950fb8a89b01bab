"""Messaging: the inbox, a thread, replies, new threads — every route for every role,
and what a guardian or a teacher notices when using them."""
import datetime
import io

import pytest

from models import audit
from models.db import today
from models.messaging.tables import Attachment, Message, Thread, ThreadParticipant
from models.school.tables import Child, Enrolment, Group, Guardianship, User

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import Matrix, everyone, expect, only
from .test_attachments import photo
from .test_thread_access import DENTIST, GYM, MATRIX, MEETING



def thread_id(subject):
    return Thread.get(Thread.subject == subject).id


def readers(subject):
    return {role for role, subjects in MATRIX.items() if subject in subjects}


SEES_EMMA = {"kari", "ola", "bestemor", "rektor", "larer1a", "faglarer", "sfo"}
ANNOUNCERS = {"rektor", "larer1a", "sfo", "styrer", "bhg"}
ROUTES = Matrix({
    ("GET", "/messages/"): everyone(200),
    ("GET", "/messages/unread"): everyone(200),
    ("GET", "/messages/new"): everyone(200),
    ("POST", "/messages/new?child={emma}"): only(SEES_EMMA, 400),  # nothing filled in
    ("GET", "/messages/announce"): only(ANNOUNCERS),
    ("POST", "/messages/announce"): only(ANNOUNCERS, 400),
    ("GET", "/messages/{dentist}"): only(readers(DENTIST)),
    ("GET", "/messages/{dentist}/after/0"): only(readers(DENTIST)),
    ("GET", "/messages/{dentist}/files/{file}"): only(readers(DENTIST)),
    ("GET", "/messages/{dentist}/files/{file}/w480"): only(readers(DENTIST)),
    ("GET", "/messages/{meeting}/notified"): only({"larer1a", "rektor"}),
    ("POST", "/messages/{dentist}"): expect(only(readers(DENTIST), 303),
                                            data={"body": "Hei", "token": "matrix"}),
    # Only the sender withdraws; others who read the thread may not (403).
    ("POST", "/messages/{dentist}/withdraw/{kari_message}"):
        only(readers(DENTIST), 403) | {"kari": 303},
    ("POST", "/messages/{dentist}/archive"): only(readers(DENTIST), 303),
    ("GET", "/messages/999999"): everyone(404),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    """Every message route × every role: a thread the role may not read is a 404, for
    the page, its poller, its files and a reply alike."""
    login("kari")
    response = client.post(f"/messages/{ids['dentist']}", content_type="multipart/form-data",
                           data={"body": "Se vedlegg.", "token": "file",
                                 "files": [(io.BytesIO(photo("PNG")), "tegning.png")]})
    assert response.status_code == 303
    sent = Message.select().where(Message.thread == ids["dentist"]).order_by(
        Message.id.desc()).get()
    client.post("/logout")
    ROUTES.check(client, login, role, {**ids, "file": Attachment.get(
        Attachment.message == sent).id, "kari_message": sent.id}, data={})


def test_inbox_lists_threads_newest_first_with_unread_marked(client, login, t):
    login("kari")
    html = client.get("/messages/").get_data(as_text=True)
    assert html.count('class="thread unread"') == 2
    for first, later in ((DENTIST, MEETING), (MEETING, DENTIST)):
        thread = Thread.get(Thread.subject == later)
        thread.last_message_at = Thread.get(Thread.subject == first).last_message_at + \
            datetime.timedelta(minutes=5)
        thread.save()
        page = text_of(client.get("/messages/"))
        assert page.index(later) < page.index(first)
    assert "Gymtøy" not in page and "Matpakke" not in page


def test_reading_a_thread_marks_it_read_and_the_count_follows(client, login):
    login("kari")
    assert "2" in text_of(client.get("/messages/unread"))
    client.get(f"/messages/{thread_id(DENTIST)}")
    assert "1" in text_of(client.get("/messages/unread"))
    html = client.get("/messages/").get_data(as_text=True)
    assert html.count('class="thread unread"') == 1


def test_the_unread_count_answers_304_when_nothing_changed(client, login):
    login("kari")
    first = client.get("/messages/unread")
    etag = first.headers["ETag"]
    again = client.get("/messages/unread", headers={"If-None-Match": etag, **HTMX})
    assert again.status_code == 304 and again.get_data() == b""
    client.get(f"/messages/{thread_id(DENTIST)}")
    changed = client.get("/messages/unread", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.headers["Cache-Control"] == "no-store"


def test_staff_filter_by_group_and_needs_an_answer(client, login):
    login("rektor")
    group_1b = Group.get(Group.name == "1B").id
    page = text_of(client.get(f"/messages/?group={group_1b}"))
    assert "Lekser i matte" in page and DENTIST not in page
    answer = text_of(client.get("/messages/?answer=1"))
    assert GYM in answer and DENTIST not in answer  # Nina answered last about gym clothes
    assert client.get("/messages/?group=999999").status_code == 404
    login("larer1a")
    assert client.get(f"/messages/?group={group_1b}").status_code == 404  # not their group


def test_a_reply_continues_the_thread_and_reaches_the_other_side(client, login):
    login("kari")
    dentist = thread_id(DENTIST)
    response = client.post(f"/messages/{dentist}", data={"body": "Takk!", "token": "a1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/messages/{dentist}#latest")
    login("larer1a")
    assert "Takk!" in text_of(client.get(f"/messages/{dentist}"))
    thread = Thread.get_by_id(dentist)
    assert thread.last_from_guardian is True


def test_a_double_tap_sends_once(client, login):
    login("kari")
    dentist = thread_id(DENTIST)
    before = Message.select().where(Message.thread == dentist).count()
    for _ in range(2):
        assert client.post(f"/messages/{dentist}",
                           data={"body": "Bare én gang", "token": "same"}).status_code == 303
    assert Message.select().where(Message.thread == dentist).count() == before + 1


def test_an_empty_reply_is_refused_on_the_same_page_and_nothing_is_lost(client, login, t):
    login("kari")
    response = client.post(f"/messages/{thread_id(DENTIST)}", data={"body": "   ", "token": "x"})
    assert response.status_code == 400
    assert t("Write a message.") in text_of(response)
    long_text = "Emma " * 1001
    response = client.post(f"/messages/{thread_id(DENTIST)}",
                           data={"body": long_text, "token": "y"})
    assert response.status_code == 400
    assert long_text.strip() in response.get_data(as_text=True)


def test_sensitive_text_gets_a_gentle_warning_and_can_still_be_sent(client, login, t):
    login("kari")
    dentist = thread_id(DENTIST)
    body = "Emma har fått diagnosen astma, fødselsnummer 14032012345."
    warned = client.post(f"/messages/{dentist}", data={"body": body, "token": "w1"})
    assert warned.status_code == 200
    page = text_of(warned)
    assert t("It looks like it contains a national identity number.") in page
    assert t("It looks like it mentions health details.") in page
    assert body in warned.get_data(as_text=True)
    assert not Message.select().where(Message.body == body).exists()
    sent = client.post(f"/messages/{dentist}", data={"body": body, "token": "w1",
                                                     "confirm": "1"})
    assert sent.status_code == 303
    assert Message.select().where(Message.body == body).exists()


def test_every_compose_form_reminds_about_sensitive_information(client, login, t):
    reminder = t("Do not write about health, ethnic origin, religion, genetics or sexual "
                 "orientation here. Such matters are better taken in a meeting or a phone "
                 "call.")
    login("kari")
    assert reminder in text_of(client.get(f"/messages/{thread_id(DENTIST)}"))
    assert reminder in text_of(client.get(f"/messages/new?child={Child.get(first_name='Emma').id}"))


def test_a_leader_who_replies_takes_part_from_then_on(client, login, users):
    login("rektor")
    dentist = thread_id(DENTIST)
    client.post(f"/messages/{dentist}", data={"body": "Rektor her.", "token": "r1"})
    assert ThreadParticipant.get(thread=dentist, user=users["rektor"]).role == "staff"


def test_announcements_are_not_answered_in_the_shared_thread(client, login, t):
    """Every guardian of the group is in it: an answer there would reach them all."""
    login("nina")
    meeting = thread_id(MEETING)
    page = text_of(client.get(f"/messages/{meeting}"))
    assert t("Your reply goes to the sender alone, as a new conversation.") in page
    client.post(f"/messages/{meeting}", data={"body": "Vi kommer begge to.", "token": "n"})
    assert not Message.select().where((Message.thread == meeting)
                                      & (Message.body == "Vi kommer begge to.")).exists()
    private = Thread.get(Thread.subject == f"Re: {MEETING}")
    assert {p.user.username for p in private.participants} == {"nina", "larer1a"}


def test_a_guardian_writes_to_the_contact_teacher(client, login, users, kids):
    login("kari")
    emma = kids["Emma"]
    form = client.get(f"/messages/new?child={emma.id}").get_data(as_text=True)
    assert f'value="staff:{users["larer1a"].id}"' in form
    assert f'value="staff:{users["sfo"].id}"' not in form  # SFO is reached as a unit
    response = client.post(f"/messages/new?child={emma.id}", data={
        "to": f"staff:{users['larer1a'].id}", "subject": "Fravær fredag",
        "body": "Emma er borte fredag.", "token": "new1"})
    assert response.status_code == 303
    created = Thread.get(Thread.subject == "Fravær fredag")
    assert {p.user.username for p in created.participants} == {"kari", "larer1a"}
    for username, sees in (("larer1a", True), ("rektor", True), ("faglarer", False),
                           ("ola", False), ("sfo", False)):
        login(username)
        status = client.get(f"/messages/{created.id}").status_code
        assert status == (200 if sees else 404), username


def test_a_guardian_writes_to_the_whole_sfo(client, login, kids):
    login("ola")
    emma = kids["Emma"]
    sfo_unit = Group.get(Group.name == "SFO 1–2").unit
    client.post(f"/messages/new?child={emma.id}", data={
        "to": f"unit:{sfo_unit.id}", "subject": "Sykkel", "body": "Emma sykler hjem.",
        "token": "u1"})
    created = Thread.get(Thread.subject == "Sykkel")
    assert created.unit == sfo_unit
    login("sfo")
    assert client.get(f"/messages/{created.id}").status_code == 200
    login("larer1a")
    assert client.get(f"/messages/{created.id}").status_code == 404


def test_a_guardian_cannot_write_about_another_child_or_to_anyone_else(client, login, kids,
                                                                        users, t):
    login("kari")
    assert client.get(f"/messages/new?child={kids['Jonas'].id}").status_code == 404
    response = client.post(f"/messages/new?child={kids['Emma'].id}", data={
        "to": f"staff:{users['styrer'].id}", "subject": "x", "body": "y", "token": "z"})
    assert response.status_code == 400
    assert t("Choose who to write to.") in text_of(response)
    assert not Thread.select().where(Thread.subject == "x").exists()


def test_staff_write_to_one_home_of_two(client, login, users, kids):
    login("larer1a")
    emma = kids["Emma"]
    form = client.get(f"/messages/new?child={emma.id}").get_data(as_text=True)
    for username in ("kari", "ola"):  # the guardians with parental responsibility, ticked
        assert f'value="{users[username].id}" checked' in form
    # The grandmother is a caregiver: offered, labelled so, and not ticked as a parent.
    assert f'value="{users["bestemor"].id}">' in form
    assert f'value="{users["per"].id}"' not in form  # no parental responsibility
    client.post(f"/messages/new?child={emma.id}", data={
        "guardian": [users["kari"].id], "subject": "Bare til Kari", "body": "Hei Kari.",
        "token": "s1"})
    created = Thread.get(Thread.subject == "Bare til Kari")
    login("ola")
    assert client.get(f"/messages/{created.id}").status_code == 404
    login("kari")
    assert client.get(f"/messages/{created.id}").status_code == 200


def test_staff_must_pick_a_guardian(client, login, kids, t):
    login("larer1a")
    response = client.post(f"/messages/new?child={kids['Emma'].id}", data={
        "subject": "Ingen", "body": "Til ingen.", "token": "s2"})
    assert response.status_code == 400
    assert t("Choose at least one guardian.") in text_of(response)
    assert "Til ingen." in response.get_data(as_text=True)


def test_staff_cannot_pick_a_guardian_without_access(client, login, users, kids):
    login("larer1a")
    client.post(f"/messages/new?child={kids['Emma'].id}", data={
        "guardian": [users["per"].id, users["kari"].id], "subject": "Per?", "body": "Hei.",
        "token": "s3"})
    created = Thread.get(Thread.subject == "Per?")
    assert {p.user.username for p in created.participants} == {"kari", "larer1a"}


def test_a_guardian_who_loses_access_loses_the_threads_pages(client, login, kids):
    login("kari")
    dentist = thread_id(DENTIST)
    Enrolment.update(end_date=today() - datetime.timedelta(days=1)).where(
        Enrolment.child == kids["Emma"]).execute()
    assert client.get(f"/messages/{dentist}").status_code == 404
    assert DENTIST not in text_of(client.get("/messages/"))


def test_a_new_message_appears_in_an_open_thread(client, login, app):
    login("kari")
    dentist = thread_id(DENTIST)
    html = client.get(f"/messages/{dentist}").get_data(as_text=True)
    last = Message.select().where(Message.thread == dentist).order_by(Message.id.desc()).get()
    poll = f"/messages/{dentist}/after/{last.id}"
    assert poll in html
    assert client.get(poll, headers=HTMX).status_code == 204
    teacher = app.test_client()
    token = __import__("models.login.sessions", fromlist=["LoginSession"]).LoginSession.start(
        User.get(User.username == "larer1a"))
    with teacher.session_transaction() as session:
        session["_user_id"] = token
    teacher.post(f"/messages/{dentist}", data={"body": "Husk gymtøy også.", "token": "p1"})
    fragment = client.get(poll, headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "Husk gymtøy også." in body and "<html" not in body
    assert f"/messages/{dentist}/after/{last.id}" not in body  # the poller moved on


def test_htmx_inbox_fragment(client, login):
    login("kari")
    fragment = client.get("/messages/?page=0", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and DENTIST in fragment


def test_inbox_pages(client, login, users, kids):
    kari, larer = users["kari"], users["larer1a"]
    emma = kids["Emma"]
    for n in range(35):
        thread = Thread.create(unit=Group.get(Group.name == "1A").unit, child=emma,
                               subject=f"Tråd {n:02d}", created_by=larer)
        ThreadParticipant.create(thread=thread, user=kari, role="guardian")
    login("kari")
    first = text_of(client.get("/messages/"))
    second = text_of(client.get("/messages/?page=1"))
    assert "Tråd 34" in first and "Tråd 34" not in second
    assert first.count("Tråd") + second.count("Tråd") == 35


@pytest.mark.parametrize("username, url", [
    ("kari", "/messages/"), ("rektor", "/messages/"), ("larer1a", "/messages/?answer=1"),
    ("kari", "/messages/unread"), ("rektor", "/messages/unread"),
    ("kari", "THREAD"), ("rektor", "THREAD"),
])
def test_message_pages_cost_a_constant_small_number_of_queries(client, login, users, kids,
                                                               username, url):
    login(username)
    url = url.replace("THREAD", f"/messages/{thread_id(DENTIST)}")
    client.get(url)  # the first view of a thread marks it read; measure the next ones
    before = queries_for(client, url)
    unit = Group.get(Group.name == "1A").unit
    for n in range(20):
        child = Child.create(first_name=f"X{n}", last_name="Y",
                             birth_date=today() - datetime.timedelta(days=2500))
        Enrolment.create(child=child, group=Group.get(Group.name == "1A"),
                         start_date=today() - datetime.timedelta(days=3))
        Guardianship.create(guardian=users["kari"], child=child, responsibility="sole")
        thread = Thread.create(unit=unit, child=child, subject=f"T{n}",
                               created_by=users["larer1a"])
        ThreadParticipant.create(thread=thread, user=users["kari"], role="guardian")
        Message.create(thread=thread_id(DENTIST), sender=users["larer1a"], body=f"m{n}")
        audit.record("test", actor=users["kari"])
    after = queries_for(client, url)
    assert before == after and after <= 6, (url, before, after)


def test_times_are_shown_on_the_municipalitys_clock(client, login):
    """Stored in UTC, shown as Oslo time: 12:00 UTC in July is 14:00 there."""
    login("kari")
    dentist = Thread.get(Thread.subject == DENTIST)
    message = Message.select().where(Message.thread == dentist).order_by(Message.id).get()
    message.created_at = datetime.datetime(2026, 7, 1, 12, 0)
    message.save()
    assert "01.07.2026 14:00" in text_of(client.get(f"/messages/{dentist.id}"))


def test_your_own_reply_never_counts_as_unread(client, login):
    login("kari")
    dentist = thread_id(DENTIST)
    client.get(f"/messages/{dentist}")  # read everything
    before = text_of(client.get("/messages/unread"))
    client.post(f"/messages/{dentist}", data={"body": "Takk igjen!", "token": "own"})
    assert text_of(client.get("/messages/unread")) == before
    from models.messaging import inbox
    lines, _ = inbox.inbox(User.get(User.username == "kari"))
    assert not next(line for line in lines if line.id == dentist).unread


def test_archiving_is_for_oneself(client, login):
    login("kari")
    dentist = thread_id(DENTIST)
    assert client.post(f"/messages/{dentist}/archive").status_code == 303
    assert DENTIST not in text_of(client.get("/messages/"))
    assert DENTIST in text_of(client.get("/messages/?archived=1"))
    assert client.get(f"/messages/{dentist}").status_code == 200  # still readable
    login("larer1a")
    assert DENTIST in text_of(client.get("/messages/"))  # nobody else's view changes
    login("kari")
    client.post(f"/messages/{dentist}/archive", data={"archived": "0"})
    assert DENTIST in text_of(client.get("/messages/"))


def test_only_participants_archive_and_strangers_get_404(client, login):
    login("rektor")  # reads every thread of the school, takes part in none of these
    assert client.post(f"/messages/{thread_id(DENTIST)}/archive").status_code == 403
    login("nina")
    assert client.post(f"/messages/{thread_id(DENTIST)}/archive").status_code == 404
    first = Message.select().where(Message.thread == thread_id(DENTIST)).get()
    assert client.post(f"/messages/{thread_id(DENTIST)}/withdraw/{first.id}"
                       ).status_code == 404


def test_a_message_can_be_withdrawn_by_its_sender_within_the_window(client, login, app, t):
    login("kari")
    dentist = thread_id(DENTIST)
    client.post(f"/messages/{dentist}", data={"body": "Feil barn, beklager!", "token": "wd"})
    mine = Message.get(Message.body == "Feil barn, beklager!")
    login("larer1a")
    assert client.post(f"/messages/{dentist}/withdraw/{mine.id}").status_code == 403
    login("kari")
    assert client.post(f"/messages/{dentist}/withdraw/{mine.id}").status_code == 303
    page = text_of(client.get(f"/messages/{dentist}"))
    assert "Feil barn" not in page and t("Withdrawn by the sender") in page
    assert Message.get_by_id(mine.id).body == "Feil barn, beklager!"  # kept, not shown
    assert audit.AuditEvent.select().where(
        audit.AuditEvent.action == "message.withdrawn").exists()


def test_too_late_to_withdraw(client, login):
    login("kari")
    dentist = thread_id(DENTIST)
    client.post(f"/messages/{dentist}", data={"body": "Gammel", "token": "old"})
    old = Message.get(Message.body == "Gammel")
    old.created_at = old.created_at - datetime.timedelta(minutes=16)
    old.save()
    assert client.post(f"/messages/{dentist}/withdraw/{old.id}").status_code == 403
    assert f"/withdraw/{old.id}" not in client.get(f"/messages/{dentist}").get_data(
        as_text=True)


def announce(client, **data):
    form = {"to": f"group:{Group.get(Group.name == '1A').id}", "subject": "Tur fredag",
            "body": "Vi går på tur fredag.", "replies": "1", "token": "ann"}
    form.update(data)
    return client.post("/messages/announce", data=form)


def test_who_may_send_announcements(client, login):
    for username, status in (("larer1a", 200), ("rektor", 200), ("sfo", 200),
                             ("bhg", 200), ("faglarer", 404), ("kari", 404),
                             ("admin", 404)):
        login(username)
        assert client.get("/messages/announce").status_code == status, username


def test_a_contact_teacher_announces_to_the_group(client, login, users):
    login("larer1a")
    response = announce(client)
    assert response.status_code == 303
    thread = Thread.get(Thread.subject == "Tur fredag")
    guardians = {p.user.username for p in thread.participants if p.role == "guardian"}
    assert guardians == {"kari", "ola", "nina", "lise", "bestemor"}  # everyone with access
    for username in ("kari", "nina", "rektor"):
        login(username)
        assert "Tur fredag" in text_of(client.get("/messages/")), username
    for username in ("amina", "per", "faglarer"):
        login(username)
        assert client.get(f"/messages/{thread.id}").status_code == 404, username


def test_a_contact_teacher_cannot_announce_to_another_group(client, login, t):
    login("larer1a")
    response = announce(client, to=f"group:{Group.get(Group.name == '1B').id}")
    assert response.status_code == 400
    assert t("Choose who to write to.") in text_of(response)


def test_the_sender_sees_who_has_read_it(client, login, t):
    login("larer1a")
    announce(client)
    thread = Thread.get(Thread.subject == "Tur fredag")
    login("nina")
    client.get(f"/messages/{thread.id}")
    login("larer1a")
    page = text_of(client.get(f"/messages/{thread.id}"))
    assert t("Read by %(read)d of %(all)d", read=1, all=5) in page
    not_read = page.split(t("Not read yet:"))[1]
    assert "Kari Hansen" in not_read and "Nina Lie" not in not_read.split(".")[0]


def test_a_reply_to_an_announcement_goes_to_the_sender_alone(client, login, users):
    login("larer1a")
    announce(client)
    thread = Thread.get(Thread.subject == "Tur fredag")
    login("kari")
    response = client.post(f"/messages/{thread.id}", data={"body": "Emma blir med!",
                                                             "token": "k1"})
    assert response.status_code == 303
    private = Thread.get(Thread.subject == "Re: Tur fredag")
    assert {p.user.username for p in private.participants} == {"kari", "larer1a"}
    assert private.child.first_name == "Emma"
    assert not Message.select().where((Message.thread == thread)
                                      & (Message.body == "Emma blir med!")).exists()
    login("nina")
    assert client.get(f"/messages/{private.id}").status_code == 404


def test_no_replies_when_the_sender_said_so(client, login):
    login("larer1a")
    announce(client, replies="")
    thread = Thread.get(Thread.subject == "Tur fredag")
    login("kari")
    assert 'name="body"' not in client.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert client.post(f"/messages/{thread.id}", data={"body": "Hei", "token": "n1"}
                       ).status_code == 403


def test_one_thread_per_child(client, login):
    login("larer1a")
    assert announce(client, per_child="1").status_code == 303
    threads = {t.child.first_name: t for t in Thread.select().where(
        Thread.subject == "Tur fredag")}
    assert set(threads) == {"Emma", "Jonas", "Sara"}
    emma = {p.user.username for p in threads["Emma"].participants if p.role == "guardian"}
    assert emma == {"kari", "ola", "bestemor"}
    login("nina")
    assert client.get(f"/messages/{threads['Emma'].id}").status_code == 404
    assert client.post(f"/messages/{threads['Jonas'].id}", data={"body": "Takk", "token": "j"}
                       ).status_code == 303  # answered in the child's own thread


def test_an_announcement_is_sent_once_on_a_double_tap(client, login):
    login("larer1a")
    announce(client, token="same")
    announce(client, token="same")
    assert Thread.select().where(Thread.subject == "Tur fredag").count() == 1
