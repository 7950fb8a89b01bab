"""Office hours (issue 22): when staff and units answer messages; the notice a guardian
sees before writing outside them; staff notifications that wait for the hours to begin.

The demo's Solbakken skole answers Monday–Friday 08:00–15:30 (phone +47 22 00 10 00);
Solbakken SFO and Regnbuen barnehage have no hours. 18 November 2026 is a Wednesday.
"""
import datetime

import pytest

from models.calendar.tables import DayOff
from models.db import utcnow
from models.messaging import inbox, office_hours, recipients
from models.messaging.office_hours import StaffOfficeHours, UnitOfficeHours
from models.notifications import notify
from models.notifications.queue import ZONES
from models.notifications.tables import (EMAIL, GUARDIAN_MESSAGE, MESSAGE, REPLY, Choice,
                                         Notification, Schedule)
from models.notifications import preferences
from models.school.tables import Unit

from .cast import GUARDIANS, ROLES, STAFF
from .helpers import HTMX, queries_for, text_of
from .matrix import Matrix, expect, only
from .smtp import smtp_server

OSLO = ZONES["NO"]
WEEKDAYS_8_16 = {day: (8 * 60, 16 * 60) for day in range(5)}
HOURS = "mandag–fredag 08:00–15:30"  # the demo school's, as the notice writes them (nb)
PHONE = "+47 22 00 10 00"


def oslo(*parts):
    return datetime.datetime(*parts, tzinfo=OSLO)


def utc(moment):
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)


# --- the next opening -------------------------------------------------------------------

@pytest.mark.parametrize("now, opens", [
    (oslo(2026, 11, 20, 17, 0), oslo(2026, 11, 23, 8, 0)),        # Friday after hours
    (oslo(2026, 11, 22, 23, 59, 50), oslo(2026, 11, 23, 8, 0)),   # Sunday, ten to midnight
    (oslo(2026, 11, 23, 7, 59), oslo(2026, 11, 23, 8, 0)),        # Monday before hours
    (oslo(2026, 11, 23, 16, 0), oslo(2026, 11, 24, 8, 0)),        # the end is not in
    (oslo(2026, 11, 18, 23, 30), oslo(2026, 11, 19, 8, 0)),       # across midnight
])
def test_the_next_opening(now, opens):
    assert not office_hours.is_open(WEEKDAYS_8_16, now)
    assert office_hours.next_opening(WEEKDAYS_8_16, now) == opens


def test_inside_the_hours_it_is_open():
    assert office_hours.is_open(WEEKDAYS_8_16, oslo(2026, 11, 23, 8, 0))
    assert office_hours.is_open(WEEKDAYS_8_16, oslo(2026, 11, 18, 15, 59))
    assert not office_hours.is_open(WEEKDAYS_8_16, oslo(2026, 11, 21, 10, 0))  # Saturday
    assert not office_hours.is_open({}, oslo(2026, 11, 18, 10, 0))
    assert office_hours.next_opening({}, oslo(2026, 11, 18, 10, 0)) is None


@pytest.mark.parametrize("now_utc, opens_utc", [
    # Autumn: clocks go back on Sunday 25 October 2026; Monday 08:00 is 07:00 UTC.
    (datetime.datetime(2026, 10, 23, 15, 0), datetime.datetime(2026, 10, 26, 7, 0)),
    (datetime.datetime(2026, 10, 25, 0, 30), datetime.datetime(2026, 10, 26, 7, 0)),  # 02:30 CEST
    (datetime.datetime(2026, 10, 25, 1, 30), datetime.datetime(2026, 10, 26, 7, 0)),  # 02:30 CET
    # Spring: clocks go forward on Sunday 29 March 2026; Monday 08:00 is 06:00 UTC.
    (datetime.datetime(2026, 3, 27, 16, 0), datetime.datetime(2026, 3, 30, 6, 0)),
    (datetime.datetime(2026, 3, 29, 1, 30), datetime.datetime(2026, 3, 30, 6, 0)),  # 03:30 CEST
])
def test_the_next_opening_over_the_daylight_saving_nights(now_utc, opens_utc):
    local = now_utc.replace(tzinfo=datetime.timezone.utc).astimezone(OSLO)
    assert utc(office_hours.next_opening(WEEKDAYS_8_16, local)) == opens_utc


