"""The weekly plan (issue 20): the group's writers keep a plan per ISO week, families
read the published ones. The contact teacher and the unit leader edit everything; a
subject teacher adds and edits their own entries; families (guardians with parental
responsibility, caregivers, pupils with their own login) read published plans only;
everyone else gets 404."""
import datetime

import pytest
from models.audit import AuditEvent
from models.login.sessions import LoginSession
from models.db import utcnow
from models.retention.common import Settings
from models.school.tables import Child, User
from models.weekplan import agenda, export, retention
from models.weekplan.tables import WeekPlan, WeekPlanEntry
from models.weekplan.weeks import parse_week, this_monday, week_name

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import HTMX_MODE, Matrix, expect, only

WEDNESDAY = "2026-12-02 10:00"  # week 49; next week's plan goes out Friday 4th, 14:00
W49, W50 = "2026-W49", "2026-W50"
READERS = {"kari", "ola", "nina", "lise", "bestemor"}  # 1A's families with access
EDITORS = {"larer1a", "rektor"}
SUBJECT = {"faglarer"}
WRITERS = EDITORS | SUBJECT
ALL_1A = READERS | WRITERS
NO_ACCESS = {"per", "amina", "sfo", "styrer", "bhg", "admin", "personvern"}


def statuses(writers, readers=403, subject=None):
    """`writers` for the editors, 403 for 1A's readers, 404 for everyone else; the
    subject teacher gets `subject` (default: as the editors)."""
    found = {**only(EDITORS, writers), **dict.fromkeys(READERS, readers)}
    found.update(dict.fromkeys(SUBJECT, writers if subject is None else subject))
    return found


PAGE = "/week-plans/{g1a}/{week}"
ROUTES = Matrix({
    ("GET", "/week-plans"): only(ALL_1A | {"amina", "sfo", "styrer", "bhg"}),
    ("GET", PAGE): only(ALL_1A),
    ("GET", PAGE, HTMX_MODE): only(ALL_1A),
    ("GET", PAGE + "/print"): only(ALL_1A),
    ("GET", "/week-plans/{g1a}/2025-W53"): only(()),  # 2025 has 52 weeks
    ("GET", "/week-plans/{g1b}/{week}"): only({"amina", "sfo", "faglarer", "rektor"}),
    ("POST", PAGE + "/entries"): expect(statuses(303), data={
        "day": "{monday}", "subject": "Engelsk", "homework": "Lær fargene."}),
    ("POST", PAGE + "/entries"): expect(statuses(400), data={"day": "{monday}"}),
    ("POST", PAGE + "/entries/{frida_entry}"): expect(statuses(303), data={
        "day": "{monday}", "subject": "Kroppsøving", "bring": "Gymtøy."}),
    ("POST", PAGE + "/entries/{lars_entry}"): expect(statuses(303, subject=403), data={
        "day": "{monday}", "subject": "Norsk", "homework": "Side 16."}),
    ("POST", PAGE + "/note"): expect(statuses(303, subject=403), data={"note": "Hei!"}),
    ("POST", PAGE + "/copy"): expect(statuses(400, subject=403), data={}),  # has entries
    ("POST", PAGE + "/publish"): expect(statuses(403), data={"when": "now"}),  # is out
    ("POST", PAGE + "/unpublish"): expect(statuses(403), data={}),  # families saw it
    ("POST", PAGE + "/entries/{lars_entry}/delete"): expect(statuses(303, subject=403),
                                                            data={}),
    ("POST", PAGE + "/entries/{frida_entry}/delete"): expect(statuses(303), data={}),
})


def entry_of(author, subject=None, monday=None):
    query = (WeekPlanEntry.select().join(WeekPlan)
             .where((WeekPlanEntry.author == User.get(User.username == author).id)
                    & (WeekPlan.week_start == (monday or this_monday()))))
    if subject:
        query = query.where(WeekPlanEntry.subject == subject)
    return query.order_by(WeekPlanEntry.id).first()


