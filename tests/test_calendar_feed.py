"""Issue 20: the personal calendar feed. Each person subscribes from their phone to a
feed (RFC 5545) of their children's events, booked meetings and school holidays; the
address carries a long random secret stored only as a hash, renewing stops the old one
at once, the feed names no protected child and nothing of another family, an unchanged
feed is a 304 after one query, and the feed is gone (404) the moment access ends."""
import datetime
import hashlib
import logging
import re

import icalendar
import pytest
from playhouse.test_utils import count_queries

from models.audit import AuditEvent
from models.calendar.tables import CalendarFeed
from models.db import today
from models.events import events
from models.events.tables import Event
from models.protect import mask
from models.school.tables import CONTACT_TEACHER, Child, Enrolment, Guardianship, StaffRole, User
from views import calendar as calendar_views

from .cast import ROLES
from .test_crawl import national_ids
from .helpers import HTMX, text_of
from .matrix import Matrix, everyone, only

pytestmark = pytest.mark.clock("2026-11-18 10:00")  # a Wednesday of a school week

SUBSCRIBERS = {"kari", "ola", "nina", "lise", "amina", "bestemor",
               "rektor", "larer1a", "faglarer", "sfo", "styrer", "bhg"}
NO_SUCH_FEED = "/calendar/feed/" + "x" * 43 + ".ics"
ROUTES = Matrix({
    ("GET", "/calendar/subscribe"): only(SUBSCRIBERS),
    ("POST", "/calendar/subscribe/renew"): only(SUBSCRIBERS, 303),
    ("POST", "/calendar/subscribe/stop"): only(SUBSCRIBERS, 303),
    ("GET", NO_SUCH_FEED): everyone(404, anonymous=404),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids, data={})


def subscribe(client, login, username):
    """Make the person's feed and return its path, as the page shows it once."""
    login(username)
    assert client.post("/calendar/subscribe/renew").status_code == 303
    page = client.get("/calendar/subscribe").get_data(as_text=True)
    address = re.search(r'id="feed-address" type="text" readonly value="([^"]+)"', page)
    assert address, "the new address is shown"
    url = address.group(1)
    assert url.startswith(("https://", "http://")) and "/calendar/feed/" in url
    assert f'href="webcal://{url.split("://", 1)[1]}"' in page
    return "/calendar/feed/" + url.rsplit("/calendar/feed/", 1)[1]


def parse(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.get_data())


def vevents(calendar):
    return [c for c in calendar.walk() if c.name == "VEVENT"]


def summaries(calendar):
    return {str(e["SUMMARY"]) for e in vevents(calendar)}


def test_the_address_is_shown_once_and_only_its_hash_is_kept(app, client, login, users):
    path = subscribe(client, login, "kari")
    secret = path[len("/calendar/feed/"):-len(".ics")]
    assert len(secret) >= 43  # 32 random bytes, urlsafe base64
    row = CalendarFeed.get(CalendarFeed.user == users["kari"].id)
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(row.__data__)
    # Shown once: the next visit has no address, only renew and stop.
    page = client.get("/calendar/subscribe").get_data(as_text=True)
    assert secret not in page and 'id="feed-address"' not in page


def test_the_feed_holds_the_familys_events_meetings_and_holidays(app, client, login, kids):
    path = subscribe(client, login, "kari")
    response = app.test_client().get(path)
    calendar = parse(response)
    found = summaries(calendar)
    assert {"Aktivitetsdag", "Foreldresamtaler", "Juleferie"} <= found, found
    activity = next(e for e in vevents(calendar) if str(e["SUMMARY"]) == "Aktivitetsdag")
    event = Event.get(Event.title == "Aktivitetsdag")
    assert str(activity["UID"]).startswith(event.uid)
    assert int(activity["SEQUENCE"]) == event.sequence
    assert activity["STATUS"] == "CONFIRMED"
    assert activity.decoded("DTSTART") == event.first_day  # all day, a date
    assert "Emma" in str(activity["DESCRIPTION"])
    christmas = next(e for e in vevents(calendar) if str(e["SUMMARY"]) == "Juleferie")
    assert christmas.decoded("DTSTART") == datetime.date(2026, 12, 22)
    assert christmas.decoded("DTEND") == datetime.date(2027, 1, 3)  # exclusive end
    assert response.headers["ETag"]
    body = response.get_data(as_text=True)
    for secret in ("Bjørkeveien", "Sara", "Jonas", "Ali", "10001"):
        assert secret not in body, secret
    # (A UID is random hex, which can hold eleven digits in a row: not a person's number.)
    readable = "\n".join(line for line in body.splitlines() if not line.startswith("UID:"))
    assert not re.search(r"\d{6} ?\d{5}", readable), "no national identity number"
    for _, number in national_ids():
        assert number not in body and mask(number) not in body


def test_the_feed_may_be_kept_by_the_calendar_app_for_five_minutes(app, client, login):
    path = subscribe(client, login, "kari")
    response = app.test_client().get(path)
    assert response.headers["Cache-Control"] == "private, max-age=300"


def test_a_protected_child_is_never_named_and_no_other_family_shows(app, client, login):
    path = subscribe(client, login, "lise")  # Sara's address is protected
    calendar = parse(app.test_client().get(path))
    assert "Aktivitetsdag" in summaries(calendar)  # 1A's event, Sara is invited
    body = calendar.to_ical().decode()
    for name in ("Sara", "Berg", "Emma", "Hansen", "Foreldresamtaler"):
        assert name not in body, name  # Emma's family booked the meeting, not Lise


def test_an_unchanged_feed_is_a_304_after_one_query_and_a_change_shows(app, client, login,
                                                                       users):
    path = subscribe(client, login, "kari")
    poller = app.test_client()  # a calendar app: no cookies
    first = poller.get(path)
    etag = first.headers["ETag"].strip('"')
    with count_queries() as counter:
        again = poller.get(path, headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304 and counter.count <= 1, counter.count
    assert again.get_data() == b""
    # The teacher cancels the event: a new ETag, and the event says it is cancelled.
    event = Event.get(Event.title == "Aktivitetsdag")
    events.cancel(users["larer1a"], event)
    changed = poller.get(path, headers={"If-None-Match": f'"{etag}"'})
    assert changed.status_code == 200 and changed.headers["ETag"].strip('"') != etag
    activity = next(e for e in vevents(parse(changed))
                    if "Aktivitetsdag" in str(e["SUMMARY"]))
    assert activity["STATUS"] == "CANCELLED"
    assert int(activity["SEQUENCE"]) == Event.get_by_id(event.id).sequence >= 1


def test_renewing_stops_the_old_address_at_once_and_stopping_ends_it(app, client, login):
    old = subscribe(client, login, "kari")
    new = subscribe(client, login, "kari")
    poller = app.test_client()
    assert poller.get(old).status_code == 404
    assert poller.get(new).status_code == 200
    assert client.post("/calendar/subscribe/stop").status_code == 303
    assert poller.get(new).status_code == 404
    assert CalendarFeed.select().count() == 0


def test_the_feed_ends_when_access_ends(app, client, login, users, kids):
    path = subscribe(client, login, "lise")
    poller = app.test_client()
    assert poller.get(path).status_code == 200
    # Sara leaves the school: Lise's last child, and she works at no unit.
    Enrolment.update(end_date=today() - datetime.timedelta(days=1)).where(
        Enrolment.child == kids["Sara"].id).execute()
    assert poller.get(path).status_code == 404
    nina = subscribe(client, login, "nina")
    assert poller.get(nina).status_code == 200
    User.update(is_active=False).where(User.id == users["nina"].id).execute()
    assert poller.get(nina).status_code == 404
    amina = subscribe(client, login, "amina")
    Guardianship.delete().where(Guardianship.guardian == users["amina"].id).execute()
    assert poller.get(amina).status_code == 404


def test_staff_get_their_units_events_and_no_childs_name(app, client, login):
    path = subscribe(client, login, "larer1a")
    calendar = parse(app.test_client().get(path))
    assert {"Aktivitetsdag", "Foreldresamtaler", "Juleferie"} <= summaries(calendar)
    body = calendar.to_ical().decode()
    for name in ("Emma", "Sara", "Jonas", "Hansen"):
        assert name not in body, name


def test_the_secret_reaches_no_log_and_no_audit_row(app, client, login, caplog):
    caplog.set_level(logging.DEBUG)
    path = subscribe(client, login, "kari")
    secret = path[len("/calendar/feed/"):-len(".ics")]
    poller = app.test_client()
    poller.get(path)
    poller.get(path.replace(secret[:10], "A" * 10))
    subscribe(client, login, "kari")
    poller.get(path)
    for record in caplog.records:
        assert secret not in record.getMessage() and secret not in str(record.args)
    rows = list(AuditEvent.select().where(AuditEvent.action.startswith("calendar.feed")))
    assert len(rows) == 2
    for row in rows:
        assert secret not in str(row.__data__)
        assert hashlib.sha256(secret.encode()).hexdigest() not in str(row.__data__)


def test_the_subscribe_page_explains_and_works_as_a_fragment(client, login, t):
    login("kari")
    page = client.get("/calendar/subscribe")
    assert t("Subscribe to your calendar") in text_of(page)
    assert t("Make my calendar address") in text_of(page)
    assert "<html" not in client.get("/calendar/month", headers={
        **HTMX, "HX-Target": "month"}).get_data(as_text=True)


def test_the_feed_is_in_the_persons_language(app, client, login, users):
    User.update(locale="sv").where(User.id == users["kari"].id).execute()
    path = subscribe(client, login, "kari")
    body = app.test_client().get(path).get_data(as_text=True)
    with app.test_request_context():
        from flask_babel import force_locale, gettext
        with force_locale("sv"):
            word = gettext("For: %(names)s", names="Emma")
    assert word.replace(",", "\\,") in body


def test_a_staff_role_ended_at_a_unit_where_one_is_also_a_parent_changes_the_feed(
        app, client, login, users, ids):
    """Nina, Jonas's mother, also teaches 1A: the feed holds 1A's staff side (the
    meeting round's booked times). When her role ends the feed is no longer unchanged."""
    role = StaffRole.create(user=users["nina"], role=CONTACT_TEACHER, unit=ids["school"],
                            group=ids["g1a"])
    path = subscribe(client, login, "nina")
    feed_client = app.test_client()
    first = feed_client.get(path)
    role.delete_instance()
    again = feed_client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    assert (again.get_data(as_text=True).count("BEGIN:VEVENT")
            < first.get_data(as_text=True).count("BEGIN:VEVENT"))


def test_a_pupils_own_feed_ends_when_the_pupil_leaves(app, client, login, kids):
    """Rule 2: a pupil with a login of their own reads their calendar while enrolled."""
    pupil = User.create(username="emma.pupil", first_name="Emma", last_name="Hansen")
    Child.update(account=pupil.id).where(Child.id == kids["Emma"].id).execute()
    path = subscribe(client, login, "emma.pupil")
    assert "Aktivitetsdag" in summaries(parse(app.test_client().get(path)))
    Enrolment.update(end_date=today() - datetime.timedelta(days=1)).where(
        Enrolment.child == kids["Emma"].id).execute()
    assert app.test_client().get(path).status_code == 404


def test_an_error_on_the_feed_logs_its_path_without_the_secret(app, client, login,
                                                               monkeypatch, caplog):
    """Flask names the path of a request that failed; the secret is cut out of it."""
    path = subscribe(client, login, "kari")
    secret = path.rsplit("/", 1)[1].removesuffix(".ics")

    def broken(found):
        raise RuntimeError("the database went away")
    monkeypatch.setattr(calendar_views, "feed_content", broken)
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR):
        assert app.test_client().get(path).status_code == 500
    logged = [record.getMessage() for record in caplog.records]
    assert any("/calendar/feed/" in line for line in logged)
    assert not any(secret in line for line in logged)
