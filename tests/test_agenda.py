"""Issue 20: the agenda — one UNION ALL query over events, meetings, homework and days
off — on the home page ("this week", for all of a family's children in one list, each
child named, never another family's) and in the month view for everyone, at a constant
number of queries, on the right local days through summer-time changes and New Year."""
import datetime
import re

import pytest
from playhouse.test_utils import count_queries

from models.calendar import agenda
from models.db import today
from models.events import events
from models.school.tables import Child, Enrolment, Group, Guardianship, Unit, User

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import HTMX_MODE, Matrix, everyone

WEDNESDAY = "2026-11-18 10:00"
pytestmark = pytest.mark.clock(WEDNESDAY)

ROUTES = Matrix({
    ("GET", "/calendar/month"): everyone(),
    ("GET", "/calendar/month", HTMX_MODE): everyone(),
    ("GET", "/calendar/month?month=2026-13"): everyone(400),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids)


def week_section(client):
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'<section class="card week".*?</section>', page, re.S)
    return found.group(0) if found else ""


def plain(markup):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)).strip()


def add_event(title, first_day, last_day=None, all_day=True, start=None, end=None,
              group="1A", by="larer1a"):
    g = Group.get(Group.name == group)
    draft = events.Draft(unit_id=g.unit_id, title=title, language="nb",
                         first_day=first_day, last_day=last_day or first_day,
                         all_day=all_day, start_time=start, end_time=end,
                         group_ids=[g.id])
    return events.create(User.get(User.username == by), draft)


def test_the_agenda_is_one_query_and_names_only_the_familys_children(app, users):
    first, last = datetime.date(2026, 11, 1), datetime.date(2026, 12, 31)
    with count_queries() as counter:
        found = agenda.agenda_for(users["kari"], first, last, "nb")
    assert counter.count == 1
    assert {c.first_name for c in found.children.values()} == {"Emma", "Noah"}
    kinds = {item.kind for item in found.items}
    assert {"event", "meeting", "homework"} <= kinds, kinds
    assert [d.title for d in found.days_off] == ["Juleferie"]
    keys = [agenda._sort_key(item) for item in found.items]
    assert keys == sorted(keys)
    for item in found.items:
        assert {child[1] for child in item.children} <= {"Emma", "Noah"}
    lise = agenda.agenda_for(users["lise"], first, last, "nb")
    named = {child[1] for item in lise.items for child in item.children}
    assert named <= {"Sara"}  # her own child only; the meeting booked by Kari is not hers
    assert "meeting" not in {item.kind for item in lise.items if not item.owed}


def test_this_week_on_the_home_page_lists_every_childs_items_by_day(client, login, t):
    login("kari")
    section = week_section(client)
    text = plain(section)
    assert t("This week") in text
    assert "Foreldresamtaler" in text and "Emma" in text
    assert "14:00" in text  # the booked slot, local time
    assert "Sara" not in text and "Jonas" not in text
    assert 'href="/meetings/' in section and 'href="/week-plans/' in section
    login("per")  # no parental responsibility: no week, no child
    assert week_section(client) == ""


def test_staff_see_their_units_events_and_meetings_compact(client, login, t):
    login("larer1a")
    text = plain(week_section(client))
    assert "Foreldresamtaler" in text
    assert "Emma" not in text and "Sara" not in text  # never a child's name


def more_children_and_events(count):
    g1a = Group.get(Group.name == "1A")
    kari = User.get(User.username == "kari")
    start = today() - datetime.timedelta(days=30)
    for n in range(count):
        child = Child.create(first_name=f"Ekstra{n}", last_name="Hansen",
                             birth_date=today() - datetime.timedelta(days=2500))
        Enrolment.create(child=child, group=g1a, start_date=start)
        Guardianship.create(guardian=kari, child=child, responsibility="shared")
        add_event(f"Hendelse {n}", today() + datetime.timedelta(days=n % 6))