def test_days_off_are_skipped():
    christmas = {datetime.date(2026, 12, 21) + datetime.timedelta(days=n) for n in range(14)}
    found = office_hours.next_opening(WEEKDAYS_8_16, oslo(2026, 12, 18, 17, 0), christmas)
    assert found == oslo(2027, 1, 4, 8, 0)


def test_openings_follow_own_hours_then_the_units(app, users, ids):
    school, kindergarten = ids["school"], ids["kindergarten"]
    friday = utc(oslo(2026, 11, 20, 17, 0))
    larer1a, faglarer = users["larer1a"], users["faglarer"]
    office_hours.save_own(larer1a, {0: (9 * 60, 12 * 60)})
    found = office_hours.openings(school, [larer1a.id, faglarer.id], friday, OSLO)
    assert found == {larer1a.id: utc(oslo(2026, 11, 23, 9, 0)),
                     faglarer.id: utc(oslo(2026, 11, 23, 8, 0))}
    # A unit without hours: nothing waits.
    assert office_hours.openings(kindergarten, [users["bhg"].id], friday, OSLO) == {}
    # Inside the hours: nothing waits either.
    wednesday = utc(oslo(2026, 11, 18, 10, 0))
    assert office_hours.openings(school, [faglarer.id], wednesday, OSLO) == {}


def test_the_units_days_off_count(app, users, ids):
    DayOff.create(unit=ids["school"], first_day=datetime.date(2026, 11, 23),
                  last_day=datetime.date(2026, 11, 24), name="Planleggingsdager")
    friday = utc(oslo(2026, 11, 20, 17, 0))
    found = office_hours.openings(ids["school"], [users["larer1a"].id], friday, OSLO)
    assert found == {users["larer1a"].id: utc(oslo(2026, 11, 25, 8, 0))}


@pytest.mark.parametrize("others", [0, 2, 70])  # one id; three (padded to four); past 64
def test_openings_for_many_staff_at_once(app, users, ids, others):
    """The query is prepared for a number of people rounded up (unused places hold 0),
    and built for the call past 64: each way, every person gets their own opening and
    nobody who does not exist is made up."""
    friday = utc(oslo(2026, 11, 20, 17, 0))
    larer1a, faglarer = users["larer1a"], users["faglarer"]
    office_hours.save_own(larer1a, {0: (9 * 60, 12 * 60)})
    people = [larer1a.id] + [faglarer.id] * min(others, 1) + list(range(10**6, 10**6 + others))
    found = office_hours.openings(ids["school"], people, friday, OSLO)
    expected = {larer1a.id: utc(oslo(2026, 11, 23, 9, 0))}
    # People with no hours of their own follow the unit's: an unknown id too, as before.
    expected.update({uid: utc(oslo(2026, 11, 23, 8, 0)) for uid in people[1:]})
    assert found == expected
    assert 0 not in found


# --- the notice a guardian sees -------------------------------------------------------

def seen(response):
    """The page's text, with the phone link's end not set apart from its full stop."""
    return text_of(response).replace(" .", ".")


def notice_texts(t, who="Solbakken skole", hours=HOURS, when="mandag 08:00"):
    return [t("%(who)s answers messages %(hours)s.", who=who, hours=hours),
            t("You can expect an answer from %(when)s.", when=when),
            t("For urgent matters, call %(phone)s.", phone=PHONE)]


@pytest.mark.clock("2026-11-20 17:00")  # a Friday, after the school's hours
def test_a_guardian_writing_after_hours_is_told_before_sending(client, login, ids, t):
    login("kari")
    response = client.get(f"/messages/new?child={ids['emma']}")
    page = seen(response)
    for text in notice_texts(t):
        assert text in page
    assert 'href="tel:+4722001000"' in response.get_data(as_text=True)
    thread = seen(client.get(f"/messages/{ids['dentist']}"))
    for text in notice_texts(t):
        assert text in thread
    # The notice comes before the form's button, on the plain page.
    assert thread.index(notice_texts(t)[0]) < thread.rindex(t("Send"))


