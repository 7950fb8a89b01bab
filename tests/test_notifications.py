"""Notifications (issue 9): who is told, through which channel, when, and what it says.

E-mail goes through a real SMTP server on loopback. Time travel: the dispatcher is run
with a chosen "now"; what was published stays published.
"""
import datetime
import json
import os

import pytest
from flask_babel import force_locale, gettext

from models.absence import absence
from models.consent import consent_book
from models.db import today, utcnow
from models.login import email_change
from models.messaging import inbox
from models.notifications import deliveries, notify, preferences, sending, timing
from models.notifications.queue import ZONES
from models.notifications.tables import Choice, Notification, Schedule
from models.posts import posts
from models.school.tables import Group, Guardianship, Unit, User

from .cast import ROLES
from .helpers import queries_for, text_of
from .matrix import Matrix, everyone, only
from .smtp import smtp_server
from models.messaging import recipients
from models.notifications.tables import (CONSENT, DIGEST, DROPPED, EMAIL, FAILED, FELL_BACK,
                                         MAX_ATTEMPTS, MESSAGE, NOW, PENDING, POST, PUSH, SENDING,
                                         SENT, SMS, PushSubscription)

SECRET = "Emma har vondt i magen"  # a message's text: never in a notification
# A Wednesday morning in Oslo: push and SMS are not held by quiet hours unless a test
# says so (the night and around midnight: .ci/clock runs this file under libfaketime).
pytestmark = pytest.mark.clock("2026-11-18 10:00")
OSLO = ZONES["NO"]


@pytest.fixture
def smtp(app):
    with smtp_server(app) as server:
        yield server


def staff_message(users, kids, subject="Tur i morgen", body=SECRET):
    emma = kids["Emma"]
    school = Unit.get(Unit.name == "Solbakken skole")
    return inbox.start_thread(school, emma, subject, body, users["larer1a"],
                              inbox.new_form_token(),
                              guardians=list(recipients.guardians_with_access(emma)),
                              staff=[users["larer1a"]], as_guardian=False)


def mails_to(smtp, address):
    return [message for to, message in smtp.messages if address in to]


def body_of(message):
    return message.get_payload(decode=True).decode()


def run_queue(app, now=None):
    with app.app_context():
        return app.extensions["queue"].run(now=now)


def local(moment):
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(OSLO)


def choose(user, event, channels, mode=NOW, schedule=None):
    choices = preferences.choices_of(user)
    choices[event] = Choice(frozenset(channels), mode)
    preferences.save_choices(user, choices, schedule or Schedule())


# --- who is told, and what it says -------------------------------------------------

def test_a_message_notifies_each_guardian_by_email_without_its_content(app, users, kids,
                                                                       smtp, t):
    thread = staff_message(users, kids)
    told = sorted(to[0] for to, _ in smtp.messages)
    # Both parents and the grandmother with a caregiver grant; not Per (no parental
    # responsibility), not the teacher who wrote it.
    assert told == ["kari@example.org", "ola@example.org", "randi@example.org"]
    mail = mails_to(smtp, "kari@example.org")[0]
    assert mail["Subject"] == t("New message from %(unit)s", unit="Solbakken skole")
    text = body_of(mail)
    assert f"/messages/{thread.id}" in text
    for secret in (SECRET, "Emma", "Hansen", "Tur i morgen", "Lærer"):
        assert secret not in text and secret not in mail["Subject"]


@pytest.mark.parametrize("language", ["sv", "se", "en", "pl", "uk", "ar", "so"])
def test_each_recipient_reads_it_in_their_own_language(app, users, kids, smtp, language):
    User.update(locale=language).where(User.username == "ola").execute()
    staff_message(users, kids)
    with app.test_request_context(), force_locale(language):
        theirs = gettext("New message from %(unit)s", unit="Solbakken skole")
        body = gettext("Open Kontaktbok to read it: %(link)s", link="§").split("§")[0].strip()
    with app.test_request_context(), force_locale("nb"):
        norwegian = gettext("New message from %(unit)s", unit="Solbakken skole")
    assert theirs != norwegian
    mail = mails_to(smtp, "ola@example.org")[0]
    assert mail["Subject"] == theirs
    assert mails_to(smtp, "kari@example.org")[0]["Subject"] == norwegian
    if language != "en":
        assert body != "Open Kontaktbok to read it:" and body in body_of(mail).replace("\n", " ")


def test_the_parent_without_responsibility_is_never_told(app, users, kids, smtp):
    staff_message(users, kids)
    assert not mails_to(smtp, "per@example.org")
    assert not Notification.select().where(Notification.user == users["per"].id).exists()


