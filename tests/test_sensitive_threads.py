"""Sensitive threads (issue 22): who reads one (its participants and the unit leader,
each under rule 3), marking one (a participant, never undone, audited), and that its
subject and text appear in nobody else's list, count, file, notification, export or
audit copy — nor in anyone's notification or inbox line."""
import hashlib
import json
import pathlib

import pytest

from models import access
from models.access_log.tables import AccessRecord
from models.audit import AuditEvent
from models.data_export import own
from models.db import today, utcnow
from models.login.sessions import LoginSession
from models.messaging import inbox
from models.messaging.tables import Attachment, Thread, ThreadParticipant
from models.school.tables import Unit

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import HTMX_MODE, Matrix, expect, only
from .smtp import smtp_server

SUBJECT = "Astma og medisiner"
SECRET = "Emma bruker inhalator hver morgen"
# A Wednesday morning in Oslo: notifications are not held by quiet hours.
pytestmark = pytest.mark.clock("2026-11-18 10:00")


def school():
    return Unit.get(Unit.name == "Solbakken skole")


def sensitive_thread(users, kids, staff="faglarer", sensitive=True, files=()):
    """Kari writes about Emma to one member of staff, sensitive from the start. Ola
    (Emma's other parent) is not in it."""
    return inbox.start_thread(school(), kids["Emma"], SUBJECT, SECRET, users["kari"],
                              inbox.new_form_token(), guardians=[users["kari"]],
                              staff=[users[staff]], as_guardian=True, sensitive=sensitive,
                              files=files)


def fresh(client):
    """The logged-in session has just logged in strongly."""
    with client.session_transaction() as session:
        token = session["_user_id"]
    (LoginSession.update(strong_at=utcnow())
     .where(LoginSession.token_hash == hashlib.sha256(token.encode()).hexdigest())
     .execute())


# faglarer (subject teacher of 1A) takes part; larer1a (Emma's contact teacher) does
# not; rektor leads the school. SFO, kindergarten, the administrator, the DPO: nothing.
READERS = {"kari", "faglarer", "rektor"}


@pytest.mark.parametrize("username", ["kari", "ola", "per", "bestemor", "larer1a",
                                      "faglarer", "rektor", "sfo", "styrer", "admin",
                                      "personvern"])
def test_only_participants_and_the_unit_leader_read_it(users, kids, username):
    thread = sensitive_thread(users, kids)
    user = users[username]
    assert (access.thread_or_none(user, thread.id) is not None) == (username in READERS)
    assert (thread.id in {t.id for t in access.threads(user)}) == (username in READERS)
    lines, _ = inbox.inbox(user, staff=access.is_staff(user))
    assert (thread.id in {line.id for line in lines}) == (username in READERS)


def test_before_marking_the_whole_school_reads_it(users, kids):
    thread = sensitive_thread(users, kids, sensitive=False)
    # Rule 3 as always: the contact teacher reads every thread about the pupil.
    assert access.thread_or_none(users["larer1a"], thread.id) is not None
    assert access.thread_or_none(users["ola"], thread.id) is None  # not in it


def test_a_contact_teacher_in_it_reads_it(users, kids):
    thread = sensitive_thread(users, kids, staff="larer1a")
    assert access.thread_or_none(users["larer1a"], thread.id) is not None
    assert access.thread_or_none(users["faglarer"], thread.id) is None


def test_a_guardian_in_it_still_needs_access_to_the_child(users, kids):
    thread = sensitive_thread(users, kids)
    kid = kids["Emma"]
    kid.birth_date = today().replace(year=today().year - 19, month=1, day=1)
    kid.save()
    assert access.thread_or_none(users["kari"], thread.id) is None
    assert access.thread_or_none(users["rektor"], thread.id) is not None  # the school's


def test_the_administrator_cannot_inspect_it(users, kids):
    thread = sensitive_thread(users, kids)
    assert access.thread_for_inspection(thread.id) is None
    ordinary = sensitive_thread(users, kids, sensitive=False)
    assert access.thread_for_inspection(ordinary.id) is not None


def test_unread_counts_it_only_for_those_in_it(users, kids):
    before = {name: inbox.unread_count(users[name]) for name in ("faglarer", "ola", "larer1a")}
    sensitive_thread(users, kids)
    assert inbox.unread_count(users["faglarer"]) == before["faglarer"] + 1
    assert inbox.unread_count(users["ola"]) == before["ola"]
    assert inbox.unread_count(users["larer1a"]) == before["larer1a"]


