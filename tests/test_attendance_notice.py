"""The notice of an unexplained absence (issue 18): a child marked absent in the
register with no word from home makes their guardians with parental responsibility
(rule 1) hear of it at once, or from the unit's notice time, urgently; one tap answers
it ("ill today", "on the way", "call me"). A unit's leader sets when the notice goes,
which staff reasons need none, and whether the school registers per lesson."""
import datetime
import html as htmllib
import json
import zoneinfo

import pytest

from models.absence.tables import Absence
from models.attendance import register, settings
from models.attendance.tables import (ACTIVITY, PHONED, UNKNOWN, AbsenceNotice,
                                      AttendanceMark, AttendanceSetting)
from models.audit import AuditEvent
from models.calendar.tables import DayOff
from models.db import utcnow
from models.notifications import preferences
from models.notifications.tables import (ABSENCE_CALL, ABSENCE_NOTICE, DROPPED, EMAIL, PUSH,
                                         SENT, SMS, Choice, Notification, PushSubscription,
                                         Schedule)
from models.school.tables import Child, Enrolment, Group, Unit, User

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import HTMX_MODE, Matrix, expect, only
from .smtp import smtp_server

pytestmark = pytest.mark.clock("2026-11-18 10:00")  # a Wednesday of a school week
TODAY = datetime.date(2026, 11, 18)
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")