def test_a_guardian_who_lost_access_is_told_nothing_more(app, users, kids, smtp):
    ola = users["ola"]
    choose(ola, MESSAGE, {EMAIL}, DIGEST)
    staff_message(users, kids)
    assert not mails_to(smtp, "ola@example.org")  # waits for the day's summary
    Guardianship.delete().where(Guardianship.guardian == ola.id).execute()
    run_queue(app, utcnow() + datetime.timedelta(days=1))
    assert not mails_to(smtp, "ola@example.org")
    row = Notification.get(Notification.user == ola.id)
    assert (row.status, row.error) == (DROPPED, "no access")


def test_paper_letters_mean_no_electronic_notification(app, users, kids, smtp):
    User.update(paper_letters=True).where(User.username == "kari").execute()
    staff_message(users, kids)
    assert not mails_to(smtp, "kari@example.org")
    assert mails_to(smtp, "ola@example.org")


def test_a_guardians_message_tells_the_staff_in_the_thread(app, users, kids, smtp, t):
    thread = staff_message(users, kids)
    smtp.messages.clear()
    inbox.reply(thread, users["kari"], "Takk!", inbox.new_form_token(), as_guardian=True)
    assert [to for to, _ in smtp.messages] == [["larer1a@demo.kommune.no"]]
    mail = smtp.messages[0][1]
    assert mail["Subject"] == t("New message from a guardian at %(unit)s",
                                unit="Solbakken skole")
    assert "Takk" not in body_of(mail)
    smtp.messages.clear()
    inbox.reply(thread, users["larer1a"], "Bare hyggelig", inbox.new_form_token(),
                as_guardian=False)
    assert sorted(to[0] for to, _ in smtp.messages) == [
        "kari@example.org", "ola@example.org", "randi@example.org"]
    assert smtp.messages[0][1]["Subject"] == t("New reply from %(unit)s",
                                               unit="Solbakken skole")


def test_leave_applications_and_decisions(app, users, kids, smtp, t):
    emma = kids["Emma"]
    start = today() + datetime.timedelta(days=10)
    application = absence.apply_for_leave(emma.id, users["kari"], start, start,
                                          "family")
    deciders = sorted(to[0] for to, _ in smtp.messages)
    assert deciders == ["larer1a@demo.kommune.no", "rektor@demo.kommune.no"]
    assert smtp.messages[0][1]["Subject"] == t("New leave application at %(unit)s",
                                               unit="Solbakken skole")
    smtp.messages.clear()
    absence.decide(application, users["larer1a"], True, "")
    assert sorted(to[0] for to, _ in smtp.messages) == [
        "kari@example.org", "ola@example.org", "randi@example.org"]
    assert f"/children/{emma.id}/absence" in body_of(smtp.messages[0][1])


def test_a_consent_request_reaches_the_guardians_of_the_group(app, users, kids, smtp, t):
    g1a = Group.get(Group.name == "1A")
    consent_book.create(users["larer1a"], {"nb": {"title": "Skidag", "text": "Ja?"}},
                        group=g1a)
    to = sorted(to[0] for to, _ in smtp.messages)
    assert "kari@example.org" in to and "per@example.org" not in to
    assert "amina@example.org" not in to  # Ali is in 1B
    # The grandmother sees Emma but does not decide for her: no consent to answer.
    assert "randi@example.org" not in to
    mail = mails_to(smtp, "kari@example.org")[0]
    assert mail["Subject"] == t("%(unit)s asks for your consent", unit="Solbakken skole")
    assert "Skidag" not in body_of(mail)


def test_new_posts_are_off_until_asked_for(app, users, kids, smtp):
    g1a = Group.get(Group.name == "1A")

    def publish(title):
        posts.publish(users["larer1a"], g1a.unit_id, title, "", [], group_id=g1a.id)

    publish("Første skoledag")
    assert not smtp.messages
    choose(users["kari"], POST, {EMAIL})
    publish("Andre skoledag")
    assert [to[0] for to, _ in smtp.messages] == ["kari@example.org"]


# --- when ----------------------------------------------------------------------------

