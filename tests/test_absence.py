"""Absence reports and leave applications (rule 6, seed 000): structured reasons, dates
checked, changeable until the day has passed, seen only by those who see the child;
leave decided by the unit leader or, for short leave, the contact teacher."""
import datetime

import pytest

from models.absence import absence
from models.absence.tables import (APPROVED, DECLINED, ILL, LEAVE, NOTICED, PENDING, Absence,
                                   LeaveApplication)
from models.audit import AuditEvent
from models.db import today
from models.messaging.tables import Message, ThreadParticipant
from models.school.tables import Enrolment, Group, User

from .cast import ROLES
from .helpers import queries_for, text_of
from .matrix import HTMX_MODE, Matrix, only

# Absence is reported for school days: the tests that report "today" for a pupil need
# today to be one (a Wednesday in November, outside the demo's school holidays). Tests
# that need another day say so themselves.
pytestmark = pytest.mark.clock("2026-11-18 10:00")

SEES_EMMA = {"kari", "ola", "bestemor", "rektor", "larer1a", "faglarer", "sfo"}
SEES_1A_DAY = {"rektor", "larer1a", "faglarer"}
LEAVE_PAGE = {"rektor", "styrer", "larer1a"}


def user(username):
    return User.get(User.username == username)


def report_data(**changes):
    return {"start": today().isoformat(), "end": "", "part": "whole", "time": "",
            "picked_up_by": "", "reason": "ill", "note": "", **changes}


