"""Parent–teacher meetings (issue 20): staff open a round; guardians with parental
responsibility book, rebook and cancel until the deadline; UNIQUE(slot) decides a race;
no family learns which time another family took (rule 11); booking ends with access
(rule 1)."""
import datetime
import threading

import pytest
from playhouse.test_utils import count_queries

from models import db as dbmod
from models.audit import AuditEvent
from models.login.sessions import LoginSession
from models.meetings import agenda, booking, export, retention
from models.meetings.tables import MeetingBooking, MeetingRound, MeetingRoundChild, MeetingSlot
from models.notifications.tables import MEETING_SOON, MEETINGS, Notification
from models.school.tables import (GROUP_STAFF, Child, Enrolment, Group, Guardianship, StaffRole,
                                  User)

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import HTMX_MODE, Matrix, everyone, expect, only

pytestmark = pytest.mark.clock("2026-11-18 10:00")  # a Wednesday; the demo's deadline Friday
TODAY = datetime.date(2026, 11, 18)

MANAGERS = {"larer1a", "rektor"}
OPENERS = MANAGERS | {"styrer", "bhg"}
EMMA_BOOKERS = {"kari", "ola"}
ROUTES = Matrix({
    ("GET", "/meetings/"): everyone(),
    ("GET", "/meetings/", HTMX_MODE): everyone(),
    ("GET", "/meetings/new"): only(OPENERS),
    ("POST", "/meetings/new?group={g1a}"): expect(only(MANAGERS, 400), data={}),
    ("GET", "/meetings/{round}"): only(MANAGERS),
    ("GET", "/meetings/{round}", HTMX_MODE): only(MANAGERS),
    ("GET", "/meetings/{round}/print"): only(MANAGERS),
    ("POST", "/meetings/{round}/remind"): only(MANAGERS, 303),
    ("POST", "/meetings/{round}/assign"): expect(only(MANAGERS, 400), data={"child": "{emma}"}),
    ("POST", "/meetings/{round}/bookings/{booking}/move"): expect(only(MANAGERS, 400),
                                                                  data={}),
    ("POST", "/meetings/{round}/slots/{slot}"): expect(only(MANAGERS, 303),
                                                       data={"place": "Rom 2"}),
    ("POST", "/meetings/{round}/agenda"): expect(only(MANAGERS, 303),
                                                 data={"child": "{jonas}", "agenda": "Lesing"}),
    ("GET", "/meetings/{round}/children/{emma}"): only(EMMA_BOOKERS | {"bestemor"}),
    ("GET", "/meetings/{round}/children/{emma}", HTMX_MODE): only(EMMA_BOOKERS | {"bestemor"}),
    ("GET", "/meetings/{round}/children/{jonas}"): only({"nina"}),
    ("POST", "/meetings/{round}/children/{emma}"): expect(
        {**only(EMMA_BOOKERS, 400), "bestemor": 403}, data={}),
    ("POST", "/meetings/{round}/children/{emma}/cancel"): {
        **only(EMMA_BOOKERS, 303), "bestemor": 403},
    ("POST", "/meetings/{round}/children/{emma}/separate"): expect(
        {**only(EMMA_BOOKERS, 303), "bestemor": 403}, data={"separate": "1"}),
    ("POST", "/meetings/{round}/bookings/{booking}/cancel"): only(MANAGERS, 303),
})


def demo_round():
    return MeetingRound.get(MeetingRound.title == "Foreldresamtaler")


def slots_of(found):
    return list(MeetingSlot.select().where(MeetingSlot.round == found.id)
                .order_by(MeetingSlot.starts_at))


@pytest.fixture
def meeting_ids(ids):
    found = demo_round()
    slots = slots_of(found)
    held = MeetingBooking.get(MeetingBooking.round == found.id)
    return {**ids, "round": found.id, "slot": slots[1].id, "booking": held.id}


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, meeting_ids, role):
    ROUTES.check(client, login, role, meeting_ids)


def page(client, found, child):
    return client.get(f"/meetings/{found.id}/children/{child.id}")


# --- booking ---------------------------------------------------------------------------