def at(day, hour, minute=0):
    moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=OSLO)
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def test_quiet_hours_hold_push_and_sms_but_not_email():
    day = datetime.date(2026, 11, 20)
    quiet = Schedule()
    evening = at(day, 22, 30)
    morning = at(day + datetime.timedelta(days=1), 7)
    assert timing.due_time(evening, PUSH, NOW, False, quiet, OSLO) == morning
    assert timing.due_time(evening, SMS, NOW, False, quiet, OSLO) == morning
    assert timing.due_time(evening, EMAIL, NOW, False, quiet, OSLO) == evening
    # Urgent goes at once; without quiet hours push goes at once too.
    assert timing.due_time(evening, PUSH, NOW, True, quiet, OSLO) == evening
    awake = Schedule(quiet=False)
    assert timing.due_time(evening, PUSH, NOW, False, awake, OSLO) == evening
    # Early morning, before the quiet hours end.
    assert timing.due_time(at(day, 5), PUSH, NOW, False, quiet,
                           OSLO) == at(day, 7)
    # A digest at 22:00 is itself held until the morning for push, not for e-mail.
    late = Schedule(digest_minute=22 * 60)
    assert timing.due_time(at(day, 12), PUSH, DIGEST, False, late,
                           OSLO) == morning
    assert timing.due_time(at(day, 12), EMAIL, DIGEST, False, late,
                           OSLO) == at(day, 22)


def test_quiet_hours_over_a_daylight_saving_change():
    # The night clocks go back in Norway (25 October 2026): 07:00 is still 07:00 local.
    night = at(datetime.date(2026, 10, 24), 23)
    due = timing.due_time(night, PUSH, NOW, False, Schedule(), OSLO)
    assert local(due).hour == 7 and local(due).date() == datetime.date(2026, 10, 25)


def test_the_daily_summary_comes_once_at_the_chosen_time(app, users, kids, smtp, t):
    kari = users["kari"]
    choose(kari, MESSAGE, {EMAIL}, DIGEST,
           Schedule(digest_minute=17 * 60))
    staff_message(users, kids, subject="En")
    staff_message(users, kids, subject="To")
    assert not mails_to(smtp, "kari@example.org")
    due = Notification.get(Notification.user == kari.id).due_at
    assert (local(due).hour, local(due).minute) == (17, 0)
    run_queue(app, due - datetime.timedelta(minutes=1))
    assert not mails_to(smtp, "kari@example.org")
    run_queue(app, due)
    run_queue(app, due + datetime.timedelta(hours=1))
    mails = mails_to(smtp, "kari@example.org")
    assert len(mails) == 1
    assert mails[0]["Subject"] == t("%(num)d new notification in Kontaktbok",
                                    "%(num)d new notifications in Kontaktbok", 2)
    assert t("New message from %(unit)s", unit="Solbakken skole") + " (2)" in body_of(mails[0])


def test_quiet_hours_hold_push_until_morning_and_urgent_goes_at_once(app, users, kids,
                                                                    smtp):
    kari = users["kari"]
    now_local = local(utcnow())
    # Quiet hours around now, ending two hours from now.
    start = (now_local.hour - 1) % 24 * 60
    end = (now_local.hour + 2) % 24 * 60
    choose(kari, MESSAGE, {PUSH},
           schedule=Schedule(quiet_from=start, quiet_until=end))
    staff_message(users, kids)
    assert not mails_to(smtp, "kari@example.org")  # held (push, no device yet)
    row = Notification.get(Notification.user == kari.id)
    assert row.channel == PUSH and row.status == PENDING
    run_queue(app, row.due_at)
    # No device with push: e-mail takes over when the quiet hours are over.
    assert len(mails_to(smtp, "kari@example.org")) == 1
    assert Notification.get_by_id(row.id).status == FELL_BACK
    smtp.messages.clear()
    school = Unit.get(Unit.name == "Solbakken skole")
    inbox.announce(users["rektor"], school, None, "Skolen er stengt", "Snø",
                   inbox.new_form_token(), True, False, urgent=True)
    assert len(mails_to(smtp, "kari@example.org")) == 1  # at once, in quiet hours


# --- reliable ------------------------------------------------------------------------

def test_a_failed_send_is_retried_later_and_arrives_once(app, users, kids, smtp):
    smtp.refuse = 3  # the mail server is busy for the first three mails
    staff_message(users, kids)
    assert len(smtp.messages) == 0
    waiting = list(Notification.select().where(Notification.status == PENDING))
    assert len(waiting) == 3 and all(n.attempts == 1 for n in waiting)
    assert all(n.error.startswith("smtp") for n in waiting)
    now = utcnow()
    run_queue(app, now + datetime.timedelta(seconds=5))  # backoff: not yet
    assert len(smtp.messages) == 0
    run_queue(app, now + datetime.timedelta(seconds=31))
    run_queue(app, now + datetime.timedelta(minutes=5))
    assert sorted(to[0] for to, _ in smtp.messages) == [
        "kari@example.org", "ola@example.org", "randi@example.org"]
    ids = [m["Message-ID"] for _, m in smtp.messages]
    assert len(set(ids)) == 3