@pytest.fixture
def plan_ids(ids):
    monday = this_monday()
    return {**ids, "week": week_name(monday), "monday": monday.isoformat(),
            "lars_entry": entry_of("larer1a").id, "frida_entry": entry_of("faglarer").id}


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, plan_ids, role):
    """Any day: this week's demo plan is out (published last Friday)."""
    ROUTES.check(client, login, role, plan_ids)


def page(client, ids, week=W49, suffix="", **kwargs):
    return client.get(f"/week-plans/{ids['g1a']}/{week}{suffix}", **kwargs)


def post(client, ids, path, week=W49, **data):
    return client.post(f"/week-plans/{ids['g1a']}/{week}{path}", data=data)


# --- what families see ------------------------------------------------------------

@pytest.mark.clock(WEDNESDAY)
def test_a_guardian_reads_this_weeks_plan_with_homework_and_what_to_bring(client, login,
                                                                            ids, t):
    login("kari")
    shown = text_of(client.get("/week-plans"))
    assert "1A (Emma)" in shown
    assert "Lesing side 12–15 i leseboka" in shown
    assert "Gymtøy og innesko." in shown
    assert t("Homework") in shown and t("Bring") in shown
    week = text_of(page(client, ids))
    assert "Kroppsøving" in week and "Naturfag" in week
    assert week.index("Mandag") < week.index("Tirsdag") < week.index("Fredag")


@pytest.mark.clock(WEDNESDAY)
def test_next_weeks_plan_appears_at_its_publication_time_and_not_before(
        client, login, ids, t, clock):
    login("nina")
    assert "Lesing side 16–19" not in text_of(page(client, ids, W50))
    assert t("No weekly plan has been published for this week yet.") in text_of(
        page(client, ids, W50))
    assert page(client, ids, W50, "/print").status_code == 404
    clock.set(datetime.datetime(2026, 12, 4, 12, 59, tzinfo=datetime.timezone.utc),
              tick=False)  # 13:59 in Oslo
    login("nina")
    assert "Lesing side 16–19" not in text_of(client.get("/week-plans"))
    clock.set(datetime.datetime(2026, 12, 4, 13, 0, tzinfo=datetime.timezone.utc),
              tick=False)  # 14:00 in Oslo
    assert "Lesing side 16–19" in text_of(client.get("/week-plans"))
    assert "Lesing side 16–19" in text_of(page(client, ids, W50))
    login("kari")
    assert "Lesing side 16–19" in text_of(client.get("/week-plans"))
    assert page(client, ids, W50, "/print").status_code == 200


@pytest.mark.clock(WEDNESDAY)
def test_a_draft_is_the_writers_alone(client, login, ids, t):
    login("larer1a")
    assert post(client, ids, "/entries", "2026-W51", day="2026-12-14", subject="Juleverksted",
                bring="Saks og lim.").status_code == 303
    assert "Juleverksted" in text_of(page(client, ids, "2026-W51"))
    assert t("Draft: families do not see it") in text_of(page(client, ids, "2026-W51"))
    login("kari")
    assert "Juleverksted" not in text_of(page(client, ids, "2026-W51"))
    assert page(client, ids, "2026-W51", "/print").status_code == 404


@pytest.mark.clock(WEDNESDAY)
def test_a_pupil_with_their_own_login_reads_the_plan(client, login, ids, users):
    # The demo has no pupil with a login: give Jonas one.
    pupil = User.create(username="jonas", first_name="Jonas", last_name="Lie")
    Child.update(account=pupil).where(Child.id == ids["jonas"]).execute()
    login("jonas")
    assert "Lesing side 12–15" in text_of(page(client, ids))
    assert "1A (Jonas)" in text_of(client.get("/week-plans"))
    assert page(client, ids, W49, "/print").status_code == 200
    assert post(client, ids, "/note", note="Hei").status_code == 403


@pytest.mark.clock(WEDNESDAY)
@pytest.mark.parametrize("who", ["per", "amina", "admin", "sfo"])
def test_others_get_not_found(client, login, ids, who):
    login(who)
    assert page(client, ids).status_code == 404
    assert page(client, ids, W49, "/print").status_code == 404
    assert post(client, ids, "/entries", day="2026-11-30", subject="X").status_code == 404