# Pages, with and without the step-up ----------------------------------------------------

def test_the_page_needs_a_fresh_strong_login(client, login, users, kids, t):
    thread = sensitive_thread(users, kids)
    login("rektor")
    answer = client.get(f"/messages/{thread.id}")
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/step-up?next=/messages/{thread.id}"
    assert SUBJECT not in answer.get_data(as_text=True)
    fresh(client)
    page = text_of(client.get(f"/messages/{thread.id}"))
    assert SUBJECT in page and SECRET in page
    assert t("Sensitive thread") in page
    # The leader reads it without taking part: nothing to mark, no archiving.
    assert t("Mark as sensitive") not in page


@pytest.mark.parametrize("path", ["", "/after/0", "/notified", "/files/1"])
def test_a_stolen_session_without_step_up_opens_nothing(client, login, users, kids, path):
    thread = sensitive_thread(users, kids)
    login("kari")  # a session that never stepped up: a copied cookie, say
    answer = client.get(f"/messages/{thread.id}{path}")
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/step-up?next=")
    assert SECRET not in answer.get_data(as_text=True)
    posted = client.post(f"/messages/{thread.id}", data={"body": "Hei"})
    assert posted.status_code == 303 and posted.headers["Location"].startswith("/step-up")


def test_htmx_without_step_up_gets_hx_redirect_not_a_fragment(client, login, users, kids):
    thread = sensitive_thread(users, kids)
    login("kari")
    answer = client.get(f"/messages/{thread.id}/after/0", headers=HTMX)
    assert answer.status_code == 401
    assert answer.headers["HX-Redirect"] == f"/step-up?next=/messages/{thread.id}"
    assert answer.get_data() == b""