@pytest.mark.parametrize("username", ["kari", "larer1a"])
def test_the_home_page_costs_the_same_queries_with_30_more_children_and_events(
        client, login, username):
    login(username)
    before = queries_for(client, "/")
    more_children_and_events(30)
    after = queries_for(client, "/")
    assert before == after <= 6, (before, after)
    assert "Hendelse 29" in plain(week_section(client))


def test_the_month_view_lists_days_marks_holidays_and_links_each_item(client, login, t):
    login("kari")
    page = client.get("/calendar/month?month=2026-11")
    text = text_of(page)
    assert "Aktivitetsdag" in text and "Foreldresamtaler" in text
    html = page.get_data(as_text=True)
    assert 'href="/events/' in html and 'href="/meetings/' in html
    assert 'href="/calendar/month?month=2026-10"' in html
    assert 'href="/calendar/month?month=2026-12"' in html
    december = text_of(client.get("/calendar/month?month=2026-12"))
    assert t("Day off") in december and "Juleferie" in december
    assert "Aktivitetsdag" not in december
    fragment = client.get("/calendar/month?month=2026-12", headers={**HTMX,
                                                                    "HX-Target": "month"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert "Juleferie" in text_of(fragment)


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "26-11", "2026-1", "abc",
                                   "2026-11-01", "1999-01", "2099-12", "9999-99", "２０２６-１１"])
def test_a_month_out_of_range_or_malformed_is_refused(client, login, month):
    login("kari")
    assert client.get("/calendar/month", query_string={"month": month}).status_code == 400


def test_the_range_ends_have_no_link_further(client, login):
    login("kari")
    html = client.get("/calendar/month?month=2029-11").get_data(as_text=True)
    assert "month=2029-12" not in html and "month=2029-10" in html


@pytest.mark.parametrize("username", ["kari", "larer1a", "admin"])
def test_the_month_view_costs_the_same_queries_however_much_it_holds(client, login, username):
    login(username)
    before = queries_for(client, "/calendar/month")
    more_children_and_events(10)
    after = queries_for(client, "/calendar/month")
    assert before == after <= 3, (before, after)


@pytest.mark.clock("2026-12-31 23:30")
def test_an_all_day_event_on_new_years_eve_stays_on_31_december(client, login):
    add_event("Nyttårsfeiring", datetime.date(2026, 12, 31))
    login("kari")
    html = client.get("/calendar/month?month=2026-12").get_data(as_text=True)
    day = re.search(r"<li class=\"card[^\"]*\">\s*<h2>Torsdag 31\. desember.*?</li>\s*(?=<li|</ol)",
                    html, re.S)
    assert day and "Nyttårsfeiring" in day.group(0)
    assert "Nyttårsfeiring" not in client.get("/calendar/month?month=2027-01").get_data(
        as_text=True)
    assert "Nyttårsfeiring" in plain(week_section(client))  # today, before midnight


@pytest.mark.clock("2026-10-25 02:30+01:00")  # the hour that happens twice, the second time
def test_an_event_across_the_october_change_is_on_its_local_days(client, login):
    # Saturday 22:00 to Sunday 04:00 local: the clocks go back at 03:00 in between.
    add_event("Nattcamp", datetime.date(2026, 10, 24), datetime.date(2026, 10, 25),
              all_day=False, start=datetime.time(22, 0), end=datetime.time(4, 0))
    login("kari")
    html = client.get("/calendar/month?month=2026-10").get_data(as_text=True)
    saturday = re.search(r"<h2>Lørdag 24\. oktober.*?</li>\s*</ul>", html, re.S).group(0)
    sunday = re.search(r"<h2>Søndag 25\. oktober.*?</li>\s*</ul>", html, re.S).group(0)
    assert "Nattcamp" in saturday and "22:00" in saturday
    assert "Nattcamp" in sunday and "04:00" in sunday