@pytest.mark.clock(WEDNESDAY)
def test_an_information_only_parent_has_no_plans_page(client, login):
    login("per")
    assert client.get("/week-plans").status_code == 404


@pytest.mark.clock(WEDNESDAY)
def test_the_htmx_fragment_is_the_page_without_the_layout(client, login, ids):
    for user in ("kari", "larer1a"):
        login(user)
        response = page(client, ids, headers=HTMX)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "<html" not in html and "Norsk" in html
        assert "HX-Request" in response.headers["Vary"]


@pytest.mark.clock(WEDNESDAY)
def test_the_print_has_no_navigation_and_its_own_print_css(client, login, ids):
    login("kari")
    html = page(client, ids, W49, "/print").get_data(as_text=True)
    assert "weekplan.css" in html and 'class="print week-print"' in html
    assert "<nav" not in html and "<header" not in html
    assert "Lesing side 12–15" in html


# --- changes after publication ----------------------------------------------------

@pytest.mark.clock(WEDNESDAY)
def test_a_change_after_publication_is_marked_for_families(client, login, ids, t):
    mark = t("changed after publication")
    login("kari")
    assert text_of(page(client, ids)).count(mark) == 1  # the demo's changed homework
    login("larer1a")
    norsk = entry_of("larer1a", "Norsk")
    assert post(client, ids, f"/entries/{norsk.id}", day=norsk.day.isoformat(),
                subject="Norsk", activity=norsk.activity,
                homework="Lesing side 12–16.").status_code == 303
    assert WeekPlanEntry.get_by_id(norsk.id).changed_after_publish
    assert post(client, ids, "/entries", day="2026-12-03", subject="Engelsk",
                homework="Lær fargene.").status_code == 303
    login("kari")
    shown = text_of(page(client, ids))
    assert shown.count(mark) == 3 and "Lesing side 12–16." in shown


@pytest.mark.clock(WEDNESDAY)
def test_saving_unchanged_text_marks_nothing_and_a_draft_is_never_marked(client, login,
                                                                         ids):
    login("larer1a")
    norsk = entry_of("larer1a", "Norsk")
    post(client, ids, f"/entries/{norsk.id}", day=norsk.day.isoformat(), subject="Norsk",
         activity=norsk.activity, homework=norsk.homework)
    assert not WeekPlanEntry.get_by_id(norsk.id).changed_after_publish
    post(client, ids, "/entries", "2026-W51", day="2026-12-14", subject="Norsk")
    entry = entry_of("larer1a", "Norsk", datetime.date(2026, 12, 14))
    post(client, ids, f"/entries/{entry.id}", "2026-W51", day="2026-12-15", subject="Norsk",
         homework="Side 20.")
    assert not WeekPlanEntry.get_by_id(entry.id).changed_after_publish


@pytest.mark.clock(WEDNESDAY)
def test_a_published_plan_cannot_be_unpublished_but_a_scheduled_one_can(client, login,
                                                                        ids, t):
    login("larer1a")
    response = post(client, ids, "/unpublish")
    assert response.status_code == 403
    assert WeekPlan.get(WeekPlan.week_start == datetime.date(2026, 11, 30)).publish_at
    assert post(client, ids, "/unpublish", W50).status_code == 303
    assert WeekPlan.get(WeekPlan.week_start == datetime.date(2026, 12, 7)).publish_at is None
    assert t("Draft: families do not see it") in text_of(page(client, ids, W50))
    assert AuditEvent.select().where(AuditEvent.action == "weekplan.unpublished").count() == 1


# --- subject teachers ---------------------------------------------------------------