def test_the_demo_booking_and_the_family_s_own_view(client, login, kids, t):
    found, emma = demo_round(), kids["Emma"]
    first = slots_of(found)[0]
    login("ola")  # the other parent sees the booking Kari made
    text = text_of(page(client, found, emma))
    assert "14:00–14:20" in text and t("Your meeting") in text
    assert "Lesing og trivsel" in text  # the agenda
    login("bestemor")  # the caregiver sees the time, books nothing
    response = page(client, found, emma)
    assert "14:00–14:20" in text_of(response)
    assert f'id="slot-{first.id}"' not in response.get_data(as_text=True)


def test_book_rebook_and_cancel_until_the_deadline(client, login, kids, users, t, clock):
    found, jonas = demo_round(), kids["Jonas"]
    slots = slots_of(found)
    login("nina")
    assert client.post(f"/meetings/{found.id}/children/{jonas.id}",
                       data={"slot": slots[2].id}).status_code == 303
    held = MeetingBooking.get(MeetingBooking.child == jonas.id)
    assert held.slot_id == slots[2].id and held.booked_by_id == users["nina"].id
    soon = Notification.get((Notification.event == MEETING_SOON)
                            & (Notification.user == users["nina"].id))
    assert soon.due_at == booking.reminder_due(slots[2].starts_at, clock_zone())
    assert soon.due_at == slots[2].starts_at - datetime.timedelta(days=2)
    assert client.post(f"/meetings/{found.id}/children/{jonas.id}",
                       data={"slot": slots[3].id}).status_code == 303
    moved = MeetingBooking.get(MeetingBooking.child == jonas.id)
    assert moved.id == held.id and moved.slot_id == slots[3].id  # moved, never two
    pending = [n.key for n in Notification.select().where(
        (Notification.event == MEETING_SOON) & (Notification.status == "pending")
        & (Notification.user == users["nina"].id))]
    assert pending == [f"meeting_soon:b{held.id}s{slots[3].id}:{users['nina'].id}:push"]
    assert client.post(f"/meetings/{found.id}/children/{jonas.id}/cancel").status_code == 303
    assert not MeetingBooking.select().where(MeetingBooking.child == jonas.id).exists()
    actions = [e.action for e in AuditEvent.select().where(AuditEvent.action.startswith(
        "meetings.")).order_by(AuditEvent.id)]
    assert actions == ["meetings.booked", "meetings.moved", "meetings.cancelled"]
    clock.advance(days=3)  # past Friday's deadline
    login("nina")
    response = client.post(f"/meetings/{found.id}/children/{jonas.id}",
                           data={"slot": slots[4].id})
    assert response.status_code == 403
    assert t("The deadline has passed: ask the school to change the booking.") in text_of(
        response)


def clock_zone():
    from models.notifications.timing import municipality_zone
    return municipality_zone()


def test_no_family_sees_which_time_another_family_took(client, login, kids):
    found, jonas = demo_round(), kids["Jonas"]
    emma_slot = slots_of(found)[0]
    login("nina")
    html = page(client, found, jonas).get_data(as_text=True)
    assert f'id="slot-{emma_slot.id}"' not in html and "14:00" not in html
    assert "Emma" not in html and "Hansen" not in html
    login("lise")
    html = client.get("/meetings/").get_data(as_text=True)
    assert "Emma" not in html and "14:00" not in html


def test_the_last_time_taken_meanwhile_shows_the_rest(client, login, kids, t):
    found, emma, jonas = demo_round(), kids["Emma"], kids["Jonas"]
    slots = slots_of(found)
    login("nina")
    assert client.post(f"/meetings/{found.id}/children/{jonas.id}",
                       data={"slot": slots[1].id}).status_code == 303
    login("kari")
    response = client.post(f"/meetings/{found.id}/children/{emma.id}",
                           data={"slot": slots[1].id})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert t("That time was just taken. Choose another of the times still free.") in text_of(
        response)
    assert f'id="slot-{slots[2].id}"' in html and f'id="slot-{slots[1].id}"' not in html
    assert MeetingBooking.get(MeetingBooking.child == emma.id).slot_id == slots[0].id
    fragment = client.post(f"/meetings/{found.id}/children/{emma.id}",
                           data={"slot": slots[1].id}, headers=HTMX)
    assert fragment.status_code == 409 and "<html" not in fragment.get_data(as_text=True)


