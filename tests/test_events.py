"""Events (issue 20): staff create, change and cancel an event for a unit, groups or
chosen children; invited families answer per child until the deadline; staff see the
replies of the children they reach and remind those who have not answered. Only the
invited families and the unit's staff see an event (404 for everyone else); no family
sees another's replies (rule 11); a protected child is named only to staff who reach it."""
import datetime

import icalendar
import pytest
from peewee import fn
from playhouse.test_utils import count_queries

from models.audit import AuditEvent
from models.db import database
from models.events import agenda, events, export, replies, retention
from models.events.tables import Event, EventReply
from models.notifications.tables import (EVENT, EVENT_CHANGED, EVENT_REMINDER, FELL_BACK,
                                         Notification)
from models.retention.common import Settings
from models.school.tables import GROUP_STAFF, Child, Enrolment, StaffRole, User

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import HTMX_MODE, Matrix, expect, only

pytestmark = pytest.mark.clock("2026-11-18 10:00")  # a Wednesday; the event is next Wednesday
DAY = datetime.date(2026, 11, 25)

FAMILIES_1A = {"kari", "ola", "bestemor", "nina", "lise"}  # Emma (twice, and her grandmother), Jonas, Sara
SCHOOL_STAFF = {"rektor", "larer1a", "faglarer"}
CREATORS = SCHOOL_STAFF | {"sfo", "styrer", "bhg"}
SEES = FAMILIES_1A | SCHOOL_STAFF
NOT_KEEPER = {name: 403 for name in FAMILIES_1A}

ROUTES = Matrix({
    ("GET", "/events/"): only((), no=200),
    ("GET", "/events/", HTMX_MODE): only((), no=200),
    ("GET", "/events/{event}"): only(SEES),
    ("GET", "/events/{event}", HTMX_MODE): only(SEES),
    ("GET", "/events/{event}.ics"): only(SEES),
    ("GET", "/events/new"): only(CREATORS),
    ("POST", "/events/new"): expect(only(CREATORS, 400), data={}),
    ("GET", "/events/{event}/edit"): {**only(SCHOOL_STAFF), **NOT_KEEPER},
    ("POST", "/events/{event}/edit"): expect({**only(SCHOOL_STAFF, 400), **NOT_KEEPER},
                                             data={}),
    ("POST", "/events/{event}/reply/{emma}"): expect(
        {**only({"kari", "ola"}, 303), "bestemor": 403}, data={"answer": "maybe"}),
    ("POST", "/events/{event}/reply/{jonas}"): expect(only({"nina"}, 303),
                                                      data={"answer": "no"}),
    ("POST", "/events/{event}/reply/{ali}"): expect(only(()), data={"answer": "no"}),
    ("POST", "/events/{event}/remind"): {**only(SCHOOL_STAFF, 303), **NOT_KEEPER},
    ("POST", "/events/{event}/cancel"): {**only(SCHOOL_STAFF, 303), **NOT_KEEPER},
})


@pytest.fixture
def event(app):
    return Event.get(Event.title == "Aktivitetsdag")


@pytest.fixture
def event_ids(ids, event):
    return {**ids, "event": event.id}


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, event_ids, role):
    ROUTES.check(client, login, role, event_ids)


def new_event(users, ids, **fields):
    values = {"unit_id": ids["school"], "title": "Juleavslutning", "language": "nb",
              "first_day": DAY, "last_day": DAY, "all_day": False,
              "start_time": datetime.time(17), "end_time": datetime.time(19),
              "group_ids": [ids["g1a"]], "reply_wanted": True, "asks_counts": True,
              "place": "Gymsalen"}
    values.update(fields)
    return events.create(users["larer1a"], events.Draft(**values))


def notified(kind, event):
    return dict(Notification.select(Notification.user, fn.COUNT(Notification.id))
                .where((Notification.event == kind) & (Notification.status != FELL_BACK)
                       & (Notification.path == f"/events/{event.id}"))
                .group_by(Notification.user).tuples())


def usernames(counts):
    names = dict(User.select(User.id, User.username).tuples())
    return {names[user_id]: count for user_id, count in counts.items()}


# --- who sees what (rules 1 and 11) ---------------------------------------------------