@pytest.mark.clock(WEDNESDAY)
def test_a_subject_teacher_adds_and_edits_own_homework_only(client, login, ids, t):
    login("faglarer")
    assert post(client, ids, "/entries", day="2026-12-03", subject="Engelsk",
                homework="Lær fargene på engelsk.").status_code == 303
    own = entry_of("faglarer", "Engelsk")
    assert own.author.username == "faglarer"
    assert post(client, ids, f"/entries/{own.id}", day="2026-12-04", subject="Engelsk",
                homework="Lær tallene.").status_code == 303
    assert WeekPlanEntry.get_by_id(own.id).day == datetime.date(2026, 12, 4)
    lars = entry_of("larer1a", "Matematikk")
    response = post(client, ids, f"/entries/{lars.id}", day=lars.day.isoformat(),
                    subject="Matematikk", homework="Ingen lekse.")
    assert response.status_code == 403
    assert t("Another teacher wrote this entry. Ask them or the contact teacher to "
             "change it.") in text_of(response)
    assert post(client, ids, f"/entries/{lars.id}/delete").status_code == 403
    assert WeekPlanEntry.get_by_id(lars.id).homework != "Ingen lekse."
    assert post(client, ids, "/note", note="Hei").status_code == 403
    assert post(client, ids, "/publish", W50, when="now").status_code == 403
    # The page shows Lars's entries as text, Frida's as forms.
    html = page(client, ids).get_data(as_text=True)
    assert f'action="/week-plans/{ids["g1a"]}/{W49}/entries/{own.id}"' in html
    assert f'/entries/{lars.id}"' not in html
    login("kari")
    assert "Lær tallene." in text_of(page(client, ids))


@pytest.mark.clock(WEDNESDAY)
def test_the_unit_leader_edits_the_subject_teachers_entries(client, login, ids):
    login("rektor")
    frida = entry_of("faglarer")
    assert post(client, ids, f"/entries/{frida.id}", day=frida.day.isoformat(),
                subject=frida.subject, bring="Gymtøy og drikkeflaske.").status_code == 303
    assert WeekPlanEntry.get_by_id(frida.id).author.username == "faglarer"


# --- forms: errors, typed values kept ---------------------------------------------

@pytest.mark.clock(WEDNESDAY)
def test_a_wrong_entry_is_refused_with_the_values_kept(client, login, ids, t):
    login("larer1a")
    response = post(client, ids, "/entries", day="2026-12-01", subject="N" * 81,
                    homework="Les side 3.")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html and "Les side 3." in html
    assert t("Write the subject in at most %(max)d characters.", max=80) in text_of(response)
    response = post(client, ids, "/entries", day="2026-12-01", subject=" ")
    assert response.status_code == 400
    assert t("Write a subject, what happens, homework or what to bring.") in text_of(response)
    lars = entry_of("larer1a")
    response = post(client, ids, f"/entries/{lars.id}", day="2026-12-09", subject="Norsk")
    assert response.status_code == 400
    assert t("Choose a day of this week, or the whole week.") in text_of(response)
    assert post(client, ids, "/entries", day="2026-12-09", subject="X").status_code == 400
    assert post(client, ids, "/note", note="x" * 4001).status_code == 400
    assert post(client, ids, "/entries/99999999999999999999").status_code == 404


@pytest.mark.clock(WEDNESDAY)
@pytest.mark.parametrize("form, message", [
    ({"when": "later"}, "Choose when to publish."),
    ({"when": "at", "date": "2026-12-05", "time": "25:00"},
     "Write the time as HH:MM, for example 14:00."),
    ({"when": "at", "date": "5.12.2026", "time": "14:00"},
     "Write the date to publish on as YYYY-MM-DD."),
    ({"when": "at", "date": "2026-12-01", "time": "14:00"},
     "Choose a time from now on, or publish now."),
    ({"when": "at", "date": "2026-12-14", "time": "08:00"},
     "Publish the plan before its week is over."),
])
def test_a_wrong_publication_time_is_refused(client, login, ids, t, form, message):
    login("larer1a")
    response = post(client, ids, "/publish", W50, **form)
    assert response.status_code == 400
    assert t(message) in text_of(response)
    assert form.get("time", "") in response.get_data(as_text=True)