def test_attachments_follow_the_rule(client, login, users, kids, app):
    thread = sensitive_thread(users, kids)
    message = thread.messages.get()
    stored = "sensitive-test-file"
    directory = pathlib.Path(app.config["ATTACHMENT_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    (directory / stored).write_bytes(b"\x89PNG not really")
    file = Attachment.create(message=message, filename="resept.png", stored_name=stored,
                             mimetype="image/png", size=10)
    url = f"/messages/{thread.id}/files/{file.id}"
    for name, status in (("larer1a", 404), ("ola", 404), ("sfo", 404), ("admin", 404),
                         ("kari", 303), ("rektor", 303)):
        login(name)
        assert client.get(url).status_code == status, name
    fresh(client)  # rektor
    answer = client.get(url)
    assert answer.status_code == 200
    answer.close()


def test_the_inbox_line_shows_no_subject(client, login, users, kids, t):
    thread = sensitive_thread(users, kids)
    for name in ("kari", "faglarer", "rektor"):
        login(name)
        page = client.get("/messages/")
        text = text_of(page)
        assert t("Sensitive thread") in text and "Emma" in text, name
        assert SUBJECT not in page.get_data(as_text=True), name
        assert f"/messages/{thread.id}" in page.get_data(as_text=True)
    for name in ("ola", "larer1a", "sfo"):
        login(name)
        page = client.get("/messages/").get_data(as_text=True)
        assert SUBJECT not in page and f"/messages/{thread.id}\"" not in page, name


def test_the_inbox_costs_the_same_queries_with_sensitive_threads(client, login, users, kids):
    login("rektor")
    before = queries_for(client, "/messages/")
    for _ in range(3):
        sensitive_thread(users, kids)
    assert queries_for(client, "/messages/") == before


# Marking ------------------------------------------------------------------------------

def test_a_guardian_marks_a_thread_and_the_contact_teacher_loses_it(client, login, users,
                                                                     kids, ids, t):
    dentist = ids["dentist"]  # Kari and the contact teacher Lars: both take part
    login("faglarer")  # reads nothing of it
    assert client.post(f"/messages/{dentist}/sensitive").status_code == 404
    login("rektor")  # reads it, does not take part
    assert client.post(f"/messages/{dentist}/sensitive").status_code == 403
    login("kari")
    page = text_of(client.get(f"/messages/{dentist}"))
    assert t("Mark as sensitive") in page
    assert t("This cannot be undone: the conversation stays sensitive.") in page
    answer = client.post(f"/messages/{dentist}/sensitive")
    assert answer.status_code == 303
    assert Thread.get_by_id(dentist).sensitive
    event = AuditEvent.get(AuditEvent.action == "thread.marked_sensitive")
    assert (event.actor_id, event.object_type, event.object_id) == (
        users["kari"].id, "thread", dentist)
    assert event.children == []  # the other guardian's copy does not tell of it
    # Lars takes part, so he keeps it; a teacher who did not would have lost it.
    assert access.thread_or_none(users["larer1a"], dentist) is not None
    assert client.get(f"/messages/{dentist}").status_code == 303  # now: step-up
    # Never unmarked: a second marking changes nothing.
    assert client.post(f"/messages/{dentist}/sensitive").status_code == 303
    assert AuditEvent.select().where(
        AuditEvent.action == "thread.marked_sensitive").count() == 1


def test_a_contact_teacher_not_in_a_marked_thread_loses_it(client, login, users, kids, t):
    thread = sensitive_thread(users, kids, sensitive=False)
    assert access.thread_or_none(users["larer1a"], thread.id) is not None
    login("faglarer")
    assert client.post(f"/messages/{thread.id}/sensitive").status_code == 303
    assert access.thread_or_none(users["larer1a"], thread.id) is None
    login("larer1a")
    assert client.get(f"/messages/{thread.id}").status_code == 404
    assert SUBJECT not in client.get("/messages/").get_data(as_text=True)


def test_an_announcement_cannot_be_sensitive(client, login, ids):
    login("kari")
    assert client.post(f"/messages/{ids['meeting']}/sensitive").status_code == 403
    assert not Thread.get_by_id(ids["meeting"]).sensitive


def test_a_new_conversation_can_be_sensitive_from_the_start(client, login, users, kids, t):
    login("kari")
    emma = kids["Emma"].id
    form = text_of(client.get(f"/messages/new?child={emma}"))
    assert t("Sensitive (a health matter, a concern about a child's safety)") in form
    page = client.get(f"/messages/new?child={emma}").get_data(as_text=True)
    option = page.split('name="to"')[1].split('value="')[1].split('"')[0]
    token = page.split('name="token" value="')[1].split('"')[0]
    answer = client.post(f"/messages/new?child={emma}", data={
        "to": option, "subject": SUBJECT, "body": "Kan vi snakke om medisinene?",
        "sensitive": "1", "token": token, "confirm": "1"})
    assert answer.status_code == 303, text_of(answer)
    created = Thread.select().order_by(Thread.id.desc()).get()
    assert created.sensitive and created.subject == SUBJECT
    inside = {user for (user,) in ThreadParticipant.select(ThreadParticipant.user)
              .where(ThreadParticipant.thread == created.id).tuples()}
    for name in ("larer1a", "faglarer", "ola", "rektor"):
        reads = access.thread_or_none(users[name], created.id) is not None
        assert reads == (users[name].id in inside or name == "rektor"), name
    started = AuditEvent.get(AuditEvent.action == "thread.started",
                             AuditEvent.object_id == created.id)
    assert started.children == []


# Notifications, exports, the access log ------------------------------------------------

def test_a_notification_says_nothing_of_it(app, users, kids, t):
    with smtp_server(app) as smtp:
        thread = sensitive_thread(users, kids)
        inbox.reply(thread, users["faglarer"], "Vi tar det i et møte", inbox.new_form_token(),
                    as_guardian=False)
        told = {to[0]: message for to, message in smtp.messages}
    assert set(told) == {"faglarer@demo.kommune.no", "kari@example.org"}
    for message in told.values():
        text = message.get_payload(decode=True).decode() + message["Subject"]
        assert t("New message in a sensitive thread at %(unit)s",
                 unit="Solbakken skole") in text
        assert f"/messages/{thread.id}" in text
        for word in ("Astma", "medisiner", "inhalator", "Emma", "møte", "Hansen"):
            assert word not in text, word


def test_a_notification_waiting_for_someone_who_lost_it_is_dropped(app, users, kids):
    thread = sensitive_thread(users, kids, sensitive=False)
    from models.notifications import sending
    # The contact teacher was told of a guardian's message before the marking.
    from models.notifications.tables import GUARDIAN_MESSAGE, Notification
    Notification.create(user=users["larer1a"], event=GUARDIAN_MESSAGE, channel="email",
                        unit=school(), thread=thread, path=f"/messages/{thread.id}",
                        key="test:sensitive", due_at=utcnow(), created_at=utcnow())
    Thread.update(sensitive=True).where(Thread.id == thread.id).execute()
    sent = []
    with app.test_request_context():
        outcome = sending.dispatch({"email": sent.append, "push": sent.append,
                                    "sms": sent.append})
    assert outcome.get("dropped") == 1 and not any(
        note.user.id == users["larer1a"].id for note in sent)


def export_of(user):
    files = []
    return json.dumps(own.threads(user, today(), files), ensure_ascii=False) \
        + json.dumps(own.audit_rows(user, [c.id for c in access.guarded_children(user)]),
                     ensure_ascii=False, default=str)


@pytest.mark.parametrize("username,has_it", [
    ("kari", True), ("faglarer", True), ("ola", False), ("rektor", False),
    ("larer1a", False), ("sfo", False), ("admin", False), ("personvern", False)])
def test_only_those_in_it_get_it_in_their_copy_of_their_data(users, kids, username, has_it):
    thread = sensitive_thread(users, kids)
    from models import audit
    audit.record("message.withdrawn", actor=users["kari"],
                 obj=thread.messages.get(), child=kids["Emma"].id)
    copy = export_of(users[username])
    assert (SECRET in copy) == has_it and (SUBJECT in copy) == has_it
    if username == "ola":
        # Emma's other parent: not even the withdrawal event about Emma tells of it.
        assert "message.withdrawn" not in copy


def test_downloading_a_copy_that_holds_it_needs_the_step_up_too(app, client, login, users,
                                                                  kids):
    from .test_data_export import download
    sensitive_thread(users, kids)
    login("kari")
    response, token = download(client, app, "kari")
    assert response.status_code == 303 and "/step-up" in response.headers["Location"]
    fresh(client)
    response = client.get(f"/my-data/{token}")  # the link was not used up by the detour
    assert response.status_code == 200
    response.close()
    login("ola")  # not in it: his copy does not hold it, and no step-up is asked
    assert download(client, app, "ola")[0].status_code == 200


def test_every_read_is_in_the_familys_access_log(client, login, users, kids, ids, t):
    thread = sensitive_thread(users, kids)
    before = {name: AccessRecord.select().where(
        AccessRecord.viewer_id == users[name].id).count() for name in ("rektor", "larer1a")}
    for name, status in (("rektor", 200), ("faglarer", 200), ("larer1a", 404)):
        login(name)
        fresh(client)
        answer = client.get(f"/messages/{thread.id}")
        assert answer.status_code == status
        answer.close()  # the access row is written once the response has gone
    # The unit leader's read, who takes no part, is logged like any other.
    assert AccessRecord.select().where(
        AccessRecord.viewer_id == users["rektor"].id).count() == before["rektor"] + 1
    assert AccessRecord.select().where(
        AccessRecord.viewer_id == users["larer1a"].id).count() == before["larer1a"]
    login("kari")  # the family's page, seen by the parent in the thread
    log = text_of(client.get(f"/children/{ids['emma']}/seen"))
    assert "Frida Faglærer" in log
    assert log.count(t("A conversation about the child")) >= 3
    assert SUBJECT not in log and SECRET not in log


# The role × route matrix of the new routes ----------------------------------------------

ROUTES = Matrix({
    ("GET", "/step-up?next=/messages/"): only((), no=200),
    # Demo accounts have a password and no authenticator app yet: nothing to check.
    ("POST", "/step-up"): expect(only((), no=404), data={"code": "123456"}),
    ("GET", "/account/two-factor"): only((), no=200),
    ("POST", "/account/two-factor"): expect(only((), no=400),
                                            data={"password": "wrong", "code": "1"}),
    ("GET", "/messages/{secret}"): only(("kari", "faglarer", "rektor"), yes=303),
    ("GET", "/messages/{secret}", HTMX_MODE): only(("kari", "faglarer", "rektor"), yes=401),
    # Last: it changes the demo thread. Kari and Lars take part; the leader reads it.
    ("POST", "/messages/{dentist}/sensitive"): only(("kari", "larer1a"), yes=303,
                                                    no=404) | {"rektor": 403},
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, users, kids, role):
    secret = sensitive_thread(users, kids)
    ROUTES.check(client, login, role, {**ids, "secret": secret.id})