def test_a_family_sees_its_own_reply_and_no_other_familys(client, login, event, t):
    login("kari")
    page = text_of(client.get(f"/events/{event.id}"))
    assert "Emma" in page and t("Yes, we come") in page
    for other in ("Jonas", "Sara", "Lie", "Berg", t("Not answered")):
        assert other not in page
    login("nina")
    page = text_of(client.get(f"/events/{event.id}"))
    assert "Jonas" in page and "Emma" not in page and "Sara" not in page
    assert t("Not answered yet") in page


def test_staff_see_replies_per_child_and_totals(client, login, event, t):
    login("larer1a")
    page = text_of(client.get(f"/events/{event.id}"))
    for name in ("Emma Hansen", "Jonas Lie", "Sara Berg"):
        assert name in page
    assert t("%(num)d child invited", "%(num)d children invited", 3) in page
    assert t("Remind those who have not answered") in page


def test_a_protected_child_is_named_only_to_staff_who_reach_it(client, login, users, ids,
                                                               kids, t):
    helper = User.create(username="vikar", first_name="Vera", last_name="Vikar")
    StaffRole.create(user=helper, role=GROUP_STAFF, unit=ids["school"], group=ids["g1b"])
    whole = new_event(users, ids, group_ids=[], whole_unit=True)
    EventReply.create(event=whole, child=kids["Sara"], answer="yes", answered_at=whole.created_at)
    login("vikar")  # staff of the school, in 1B only
    page = text_of(client.get(f"/events/{whole.id}"))
    assert "Ali Hassan" in page
    for name in ("Sara", "Emma", "Jonas"):
        assert name not in page
    assert t("Children in groups you do not work with are counted in the totals only.") in page
    login("rektor")
    assert "Sara Berg" in text_of(client.get(f"/events/{whole.id}"))
    for family in ("kari", "nina", "amina"):
        login(family)
        assert "Sara" not in text_of(client.get(f"/events/{whole.id}"))


def test_a_child_who_joins_later_is_invited_and_one_who_left_is_not(client, login, event,
                                                                    kids, ids):
    login("amina")
    assert client.get(f"/events/{event.id}").status_code == 404
    Enrolment.create(child=kids["Ali"], group=ids["g1a"], start_date=datetime.date(2026, 11, 1))
    assert client.get(f"/events/{event.id}").status_code == 200
    Enrolment.update(end_date=datetime.date(2026, 11, 17)).where(
        Enrolment.child == kids["Jonas"]).execute()
    login("nina")
    assert client.get(f"/events/{event.id}").status_code == 404


def test_the_htmx_event_page_is_a_fragment(client, login, event):
    login("kari")
    response = client.get(f"/events/{event.id}", headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)


# --- replies --------------------------------------------------------------------------