@pytest.mark.clock(WEDNESDAY)
def test_publishing_now_and_at_a_local_time(client, login, ids, t):
    login("larer1a")
    post(client, ids, "/entries", "2026-W51", day="2026-12-14", subject="Norsk")
    assert post(client, ids, "/publish", "2026-W51", when="at", date="2026-12-11",
                time="14:00").status_code == 303
    plan = WeekPlan.get(WeekPlan.week_start == datetime.date(2026, 12, 14))
    assert plan.publish_at == datetime.datetime(2026, 12, 11, 13, 0)  # CET: UTC+1
    assert t("Will be published %(when)s", when="11.12.2026 14:00") in text_of(
        page(client, ids, "2026-W51"))
    assert post(client, ids, "/publish", "2026-W52", when="now").status_code == 303
    assert WeekPlan.get(WeekPlan.week_start == datetime.date(2026, 12, 21)).publish_at <= utcnow()
    # Published: it stays so.
    response = post(client, ids, "/publish", "2026-W52", when="at", date="2026-12-18",
                    time="14:00")
    assert response.status_code == 403
    assert t("Families may already have read this plan, so it stays published. Change "
             "what is wrong: families see that it was changed after publication.") in (
        text_of(response))


# --- copying last week ------------------------------------------------------------

@pytest.mark.clock(WEDNESDAY)
def test_copying_last_week_moves_every_entry_a_week_on_with_its_homework(client, login,
                                                                        ids, t):
    login("larer1a")
    assert post(client, ids, "/copy", "2026-W51").status_code == 303
    source = {(e.day, e.subject, e.homework) for e in WeekPlanEntry.select().join(WeekPlan)
              .where(WeekPlan.week_start == datetime.date(2026, 12, 7))}
    copied = {(e.day, e.subject, e.homework) for e in WeekPlanEntry.select().join(WeekPlan)
              .where(WeekPlan.week_start == datetime.date(2026, 12, 14))}
    assert copied == {(d + datetime.timedelta(days=7) if d else None, s, h)
                      for d, s, h in source}
    plan = WeekPlan.get(WeekPlan.week_start == datetime.date(2026, 12, 14))
    assert plan.publish_at is None and "aktivitetsdag" in plan.note
    # Never over what is there; nothing to copy from an empty week.
    assert post(client, ids, "/copy", "2026-W51").status_code == 400
    response = post(client, ids, "/copy", "2027-W10")
    assert response.status_code == 400
    assert t("Last week has no plan to copy.") in text_of(response)
    assert AuditEvent.select().where(AuditEvent.action == "weekplan.copied").count() == 1


# --- ISO weeks ----------------------------------------------------------------------

@pytest.mark.clock(WEDNESDAY)
@pytest.mark.parametrize("week, status", [
    ("2026-W53", 200), ("2020-W53", 200), ("2025-W53", 404), ("2026-W54", 404),
    ("2026-W00", 404), ("1999-W52", 404), ("2100-W01", 404), ("9999-W01", 404),
    ("2026-W5", 404), ("2026W50", 404), ("2026-12-07", 404), ("x", 404)])
def test_weeks_that_do_not_exist_are_not_found(client, login, ids, week, status, t):
    login("larer1a")
    response = page(client, ids, week)
    assert response.status_code == status
    if status == 404:
        assert "<html" in response.get_data(as_text=True)  # the app's translated page


@pytest.mark.clock(WEDNESDAY)
def test_week_53_and_new_year(client, login, ids):
    login("larer1a")
    assert parse_week("2026-W53") == datetime.date(2026, 12, 28)
    assert week_name(datetime.date(2027, 1, 3)) == "2026-W53"
    assert week_name(datetime.date(2024, 12, 30)) == "2025-W01"
    html = page(client, ids, "2026-W53").get_data(as_text=True)
    assert f"/week-plans/{ids['g1a']}/2027-W01" in html
    assert f"/week-plans/{ids['g1a']}/2026-W52" in html
    # 1 January 2027 is the Friday of 2026-W53.
    assert post(client, ids, "/entries", "2026-W53", day="2027-01-01",
                subject="Nyttårsfri").status_code == 303
    assert post(client, ids, "/entries", "2026-W53", day="2027-01-04",
                subject="X").status_code == 400
    assert post(client, ids, "/copy", "2027-W01").status_code == 303
    copied = WeekPlanEntry.select().join(WeekPlan).where(
        WeekPlan.week_start == datetime.date(2027, 1, 4)).get()
    assert copied.day == datetime.date(2027, 1, 8)
    assert "2025-W01" == week_name(parse_week("2025-W01"))
    assert page(client, ids, "2025-W01").status_code == 200