def test_booking_ends_the_moment_access_ends(client, login, kids):
    found, emma = demo_round(), kids["Emma"]
    login("kari")
    assert page(client, found, emma).status_code == 200
    Enrolment.update(end_date=TODAY - datetime.timedelta(days=1)).where(
        Enrolment.child == emma.id).execute()
    assert page(client, found, emma).status_code == 404
    assert client.post(f"/meetings/{found.id}/children/{emma.id}",
                       data={"slot": slots_of(found)[3].id}).status_code == 404
    assert client.post(f"/meetings/{found.id}/children/{emma.id}/cancel").status_code == 404


def test_information_only_parent_and_caregiver(client, login, kids, t):
    found, emma = demo_round(), kids["Emma"]
    login("per")
    assert page(client, found, emma).status_code == 404
    # (The page's own title, "Parent–teacher meetings", is "Foreldresamtaler" in nb too.)
    assert f"/meetings/{found.id}/" not in client.get("/meetings/").get_data(as_text=True)
    login("bestemor")
    response = client.post(f"/meetings/{found.id}/children/{emma.id}",
                           data={"slot": slots_of(found)[3].id})
    assert response.status_code == 403
    assert t("Only the guardians book meetings") in text_of(response)


def test_separate_meetings_one_per_household(client, login, kids, users):
    found, emma = demo_round(), kids["Emma"]
    slots = slots_of(found)
    login("ola")
    assert client.post(f"/meetings/{found.id}/children/{emma.id}/separate",
                       data={"separate": "1"}).status_code == 303
    assert "14:00–14:20" not in text_of(page(client, found, emma))  # Kari's is hers
    assert client.post(f"/meetings/{found.id}/children/{emma.id}",
                       data={"slot": slots[4].id}).status_code == 303
    households = {b.household for b in MeetingBooking.select().where(
        MeetingBooking.child == emma.id)}
    assert households == {users["kari"].id, users["ola"].id}


def test_staff_cannot_add_a_family_meeting_beside_separate_ones(client, login, kids, t):
    """One meeting per child, or one per home: staff move a home's booked time."""
    found, emma = demo_round(), kids["Emma"]
    slots = slots_of(found)
    login("ola")
    client.post(f"/meetings/{found.id}/children/{emma.id}/separate", data={"separate": "1"})
    login("larer1a")
    response = client.post(f"/meetings/{found.id}/assign",
                           data={"child": emma.id, "slot": slots[3].id})
    assert response.status_code == 409
    assert t("This child's guardians book a meeting each: move their booked time in the "
             "schedule instead.") in text_of(response)
    assert MeetingBooking.select().where(MeetingBooking.child == emma.id).count() == 1


# --- staff -----------------------------------------------------------------------------

def new_round(**changes):
    form = {"title": "Utviklingssamtaler", "intro": "", "first_day": "2026-12-01",
            "last_day": "2026-12-02", "day_from": "14:00", "day_until": "15:00",
            "length": "15", "pause": "5", "place": "Rom 1", "video_link": "",
            "deadline_day": "2026-11-27", "deadline_time": "12:00"}
    form.update(changes)
    return form


def test_staff_open_a_round_and_guardians_are_told(client, login, ids, users, t):
    login("larer1a")
    data = new_round(children=[str(ids["emma"]), str(ids["jonas"])])
    assert client.post(f"/meetings/new?group={ids['g1a']}", data=data).status_code == 303
    found = MeetingRound.get(MeetingRound.title == "Utviklingssamtaler")
    slots = slots_of(found)
    assert len(slots) == 6  # 14:00, 14:20, 14:40 on two days
    first = slots[0].starts_at.replace(tzinfo=datetime.timezone.utc).astimezone(clock_zone())
    assert (first.hour, first.minute) == (14, 0)
    told = {n.user_id for n in Notification.select().where(Notification.event == MEETINGS)}
    assert told == {users[u].id for u in ("kari", "ola", "nina")}  # not Per, not Lise
    assert {c for (c,) in MeetingRoundChild.select(MeetingRoundChild.child)
            .where(MeetingRoundChild.round == found.id).tuples()} == {ids["emma"], ids["jonas"]}