@pytest.mark.clock("2026-11-18 10:00")  # a Wednesday morning: the school answers
def test_inside_the_hours_there_is_no_notice(client, login, ids, t):
    login("kari")
    page = text_of(client.get(f"/messages/new?child={ids['emma']}"))
    assert t("You can expect an answer from %(when)s.", when="mandag 08:00")[:20] not in page
    assert notice_texts(t)[0] not in page
    assert notice_texts(t)[0] not in text_of(client.get(f"/messages/{ids['dentist']}"))


@pytest.mark.clock("2026-11-20 17:00")
def test_no_notice_for_a_unit_without_hours_nor_for_staff(client, login, ids, t):
    login("ola")  # Emma at the SFO (no hours) and at the school
    page = text_of(client.get(f"/messages/new?child={ids['emma']}&to=unit:{ids['sfo_unit']}"))
    assert notice_texts(t)[0] not in page
    login("larer1a")
    page = text_of(client.get(f"/messages/{ids['dentist']}"))
    assert notice_texts(t)[0] not in page
    page = text_of(client.get(f"/messages/new?child={ids['emma']}"))
    assert notice_texts(t)[0] not in page


@pytest.mark.clock("2026-11-20 17:00")
def test_choosing_another_recipient_swaps_the_notice_with_htmx(client, login, ids, t):
    login("kari")
    base = f"/messages/new?child={ids['emma']}"
    response = client.get(f"{base}&to=unit:{ids['school']}", headers=HTMX)
    assert response.status_code == 200
    assert 'id="office-hours-notice"' in response.get_data(as_text=True)
    assert notice_texts(t)[0] in text_of(response)
    response = client.get(f"{base}&to=unit:{ids['sfo_unit']}", headers=HTMX)
    assert 'id="office-hours-notice"' in response.get_data(as_text=True)
    assert notice_texts(t)[0] not in text_of(response)


@pytest.mark.clock("2026-11-20 17:00")
def test_a_teachers_own_hours_are_named(client, login, users, ids, t):
    office_hours.save_own(users["larer1a"], {0: (9 * 60, 12 * 60), 1: (9 * 60, 12 * 60)})
    login("kari")
    page = text_of(client.get(f"/messages/new?child={ids['emma']}&to=staff:{ids['larer1a']}"))
    assert t("%(who)s answers messages %(hours)s.", who="Lars Lærer",
             hours="mandag–tirsdag 09:00–12:00") in page
    assert t("You can expect an answer from %(when)s.", when="mandag 09:00") in page


@pytest.mark.clock("2026-12-18 17:00")  # the Friday before the Christmas holiday
def test_the_notice_skips_the_holiday_and_gives_the_date(client, login, ids, t):
    DayOff.create(unit=ids["school"], first_day=datetime.date(2026, 12, 21),
                  last_day=datetime.date(2027, 1, 1), name="Juleferie")
    login("kari")
    page = text_of(client.get(f"/messages/new?child={ids['emma']}"))
    assert t("You can expect an answer from %(when)s.", when="mandag 04.01.2027 08:00") in page


@pytest.mark.clock("2026-11-20 17:00")
@pytest.mark.parametrize("url", ["/messages/new?child={emma}", "/messages/{dentist}"])
def test_the_notice_keeps_the_pages_within_six_queries(client, login, ids, url):
    login("kari")
    client.get(url.format(**ids))  # the first view of a thread marks it read
    assert queries_for(client, url.format(**ids)) <= 6


# --- staff notifications wait for the hours ---------------------------------------------

@pytest.fixture
def smtp(app):
    with smtp_server(app) as server:
        yield server


def run_queue(app):
    with app.app_context():
        return app.extensions["queue"].run()


def to_teacher(smtp):
    return [m for to, m in smtp.messages if "larer1a@demo.kommune.no" in to]


def teacher_thread(users, kids):
    emma = kids["Emma"]
    school = Unit.get(Unit.name == "Solbakken skole")
    return inbox.start_thread(school, emma, "Tur", "Husk matpakke", users["larer1a"],
                              inbox.new_form_token(),
                              guardians=list(recipients.guardians_with_access(emma)),
                              staff=[users["larer1a"]], as_guardian=False)