LEADERS = {"rektor", "admin"}
ROUTES = Matrix({
    # The demo marked Jonas absent with no report: Nina, his only guardian, has a notice.
    ("GET", "/children/{jonas}/notice"): only({"nina"}),
    ("GET", "/children/{jonas}/notice", HTMX_MODE): only({"nina"}),
    ("GET", "/children/{emma}/notice"): only(()),  # no notice for Emma today
    ("POST", "/children/{jonas}/notice"): expect(only({"nina"}, 400), data={"answer": "?"}),
    ("POST", "/children/{emma}/notice"): expect(only(()), data={"answer": "ill"}),
    ("GET", "/units/{school}/attendance-settings"): only(LEADERS),
    ("GET", "/units/{kindergarten}/attendance-settings"): only({"styrer", "admin"}),
    ("POST", "/units/{school}/attendance-settings"): expect(only(LEADERS, 400),
                                                            data={"mode": ""}),
    ("GET", "/groups/{g1a}/register?lesson=0"): only({"rektor", "larer1a", "faglarer"}),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids, data={})


@pytest.fixture
def smtp(app):
    with smtp_server(app) as server:
        yield server


def g1a():
    return Group.get(Group.name == "1A")


def school():
    return Unit.get(Unit.name == "Solbakken skole")


def tap(client, child, status, reason=None, day=None, lesson=None):
    """One tap in 1A's register (htmx), as whoever is logged in."""
    query = f"?day={(day or TODAY).isoformat()}" + (f"&lesson={lesson}" if lesson else "")
    data = {f"status-{child.id}": status}
    if reason:
        data[f"reason-{child.id}"] = reason
    response = client.post(f"/groups/{g1a().id}/register/{child.id}{query}", data=data,
                           headers=HTMX)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def told(event=ABSENCE_NOTICE):
    return sorted(u.username for u in User.select().join(
        Notification, on=(Notification.user == User.id)).where(
        Notification.event == event).distinct())


def mails(smtp):
    return sorted(to[0] for to, _ in smtp.messages)


def run_queue(app):
    with app.app_context():
        return app.extensions["queue"].run()


def notice_of(child):
    return AbsenceNotice.get_or_none((AbsenceNotice.child == child.id)
                                     & (AbsenceNotice.day == TODAY))


def row_html(response, child):
    html = response.get_data(as_text=True)
    start = html.index(f'id="row-{child.id}"')
    return htmllib.unescape(html[start:html.index("</li>", start)])


# --- who hears of it, and what it says ---------------------------------------------

def test_the_demo_has_ninas_notice_on_her_home_page_and_in_the_register(client, login,
                                                                         kids, t):
    login("nina")
    home = client.get("/")
    assert t("Absent from school without a report – please answer") in text_of(home)
    assert f"/children/{kids['Jonas'].id}/notice" in home.get_data(as_text=True)
    login("larer1a")
    page = client.get(f"/groups/{g1a().id}/register")
    assert t("Notice sent to the guardians at %(time)s: %(names)s", time="10:00",
             names="Nina Lie") in text_of(page)
    assert t("No answer yet") in row_html(page, kids["Jonas"])
    login("kari")  # another family never sees it
    assert t("Absent from school without a report – please answer") not in text_of(
        client.get("/"))


def test_only_guardians_with_parental_responsibility_are_told_and_never_what(
        app, client, login, users, kids, smtp, t):
    """Emma: Kari and Ola, not Per (information only), not Randi (a caregiver). The
    e-mail says the unit and the kind of event, never the child, the reason or
    another child."""
    login("larer1a")
    tap(client, kids["Emma"], "absent")
    assert told() == ["kari", "ola"]
    assert mails(smtp) == ["kari@example.org", "ola@example.org"]
    mail = smtp.messages[0][1]
    assert mail["Subject"] == t("Urgent: %(title)s", title=t(
        "%(unit)s: your child is absent without a report", unit="Solbakken skole"))
    body = mail.get_body().get_content()
    assert f"/children/{kids['Emma'].id}/notice?day=2026-11-18" in body
    for secret in ("Emma", "Hansen", "Jonas", "Sara", t("Reason not known"), "Lærer"):
        assert secret not in body and secret not in mail["Subject"]
    notice = notice_of(kids["Emma"])
    assert notice.told == "Kari Hansen, Ola Hansen"
    assert all(n.urgent and not n.digest for n in Notification.select())


def test_sms_and_push_say_no_more_than_the_email(app, client, login, users, kids, smtp, t):
    import dataclasses

    from models.notifications import sms

    from .push_service import PushService, Receiver
    from .sms_gateway import PASSWORD, USERNAME, FakeElks
    for name, channel in (("kari", SMS), ("ola", PUSH)):
        choices = preferences.choices_of(users[name])
        choices[ABSENCE_NOTICE] = Choice(frozenset({channel}))
        # Quiet hours never hold an urgent notice; the schedule is left as it is.
        preferences.save_choices(users[name], choices, Schedule())
    service = PushService()
    try:
        receiver = Receiver()
        keys = receiver.subscription(service.endpoint())
        PushSubscription.create(user=users["ola"].id, endpoint=keys["endpoint"],
                                p256dh=keys["keys"]["p256dh"], auth=keys["keys"]["auth"])
        with FakeElks() as gateway:
            config = sms.Settings(provider="46elks", username=USERNAME, password=PASSWORD,
                                  sender="Demo", url=gateway.url, monthly_cap=10)
            app.config["MUNICIPALITY"] = dataclasses.replace(app.config["MUNICIPALITY"],
                                                             sms=config)
            app.extensions["sms_gateway"] = sms.from_settings(config)
            login("larer1a")
            tap(client, kids["Emma"], "absent")
            texts = [m["message"] for m in gateway.sent]
        pushed = [json.loads(receiver.decrypt(r.body)) for r in service.received]
    finally:
        service.close()
    assert len(texts) == 1 and len(pushed) == 1 and not smtp.messages
    title = t("%(unit)s: your child is absent without a report", unit="Solbakken skole")
    assert title in texts[0] and title in pushed[0]["title"]
    for secret in ("Emma", "Hansen", "Jonas", t("Reason not known")):
        assert secret not in texts[0]
        assert secret not in json.dumps(pushed[0], ensure_ascii=False)


@pytest.mark.parametrize("case", ["reported", "leave", "exempt", "yesterday", "present"])
def test_no_notice_when_something_explains_it(client, login, users, kids, smtp, case):
    emma = kids["Emma"]
    if case in ("reported", "leave"):
        Absence.create(child=emma, start_date=TODAY, end_date=TODAY,
                       reason="ill" if case == "reported" else "leave",
                       reported_by=users["kari"])
    login("larer1a")
    if case == "exempt":
        tap(client, emma, "absent", PHONED)
        tap(client, emma, "absent", ACTIVITY)
    elif case == "yesterday":
        tap(client, emma, "absent", day=TODAY - datetime.timedelta(days=1))
    elif case == "present":
        tap(client, emma, "present")
    else:
        tap(client, emma, "absent")
    assert notice_of(emma) is None and told() == [] and not smtp.messages


@pytest.mark.parametrize("day, holiday", [(datetime.date(2026, 11, 21), False),
                                          (TODAY, True)])
def test_no_notice_on_a_weekend_or_a_holiday(app, users, kids, clock, day, holiday):
    """The register refuses those days (tests/test_attendance.py); the model does not
    notice on them either."""
    if holiday:
        DayOff.create(unit=school(), first_day=TODAY, last_day=TODAY, name="Planleggingsdag")
    clock.set(datetime.datetime.combine(day, datetime.time(10), tzinfo=OSLO))
    with app.test_request_context():
        register.save(g1a(), day, {kids["Emma"].id: ("absent", None, UNKNOWN)},
                      users["larer1a"])
    assert AttendanceMark.select().where(AttendanceMark.child == kids["Emma"].id).exists()
    assert not AbsenceNotice.select().where(AbsenceNotice.child == kids["Emma"].id).exists()


def test_an_exempt_reason_is_the_units_choice(client, login, kids, users):
    settings.store(school(), settings.Settings(exempt=(ACTIVITY,)), users["rektor"])
    login("larer1a")
    tap(client, kids["Emma"], "absent", PHONED)
    assert notice_of(kids["Emma"]) is not None and told() == ["kari", "ola"]
    # Changing the reason to an exempt one withdraws the unanswered notice.
    tap(client, kids["Emma"], "absent", ACTIVITY)
    assert notice_of(kids["Emma"]).withdrawn_at is not None


def test_a_notice_waits_for_the_units_time_and_is_dropped_if_a_report_came(
        app, client, login, users, kids, smtp, clock, t):
    settings.store(school(), settings.Settings(notice_after=datetime.time(11, 0)),
                  users["rektor"])
    login("larer1a")
    tap(client, kids["Emma"], "absent")
    tap(client, kids["Sara"], "absent")
    assert not smtp.messages
    due = {n.due_at.replace(tzinfo=datetime.timezone.utc).astimezone(OSLO).time()
           for n in Notification.select()}
    assert due == {datetime.time(11, 0)}
    waiting = t("Absent from school without a report – please answer")
    login("lise")  # not told yet: nothing waits for her before the notice time
    assert waiting not in text_of(client.get("/"))
    login("larer1a")
    page = client.get(f"/groups/{g1a().id}/register")
    assert t("Notice to the guardians at %(time)s: %(names)s", time="11:00",
             names="Lise Berg") in text_of(page)
    clock.advance(minutes=30)
    run_queue(app)
    assert not smtp.messages
    login("kari")  # Emma's report comes in at 10:30
    assert client.post(f"/children/{kids['Emma'].id}/absence", data={
        "start": TODAY.isoformat(), "end": "", "part": "whole", "time": "",
        "picked_up_by": "", "reason": "ill", "note": ""}).status_code == 303
    clock.set(datetime.datetime(2026, 11, 18, 11, 0, 1, tzinfo=OSLO))
    run_queue(app)
    assert mails(smtp) == ["lise@example.org"]
    login("lise")  # told now, and the notice waits for her answer
    assert waiting in text_of(client.get("/"))
    kari = Notification.get(Notification.user == users["kari"].id)
    assert (kari.status, kari.error) == (DROPPED, "no access")
    assert Notification.get((Notification.user == users["lise"].id)
                            & (Notification.channel == EMAIL)).status == SENT


def test_marking_present_again_withdraws_a_pending_notice(app, client, login, users, kids,
                                                          smtp, clock, t):
    settings.store(school(), settings.Settings(notice_after=datetime.time(11, 0)),
                  users["rektor"])
    login("larer1a")
    tap(client, kids["Sara"], "absent")
    choices = preferences.choices_of(users["lise"])
    preferences.save_choices(users["lise"], choices, Schedule(quiet=False))
    assert {n.status for n in Notification.select()} == {"pending"}  # not sent early
    tap(client, kids["Sara"], "late")
    assert notice_of(kids["Sara"]).withdrawn_at is not None
    assert {n.status for n in Notification.select()} == {DROPPED}
    # Absent again before the notice time: the same notice waits again, once.
    tap(client, kids["Sara"], "absent")
    assert [n.status for n in Notification.select().order_by(Notification.id)] == [
        DROPPED, "pending"]
    tap(client, kids["Sara"], "present")
    login("lise")
    assert t("Absent from school without a report – please answer") not in text_of(
        client.get("/"))
    clock.set(datetime.datetime(2026, 11, 18, 11, 5, tzinfo=OSLO))
    run_queue(app)
    assert not smtp.messages
    login("lise")
    page = client.get(f"/children/{kids['Sara'].id}/notice")
    assert page.status_code == 200
    assert t("The school has since marked %(name)s present. There is nothing to answer.",
             name="Sara") in text_of(page)
    # Marked absent again, the same notice opens again and goes.
    login("larer1a")
    tap(client, kids["Sara"], "absent")
    assert notice_of(kids["Sara"]).withdrawn_at is None
    assert mails(smtp) == ["lise@example.org"]


# --- the answers -------------------------------------------------------------------

def answer(client, child, value, day=TODAY):
    return client.post(f"/children/{child.id}/notice?day={day.isoformat()}",
                       data={"answer": value})


def test_ill_today_becomes_a_report_the_register_shows(client, login, users, kids, smtp, t):
    login("larer1a")
    tap(client, kids["Emma"], "absent")
    login("ola")
    page = client.get(f"/children/{kids['Emma'].id}/notice")
    assert page.status_code == 200
    for value in ("Ill today", "On the way", "I don't know where my child is — call me"):
        assert t(value) in text_of(page)
    done = answer(client, kids["Emma"], "ill")
    assert done.status_code == 303
    report = Absence.get((Absence.child == kids["Emma"].id) & (Absence.start_date == TODAY))
    assert (report.reason, report.reported_by_id, report.by_staff) == (
        "ill", users["ola"].id, False)
    after = client.get(done.headers["Location"])
    assert t("%(name)s answered at %(time)s: %(answer)s", name="Ola Hansen", time="10:00",
             answer=t("Ill today")) in text_of(after)
    assert t("Thank you. The school now has your report that your child is ill today.") in \
        text_of(after)
    event = AuditEvent.get(AuditEvent.action == "attendance.notice_answered")
    assert event.actor_id == users["ola"].id and event.children == [kids["Emma"].id]
    assert json.loads(event.detail)["answer"] == "ill"
    login("larer1a")
    row = row_html(client.get(f"/groups/{g1a().id}/register"), kids["Emma"])
    assert f"{t('Reported by the guardians')}: {t('Ill')}" in row
    assert t("%(name)s answered at %(time)s: %(answer)s", name="Ola Hansen", time="10:00",
             answer=t("Ill today")) in row


def test_call_me_alerts_the_contact_teacher_and_the_leader_with_the_phones(
        client, login, users, kids, smtp, t):
    smtp.messages.clear()
    login("nina")
    assert answer(client, kids["Jonas"], "call_me").status_code == 303
    assert told(ABSENCE_CALL) == ["larer1a", "rektor"]
    assert all(n.urgent for n in Notification.select().where(
        Notification.event == ABSENCE_CALL))
    assert mails(smtp) == ["larer1a@demo.kommune.no", "rektor@demo.kommune.no"]
    mail = smtp.messages[0][1]
    assert t("%(unit)s: a guardian asks to be called about an absence",
             unit="Solbakken skole") in mail["Subject"]
    body = mail.get_body().get_content()
    assert "Jonas" not in body and "Nina" not in body
    assert f"/groups/{g1a().id}/register?day=2026-11-18" in body
    login("larer1a")
    row = row_html(client.get(f"/groups/{g1a().id}/register"), kids["Jonas"])
    assert t("Call the guardians now:") in row
    assert 'href="tel:+4790000004"' in row and "+47 900 00 004" in row
    assert t("I don't know where my child is — call me") in row


def test_on_the_way_and_the_first_answer_counts(client, login, users, kids, t):
    login("larer1a")
    tap(client, kids["Emma"], "absent")
    login("kari")
    assert answer(client, kids["Emma"], "on_the_way").status_code == 303
    login("ola")
    late = answer(client, kids["Emma"], "call_me")
    assert late.status_code == 409
    text = text_of(late)
    assert t("Your answer was not saved: the notice was already answered or closed.") in text
    assert t("%(name)s answered at %(time)s: %(answer)s", name="Kari Hansen", time="10:00",
             answer=t("On the way")) in text
    assert notice_of(kids["Emma"]).answer == "on_the_way"
    assert told(ABSENCE_CALL) == []
    assert not Absence.select().where((Absence.child == kids["Emma"].id)
                                      & (Absence.start_date == TODAY)).exists()
    login("kari")  # answered: off the home page
    assert t("Absent from school without a report – please answer") not in text_of(
        client.get("/"))


@pytest.mark.parametrize("role", ["per", "bestemor", "lise", "nina", "larer1a", "rektor",
                                  "admin"])
def test_only_the_childs_answering_guardians_open_or_answer_it(client, login, kids, role):
    login("larer1a")
    tap(client, kids["Emma"], "absent")
    login(role)
    assert client.get(f"/children/{kids['Emma'].id}/notice").status_code == 404
    assert answer(client, kids["Emma"], "ill").status_code == 404
    assert notice_of(kids["Emma"]).answer == ""


def test_hostile_params_are_refused_not_crashed(client, login, kids, users):
    login("nina")
    jonas = kids["Jonas"].id
    for url in (f"/children/{jonas}/notice?day=2026-13-01",
                f"/children/{jonas}/notice?day=x'--"):
        assert client.get(url).status_code == 400
    assert client.post(f"/children/{jonas}/notice", data={"answer": "x" * 5000}
                       ).status_code == 400
    assert client.get(f"/children/{jonas}/notice?day=2026-11-17").status_code == 404
    assert client.get(f"/children/99999999999999999999/notice").status_code == 404
    login("larer1a")
    group = g1a().id
    for query in ("lesson=abc", "lesson=1", "lesson=-1", "lesson=99999999999999999999"):
        assert client.get(f"/groups/{group}/register?{query}").status_code == 400
    assert client.post(f"/groups/{group}/register/{jonas}", headers=HTMX, data={
        f"status-{jonas}": "absent", f"reason-{jonas}": "<script>"}).status_code == 400
    settings.store(school(), settings.Settings(lessons=6), users["rektor"])
    for query in ("lesson=0", "lesson=7", "lesson=abc"):
        assert client.get(f"/groups/{group}/register?{query}").status_code == 400


# --- the unit's settings -----------------------------------------------------------

def test_the_leader_sets_registers_per_lesson_and_the_notice_time(client, login, kids, t):
    login("rektor")
    url = f"/units/{school().id}/attendance-settings"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="mode-day" name="mode" value="day" checked' in html
    assert 'id="exempt-phoned" name="exempt" value="phoned" checked' in html
    assert 'id="exempt-sent_home" name="exempt" value="sent_home">' in html
    assert f"/units/{school().id}/attendance-settings" in client.get(
        f"/groups/{g1a().id}/register").get_data(as_text=True)
    bad = client.post(url, data={"mode": "lesson", "lessons": "40", "notice_after": "25:00",
                                 "exempt": ["phoned", "nonsense"]})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert html.index('class="error-summary"') < html.index('class="error"')
    for target in ("#lessons", "#notice_after", "#exempt-phoned"):
        assert f'href="{target}"' in html
    assert 'value="40"' in html and 'value="25:00"' in html  # what was typed is kept
    assert AttendanceSetting.select().count() == 0
    saved = client.post(url, data={"mode": "lesson", "lessons": "6", "notice_after": "09:00",
                                   "exempt": ["activity"]})
    assert saved.status_code == 303
    found = settings.of_unit(school().id)
    assert found == settings.Settings(6, datetime.time(9, 0), (ACTIVITY,))
    event = AuditEvent.get(AuditEvent.action == "attendance.settings_changed")
    assert json.loads(event.detail) == {"lessons": 6, "notice_after": "09:00",
                                        "exempt": ["activity"]}
    back = client.get(saved.headers["Location"])
    assert t("The attendance settings of %(unit)s are saved.",
             unit="Solbakken skole") in text_of(back)
    # The register now has a lesson selector and keeps each lesson's marks.
    register_page = client.get(f"/groups/{g1a().id}/register")
    assert t("Lesson %(num)d", num=6) in text_of(register_page)
    sara = kids["Sara"]
    tap(client, sara, "late", lesson=2)
    mark = AttendanceMark.get(AttendanceMark.child == sara.id)
    assert mark.lesson == 2
    # Back to one register a day.
    assert client.post(url, data={"mode": "day", "lessons": "", "notice_after": ""}
                       ).status_code == 303
    assert settings.of_unit(school().id) == settings.Settings(0, None, ())


def test_teachers_see_no_settings_link(client, login):
    login("larer1a")
    assert "/attendance-settings" not in client.get(
        f"/groups/{g1a().id}/register").get_data(as_text=True)


# --- cost ----------------------------------------------------------------------------

def _more_children(group, n, users):
    for i in range(n):
        child = Child.create(first_name=f"Elev{i:02d}", last_name="Ekstra",
                             birth_date=datetime.date(2020, 1, 1))
        Enrolment.create(child=child, group=group, start_date=datetime.date(2026, 8, 15))
        AttendanceMark.create(child=child, group=group, day=TODAY, status="absent")
        AbsenceNotice.create(child=child, day=TODAY, group=group, told="Nina Lie",
                             answer="call_me" if i % 2 else "", answered_by=users["nina"],
                             answered_at=utcnow() if i % 2 else None)


def test_the_register_costs_the_same_few_queries_for_30_more_children(client, login, users,
                                                                     kids):
    login("nina")
    assert answer(client, kids["Jonas"], "call_me").status_code == 303
    login("larer1a")
    url = f"/groups/{g1a().id}/register"
    before = queries_for(client, url)
    _more_children(g1a(), 30, users)
    assert queries_for(client, url) == before <= 6
    assert "Elev29 Ekstra" in text_of(client.get(url))


def test_the_notice_page_and_the_settings_page_cost_few_queries(client, login, kids):
    login("nina")
    assert queries_for(client, f"/children/{kids['Jonas'].id}/notice") <= 6
    login("rektor")
    assert queries_for(client, f"/units/{school().id}/attendance-settings") <= 6


def test_a_kindergarten_register_sends_no_notice(client, login, kids, smtp):
    """Kindergarten children come when their day starts: the notice is the school's."""
    noah = kids["Noah"]
    group = Group.get(Group.name == "Blåklokka")
    login("bhg")
    response = client.post(f"/groups/{group.id}/register/{noah.id}", headers=HTMX,
                           data={f"status-{noah.id}": "absent"})
    assert response.status_code == 200
    assert AttendanceMark.get(AttendanceMark.child == noah.id).status == "absent"
    assert notice_of(noah) is None and told() == [] and not smtp.messages