@pytest.mark.clock("2026-03-25 10:00")  # summer time starts Sunday 29 March
def test_publication_times_across_summer_time(client, login, ids):
    login("larer1a")
    # 02:30 on 29 March does not exist: it is read as 03:30 CEST (01:30 UTC).
    response = post(client, ids, "/publish", "2026-W14", when="at", date="2026-03-29",
                    time="02:30")
    assert response.status_code == 303, text_of(response)
    assert WeekPlan.get(WeekPlan.week_start == datetime.date(2026, 3, 30)).publish_at == (
        datetime.datetime(2026, 3, 29, 1, 30))
    assert post(client, ids, "/publish", "2026-W15", when="at", date="2026-03-27",
                time="14:00").status_code == 303
    assert WeekPlan.get(WeekPlan.week_start == datetime.date(2026, 4, 6)).publish_at == (
        datetime.datetime(2026, 3, 27, 13, 0))  # still CET
    assert post(client, ids, "/publish", "2026-W16", when="at", date="2026-04-10",
                time="14:00").status_code == 303
    assert WeekPlan.get(WeekPlan.week_start == datetime.date(2026, 4, 13)).publish_at == (
        datetime.datetime(2026, 4, 10, 12, 0))  # CEST
    # The week the clocks change has its days in order, Sunday the 29th last.
    shown = text_of(page(client, ids, "2026-W13")).lower()
    assert shown.index("fredag 27. mars") < shown.index("søndag 29. mars")


@pytest.mark.clock("2026-10-21 10:00")  # summer time ends Sunday 25 October
def test_publication_time_in_the_hour_that_comes_twice(client, login, ids):
    login("larer1a")
    assert post(client, ids, "/publish", "2026-W44", when="at", date="2026-10-25",
                time="02:30").status_code == 303
    assert WeekPlan.get(WeekPlan.week_start == datetime.date(2026, 10, 26)).publish_at == (
        datetime.datetime(2026, 10, 25, 0, 30))  # the first 02:30, CEST


# --- cost -------------------------------------------------------------------------

@pytest.mark.clock(WEDNESDAY)
def test_pages_cost_the_same_with_30_more_entries(client, login, ids):
    pages = {"larer1a": [f"/week-plans/{ids['g1a']}/{W49}"],
             "kari": ["/week-plans", f"/week-plans/{ids['g1a']}/{W49}",
                      f"/week-plans/{ids['g1a']}/{W49}/print"]}
    before = {}
    for user, urls in pages.items():
        login(user)
        before[user] = [queries_for(client, url) for url in urls]
    plan = WeekPlan.get(WeekPlan.week_start == datetime.date(2026, 11, 30))
    lars = User.get(User.username == "larer1a")
    for n in range(30):
        WeekPlanEntry.create(plan=plan, day=plan.week_start + datetime.timedelta(days=n % 5),
                             subject=f"Fag {n}", homework=f"Lekse {n}", author=lars)
    for user, urls in pages.items():
        login(user)
        after = [queries_for(client, url) for url in urls]
        assert after == before[user], (user, before[user], after)
        assert max(after) <= 6


# --- the agenda, retention and export ---------------------------------------------