def test_publishing_the_same_event_twice_notifies_once(app, users, kids, smtp):
    event = notify.Event(kind=MESSAGE, source="x1", path="/messages/",
                         recipients={users["kari"].id: None})
    assert notify.publish(event) == 1
    notify.publish(event)
    assert len(mails_to(smtp, "kari@example.org")) == 1


def test_two_dispatchers_never_take_the_same_notification(app, users):
    rows = [{"user": users["kari"].id, "event": MESSAGE, "channel": EMAIL,
             "path": "/", "key": f"k{n}", "due_at": utcnow(), "created_at": utcnow()}
            for n in range(10)]
    Notification.insert_many(rows).execute()
    _, first = sending._claim(utcnow(), 6)
    _, second = sending._claim(utcnow(), 6)
    assert len(first) == 6 and len(second) == 4
    assert not {r.id for r in first} & {r.id for r in second}


def test_after_the_last_try_it_fails_and_the_administrator_sees_it(app, client, login,
                                                                   users, kids, smtp, t):
    smtp.refuse = 100
    staff_message(users, kids)
    now = utcnow()
    for minutes in (1, 3, 11, 43, 200):
        run_queue(app, now + datetime.timedelta(minutes=minutes))
    failed = Notification.select().where(Notification.status == FAILED)
    assert failed.count() == 3
    login("admin")
    page = text_of(client.get("/admin/notifications/"))
    assert "Kari Hansen" in page and t("failed") in page


def test_a_sender_that_breaks_holds_up_nobody_else(app, users, kids, smtp):
    calls = []
    email = app.extensions["notice_senders"][EMAIL]

    def broken(note):
        calls.append(note.user.username)
        if note.user.username == "kari":
            raise ValueError("a bug")
        return email(note)

    senders = {**app.extensions["notice_senders"], EMAIL: broken}
    app.extensions["notice_senders"] = senders
    staff_message(users, kids)
    assert sorted(to[0] for to, _ in smtp.messages) == ["ola@example.org",
                                                          "randi@example.org"]
    now = utcnow()
    for minutes in (1, 3, 11, 43):
        run_queue(app, now + datetime.timedelta(minutes=minutes))
    row = Notification.get(Notification.user == users["kari"].id,
                           Notification.channel == EMAIL)
    assert (row.status, row.attempts, row.error) == (FAILED, MAX_ATTEMPTS,
                                                     "ValueError")
    assert calls.count("kari") == MAX_ATTEMPTS
    assert len(smtp.messages) == 2  # nobody got anything twice


def test_a_daily_summary_is_one_message_even_past_a_batch(app, users, kids, smtp):
    kari = users["kari"]
    choose(kari, MESSAGE, {EMAIL}, DIGEST)
    for n in range(5):
        staff_message(users, kids, subject=f"Melding {n}")
    due = Notification.get(Notification.user == kari.id).due_at
    with app.app_context():
        sending.dispatch(app.extensions["notice_senders"], now=due, limit=2)
        sending.dispatch(app.extensions["notice_senders"], now=due, limit=2)
    assert len(mails_to(smtp, "kari@example.org")) == 1
    assert "(5)" in body_of(mails_to(smtp, "kari@example.org")[0])


def test_a_crashed_dispatcher_s_rows_are_taken_up_again(app, users, kids, smtp):
    User.update(email="").where(User.username != "kari").execute()
    row = Notification.create(user=users["kari"].id, event=MESSAGE,
                              channel=EMAIL, path="/", key="crashed",
                              status=SENDING, claimed_at=utcnow())
    run_queue(app)
    assert Notification.get_by_id(row.id).status == SENDING  # still its own
    run_queue(app, utcnow() + datetime.timedelta(minutes=11))
    assert Notification.get_by_id(row.id).status == SENT


def test_a_worker_that_starts_takes_back_at_once_what_a_stopped_one_was_sending(
        app, users, kids, smtp):
    """bench/load.py killed the worker mid-dispatch: its rows waited out the 10-minute
    stale claim. A worker's start hands them back at once (one worker process)."""
    User.update(email="").where(User.username != "kari").execute()
    claimed_at = utcnow()
    row = Notification.create(user=users["kari"].id, event=MESSAGE,
                              channel=EMAIL, path="/", key="killed",
                              status=SENDING, claimed_at=claimed_at, attempts=0)
    started = claimed_at + datetime.timedelta(seconds=5)
    assert sending.release_claims(started) == 1
    taken_back = Notification.get_by_id(row.id)
    assert taken_back.status == PENDING and taken_back.attempts == 1
    assert sending.release_claims(started) == 0  # rows claimed since are the worker's own
    run_queue(app, started)
    assert Notification.get_by_id(row.id).status == SENT
    assert len(mails_to(smtp, "kari@example.org")) == 1