@pytest.mark.clock("2026-11-18 22:00")  # Wednesday evening
def test_a_guardians_message_at_night_reaches_the_teacher_at_eight(app, users, kids, smtp,
                                                                   clock):
    thread = teacher_thread(users, kids)
    smtp.messages.clear()
    inbox.reply(thread, users["kari"], "Takk!", inbox.new_form_token(), as_guardian=True)
    rows = list(Notification.select().where(Notification.event == GUARDIAN_MESSAGE))
    assert {utc(oslo(2026, 11, 19, 8, 0))} == {row.due_at for row in rows}
    run_queue(app)
    clock.set(oslo(2026, 11, 19, 7, 59))
    run_queue(app)  # the worker may have restarted: the due time is in the row
    assert not to_teacher(smtp)
    clock.set(oslo(2026, 11, 19, 8, 0))
    run_queue(app)
    assert len(to_teacher(smtp)) == 1


@pytest.mark.clock("2026-11-20 22:00")  # Friday evening
def test_on_friday_night_it_waits_for_monday(app, users, kids, smtp, clock):
    thread = teacher_thread(users, kids)
    inbox.reply(thread, users["kari"], "Takk!", inbox.new_form_token(), as_guardian=True)
    clock.set(oslo(2026, 11, 23, 7, 59))
    run_queue(app)
    assert not to_teacher(smtp)
    clock.set(oslo(2026, 11, 23, 8, 0))
    run_queue(app)
    assert len(to_teacher(smtp)) == 1


@pytest.mark.clock("2026-11-18 22:00")
def test_urgent_goes_at_once_and_guardians_are_not_held(app, users, kids, smtp, ids):
    for name in ("kari", "ola", "bestemor"):
        choices = preferences.choices_of(users[name])
        choices[MESSAGE] = choices[REPLY] = Choice(frozenset({EMAIL}))
        preferences.save_choices(users[name], choices, Schedule())
    thread = teacher_thread(users, kids)  # a teacher writing at 22:00: guardians now
    assert [m for to, m in smtp.messages if "kari@example.org" in to]
    preferences.save_choices(users["larer1a"], {GUARDIAN_MESSAGE: Choice(frozenset({EMAIL}))},
                             Schedule())
    smtp.messages.clear()
    with app.test_request_context():
        notify.publish(notify.Event(kind=GUARDIAN_MESSAGE, source="urgent-test",
                                    path=f"/messages/{thread.id}", unit_id=ids["school"],
                                    thread_id=thread.id, urgent=True,
                                    recipients={users["larer1a"].id: None}))
    row = Notification.get(Notification.key.startswith(f"{GUARDIAN_MESSAGE}:urgent-test"))
    assert row.due_at <= utcnow()
    run_queue(app)
    assert len(to_teacher(smtp)) == 1
    smtp.messages.clear()
    inbox.announce(users["rektor"], Unit.get_by_id(ids["school"]), None, "Skolen er stengt",
                   "Snø", inbox.new_form_token(), True, False, urgent=True)
    assert [m for to, m in smtp.messages if "ola@example.org" in to]


@pytest.mark.clock("2026-11-18 13:00")  # the school answers; the teacher only mornings
def test_own_hours_hold_the_notification(app, users, kids, smtp):
    office_hours.save_own(users["larer1a"], {d: (9 * 60, 12 * 60) for d in range(5)})
    thread = teacher_thread(users, kids)
    inbox.reply(thread, users["kari"], "Takk!", inbox.new_form_token(), as_guardian=True)
    assert {row.due_at for row in Notification.select().where(
        Notification.event == GUARDIAN_MESSAGE)} == {utc(oslo(2026, 11, 19, 9, 0))}
    assert not to_teacher(smtp)


# --- the settings pages -----------------------------------------------------------------