@pytest.mark.clock(WEDNESDAY)
def test_agenda_rows_are_the_familys_published_homework(app, users, ids):
    first, last = datetime.date(2026, 11, 30), datetime.date(2026, 12, 13)
    rows = list(agenda.guardian_items(users["kari"], first, last, "nb").dicts())
    assert rows and {r["kind"] for r in rows} == {"homework"}
    assert {r["child_id"] for r in rows} == {ids["emma"]}
    assert {r["link_id"] for r in rows} == {ids["g1a"]}
    assert all(first <= r["first_day"] <= datetime.date(2026, 12, 6) for r in rows)
    assert all(r["all_day"] and not r["cancelled"] and not r["owed"] and r["place"] == ""
               for r in rows)
    assert "Matematikk" in {r["title"] for r in rows}
    assert not list(agenda.guardian_items(users["per"], first, last, "nb"))
    assert not list(agenda.guardian_items(users["amina"], first, last, "nb"))
    assert not list(agenda.staff_items(users["larer1a"], first, last, "nb"))
    # Both queries have the same columns: they compose into one UNION ALL.
    union = (agenda.guardian_items(users["kari"], first, last, "nb")
             | agenda.staff_items(users["larer1a"], first, last, "nb"))
    assert len(list(union.tuples())) == len(rows)


@pytest.mark.clock(WEDNESDAY)
def test_retention_deletes_plans_months_after_their_week(app):
    settings = Settings({"week_plans_months": 12}, "")
    today = datetime.date(2026, 12, 2)
    assert retention.due(settings, today) == 0
    # This week ends Sunday 6 December 2026: kept 12 months, due from 7 December 2027;
    # next week's (to 13 December) from 14 December 2027.
    assert retention.due(settings, datetime.date(2027, 12, 6)) == 0
    assert retention.due(settings, datetime.date(2027, 12, 7)) == 1
    assert retention.due(settings, datetime.date(2027, 12, 13)) == 1
    assert retention.due(settings, datetime.date(2027, 12, 14)) == 2
    assert retention.purge(settings, datetime.date(2027, 12, 14)) == 2
    assert WeekPlan.select().count() == 0 and WeekPlanEntry.select().count() == 0


@pytest.mark.clock(WEDNESDAY)
def test_the_export_names_groups_only(app, users):
    assert export.for_guardian(users["kari"]) == {"groups": [
        {"group": "1A", "child": "Emma"}, {"group": "SFO 1–2", "child": "Emma"},
        {"group": "Blåklokka", "child": "Noah"}]}
    assert export.for_guardian(users["per"]) == {"groups": []}


@pytest.mark.clock(WEDNESDAY)
def test_every_change_is_audited(client, login, ids):
    login("larer1a")
    post(client, ids, "/entries", day="2026-12-01", subject="Engelsk")
    entry = entry_of("larer1a", "Engelsk")
    post(client, ids, f"/entries/{entry.id}", day="2026-12-01", subject="Engelsk",
         homework="Les.")
    post(client, ids, f"/entries/{entry.id}/delete")
    post(client, ids, "/note", note="Ny beskjed")
    post(client, ids, "/publish", W50, when="now")
    actions = [a for (a,) in AuditEvent.select(AuditEvent.action)
               .where(AuditEvent.action.startswith("weekplan.")).order_by(AuditEvent.id)
               .tuples()]
    assert actions == ["weekplan.entry_added", "weekplan.entry_changed",
                       "weekplan.entry_deleted", "weekplan.note_changed",
                       "weekplan.published"]


@pytest.mark.clock(WEDNESDAY)
def test_posts_need_the_csrf_token(make_app, login, ids):
    application = make_app(WTF_CSRF_ENABLED=True)
    client = application.test_client()
    user = User.get(User.username == "larer1a")
    with client.session_transaction() as session:
        session["_user_id"] = LoginSession.start(user)
        session["_fresh"] = True
    assert post(client, ids, "/note", note="Hei").status_code == 400
    assert "Hei" != WeekPlan.get(WeekPlan.week_start == datetime.date(2026, 11, 30)).note


def test_week_names_round_trip_for_every_week_of_a_range():
    day = datetime.date(2019, 12, 30)
    while day < datetime.date(2032, 1, 5):
        assert parse_week(week_name(day)) == day
        day += datetime.timedelta(days=7)