# --- the queue ------------------------------------------------------------------------

def test_the_worker_queue_runs_dispatch_from_sqlite(make_app, users_in_new_app):
    app = users_in_new_app
    queue = app.extensions["queue"]
    assert type(queue.huey).__name__ == "SqliteHuey"
    queue.huey.flush()
    queue.wake()
    assert queue.huey.pending_count() == 1
    with smtp_server(app) as smtp:
        notify.publish(notify.Event(kind=MESSAGE, source="q", path="/",
                                    recipients={User.get(username="kari").id: None}))
        task = queue.huey.dequeue()
        queue.huey.execute(task)
        assert mails_to(smtp, "kari@example.org")


@pytest.fixture
def users_in_new_app(make_app):
    from models import db as dbmod
    from models import demo
    from pathlib import Path
    application = make_app(QUEUE_IMMEDIATE=False)
    with dbmod.database.connection_context():
        dbmod.migrate(str(Path(__file__).resolve().parent.parent / "migrations"))
        demo.load(storage=application.extensions["storage"])
    yield application
    dbmod.close_all()


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"),
                    reason="TEST_REDIS_URL names a Redis server for the shared queue")
def test_with_redis_the_queue_lives_in_redis(make_app):
    app = make_app(REDIS_URL=os.environ["TEST_REDIS_URL"], QUEUE_IMMEDIATE=False)
    queue = app.extensions["queue"]
    assert type(queue.huey).__name__ == "RedisHuey"
    queue.huey.flush()
    queue.wake()
    assert queue.huey.pending_count() == 1
    assert queue.huey.dequeue().name == "dispatch"


# --- the pages -----------------------------------------------------------------------