GOOD = {**{f"opens-{d}": "08:00" for d in range(5)}, **{f"closes-{d}": "16:00" for d in range(5)}}
ROUTES = Matrix({
    ("GET", "/account/office-hours"): only(STAFF),
    ("POST", "/account/office-hours"): expect(only(STAFF, 303), data=GOOD),
    ("GET", "/units/{school}/office-hours"): only(["rektor", "admin"]),
    ("POST", "/units/{school}/office-hours"): expect(only(["rektor", "admin"], 303),
                                                     data={**GOOD, "phone": PHONE}),
    ("GET", "/units/{kindergarten}/office-hours"): only(["styrer", "admin"]),
    ("POST", "/units/{kindergarten}/office-hours"): expect(only(["styrer", "admin"], 400),
                                                           data={"opens-0": "09:00"}),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids)


def test_guardians_never_reach_the_pages(client, login, ids):
    for name in GUARDIANS:
        login(name)
        assert client.get("/account/office-hours").status_code == 404
        assert client.post(f"/units/{ids['school']}/office-hours", data=GOOD).status_code == 404


def test_a_teacher_sets_only_their_own_hours(client, login, users, t):
    login("larer1a")
    page = text_of(client.get("/account/office-hours"))
    assert "08:00–15:30" in page  # the unit's, followed
    response = client.post("/account/office-hours", data={"opens-0": "09:00",
                                                          "closes-0": "12:00"})
    assert response.status_code == 303
    page = text_of(client.get("/account/office-hours"))
    assert t("Your office hours are saved.") in page
    assert "09:00–12:00" in page
    assert office_hours.own_week(users["larer1a"]) == {0: (540, 720)}
    assert office_hours.own_week(users["faglarer"]) == {}
    assert not UnitOfficeHours.select().where(UnitOfficeHours.opens == 540).exists()
    # Every day empty: back to the unit's hours.
    client.post("/account/office-hours", data={})
    assert not StaffOfficeHours.select().exists()


def test_the_unit_leader_sets_the_units_hours_and_phone(client, login, ids, users, t):
    login("rektor")
    assert t("Office hours of %(unit)s", unit="Solbakken skole") in text_of(
        client.get("/account/office-hours"))
    page = text_of(client.get(f"/units/{ids['school']}/office-hours"))
    assert "08:00–15:30" in page and PHONE in page
    response = client.post(f"/units/{ids['school']}/office-hours",
                           data={"opens-0": "07:45", "closes-0": "14:00",
                                 "phone": "+47 12 34 56 78"})
    assert response.status_code == 303
    school = Unit.get_by_id(ids["school"])
    assert office_hours.unit_week(school) == {0: (465, 840)} and school.phone == "+47 12 34 56 78"


@pytest.mark.parametrize("data, field, message", [
    ({"opens-0": "16:00", "closes-0": "08:00"}, "closes-0",
     ("The end must be after the start (%(day)s).", {"day": "mandag"})),
    ({"opens-0": "08:00", "closes-0": "08:00"}, "closes-0",
     ("The end must be after the start (%(day)s).", {"day": "mandag"})),
    ({"opens-2": "25:00", "closes-2": "26:00"}, "opens-2",
     ("Write the time as hh:mm, for example 08:00 (%(day)s).", {"day": "onsdag"})),
    ({"opens-4": "8", "closes-4": "12:00"}, "opens-4",
     ("Write the time as hh:mm, for example 08:00 (%(day)s).", {"day": "fredag"})),
    ({"opens-1": "08:00"}, "closes-1",
     ("Write both when answering starts and when it ends on %(day)s, or leave both "
      "empty.", {"day": "tirsdag"})),
    ({"opens-0": "08:00", "closes-0": "16:00", "phone": "ring meg"}, "phone",
     ("Write the phone number with digits only, for example +47 912 34 567.", {})),
])
def test_a_bad_value_comes_back_with_a_message_and_what_was_typed(client, login, ids, t,
                                                                  data, field, message):
    login("rektor")
    response = client.post(f"/units/{ids['school']}/office-hours",
                           data={"phone": PHONE, **data})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    text, values = message
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f'href="#{field}"' in summary
    assert t(text, **values) in text_of(response)
    for key, value in data.items():
        if key != "phone":
            assert f'value="{value}"' in html
    assert office_hours.unit_week(Unit.get_by_id(ids["school"]))[0] == (480, 930)  # unchanged


def test_the_settings_pages_cost_few_queries(client, login, ids):
    login("rektor")
    assert queries_for(client, "/account/office-hours") <= 6
    assert queries_for(client, f"/units/{ids['school']}/office-hours") <= 6
