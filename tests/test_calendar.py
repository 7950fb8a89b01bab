"""The units' calendars (issue 17): holidays and days off, kept by the administrator
and the unit's leader, read by absence reports and leave; `days_off` for the calendar
features to come."""
import datetime

import pytest

from models.absence.tables import Absence
from models.audit import AuditEvent
from models.calendar import days
from models.calendar.tables import DayOff
from models.school.tables import Unit

from .cast import ROLES
from .helpers import text_of
from .matrix import Matrix, only

pytestmark = pytest.mark.clock("2026-11-18 10:00")  # a Wednesday of a school week

KEEPERS = {"admin", "rektor"}  # of the school's calendar
ROUTES = Matrix({
    # One unit led: straight to it; the administrator chooses among all.
    ("GET", "/calendar/"): {"admin": 200, "rektor": 303, "styrer": 303, "*": 404},
    ("GET", "/calendar/{school}"): only(KEEPERS),
    ("GET", "/calendar/{kindergarten}"): only({"admin", "styrer"}),
    ("POST", "/calendar/{school}"): only(KEEPERS, 400),  # nothing filled in
    ("GET", "/calendar/{school}/{holiday}/remove"): only(KEEPERS),
    ("GET", "/calendar/{kindergarten}/{holiday}/remove"): only({"admin", "styrer"}, 404),
    ("POST", "/calendar/{school}/{holiday}/remove"): only(KEEPERS, 303),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    holiday = DayOff.get(DayOff.name == "Juleferie")
    ROUTES.check(client, login, role, {**ids, "holiday": holiday.id}, data={})


def school():
    return Unit.get(Unit.kind == "school")


def test_the_demo_school_has_the_school_years_holidays(app):
    found = {p.name: (p.first_day, p.last_day) for p in days.periods(
        [school().id], datetime.date(2026, 8, 1), datetime.date(2027, 7, 31))}
    assert found == {
        "Høstferie": (datetime.date(2026, 9, 28), datetime.date(2026, 10, 2)),
        "Juleferie": (datetime.date(2026, 12, 22), datetime.date(2027, 1, 2)),
        "Vinterferie": (datetime.date(2027, 2, 22), datetime.date(2027, 2, 26)),
        "Påskeferie": (datetime.date(2027, 3, 22), datetime.date(2027, 3, 29)),
    }
    off = days.days_off([school().id], datetime.date(2026, 12, 20), datetime.date(2026, 12, 23))
    assert off == {datetime.date(2026, 12, 22): "Juleferie",
                   datetime.date(2026, 12, 23): "Juleferie"}
    assert days.days_off([Unit.get(Unit.kind == "kindergarten").id],
                         datetime.date(2026, 12, 20), datetime.date(2026, 12, 23)) == {}


def test_the_leader_adds_a_day_off_and_guardians_cannot_report_it_until_removed(
        client, login, kids, t):
    friday = datetime.date(2026, 11, 27)
    login("rektor")
    assert t("Juleferie") in text_of(client.get(f"/calendar/{school().id}"))
    added = client.post(f"/calendar/{school().id}", data={
        "first_day": friday.isoformat(), "last_day": "", "name": "Planleggingsdag"},
        follow_redirects=True)
    assert "Planleggingsdag" in text_of(added) and "27.11.2026" in text_of(added)
    period = DayOff.get(DayOff.name == "Planleggingsdag")
    assert (period.first_day, period.last_day) == (friday, friday)

    login("kari")
    refused = client.post(f"/children/{kids['Emma'].id}/absence", data={
        "start": friday.isoformat(), "end": "", "part": "whole", "time": "",
        "picked_up_by": "", "reason": "ill", "note": ""})
    assert refused.status_code == 400
    assert t("%(day)s is a holiday (%(name)s): there is no school that day.",
             day="fredag 27. november", name="Planleggingsdag") in text_of(refused)

    login("rektor")
    confirm = client.get(f"/calendar/{school().id}/{period.id}/remove")
    assert t("Remove %(name)s?", name="Planleggingsdag") in text_of(confirm)
    assert DayOff.get_or_none(DayOff.id == period.id) is not None  # asking removes nothing
    assert client.post(f"/calendar/{school().id}/{period.id}/remove").status_code == 303
    assert DayOff.get_or_none(DayOff.id == period.id) is None
    assert {e.action for e in AuditEvent.select().where(
        AuditEvent.action.startswith("calendar."))} == {
        "calendar.day_off_added", "calendar.day_off_removed"}

    login("kari")
    assert client.post(f"/children/{kids['Emma'].id}/absence", data={
        "start": friday.isoformat(), "end": "", "part": "whole", "time": "",
        "picked_up_by": "", "reason": "ill", "note": ""}).status_code == 303
    assert Absence.get_or_none(Absence.child == kids["Emma"], Absence.start_date == friday)


def test_an_empty_or_wrong_period_comes_back_with_the_summary(client, login, t):
    login("admin")
    empty = client.post(f"/calendar/{school().id}", data={"first_day": "", "last_day": "",
                                                          "name": ""})
    assert empty.status_code == 400
    html = empty.get_data(as_text=True)
    assert html.index('class="error-summary"') < html.index('class="error"')
    assert t("Choose the first day.") in text_of(empty)
    wrong = client.post(f"/calendar/{school().id}", data={
        "first_day": "2026-12-10", "last_day": "2026-12-01", "name": "Feil"})
    assert wrong.status_code == 400
    assert t("The last day cannot be before the first.") in text_of(wrong)
    assert 'value="Feil"' in wrong.get_data(as_text=True)  # kept
    assert not DayOff.select().where(DayOff.name == "Feil").exists()


def test_a_leader_keeps_only_the_calendar_of_their_own_unit(client, login):
    login("styrer")
    assert client.get(f"/calendar/{school().id}").status_code == 404
    assert client.post(f"/calendar/{school().id}", data={
        "first_day": "2026-12-01", "name": "Nei"}).status_code == 404
    holiday = DayOff.get(DayOff.name == "Juleferie")
    assert client.post(f"/calendar/{school().id}/{holiday.id}/remove").status_code == 404
    assert DayOff.get_or_none(DayOff.id == holiday.id) is not None


def test_the_administrator_chooses_among_the_units(client, login):
    login("admin")
    page = client.get("/calendar/").get_data(as_text=True)
    assert all(f"/calendar/{unit.id}" in page for unit in Unit.select())


def test_the_calendar_lists_what_comes_in_order_and_what_passed_last(client, login):
    """A leader checks the coming holidays first: in the order they come, the passed
    ones after them."""
    login("rektor")
    page = text_of(client.get(f"/calendar/{school().id}"))
    order = [page.index(name) for name in ("Juleferie", "Vinterferie", "Påskeferie",
                                           "Høstferie")]
    assert order == sorted(order)