def test_a_reply_swaps_itself_for_htmx_and_redirects_without(client, login, event, kids, t):
    login("nina")
    url = f"/events/{event.id}/reply/{kids['Jonas'].id}"
    response = client.post(url, data={"answer": "yes", "children": "2", "adults": "1"},
                           headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert f'id="reply-{kids["Jonas"].id}"' in html and t("Your reply is saved.") in html
    reply = EventReply.get(EventReply.child == kids["Jonas"])
    assert (reply.answer, reply.children, reply.adults) == ("yes", 2, 1)
    response = client.post(url, data={"answer": "no", "children": "2"})
    assert response.status_code == 303
    reply = EventReply.get(EventReply.child == kids["Jonas"])
    assert (reply.answer, reply.children, reply.adults) == ("no", None, None)


@pytest.mark.parametrize("count", ["21", "-1", "abc", "99999999999999999999999"])
def test_counts_are_range_checked(client, login, event, kids, t, count):
    login("nina")
    response = client.post(f"/events/{event.id}/reply/{kids['Jonas'].id}",
                           data={"answer": "yes", "children": count})
    assert response.status_code == 400
    page = text_of(response)
    assert t("Write a number from 0 to %(max)d.", max=20) in page
    assert t("There is a problem") in page
    assert not EventReply.select().where(EventReply.child == kids["Jonas"]).exists()


def test_a_reply_after_the_deadline_is_refused(client, login, event, kids, clock, t):
    clock.set(datetime.datetime(2026, 11, 20, 23, 1, tzinfo=datetime.timezone.utc))
    login("nina")
    for headers in (None, HTMX):
        response = client.post(f"/events/{event.id}/reply/{kids['Jonas'].id}",
                               data={"answer": "yes"}, headers=headers)
        assert response.status_code == 400
        assert t("Replies to this event are closed: the deadline has passed, or the event "
                 "is cancelled.") in text_of(response)
    assert t("Replies are closed.") in text_of(client.get(f"/events/{event.id}"))
    assert not EventReply.select().where(EventReply.child == kids["Jonas"]).exists()


def test_remind_tells_only_guardians_of_children_without_a_reply(client, login, event):
    login("larer1a")
    assert client.post(f"/events/{event.id}/remind").status_code == 303
    assert usernames(notified(EVENT_REMINDER, event)) == {"nina": 1, "lise": 1}
    client.post(f"/events/{event.id}/remind")  # the same day: nobody is told twice
    assert usernames(notified(EVENT_REMINDER, event)) == {"nina": 1, "lise": 1}


def test_the_automatic_reminder_the_day_before_the_deadline(app, event, clock):
    assert replies.remind_day_before() == 0  # the deadline is two days away
    clock.advance(days=2)
    assert replies.remind_day_before() == 1
    assert replies.remind_day_before() == 0  # again (the task runs hourly): told once
    assert usernames(notified(EVENT_REMINDER, event)) == {"nina": 1, "lise": 1}
    assert AuditEvent.select().where(AuditEvent.action == "event.reminded").count() == 1


def test_the_worker_reminds_every_hour_once_per_event(app, event, clock):
    """The queue's hourly task (models/notifications/queue.py) runs the reminder."""
    queue = app.extensions["queue"]
    clock.advance(days=2)
    assert queue.remind_events() == 1
    clock.advance(hours=1)
    assert queue.remind_events() == 0
    assert usernames(notified(EVENT_REMINDER, event)) == {"nina": 1, "lise": 1}


# --- creating, changing, cancelling ---------------------------------------------------

FORM = {"title_nb": "Juleavslutning", "body_nb": "Gløgg og pepperkaker.", "place": "Gymsalen",
        "timing": "times", "first_day": "2026-12-17", "start_time": "17:00",
        "end_time": "19:00", "to": "groups", "group": "{g1a}", "reply_wanted": "1",
        "asks_counts": "1", "deadline_day": "2026-12-10"}


def filled(ids, **changes):
    form = {**FORM, **changes}
    return {key: str(ids[value[1:-1]]) if value.startswith("{") else value
            for key, value in form.items()}


def test_a_new_event_tells_the_invited_families(client, login, ids, t):
    login("larer1a")
    response = client.post("/events/new", data=filled(ids))
    assert response.status_code == 303
    created = Event.get(Event.title == "Juleavslutning")
    assert usernames(notified(EVENT, created)) == {name: 1 for name in FAMILIES_1A}
    login("amina")
    assert client.get(f"/events/{created.id}").status_code == 404


def test_bad_input_keeps_what_was_typed(client, login, ids, t):
    login("larer1a")
    response = client.post("/events/new", data=filled(
        ids, end_time="16:00", first_day="2026-02-30", deadline_day="", group="999"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Gløgg og pepperkaker." in page and 'value="Gymsalen"' in page
    assert t("Choose one or more groups.") in text_of(response)
    response = client.post("/events/new", data=filled(ids, first_day="2026-11-01"))
    assert t("The event cannot start in the past.") in text_of(response)
    response = client.post("/events/new", data=filled(ids, deadline_day="2026-12-18"))
    assert t("The deadline must be before the event starts.") in text_of(response)
    response = client.post("/events/new", data=filled(ids, last_day="2027-03-01"))
    assert response.status_code == 400
    login("bhg")  # a kindergarten's staff cannot invite a school class
    assert client.post("/events/new", data=filled(ids)).status_code == 400


def test_a_changed_time_tells_every_invited_guardian_once(client, login, event, ids, t):
    login("larer1a")
    form = filled(ids, title_nb="Aktivitetsdag", timing="times", first_day="2026-11-25",
                  start_time="09:00", end_time="13:00", deadline_day="2026-11-20",
                  deadline_time="23:59", place="Solbakken skole, skolegården")
    assert client.post(f"/events/{event.id}/edit", data=form).status_code == 303
    assert usernames(notified(EVENT_CHANGED, event)) == {name: 1 for name in FAMILIES_1A}
    saved = Event.get_by_id(event.id)
    assert saved.sequence == 1 and not saved.all_day
    login("kari")
    page = text_of(client.get(f"/events/{event.id}"))
    assert t("Time changed from %(old)s to %(new)s.", old="onsdag 25. november 2026",
             new="onsdag 25. november 2026 09:00–13:00") in page
    login("larer1a")
    client.post(f"/events/{event.id}/edit", data={**form, "body_nb": "Ny tekst."})
    assert Event.get_by_id(event.id).sequence == 1  # the text only: nobody told again
    assert usernames(notified(EVENT_CHANGED, event)) == {name: 1 for name in FAMILIES_1A}
    client.post(f"/events/{event.id}/edit", data={**form, "place": "Skogen"})
    assert usernames(notified(EVENT_CHANGED, event)) == {name: 2 for name in FAMILIES_1A}
    login("nina")
    assert t("Place changed from %(old)s to %(new)s.", old="Solbakken skole, skolegården",
             new="Skogen") in text_of(client.get(f"/events/{event.id}"))


def test_a_cancelled_event_says_so_and_tells_everyone(client, login, event, t):
    login("rektor")
    assert client.post(f"/events/{event.id}/cancel").status_code == 303
    assert usernames(notified(EVENT_CHANGED, event)) == {name: 1 for name in FAMILIES_1A}
    login("ola")
    page = text_of(client.get(f"/events/{event.id}"))
    assert t("This event is cancelled.") in page
    assert t("Send reply") not in page
    calendar = icalendar.Calendar.from_ical(client.get(f"/events/{event.id}.ics").data)
    item = calendar.walk("VEVENT")[0]
    assert str(item["STATUS"]) == "CANCELLED" and int(item["SEQUENCE"]) == 1


# --- the .ics file ---------------------------------------------------------------------

def test_the_ics_file_is_valid_and_names_no_child(client, login, event, users, ids):
    login("kari")
    response = client.get(f"/events/{event.id}.ics")
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    item = calendar.walk("VEVENT")[0]
    assert str(item["UID"]).startswith(event.uid)
    assert int(item["SEQUENCE"]) == 0 and item["DTSTAMP"].dt.tzinfo is not None
    assert item["DTSTART"].params["VALUE"] == "DATE"
    assert item["DTSTART"].dt == DAY and item["DTEND"].dt == DAY + datetime.timedelta(days=1)
    text = response.get_data(as_text=True)
    for private in ("Emma", "Hansen", "Kari", "Jonas", "Sara"):
        assert private not in text
    timed = new_event(users, ids)
    item = icalendar.Calendar.from_ical(client.get(f"/events/{timed.id}.ics").data).walk(
        "VEVENT")[0]
    assert item["DTSTART"].dt == datetime.datetime(2026, 11, 25, 16, tzinfo=datetime.timezone.utc)
    assert str(item["STATUS"]) == "CONFIRMED" and str(item["LOCATION"]) == "Gymsalen"


# --- cost, the agenda, retention, export -----------------------------------------------

def test_the_staff_replies_page_costs_the_same_with_30_more_children(client, login, event,
                                                                     ids):
    login("larer1a")
    url = f"/events/{event.id}"
    client.get(url)
    before = queries_for(client, url)
    with database.atomic():
        for n in range(30):
            child = Child.create(first_name=f"Barn{n}", last_name="Test",
                                 birth_date=datetime.date(2020, 1, 1))
            Enrolment.create(child=child, group=ids["g1a"], start_date=datetime.date(2026, 8, 15))
            EventReply.create(event=event, child=child, answer="yes" if n % 2 else "maybe",
                              children=1, adults=1, answered_at=event.created_at)
    assert queries_for(client, url) == before
    assert "Barn29 Test" in text_of(client.get(url))
    assert before <= 6
    assert queries_for(client, "/events/") <= 6
    login("kari")  # the family's page, with the reply form
    assert queries_for(client, url) <= 6 and queries_for(client, "/events/") <= 6


def test_agenda_rows_for_guardians_and_staff(app, users, event, kids):
    first, last = datetime.date(2026, 11, 23), datetime.date(2026, 11, 29)
    rows = list(agenda.guardian_items(users["kari"], first, last, "sv").dicts())
    assert [(r["kind"], r["child_id"], r["title"], bool(r["owed"]), bool(r["cancelled"]))
            for r in rows] == [("event", kids["Emma"].id, "Aktivitetsdag", False, False)]
    rows = list(agenda.guardian_items(users["nina"], first, last, "nb").dicts())
    assert [(r["child_id"], bool(r["owed"]), bool(r["all_day"])) for r in rows] == [
        (kids["Jonas"].id, True, True)]
    assert not list(agenda.guardian_items(users["per"], first, last, "nb"))
    assert not list(agenda.guardian_items(users["kari"], last, last + datetime.timedelta(days=7),
                                          "nb"))
    staff = list(agenda.staff_items(users["faglarer"], first, last, "nb").dicts())
    assert [(r["item_id"], r["child_id"], bool(r["owed"])) for r in staff] == [(event.id, 0, False)]
    assert not list(agenda.staff_items(users["bhg"], first, last, "nb"))
    both = agenda.guardian_items(users["kari"], first, last, "nb") | agenda.staff_items(
        users["rektor"], first, last, "nb")
    with count_queries() as counter:
        assert len(list(both.tuples())) == 2
    assert counter.count == 1


def test_retention_purges_events_months_after_their_last_day(app, users, ids):
    settings = Settings({"events_months": 12}, "")
    today = datetime.date(2026, 11, 18)
    old = new_event(users, ids, first_day=datetime.date(2025, 11, 16),
                    last_day=datetime.date(2025, 11, 17))
    kept = new_event(users, ids, first_day=datetime.date(2025, 11, 18),
                     last_day=datetime.date(2025, 11, 18))
    EventReply.create(event=old, child=ids["emma"], answer="yes", answered_at=old.created_at)
    assert retention.due(settings, today) == 1
    assert retention.purge(settings, today) == 1
    assert not Event.select().where(Event.id == old.id).exists()
    assert Event.select().where(Event.id == kept.id).exists()
    assert not EventReply.select().where(EventReply.event == old.id).exists()
    assert retention.due(settings, today) == 0


def test_the_export_holds_own_childrens_events_and_replies_only(app, users):
    data = export.for_guardian(users["kari"])
    assert [(e["title"], e["child"], e["reply"]["answer"], e["reply"]["children"],
             e["reply"]["adults"]) for e in data["events"]] == [
        ("Aktivitetsdag", "Emma", "yes", 1, 2)]
    data = export.for_guardian(users["nina"])
    assert [(e["child"], e["reply"]) for e in data["events"]] == [("Jonas", None)]
    assert "Emma" not in str(data)
    assert export.for_guardian(users["per"]) == {"events": []}
    assert export.for_guardian(users["amina"]) == {"events": []}


def test_the_demo_event(app, event, kids):
    assert event.all_day and event.reply_wanted and event.asks_counts
    assert event.first_day.weekday() == 2 and event.first_day > datetime.date(2026, 11, 22)
    assert event.reply_deadline <= datetime.datetime.combine(
        event.first_day - datetime.timedelta(days=2), datetime.time(23, 59))
    reply = EventReply.get(EventReply.event == event.id)
    assert (reply.child_id, reply.answer, reply.children, reply.adults) == (
        kids["Emma"].id, "yes", 1, 2)


def test_a_teacher_who_is_a_parent_in_the_class_answers_for_their_own_child(
        client, login, event, users, kids, t):
    from models.school.tables import Guardianship
    Guardianship.create(guardian=users["larer1a"], child=kids["Jonas"], responsibility="shared")
    login("larer1a")
    page = text_of(client.get(f"/events/{event.id}"))
    assert t("Your reply") in page and t("Remind those who have not answered") in page
    response = client.post(f"/events/{event.id}/reply/{kids['Jonas'].id}", data={"answer": "no"})
    assert response.status_code == 303
    assert client.post(f"/events/{event.id}/reply/{kids['Sara'].id}",
                       data={"answer": "no"}).status_code == 404