ROUTES = Matrix({
    ("GET", "/children/{emma}/absence"): only(SEES_EMMA),
    ("GET", "/children/{emma}/absence", HTMX_MODE): only(SEES_EMMA),
    ("POST", "/children/{emma}/absence"): only(SEES_EMMA, 400),
    ("GET", "/children/{noah}/absence/today"): only({"kari", "ola"}),
    ("POST", "/children/{noah}/absence/today"): only({"kari", "ola"}, 400),  # no reason
    ("GET", "/children/{noah}/absence/pickup"): only({"kari", "ola"}),
    ("POST", "/children/{noah}/absence/pickup"): only({"kari", "ola"}, 400),  # no time
    # kari's report for Emma today: only she changes or withdraws it.
    ("GET", "/children/{emma}/absence/{report}/edit"): only({"kari"}),
    ("POST", "/children/{emma}/absence/{report}/edit"): only({"kari"}, 400),
    ("POST", "/children/{emma}/absence/{report}/withdraw"): only({"kari"}, 303),
    ("POST", "/children/{emma}/leave"): only({"kari", "ola"}, 400),
    ("POST", "/children/{emma}/leave/{emma_leave}/withdraw"): only({"kari", "ola"}, 303),
    ("GET", "/groups/{g1a}/absence"): only(SEES_1A_DAY),
    ("GET", "/leave/"): only(LEAVE_PAGE),
    ("POST", "/leave/{leave}"): only({"rektor"}, 400),  # no decision
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, kids, role):
    kari = user("kari")
    report = Absence.create(child=kids["Emma"], start_date=today(), end_date=today(),
                            reason=ILL, reported_by=kari)
    leave = LeaveApplication.create(child=kids["Emma"], start_date=today(),
                                    end_date=today(), reason="Bryllup", applied_by=kari)
    ROUTES.check(client, login, role, {**ids, "report": report.id, "emma_leave": leave.id},
                 data={"start": ""})


def test_a_guardian_reports_and_staff_see_it_at_once(client, login, kids, users):
    jonas = kids["Jonas"]
    login("nina")
    response = client.post(f"/children/{jonas.id}/absence",
                           data=report_data(part="late", time="10:30", reason="appointment",
                                            note="Tannlege"))
    assert response.status_code == 303
    row = Absence.get(Absence.child == jonas)
    assert (row.reason, row.part, row.at_time, row.note) == (
        "appointment", "late", datetime.time(10, 30), "Tannlege")
    assert AuditEvent.get(AuditEvent.action == "absence.reported").actor_id == users["nina"].id
    login("larer1a")
    page = text_of(client.get(f"/groups/{Group.get(Group.name == '1A').id}/absence"))
    assert "Jonas Lie" in page and "10:30" in page
    home = text_of(client.get("/"))
    assert "Jonas Lie" in home  # absent today, on the home page


@pytest.mark.parametrize("changes, field, message", [
    ({"end": "2000-01-01"}, "end", "The last day cannot be before the first."),
    ({"start": "2000-01-01"}, "start", None),  # too far back
    ({"start": "not a date"}, "start", "Write the date as YYYY-MM-DD, for example %(example)s."),
    ({"start": ""}, "start", "Choose the date."),  # asks for it, not for a format
    ({"part": "late"}, "time", "Choose the time."),
    ({"part": "late", "time": "half past ten"}, "time",
     "Write the time as HH:MM, for example 13:30."),
    ({"reason": "sick with fever"}, "reason", "Choose a reason."),
    ({"note": "x" * 201}, "note", "The note can be at most %(max)d characters."),
])
def test_bad_reports_come_back_with_the_error_and_what_was_typed(client, login, kids, t,
                                                                  changes, field, message):
    login("kari")
    data = report_data(**changes)
    response = client.post(f"/children/{kids['Emma'].id}/absence", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    if message:
        assert t(message, example=today().isoformat(), max=200) in text_of(response)
    if data["start"] != today().isoformat() and field != "end":
        assert data["start"] in html  # kept
    assert not Absence.select().where(Absence.reported_by == user("kari"),
                                      Absence.start_date >= today()).exists()  # nothing saved


def test_reports_can_go_back_only_as_far_as_the_municipality_allows(app, client, login,
                                                                    kids):
    login("kari")
    back = app.config["MUNICIPALITY"].absence_days_back
    ok = client.post(f"/children/{kids['Emma'].id}/absence", data=report_data(
        start=(today() - datetime.timedelta(days=back)).isoformat()))
    assert ok.status_code == 303
    late = client.post(f"/children/{kids['Emma'].id}/absence", data=report_data(
        start=(today() - datetime.timedelta(days=back + 1)).isoformat()))
    assert late.status_code == 400


def test_a_report_can_be_changed_or_withdrawn_until_its_day_has_passed(client, login, kids):
    emma = kids["Emma"]
    login("kari")
    past = Absence.get(Absence.child == emma, Absence.reason == ILL)  # yesterday (demo)
    assert client.get(f"/children/{emma.id}/absence/{past.id}/edit").status_code == 404
    assert client.post(f"/children/{emma.id}/absence/{past.id}/withdraw").status_code == 404
    client.post(f"/children/{emma.id}/absence", data=report_data())
    today_report = Absence.select().where(Absence.child == emma).order_by(
        Absence.id.desc()).first()
    response = client.post(f"/children/{emma.id}/absence/{today_report.id}/edit",
                           data=report_data(reason="other"))
    assert response.status_code == 303
    assert Absence.get_by_id(today_report.id).reason == "other"
    login("ola")  # only the one who reported changes it
    assert client.post(f"/children/{emma.id}/absence/{today_report.id}/withdraw"
                       ).status_code == 404
    login("kari")
    assert client.post(f"/children/{emma.id}/absence/{today_report.id}/withdraw"
                       ).status_code == 303
    assert today_report.id not in {a.id for a in absence.of_child(emma.id)}
    assert not absence.on_day([Group.get(Group.name == "1A").id], today())


def test_kindergarten_not_coming_today_in_two_taps(client, login, kids):
    noah = kids["Noah"]
    login("ola")
    home = client.get("/").get_data(as_text=True)
    assert f"/children/{noah.id}/absence/today" in home  # tap one
    response = client.post(f"/children/{noah.id}/absence/today", data={"reason": "ill"})
    assert response.status_code == 303  # tap two
    login("bhg")
    page = text_of(client.get("/"))
    assert page.count("Noah Hansen") >= 2  # not coming, and picked up early (demo)


def test_picked_up_early_by_someone(client, login, kids, t):
    noah = kids["Noah"]
    login("kari")
    bad = client.post(f"/children/{noah.id}/absence/pickup", data={"time": "14:30"})
    assert bad.status_code == 400 and t("Write who picks up.") in text_of(bad)
    client.post(f"/children/{noah.id}/absence/pickup",
                data={"time": "14:30", "picked_up_by": "Tante Guri"})
    login("styrer")
    assert "Tante Guri" in text_of(client.get(
        f"/groups/{Group.get(Group.name == 'Blåklokka').id}/absence"))


def test_staff_record_noticed_absence_that_guardians_cannot_change(client, login, kids):
    jonas = kids["Jonas"]
    login("larer1a")
    assert client.post(f"/children/{jonas.id}/absence",
                       data=report_data(reason="")).status_code == 303
    row = Absence.get(Absence.child == jonas)
    assert row.reason == NOTICED and row.by_staff
    login("nina")
    assert client.get(f"/children/{jonas.id}/absence/{row.id}/edit").status_code == 404


@pytest.mark.clock("2026-11-18 10:00")  # last week is in the same term
def test_totals_per_term_count_school_days(kids, users):
    monday = today() - datetime.timedelta(days=today().weekday() + 7)
    Absence.delete().execute()
    absence.report(kids["Jonas"].id, users["nina"], monday,
                   monday + datetime.timedelta(days=6), ILL)  # Monday to Sunday
    absence.report(kids["Jonas"].id, users["nina"], monday, monday, "appointment",
                   part="late", at_time=datetime.time(10))
    result = absence.totals(absence.of_child(kids["Jonas"].id), absence.term_of(today()))
    assert (result.days, result.part_days, result.by_reason) == (5, 1, {ILL: 5})


@pytest.mark.clock("2026-11-18 10:00")  # last week is in the same term
def test_the_term_totals_say_one_day_in_the_singular(client, login, kids, users, t):
    """"1 whole day, 1 day arriving late", never "1 whole days, 1 days"."""
    jonas, monday = kids["Jonas"], today() - datetime.timedelta(days=today().weekday() + 7)
    Absence.delete().execute()
    absence.report(jonas.id, users["nina"], monday, monday, ILL)
    tuesday = monday + datetime.timedelta(days=1)
    absence.report(jonas.id, users["nina"], tuesday, tuesday, "appointment", part="late",
                   at_time=datetime.time(10))
    login("nina")
    page = text_of(client.get(f"/children/{jonas.id}/absence"))
    one_day = t("%(num)d whole day", "%(num)d whole days", 1)
    assert one_day != t("%(num)d whole day", "%(num)d whole days", 2).replace("2", "1")
    assert t("This term: %(whole)s, %(parts)s.", whole=one_day, parts=t(
        "%(num)d day arriving late or leaving early",
        "%(num)d days arriving late or leaving early", 1)) in page


def test_a_guardian_who_loses_access_loses_the_records(client, login, kids):
    emma = kids["Emma"]
    Enrolment.update(end_date=today() - datetime.timedelta(days=1)).where(
        Enrolment.child == emma).execute()
    login("kari")
    assert client.get(f"/children/{emma.id}/absence").status_code == 404


# Leave ------------------------------------------------------------------------------------

def next_monday():
    return today() + datetime.timedelta(days=7 - today().weekday())


def test_leave_is_told_to_every_guardian_and_decided_by_the_leader(client, login, kids, t):
    emma = kids["Emma"]
    start = next_monday()
    login("kari")
    response = client.post(f"/children/{emma.id}/leave", data={
        "start": start.isoformat(), "end": (start + datetime.timedelta(days=4)).isoformat(),
        "reason": "Familiebryllup i Tromsø."})
    assert response.status_code == 303
    application = LeaveApplication.get(LeaveApplication.child == emma)
    assert application.status == PENDING and application.days == 5
    told = {p.user.username for p in ThreadParticipant.select().where(
        ThreadParticipant.thread == application.thread)}
    assert told == {"kari", "ola"}

    login("larer1a")  # 5 days is more than the contact teacher decides
    assert client.post(f"/leave/{application.id}", data={"decision": "approve"}
                       ).status_code == 403
    login("rektor")
    refused = client.post(f"/leave/{application.id}", data={"decision": "decline"})
    assert refused.status_code == 400
    assert t("Give a reason when you decline.") in text_of(refused)
    assert client.post(f"/leave/{application.id}", data={
        "decision": "approve", "reason": "God tur!"}).status_code == 303
    application = LeaveApplication.get_by_id(application.id)
    assert application.status == APPROVED and application.decision_reason == "God tur!"
    assert Absence.get(Absence.leave == application).reason == LEAVE
    assert AuditEvent.select().where(AuditEvent.action == "leave.approved").exists()
    assert "God tur!" in Message.select().where(
        Message.thread == application.thread).order_by(Message.id.desc()).first().body

    login("ola")
    page = text_of(client.get(f"/children/{emma.id}/absence"))
    assert t("Approved") in page and "God tur!" in page
    # A decided application is not decided again.
    login("rektor")
    assert client.post(f"/leave/{application.id}", data={"decision": "decline",
                                                         "reason": "Nei"}).status_code == 409


def test_the_contact_teacher_decides_short_leave(client, login, kids):
    jonas = kids["Jonas"]
    start = next_monday()
    login("nina")
    client.post(f"/children/{jonas.id}/leave", data={
        "start": start.isoformat(), "end": (start + datetime.timedelta(days=1)).isoformat(),
        "reason": "Besøk hos farmor."})
    application = LeaveApplication.get(LeaveApplication.child == jonas)
    login("faglarer")  # teaches the group, not its contact teacher
    assert client.post(f"/leave/{application.id}", data={"decision": "approve"}
                       ).status_code == 404
    login("larer1a")
    assert client.post(f"/leave/{application.id}", data={
        "decision": "decline", "reason": "Heldagsprøve den dagen."}).status_code == 303
    assert LeaveApplication.get_by_id(application.id).status == DECLINED


def test_leave_dates_are_checked(client, login, kids, t):
    login("kari")
    response = client.post(f"/children/{kids['Emma'].id}/leave", data={
        "start": (today() - datetime.timedelta(days=1)).isoformat(), "end": "",
        "reason": ""})
    assert response.status_code == 400
    page = text_of(response)
    assert t("Apply for leave before it starts.") in page
    assert t("Write why you apply for leave.") in page


def test_the_demo_has_alis_pending_leave_for_the_leader(client, login):
    login("rektor")
    page = text_of(client.get("/leave/"))
    assert "Ali Hassan" in page and "Bergen" in page


def test_the_leave_list_costs_the_same_queries_for_one_or_many(client, login, kids, users):
    login("rektor")
    one = queries_for(client, "/leave/")
    start = next_monday()
    for n, name in enumerate(("Emma", "Jonas", "Sara", "Emma", "Jonas", "Sara")):
        LeaveApplication.create(child=kids[name], start_date=start + datetime.timedelta(n),
                                end_date=start + datetime.timedelta(n), reason="Tur",
                                applied_by=users["kari"])
    assert queries_for(client, "/leave/") == one <= 6


def test_decided_leave_stays_on_the_list_with_its_decision(client, login, kids, users, t):
    """A decision does not make the application vanish: the leader and the contact
    teacher see what was decided, by whom and why; staff of another unit do not."""
    emma, start = kids["Emma"], next_monday()
    application = absence.apply_for_leave(emma.id, users["kari"], start, start, "Bryllup")
    login("rektor")
    assert client.post(f"/leave/{application.id}", data={
        "decision": "decline", "reason": "Nasjonal prøve den dagen."}).status_code == 303
    for username in ("rektor", "larer1a"):
        login(username)
        page = text_of(client.get("/leave/"))
        decided = page.split(t("Decided in the last %(num)d day",
                               "Decided in the last %(num)d days", 90))[1]
        assert "Emma" in decided and "Bryllup" in decided
        assert t("Declined") in decided
        assert t("Reason for the decision: %(reason)s",
                 reason="Nasjonal prøve den dagen.") in decided
        assert t("Decided by %(name)s on %(date)s", name=users["rektor"].name,
                 date=today().strftime("%d.%m.%Y")) in decided
    login("bhg")  # kindergarten staff: not Emma's school
    assert client.get("/leave/").status_code == 404


def test_the_leave_list_with_decided_applications_costs_the_same_queries(
        client, login, kids, users):
    login("rektor")
    one = queries_for(client, "/leave/")
    start = next_monday()
    for n, name in enumerate(("Emma", "Jonas", "Sara", "Emma", "Jonas", "Sara")):
        application = absence.apply_for_leave(kids[name].id, users["kari"],
                                              start + datetime.timedelta(n),
                                              start + datetime.timedelta(n), "Tur")
        absence.decide(application, users["rektor"], n % 2 == 0, "Svar")
    assert queries_for(client, "/leave/") == one <= 6


@pytest.mark.parametrize("username, url, most", [
    ("kari", "/", 6), ("larer1a", "/", 6), ("rektor", "/", 6), ("bhg", "/", 6),
    ("kari", "/children/EMMA/absence", 6),
    ("larer1a", "/children/EMMA/absence", 6),
    ("larer1a", "/groups/G1A/absence", 6), ("rektor", "/leave/", 6)])
def test_pages_cost_at_most_six_queries(client, login, kids, users, username, url, most):
    login(username)
    url = url.replace("EMMA", str(kids["Emma"].id)).replace(
        "G1A", str(Group.get(Group.name == "1A").id))
    before = queries_for(client, url)
    assert before <= most
    # …and as many with more reports, leave and holidays
    start = next_monday()
    for n in range(3):
        absence.report(kids["Emma"].id, users["kari"], start + datetime.timedelta(n),
                       start + datetime.timedelta(n), ILL)
        absence.apply_for_leave(kids["Emma"].id, users["kari"],
                                start + datetime.timedelta(14 + n),
                                start + datetime.timedelta(14 + n), "Tur")
    assert queries_for(client, url) == before


def test_the_group_day_refuses_a_date_outside_the_calendar(client, login, t):
    """Issue 15: 9999-12-31 and 0001-01-01 were a 500 (the links to the next and the
    previous day overflowed); any day that is not a real date in 1900-2199 is a 400 that
    says how to write one."""
    login("larer1a")
    url = f"/groups/{Group.get(Group.name == '1A').id}/absence"
    refusal = t("Write the date as YYYY-MM-DD, a real date from the year %(first)d to "
                "%(last)d.", first=1900, last=2199)
    for day in ("9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01", "2026-02-30",
                "not a date", "x" * 5000):
        response = client.get(url, query_string={"day": day})
        assert response.status_code == 400, day
        assert refusal in text_of(response)
    for day in ("1900-01-01", "2199-12-31", "2026-03-02"):
        response = client.get(url, query_string={"day": day})
        assert response.status_code == 200, day
        assert datetime.date.fromisoformat(day).strftime("%d.%m.%Y") in text_of(response)


def test_absurd_report_dates_and_times_are_field_errors(client, login, kids, t):
    login("kari")
    for changes, field in (({"start": "9999-12-31"}, "start"),
                           ({"start": "0001-01-01"}, "start"),
                           ({"end": "9999-12-31"}, "end"),
                           ({"part": "late", "time": "13:30+05:00"}, "time"),
                           ({"part": "late", "time": "13:30:00.123456"}, "time")):
        response = client.post(f"/children/{kids['Emma'].id}/absence",
                               data=report_data(**changes))
        assert response.status_code == 400, changes
        assert f'id="{field}-error"' in response.get_data(as_text=True), changes
    assert not Absence.select().where(Absence.reported_by == user("kari"),
                                      Absence.start_date >= today()).exists()


# Issue 17: one report per child, day and part; school days; what happens next --------------

WEDNESDAY = "onsdag 18. november"  # the module's clock, as the nb pages name the day


def active(child, **where):
    query = Absence.select().where((Absence.child == child) & Absence.withdrawn_at.is_null())
    for name, value in where.items():
        query = query.where(getattr(Absence, name) == value)
    return list(query.order_by(Absence.start_date))


def test_reporting_a_day_again_updates_the_one_report_and_says_so(client, login, kids, t):
    """Kari reports Emma ill, then changes her mind to "other": one report, which says
    "other", and the page says it was updated; the teacher sees one line."""
    emma = kids["Emma"]
    login("kari")
    first = client.post(f"/children/{emma.id}/absence", data=report_data(reason="ill"),
                        follow_redirects=True)
    assert t("The absence on %(days)s is reported.", days=WEDNESDAY) in text_of(first)
    assert t("The school or kindergarten sees it now. You can change or withdraw it on this "
             "page until the end of %(last)s.", last=WEDNESDAY) in text_of(first)
    second = client.post(f"/children/{emma.id}/absence",
                         data=report_data(reason="other", note="Reiser bort"),
                         follow_redirects=True)
    assert t("The report for %(days)s was updated.", days=WEDNESDAY) in text_of(second)
    rows = active(emma, start_date=today())
    assert [(r.reason, r.note) for r in rows] == [("other", "Reiser bort")]
    login("larer1a")
    page = text_of(client.get(f"/groups/{Group.get(Group.name == '1A').id}/absence"))
    lines = page.split(t("Record an absence you noticed"))[0]
    assert lines.count("Emma Hansen") == 1
    assert t("Other reason") in lines and "Reiser bort" in lines


def test_not_coming_twice_and_picked_up_twice_leave_one_report_each(client, login, kids, t):
    """The demo has Noah picked up at 14:00 by his grandmother (Ola's report). Kari taps
    "not coming" twice and sends "picked up" at 15:00: one whole-day report, one pickup
    report, and staff see who comes at the latest time."""
    noah = kids["Noah"]
    login("kari")
    client.post(f"/children/{noah.id}/absence/today", data={"reason": "ill"})
    again = client.post(f"/children/{noah.id}/absence/today", data={"reason": "other"},
                        follow_redirects=True)
    assert t("The report for today was updated: %(what)s", what=t(
        "%(name)s is not coming today (%(reason)s).", name="Noah", reason=t("Other reason"))
    ) in text_of(again)
    picked = client.post(f"/children/{noah.id}/absence/pickup",
                         data={"time": "15:00", "picked_up_by": "Tante Guri"},
                         follow_redirects=True)
    assert t("The report for today was updated: %(what)s", what=t(
        "%(name)s is picked up at %(time)s by %(by)s.", name="Noah", time="15:00",
        by="Tante Guri")) in text_of(picked)
    assert [r.reason for r in active(noah, part="whole")] == ["other"]
    assert [(r.at_time, r.picked_up_by) for r in active(noah, part="early")] == [
        (datetime.time(15), "Tante Guri")]
    login("bhg")
    page = text_of(client.get(f"/groups/{Group.get(Group.name == 'Blåklokka').id}/absence"))
    assert t("Picked up at %(time)s by %(name)s", time="15:00", name="Tante Guri") in page
    assert "Randi Hansen" not in page


def test_a_report_over_days_already_reported_replaces_just_those_days(kids, users):
    """Monday to Friday ill, then Wednesday at the dentist: Monday–Tuesday and
    Thursday–Friday stay ill, Wednesday is the appointment; never two reports for a
    day. Reporting the whole week again makes it one report once more."""
    emma, kari = kids["Emma"], users["kari"]
    monday = next_monday()
    friday, wednesday = monday + datetime.timedelta(4), monday + datetime.timedelta(2)
    absence.report(emma.id, kari, monday, friday, ILL)
    row, status = absence.store_report(emma.id, kari, wednesday, wednesday, "appointment")
    assert status == absence.UPDATED
    rows = [r for r in active(emma, part="whole") if r.start_date >= monday]
    assert [(r.start_date.weekday(), r.end_date.weekday(), r.reason) for r in rows] == [
        (0, 1, ILL), (2, 2, "appointment"), (3, 4, ILL)]
    absence.report(emma.id, kari, monday, friday, "other")
    assert [(r.start_date, r.end_date, r.reason) for r in active(emma, part="whole")
            if r.start_date >= monday] == [(monday, friday, "other")]
    result = absence.totals(absence.of_child(emma.id), absence.term_of(monday))
    assert result.by_reason.get("other") == 5


def test_staff_do_not_overwrite_what_the_guardians_reported(client, login, kids, t):
    emma = kids["Emma"]
    login("kari")
    client.post(f"/children/{emma.id}/absence", data=report_data(reason="ill"))
    login("larer1a")
    refused = client.post(f"/children/{emma.id}/absence", data=report_data(reason=""))
    assert refused.status_code == 400
    assert t("The guardians have already reported absence on these days. Their report "
             "stands; you see it below.") in text_of(refused)
    assert [r.reason for r in active(emma, start_date=today())] == [ILL]


def test_staff_are_told_the_guardians_are_not_sent_a_message(client, login, kids, t):
    jonas = kids["Jonas"]
    login("larer1a")
    page = text_of(client.post(f"/children/{jonas.id}/absence", data=report_data(reason=""),
                               follow_redirects=True))
    assert t("Recorded: absent on %(days)s.", days=WEDNESDAY) in page
    assert t("The guardians see it on the child's absence page, but are not sent a "
             "message about it: contact them if you need to.") in page
    assert t("You can change or withdraw it on this page until the end of %(last)s.",
             last=WEDNESDAY) not in page


@pytest.mark.clock("2026-11-20 10:00")  # a Friday: tomorrow is Saturday
def test_a_school_child_is_not_absent_on_saturday_but_a_kindergarten_child_may_be(
        client, login, kids, t):
    saturday = today() + datetime.timedelta(days=1)
    login("kari")
    refused = client.post(f"/children/{kids['Emma'].id}/absence",
                          data=report_data(start=saturday.isoformat()))
    assert refused.status_code == 400
    assert t("There is no school on %(day)s. Absence is reported for school days.",
             day="lørdag 21. november") in text_of(refused)
    assert saturday.isoformat() in refused.get_data(as_text=True)  # what she chose stays
    assert not active(kids["Emma"], start_date=saturday)
    allowed = client.post(f"/children/{kids['Noah'].id}/absence",
                          data=report_data(start=saturday.isoformat()))
    assert allowed.status_code == 303
    assert active(kids["Noah"], start_date=saturday)
    # A week with a weekend in it is fine: the weekend is not counted.
    assert client.post(f"/children/{kids['Emma'].id}/absence", data=report_data(
        end=(today() + datetime.timedelta(days=3)).isoformat())).status_code == 303


def test_a_school_holiday_is_refused_with_its_name(client, login, kids, t):
    """The demo school's Christmas holiday starts 22 December."""
    login("kari")
    day = datetime.date(2026, 12, 22)
    refused = client.post(f"/children/{kids['Emma'].id}/absence",
                          data=report_data(start=day.isoformat()))
    assert refused.status_code == 400
    assert t("%(day)s is a holiday (%(name)s): there is no school that day.",
             day="tirsdag 22. desember", name="Juleferie") in text_of(refused)


def test_an_empty_leave_application_shows_the_summary_first(client, login, kids, t):
    login("kari")
    response = client.post(f"/children/{kids['Emma'].id}/leave",
                           data={"start": "", "end": "", "reason": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html.index('class="error-summary"')
    assert summary < html.index('class="error"') and summary < html.index("leave-start")
    links = html[summary:html.index("</div>", summary)]
    assert 'href="#leave-start"' in links and 'href="#leave-reason"' in links
    assert t("Choose the first day of the leave.") in text_of(response)
    assert "YYYY" not in text_of(response)


def test_leave_over_a_holiday_does_not_count_the_holiday(client, login, kids, t):
    """Monday 21 to Wednesday 23 December: only Monday is a school day."""
    emma = kids["Emma"]
    login("kari")
    assert client.post(f"/children/{emma.id}/leave", data={
        "start": "2026-12-21", "end": "2026-12-23", "reason": "Juletur"}).status_code == 303
    page = text_of(client.get(f"/children/{emma.id}/absence"))
    assert t("%(num)d school day", "%(num)d school days", 1) in page
    assert t("%(name)s: %(num)d day not counted (no school)",
             "%(name)s: %(num)d days not counted (no school)", 2, name="Juleferie") in page
    login("rektor")
    assert t("%(name)s: %(num)d day not counted (no school)",
             "%(name)s: %(num)d days not counted (no school)", 2,
             name="Juleferie") in text_of(client.get("/leave/"))
    login("kari")  # leave only over holidays is not needed
    refused = client.post(f"/children/{emma.id}/leave", data={
        "start": "2026-12-28", "end": "2026-12-31", "reason": "Hytta"})
    assert refused.status_code == 400
    assert t("There is no school on these days (weekends and holidays), so no leave is "
             "needed.") in text_of(refused)