PAGES = Matrix({
    ("GET", "/account/notifications"): everyone(200),
    ("POST", "/account/notifications"): everyone(303),
    ("GET", "/admin/notifications/"): only({"admin"}),
    ("POST", "/admin/notifications/sms-cap"): only({"admin"}, 400),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    PAGES.check(client, login, role, ids, data={
        "digest": "1020", "quiet": "1", "quiet_from": "1260", "quiet_until": "420",
        "email": "", "phone": ""})


def test_notified_page_matrix(app, client, login, users):
    school = Unit.get(Unit.name == "Solbakken skole")
    g1a = Group.get(Group.name == "1A")
    thread, = inbox.announce(users["larer1a"], school, g1a, "Foreldremøte", SECRET,
                             inbox.new_form_token(), True, False)
    for role, status in (("larer1a", 200), ("rektor", 200), ("kari", 404), ("per", 404),
                         ("styrer", 404), ("admin", 404), (None, 302)):
        client.post("/logout")
        if role:
            login(role)
        assert client.get(f"/messages/{thread.id}/notified").status_code == status, role


def test_the_sender_sees_who_was_notified_and_who_has_read_it(app, client, login, users,
                                                              smtp, t):
    school = Unit.get(Unit.name == "Solbakken skole")
    g1a = Group.get(Group.name == "1A")
    User.update(paper_letters=True).where(User.username == "nina").execute()
    thread, = inbox.announce(users["larer1a"], school, g1a, "Foreldremøte", SECRET,
                             inbox.new_form_token(), True, False)
    login("kari")
    client.get(f"/messages/{thread.id}")  # Kari reads it
    login("larer1a")
    page = text_of(client.get(f"/messages/{thread.id}/notified"))
    assert t("Read by %(read)d of %(all)d", read=1, all=5) in page
    kari = page.split("Kari Hansen", 1)[1].split("Lise", 1)[0]
    assert t("has read it") in kari and t("sent") in kari
    assert t("Letter on paper") in page.split("Nina Lie", 1)[1]


def test_guardians_choose_channels_modes_and_times(app, client, login, users, t):
    login("kari")
    page = text_of(client.get("/account/notifications"))
    assert t("New messages and announcements") in page
    assert t("Messages from guardians") not in page  # staff's events
    # The demo municipality has no SMS gateway.
    assert 'name="message-sms"' not in client.get("/account/notifications").get_data(
        as_text=True)
    response = client.post("/account/notifications", data={
        "message-email": "1", "message-mode": "digest", "post-push": "1",
        "digest": "960", "quiet": "1", "quiet_from": "1320", "quiet_until": "360",
        "email": "kari.ny@example.org", "phone": "+47 912 34 567"})
    assert response.status_code == 303
    kari = User.get_by_id(users["kari"].id)
    choices = preferences.choices_of(kari)
    assert choices[MESSAGE] == Choice(frozenset({EMAIL}), DIGEST)
    assert choices[POST] == Choice(frozenset({PUSH}))
    assert not choices[CONSENT].on  # unticked: off
    assert preferences.schedule_of(kari) == Schedule(960, True, 1320, 360)
    # The new address waits for its owner to open the link sent to it.
    assert (kari.email, kari.phone) == ("kari@example.org", "+47 912 34 567")
    assert email_change.pending(kari) == "kari.ny@example.org"


def test_staff_see_their_own_events(client, login, t):
    login("rektor")
    page = text_of(client.get("/account/notifications"))
    assert t("Messages from guardians") in page and t("Leave applications to decide") in page
    assert t("Answers to leave applications") not in page


def test_a_mistake_comes_back_on_the_form_with_what_was_typed(client, login, users, t):
    login("kari")
    response = client.post("/account/notifications", data={
        "message-email": "1", "digest": "999", "quiet_from": "1260",
        "quiet_until": "420", "email": "kari-at-example", "phone": "ring meg"})
    assert response.status_code == 400
    page = text_of(response)
    assert t("Write the e-mail address as name@example.no.") in page
    assert t("Choose a time from the list.") in page
    assert 'value="kari-at-example"' in response.get_data(as_text=True)
    assert User.get_by_id(users["kari"].id).email == "kari@example.org"  # nothing saved


def test_only_a_unit_leader_marks_an_announcement_urgent(app, client, login, users, t):
    login("larer1a")
    g1a = Group.get(Group.name == "1A")
    form = {"to": f"group:{g1a.id}", "subject": "Stengt", "body": "Skolen er stengt",
            "replies": "1", "urgent": "1", "token": inbox.new_form_token()}
    assert t("Urgent: notify at once, also at night and past daily summaries") not in \
        text_of(client.get("/messages/announce"))
    response = client.post("/messages/announce", data=form)
    assert response.status_code == 400
    login("rektor")
    assert t("Urgent: notify at once, also at night and past daily summaries") in \
        text_of(client.get("/messages/announce"))
    form["token"] = inbox.new_form_token()
    assert client.post("/messages/announce", data=form).status_code == 303
    from models.messaging.tables import Thread
    assert Thread.get(Thread.subject == "Stengt").urgent


@pytest.fixture
def with_sms(app):
    import dataclasses
    from models.notifications import sms
    from .sms_gateway import PASSWORD, USERNAME, FakeElks
    with FakeElks() as gateway:
        settings = sms.Settings(provider="46elks", username=USERNAME, password=PASSWORD,
                                sender="Demo", url=gateway.url, monthly_cap=2)
        app.config["MUNICIPALITY"] = dataclasses.replace(app.config["MUNICIPALITY"],
                                                         sms=settings)
        app.extensions["sms_gateway"] = sms.from_settings(settings)
        yield gateway


def test_sms_goes_through_the_gateway_until_the_monthly_cap(app, client, login, users,
                                                            kids, smtp, with_sms, t):
    for name in ("kari", "ola", "bestemor"):
        choose(users[name], MESSAGE, {SMS})
    staff_message(users, kids)
    assert len(with_sms.sent) == 2  # the cap: 2 a month
    assert all(SECRET not in m["message"] and "Emma" not in m["message"]
               for m in with_sms.sent)
    assert len(smtp.messages) == 1  # the third by e-mail instead
    assert deliveries.sms_sent_since(utcnow() - datetime.timedelta(days=1)) == 2
    login("admin")
    page = text_of(client.get("/admin/notifications/"))
    assert t("Sent this month: %(sent)d of at most %(cap)d.", sent=2, cap=2) in page
    assert client.post("/admin/notifications/sms-cap", data={"cap": "-1"}).status_code == 400
    assert client.post("/admin/notifications/sms-cap", data={"cap": "10"}).status_code == 303
    assert deliveries.sms_cap(2) == 10


def test_the_administrator_sets_the_sms_cap(app, client, login, t):
    login("admin")
    response = client.post("/admin/notifications/sms-cap", data={"cap": "500"})
    assert response.status_code == 400  # no gateway in the demo municipality
    assert t("SMS is not set up in the municipality file.") in text_of(response)


@pytest.mark.parametrize("username, url", [
    ("kari", "/account/notifications"), ("rektor", "/account/notifications"),
    ("admin", "/admin/notifications/"), ("larer1a", "/messages/{thread}/notified"),
])
def test_the_pages_cost_a_constant_small_number_of_queries(app, client, login, users,
                                                           smtp, username, url):
    from .test_pages import grow
    school = Unit.get(Unit.name == "Solbakken skole")
    g1a = Group.get(Group.name == "1A")
    thread, = inbox.announce(users["larer1a"], school, g1a, "Foreldremøte", SECRET,
                             inbox.new_form_token(), True, False)
    url = url.format(thread=thread.id)
    login(username)
    before = queries_for(client, url)
    grow(15)
    smtp.refuse = 10
    inbox.announce(users["larer1a"], school, g1a, "Igjen", SECRET, inbox.new_form_token(),
                   True, False)
    after = queries_for(client, url)
    assert before == after, (url, before, after)
    assert after <= 6, (url, after)


# --- push ----------------------------------------------------------------------------

@pytest.fixture
def push_service():
    from .push_service import PushService
    service = PushService()
    yield service
    service.close()


def subscribe(user, service):
    from .push_service import Receiver
    receiver = Receiver()
    keys = receiver.subscription(service.endpoint())
    PushSubscription.create(user=user.id, endpoint=keys["endpoint"],
                                   p256dh=keys["keys"]["p256dh"], auth=keys["keys"]["auth"])
    return receiver


def test_push_arrives_encrypted_and_says_nothing_of_the_message(app, users, kids, smtp,
                                                                push_service, t):
    kari = users["kari"]
    choose(kari, MESSAGE, {PUSH}, schedule=Schedule(quiet=False))
    receiver = subscribe(kari, push_service)
    thread = staff_message(users, kids)
    assert len(push_service.received) == 1
    sent = push_service.received[0]
    assert SECRET.encode() not in sent.body  # encrypted on the wire
    payload = json.loads(receiver.decrypt(sent.body))
    assert payload["title"] == t("New message from %(unit)s", unit="Solbakken skole")
    assert payload["url"].endswith(f"/messages/{thread.id}")
    assert "Emma" not in json.dumps(payload, ensure_ascii=False)
    assert sent.headers["Topic"] and sent.headers["TTL"]
    assert not mails_to(smtp, "kari@example.org")  # push reached her: no e-mail


def test_a_dead_push_device_is_forgotten_and_email_takes_over(app, users, kids, smtp,
                                                              push_service):
    kari = users["kari"]
    choose(kari, MESSAGE, {PUSH}, schedule=Schedule(quiet=False))
    subscribe(kari, push_service)
    push_service.status = 410
    staff_message(users, kids)
    assert not PushSubscription.select().where(
        PushSubscription.user == kari.id).exists()
    assert len(mails_to(smtp, "kari@example.org")) == 1


def test_a_push_service_that_is_down_is_retried_then_email_takes_over(app, users, kids,
                                                                      smtp, push_service):
    kari = users["kari"]
    choose(kari, MESSAGE, {PUSH}, schedule=Schedule(quiet=False))
    subscribe(kari, push_service)
    push_service.status = 503
    staff_message(users, kids)
    assert not mails_to(smtp, "kari@example.org")
    now = utcnow()
    for minutes in (1, 3, 11, 43):
        run_queue(app, now + datetime.timedelta(minutes=minutes))
    assert len(push_service.received) == MAX_ATTEMPTS
    assert len(mails_to(smtp, "kari@example.org")) == 1


def test_staff_cannot_change_their_own_address_here(client, login, users):
    login("rektor")
    response = client.post("/account/notifications", data={
        "guardian_message-email": "1", "digest": "1020", "quiet_from": "1260",
        "quiet_until": "420", "email": "someone.else@demo.kommune.no"})
    assert response.status_code == 303
    assert User.get_by_id(users["rektor"].id).email == "rektor@demo.kommune.no"


def test_a_new_address_is_used_once_its_link_is_opened(client, login, users, smtp, t):
    """Issue 15, finding 5: the page told whether an address belonged to someone else.
    Now every new address gets the same answer and a link; only its owner can use it."""
    login("kari")
    answers = {}
    for address in ("Randi@Example.org", "kari.ny@example.org"):  # Randi's, and a new one
        response = client.post("/account/notifications", data={
            "digest": "1020", "quiet_from": "1260", "quiet_until": "420",
            "email": address, "phone": ""}, follow_redirects=True)
        assert response.status_code == 200
        answers[address] = text_of(response).replace(address.lower(), "ADDRESS")
        assert User.get_by_id(users["kari"].id).email == "kari@example.org"
    assert answers["Randi@Example.org"] == answers["kari.ny@example.org"]
    assert t("We have sent a link to %(address)s. Your e-mail address changes when you "
             "open it.", address="ADDRESS") in answers["kari.ny@example.org"]
    assert "someone else" not in answers["Randi@Example.org"]
    first, = mails_to(smtp, "randi@example.org")
    latest, = mails_to(smtp, "kari.ny@example.org")
    old = "/account/email/" + body_of(first).split("/account/email/")[1].split()[0]
    link = "/account/email/" + body_of(latest).split("/account/email/")[1].split()[0]
    assert client.get(old).status_code == 404  # a newer request replaced it
    login("nina")
    assert client.get(link).status_code == 404  # not hers
    login("kari")
    assert client.get(link).status_code == 303
    assert User.get_by_id(users["kari"].id).email == "kari.ny@example.org"
    assert client.get(link).status_code == 404  # once


def test_the_purge_deletes_old_notifications_but_not_waiting_ones(app, users):
    old = utcnow() - datetime.timedelta(days=91)
    for n, status in enumerate((SENT, FAILED, PENDING)):
        Notification.create(user=users["kari"].id, event=MESSAGE,
                            channel=EMAIL, path="/", key=f"old{n}", status=status,
                            created_at=old, due_at=old + datetime.timedelta(days=200))
    Notification.create(user=users["kari"].id, event=MESSAGE, channel=EMAIL,
                        path="/", key="new", status=SENT)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert "notifications: deleted 2" in result.output, result.output
    assert {n.key for n in Notification.select()} == {"old2", "new"}


def test_what_waits_follows_a_changed_choice(app, users, kids, smtp):
    kari = users["kari"]
    choose(kari, MESSAGE, {EMAIL}, DIGEST)
    staff_message(users, kids)
    assert not mails_to(smtp, "kari@example.org")
    choose(kari, MESSAGE, {EMAIL}, NOW)  # at once, after all
    run_queue(app)
    assert len(mails_to(smtp, "kari@example.org")) == 1


def test_the_notified_page_says_who_no_longer_has_access(app, client, login, users, t):
    school = Unit.get(Unit.name == "Solbakken skole")
    g1a = Group.get(Group.name == "1A")
    thread, = inbox.announce(users["larer1a"], school, g1a, "Foreldremøte", SECRET,
                             inbox.new_form_token(), True, False)
    Guardianship.delete().where(Guardianship.guardian == users["nina"].id).execute()
    login("larer1a")
    page = text_of(client.get(f"/messages/{thread.id}/notified"))
    assert t("No longer has access") in page.split("Nina Lie", 1)[1]
    assert t("No longer has access") not in page.split("Nina Lie", 1)[0]


# --- the clock ------------------------------------------------------------------------

@pytest.mark.clock("2026-11-22 03:30")  # a Sunday night
def test_at_night_a_message_waits_for_the_morning(app, users, kids, smtp, clock):
    staff_message(users, kids)
    assert not smtp.messages  # push (e-mail without a device) keeps quiet until 07:00
    assert {local(row.due_at) for row in Notification.select()} == {
        datetime.datetime(2026, 11, 22, 7, 0, tzinfo=OSLO)}
    clock.set(datetime.datetime(2026, 11, 22, 6, 59, tzinfo=OSLO))
    run_queue(app)
    assert not smtp.messages
    clock.advance(minutes=1)
    run_queue(app)
    assert sorted(to[0] for to, _ in smtp.messages) == [
        "kari@example.org", "ola@example.org", "randi@example.org"]


@pytest.mark.clock("2026-12-31 23:30")
def test_the_sms_cap_starts_again_at_midnight_oslo_time(app, client, login, users, kids,
                                                       smtp, with_sms, clock, t):
    for name in ("kari", "ola", "bestemor"):
        choose(users[name], MESSAGE, {SMS}, schedule=Schedule(quiet=False))
    staff_message(users, kids)
    assert len(with_sms.sent) == 2  # December's two
    # Half past midnight in Oslo is still 31 December in UTC: a new month all the same.
    clock.set(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=OSLO))
    staff_message(users, kids, subject="Godt nytt år")
    assert len(with_sms.sent) == 4
    login("admin")
    page = text_of(client.get("/admin/notifications/"))
    assert t("Sent this month: %(sent)d of at most %(cap)d.", sent=2, cap=2) in page


def test_a_second_worker_refuses_to_start_while_one_runs(app):
    """Two workers would take back each other's rows at their start (release_claims)
    and send them twice: the second one does not start."""
    from models.notifications import single_worker
    single_worker.hold(app.instance_path)
    try:
        with pytest.raises(single_worker.AlreadyRunning):
            single_worker.hold(app.instance_path)
        result = app.test_cli_runner().invoke(args=["worker"])
        assert result.exit_code != 0 and "another worker is running" in result.output
    finally:
        single_worker.release()
    single_worker.hold(app.instance_path)  # free again once the first one ends
    single_worker.release()