@pytest.mark.parametrize("changes, field", [
    ({"title": ""}, "title"), ({"length": "5"}, "length"), ({"length": "61"}, "length"),
    ({"pause": "99"}, "pause"), ({"first_day": "2026-11-01"}, "first_day"),
    ({"last_day": "2027-03-01"}, "last_day"), ({"day_until": "13:00"}, "day_until"),
    ({"deadline_day": "2026-12-05"}, "deadline_day"), ({"video_link": "http://x"}, "video_link"),
    ({"first_day": "99999-01-01"}, "first_day"), ({"length": "9" * 40}, "length"),
])
def test_a_bad_round_is_refused_with_what_was_typed(client, login, ids, changes, field):
    login("larer1a")
    response = client.post(f"/meetings/new?group={ids['g1a']}",
                           data=new_round(children=[str(ids["emma"])], **changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html and f'href="#{field}"' in html
    assert not MeetingRound.select().where(MeetingRound.title == "Utviklingssamtaler").exists()


def test_staff_assign_move_cancel_and_remind(client, login, kids, users, t):
    found, jonas, sara = demo_round(), kids["Jonas"], kids["Sara"]
    slots = slots_of(found)
    User.update(paper_letters=True).where(User.username == "nina").execute()
    login("larer1a")
    assert t("a guardian gets paper letters") in text_of(client.get(f"/meetings/{found.id}"))
    assert client.post(f"/meetings/{found.id}/assign",
                       data={"child": jonas.id, "slot": slots[5].id}).status_code == 303
    held = MeetingBooking.get(MeetingBooking.child == jonas.id)
    assert held.by_staff and held.slot_id == slots[5].id
    assert client.post(f"/meetings/{found.id}/bookings/{held.id}/move",
                       data={"slot": slots[0].id}).status_code == 409  # Emma's
    assert client.post(f"/meetings/{found.id}/bookings/{held.id}/move",
                       data={"slot": slots[4].id}).status_code == 303
    assert MeetingBooking.get_by_id(held.id).slot_id == slots[4].id
    Notification.delete().execute()
    assert client.post(f"/meetings/{found.id}/remind").status_code == 303
    reminded = {n.user_id for n in Notification.select().where(Notification.event == MEETINGS)}
    assert reminded == {users["lise"].id}  # Sara's mother: the only one not booked
    assert client.post(f"/meetings/{found.id}/bookings/{held.id}/cancel").status_code == 303
    assert not MeetingBooking.select().where(MeetingBooking.id == held.id).exists()
    response = client.get(f"/meetings/{found.id}/print")
    assert "<nav" not in response.get_data(as_text=True) and sara.first_name in text_of(response)


def test_a_protected_child_is_named_only_to_staff_who_reach_it(client, login, kids, ids):
    found, sara = demo_round(), kids["Sara"]
    vikar = User.create(username="vikar", first_name="Vera", last_name="Vikar")
    StaffRole.create(user=vikar, role=GROUP_STAFF, unit=found.unit_id, group=ids["g1b"])
    MeetingRound.update(created_by=vikar).where(MeetingRound.id == found.id).execute()
    MeetingBooking.create(slot=slots_of(found)[3], round=found, child=sara, booked_by=None,
                          by_staff=True)
    login("vikar")  # opened the round; works in 1B, does not reach Sara
    text = text_of(client.get(f"/meetings/{found.id}"))
    assert "Sara" not in text and "Berg" not in text and "Emma Hansen" in text
    login("larer1a")
    assert "Sara Berg" in text_of(client.get(f"/meetings/{found.id}"))


# --- queries ---------------------------------------------------------------------------

def test_pages_cost_a_constant_number_of_queries(client, login, kids, ids):
    found, emma = demo_round(), kids["Emma"]
    login("larer1a")
    schedule_before = queries_for(client, f"/meetings/{found.id}")
    login("kari")
    booking_before = queries_for(client, f"/meetings/{found.id}/children/{emma.id}")
    g1a = Group.get_by_id(ids["g1a"])
    last = slots_of(found)[-1]
    for n in range(30):
        child = Child.create(first_name=f"Barn{n}", last_name="Testesen",
                             birth_date=datetime.date(2020, 1, 1))
        Enrolment.create(child=child, group=g1a, start_date=datetime.date(2026, 8, 15))
        MeetingRoundChild.create(round=found, child=child)
    for n in range(34):
        start = last.starts_at + datetime.timedelta(minutes=20 * (n + 1))
        slot = MeetingSlot.create(round=found, starts_at=start,
                                  ends_at=start + datetime.timedelta(minutes=20),
                                  first_day=last.first_day)
        if n < 20:
            MeetingBooking.create(slot=slot, round=found,
                                  child=MeetingRoundChild.select(MeetingRoundChild.child)
                                  .where(MeetingRoundChild.round == found.id)
                                  .order_by(MeetingRoundChild.id.desc()).offset(n).scalar())
    assert queries_for(client, f"/meetings/{found.id}/children/{emma.id}") == booking_before
    login("larer1a")
    assert queries_for(client, f"/meetings/{found.id}") == schedule_before
    assert schedule_before <= 8 and booking_before <= 6


# --- at the same moment --------------------------------------------------------------

def test_two_guardians_booking_the_last_time_at_once(app, kids):
    """Real concurrent requests: two test clients, two threads, released together."""
    found, emma, jonas = demo_round(), kids["Emma"], kids["Jonas"]
    slots = slots_of(found)
    MeetingBooking.delete().execute()
    last = slots[-1]
    MeetingSlot.delete().where((MeetingSlot.round == found.id)
                               & (MeetingSlot.id != last.id)).execute()
    people = [("kari", emma), ("nina", jonas)]
    tokens = [LoginSession.start(User.get(User.username == name)) for name, _ in people]
    dbmod.database.close()
    barrier = threading.Barrier(len(people))
    statuses = {}

    def attempt(token, child):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = token, True
        barrier.wait()
        response = client.post(f"/meetings/{found.id}/children/{child.id}",
                               data={"slot": last.id})
        statuses[child.first_name] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=attempt, args=(token, child))
               for token, (_, child) in zip(tokens, people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    dbmod.database.connect(reuse_if_open=True)
    codes = sorted(code for code, _ in statuses.values())
    assert codes == [303, 409], codes
    assert MeetingBooking.select().where(MeetingBooking.slot == last.id).count() == 1
    loser = next(html for code, html in statuses.values() if code == 409)
    assert 'id="error-summary"' in loser


def test_the_database_refuses_a_second_booking_of_a_slot(app, kids):
    import peewee
    found = demo_round()
    first = slots_of(found)[0]
    with pytest.raises(peewee.IntegrityError), dbmod.database.atomic():
        MeetingBooking.create(slot=first, round=found, child=kids["Jonas"])


# --- agenda, retention, export --------------------------------------------------------

def test_the_agenda_contract(app, users, kids):
    day = dbmod.today()
    wide = (day - datetime.timedelta(days=1), day + datetime.timedelta(days=14))
    with app.test_request_context():
        kari = list(agenda.guardian_items(users["kari"], *wide, "nb").tuples())
        nina = list(agenda.guardian_items(users["nina"], *wide, "nb").tuples())
        per = list(agenda.guardian_items(users["per"], *wide, "nb").tuples())
        staff = list(agenda.staff_items(users["larer1a"], *wide, "nb").tuples())
    assert [(r[0], r[2], r[11]) for r in kari] == [("meeting", kids["Emma"].id, False)]
    assert [(r[0], r[2], r[11]) for r in nina] == [("meeting", kids["Jonas"].id, True)]
    assert per == []
    assert [(r[2], r[3]) for r in staff] == [(0, "Foreldresamtaler")]


def test_retention_after_meetings_months(app):
    settings = {"meetings_months": 12}
    later = TODAY + datetime.timedelta(days=400)
    assert retention.due(settings, TODAY) == 0
    assert retention.due(settings, later) == 1
    assert retention.purge(settings, later) == 1
    assert not MeetingBooking.select().exists() and not MeetingSlot.select().exists()
    assert AuditEvent.select().where(AuditEvent.action == "meetings.purged").exists()


def test_export_holds_the_family_s_own_bookings_only(app, users, kids):
    data = export.for_guardian(users["kari"])["meetings"]
    assert [(m["child"], len(m["bookings"])) for m in data] == [("Emma Hansen", 1)]
    assert data[0]["agenda"] == "Lesing og trivsel i friminuttene."
    assert export.for_guardian(users["nina"])["meetings"][0]["bookings"] == []
    assert export.for_guardian(users["per"]) == {"meetings": []}
    Guardianship.delete().execute()
    assert export.for_guardian(users["kari"]) == {"meetings": []}
