"""The attendance register (issue 18, at school): the staff of a group mark who is
present, absent or late in one screen, with the guardians' reports filled in, and see
each child's absence over the term, on screen and as CSV."""
import csv
import datetime
import io

import pytest

from models.absence.tables import Absence
from models.attendance.tables import AttendanceMark
from models.audit import AuditEvent
from models.school.tables import Child, Enrolment, Group

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import HTMX_MODE, Matrix, only

pytestmark = pytest.mark.clock("2026-11-18 10:00")  # a Wednesday of a school week
TODAY = datetime.date(2026, 11, 18)

KEEPERS = {"rektor", "larer1a", "faglarer"}  # of 1A's register
ROUTES = Matrix({
    ("GET", "/groups/{g1a}/register"): only(KEEPERS),
    ("GET", "/groups/{g1a}/register?day=2026-11-17"): only(KEEPERS),
    ("GET", "/groups/{blaaklokka}/register"): only({"styrer", "bhg"}),
    ("GET", "/groups/{gsfo}/register"): only(()),  # SFO staff work across, attached to none
    ("POST", "/groups/{g1a}/register"): only(KEEPERS, 303),  # nothing chosen: nothing saved
    ("POST", "/groups/{g1a}/register/{emma}"): only(KEEPERS, 303),
    ("POST", "/groups/{g1a}/register/{emma}", HTMX_MODE): only(KEEPERS),
    ("POST", "/groups/{g1a}/register/{ali}", HTMX_MODE): only((), 404),  # not in 1A
    ("GET", "/groups/{g1a}/attendance"): only(KEEPERS),
    ("GET", "/groups/{g1a}/attendance?term=2026-spring"): only(KEEPERS),
    ("GET", "/groups/{g1a}/attendance.csv"): only(KEEPERS),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids, data={})


def g1a():
    return Group.get(Group.name == "1A")


def marks(day=TODAY):
    return {m.child.first_name: (m.status, m.late_at) for m in
            AttendanceMark.select().where(AttendanceMark.day == day)}


def test_the_register_fills_in_emmas_illness_and_shows_jonas_marked(client, login, kids, t):
    login("kari")  # Emma's mother reports her ill this morning, as guardians do
    assert client.post(f"/children/{kids['Emma'].id}/absence", data={
        "start": TODAY.isoformat(), "end": "", "part": "whole", "time": "",
        "picked_up_by": "", "reason": "ill", "note": ""}).status_code == 303
    login("larer1a")
    page = client.get(f"/groups/{g1a().id}/register")
    html = page.get_data(as_text=True)
    text = text_of(page)
    assert page.status_code == 200
    assert text.index("Emma Hansen") < text.index("Jonas Lie") < text.index("Sara Berg")
    emma = html[html.index('id="row-%d"' % kids["Emma"].id):]
    emma = emma[:emma.index("</li>")]
    assert t("Suggested: %(status)s", status=t("Absent")) in emma
    assert f"{t('Reported by the guardians')}: {t('Ill')}" in emma
    assert f'id="status-{kids["Emma"].id}-absent" name="status-{kids["Emma"].id}" ' \
        'value="absent" checked' in emma
    jonas = html[html.index('id="row-%d"' % kids["Jonas"].id):]
    jonas = jonas[:jonas.index("</li>")]
    assert t("Marked by %(name)s", name="Lars Lærer") in jonas
    assert t("Reported by the guardians") not in jonas
    assert 'value="absent" checked' in jonas
    assert "Ali" not in text  # 1B
    assert t("Previous school day") in text and t("Next school day") in text


def test_the_teacher_marks_the_whole_register_in_one_post(client, login, kids, t):
    login("larer1a")
    url = f"/groups/{g1a().id}/register?day={TODAY.isoformat()}"
    form = {f"status-{kids['Emma'].id}": "absent", f"late-{kids['Emma'].id}": "",
            f"status-{kids['Jonas'].id}": "late", f"late-{kids['Jonas'].id}": "08:40",
            f"status-{kids['Sara'].id}": "present", f"late-{kids['Sara'].id}": "09:00"}
    saved = client.post(url, data=form)
    assert saved.status_code == 303
    assert marks() == {"Emma": ("absent", None), "Jonas": ("late", datetime.time(8, 40)),
                       "Sara": ("present", None)}
    page = client.get(saved.headers["Location"])
    assert t("The register for %(day)s is saved.", day="X").split("X")[0] in text_of(page)
    assert f"{t('Late')} 08:40" in text_of(page)
    event = AuditEvent.get(AuditEvent.action == "attendance.marked")
    assert set(event.children) == {kids["Emma"].id, kids["Jonas"].id, kids["Sara"].id}
    # Saving the same again changes nothing and records nothing more.
    assert client.post(url, data=form).status_code == 303
    assert AuditEvent.select().where(AuditEvent.action == "attendance.marked").count() == 1


def test_one_tap_saves_at_once_and_returns_the_row(client, login, kids, t):
    login("faglarer")
    sara = kids["Sara"].id
    response = client.post(f"/groups/{g1a().id}/register/{sara}?day=2026-11-18",
                           data={f"status-{sara}": "late", f"late-{sara}": "08:15"},
                           headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith(f'<li class="register-row mark-late" id="row-{sara}"')
    assert 'hx-target="this" hx-swap="outerHTML"' in html
    assert f"{t('Late')} 08:15" in text_of(response)
    assert t("Marked by %(name)s", name="Frida Faglærer") in html
    assert marks()["Sara"] == ("late", datetime.time(8, 15))
    # Without JavaScript the same post goes back to the register.
    plain = client.post(f"/groups/{g1a().id}/register/{sara}?day=2026-11-18",
                        data={f"status-{sara}": "present"})
    assert plain.status_code == 303 and "/register?day=2026-11-18" in plain.headers["Location"]
    assert marks()["Sara"] == ("present", None)


def test_saving_is_atomic_a_bad_value_saves_nothing(client, login, kids, t):
    login("larer1a")
    before = marks()
    response = client.post(f"/groups/{g1a().id}/register", data={
        f"status-{kids['Emma'].id}": "present", f"status-{kids['Sara'].id}": "present",
        f"status-{kids['Jonas'].id}": "gone"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.index('class="error-summary"') < html.index('class="error"')
    assert f'href="#status-{kids["Jonas"].id}-present"' in html
    assert t("Choose present, absent or late.") in text_of(response)
    bad_time = client.post(f"/groups/{g1a().id}/register", data={
        f"status-{kids['Emma'].id}": "present",
        f"status-{kids['Sara'].id}": "late", f"late-{kids['Sara'].id}": "25:99"})
    assert bad_time.status_code == 400
    assert marks() == before


@pytest.mark.parametrize("day, message, values", [
    ("2026-11-21", "There is no school on %(day)s: it is a weekend.",
     {"day": "lørdag 21. november"}),
    ("2026-12-22", "%(day)s is a holiday (%(name)s): there is no school that day.",
     {"day": "tirsdag 22. desember", "name": "Juleferie"}),
])
def test_a_weekend_or_holiday_is_refused(client, login, kids, t, day, message, values):
    why = t(message, **values)
    login("larer1a")
    emma = kids["Emma"].id
    refused = client.post(f"/groups/{g1a().id}/register?day={day}",
                          data={f"status-{emma}": "present"})
    assert refused.status_code == 400
    assert why in text_of(refused)
    tap = client.post(f"/groups/{g1a().id}/register/{emma}?day={day}",
                      data={f"status-{emma}": "present"}, headers=HTMX)
    assert tap.status_code == 400 and "<html" not in tap.get_data(as_text=True)
    assert not AttendanceMark.select().where(AttendanceMark.day != TODAY).exists()
    page = client.get(f"/groups/{g1a().id}/register?day={day}")
    assert page.status_code == 200 and why in text_of(page)
    assert t("Save the register") not in text_of(page)


@pytest.mark.parametrize("role", ["kari", "nina", "bhg", "sfo", "styrer", "admin"])
def test_guardians_and_other_staff_get_404(client, login, kids, role):
    login(role)
    emma = kids["Emma"].id
    assert client.get(f"/groups/{g1a().id}/register").status_code == 404
    assert client.post(f"/groups/{g1a().id}/register",
                       data={f"status-{emma}": "present"}).status_code == 404
    assert client.post(f"/groups/{g1a().id}/register/{emma}",
                       data={f"status-{emma}": "present"}, headers=HTMX).status_code == 404
    assert client.get(f"/groups/{g1a().id}/attendance.csv").status_code == 404
    assert marks() == {"Jonas": ("absent", None)}


def test_bad_day_and_term_are_refused(client, login):
    login("larer1a")
    assert client.get(f"/groups/{g1a().id}/register?day=2400-01-01").status_code == 400
    assert client.get(f"/groups/{g1a().id}/register?day=18.11.2026").status_code == 400
    assert client.get(f"/groups/{g1a().id}/attendance?term=2026-summer").status_code == 400
    assert client.get(f"/groups/{g1a().id}/attendance?term=9999-autumn").status_code == 400


def test_the_home_page_and_the_absence_page_link_the_register(client, login):
    group = g1a()
    login("larer1a")
    assert f"/groups/{group.id}/register" in client.get("/").get_data(as_text=True)
    assert f"/groups/{group.id}/register" in client.get(
        f"/groups/{group.id}/absence").get_data(as_text=True)
    login("sfo")
    assert "/register" not in client.get("/").get_data(as_text=True)


def _more_children(group, n):
    for i in range(n):
        child = Child.create(first_name=f"Elev{i:02d}", last_name="Ekstra",
                             birth_date=datetime.date(2020, 1, 1))
        Enrolment.create(child=child, group=group, start_date=datetime.date(2026, 8, 15))
        if i % 3 == 0:
            AttendanceMark.create(child=child, group=group, day=TODAY, status="absent")
        if i % 4 == 0:
            Absence.create(child=child, start_date=TODAY, end_date=TODAY, reason="ill",
                           reported_by=1)


def test_register_and_statistics_cost_the_same_queries_for_30_more_children(
        client, login):
    group = g1a()
    login("larer1a")
    urls = [f"/groups/{group.id}/register", f"/groups/{group.id}/attendance",
            f"/groups/{group.id}/attendance.csv"]
    before = [queries_for(client, url) for url in urls]
    _more_children(group, 30)
    after = [queries_for(client, url) for url in urls]
    assert after == before
    assert "Elev29 Ekstra" in text_of(client.get(urls[0]))


def _term_fixture(kids, users):
    """Over the autumn term: Jonas unexplained twice (the demo's today, 2 November; a
    mark in the autumn holiday is not counted) and late once, Emma reported ill
    (yesterday in the demo, and today) and once marked absent with a report that came
    later, Sara on leave three school days and late once."""
    group, teacher = g1a(), users["larer1a"]
    emma, jonas, sara = kids["Emma"], kids["Jonas"], kids["Sara"]
    Absence.create(child=emma, start_date=TODAY, end_date=TODAY, reason="ill",
                   reported_by=users["kari"], reported_at=datetime.datetime(2026, 11, 18, 6))

    def mark(child, day, status, at=None, late_at=None):
        AttendanceMark.create(child=child, group=group, day=day, status=status,
                              late_at=late_at, marked_by=teacher,
                              marked_at=at or datetime.datetime(2026, 11, 1))
    mark(jonas, datetime.date(2026, 11, 2), "absent")
    mark(jonas, datetime.date(2026, 9, 29), "absent")  # Høstferie
    mark(jonas, datetime.date(2026, 11, 16), "late", late_at=datetime.time(8, 30))
    mark(emma, datetime.date(2026, 11, 3), "absent", at=datetime.datetime(2026, 11, 3, 8))
    Absence.create(child=emma, start_date=datetime.date(2026, 11, 3),
                   end_date=datetime.date(2026, 11, 3), reason="ill", reported_by=users["kari"],
                   reported_at=datetime.datetime(2026, 11, 3, 11))
    # Leave over a weekend: Thursday to Monday is three school days.
    Absence.create(child=sara, start_date=datetime.date(2026, 11, 5),
                   end_date=datetime.date(2026, 11, 9), reason="leave",
                   reported_by=users["lise"])
    mark(sara, datetime.date(2026, 11, 10), "late", late_at=datetime.time(9, 5))
    # Reported ill for a day but marked present: she came after all.
    Absence.create(child=sara, start_date=datetime.date(2026, 11, 11),
                   end_date=datetime.date(2026, 11, 11), reason="ill",
                   reported_by=users["lise"])
    mark(sara, datetime.date(2026, 11, 11), "present")


def test_statistics_count_each_category_over_a_term_with_a_holiday(client, login, kids, users,
                                                                    t):
    _term_fixture(kids, users)
    login("rektor")
    page = client.get(f"/groups/{g1a().id}/attendance")
    assert page.status_code == 200
    text = text_of(page)
    for surname in ("Hansen ", "Lie ", "Berg "):
        text = text.replace(surname, "")
    # Reported, noticed, unexplained, leave, late. Emma: yesterday and today reported
    # (demo), 3 November noticed (the report came after the mark).
    assert "Emma 2 1 0 0 0" in text
    # Jonas: 2 November and today (demo) unexplained; the mark in Høstferie not counted.
    assert "Jonas 0 0 2 0 1" in text
    # Sara: leave Thursday to Monday is three school days; "ill" but marked present is not.
    assert "Sara 0 0 0 3 1" in text
    assert t("%(num)d school day so far this term. Weekends and the school's holidays "
             "are not counted.", "%(num)d school days so far this term. Weekends and the "
             "school's holidays are not counted.", 73) in text


def test_the_csv_has_a_bom_semicolons_and_the_documented_columns(client, login, kids, users):
    _term_fixture(kids, users)
    login("larer1a")
    response = client.get(f"/groups/{g1a().id}/attendance.csv?term=2026-autumn")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == ["first_name", "last_name", "term", "school_days", "absent_days",
                             "reported_days", "noticed_days", "unexplained_days",
                             "leave_days", "late"]
    by_name = {row["first_name"]: row for row in rows}
    assert set(by_name) == {"Emma", "Jonas", "Sara"}
    # 1 Aug–18 Nov 2026 (the term so far) has 78 weekdays; Høstferie takes 5.
    assert by_name["Jonas"]["school_days"] == "73"
    assert {k: by_name["Jonas"][k] for k in ("absent_days", "unexplained_days", "late")} == {
        "absent_days": "2", "unexplained_days": "2", "late": "1"}
    assert by_name["Sara"]["leave_days"] == "3"
    assert (by_name["Emma"]["reported_days"], by_name["Emma"]["noticed_days"]) == ("2", "1")


def test_per_lesson_the_statistics_and_the_csv_count_lessons(client, login, kids, users, t):
    """A school that registers per lesson: each lesson's mark counts, a whole day
    reported counts every lesson of it, and the CSV says lessons."""
    from models.attendance import settings
    from models.school.tables import Unit
    school = Unit.get(Unit.name == "Solbakken skole")
    settings.store(school, settings.Settings(lessons=4), users["rektor"])
    group, teacher = g1a(), users["larer1a"]
    jonas, sara, emma = kids["Jonas"], kids["Sara"], kids["Emma"]
    monday = datetime.date(2026, 11, 16)

    def mark(child, lesson, status, day=monday):
        AttendanceMark.create(child=child, group=group, day=day, lesson=lesson,
                              status=status, marked_by=teacher,
                              marked_at=datetime.datetime(2026, 11, 16, 8))
    mark(jonas, 1, "absent")
    mark(jonas, 2, "absent")
    mark(jonas, 3, "present")
    mark(sara, 1, "late")
    mark(sara, 2, "present")
    login("larer1a")
    page = client.get(f"/groups/{group.id}/attendance")
    text = text_of(page)
    for surname in ("Hansen ", "Lie ", "Berg "):
        text = text.replace(surname, "")
    assert t("Lessons absent per child (%(num)d lesson a day)",
             "Lessons absent per child (%(num)d lessons a day)", 4) in text
    # Jonas: two lessons unexplained on Monday; the demo's day-register mark of today
    # is not a lesson's. Emma: yesterday reported ill (demo), all four lessons.
    assert "Jonas 0 0 2 0 0" in text
    assert "Emma 4 0 0 0 0" in text
    assert "Sara 0 0 0 0 1" in text
    response = client.get(f"/groups/{group.id}/attendance.csv?term=2026-autumn")
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")),
                               delimiter=";"))
    assert list(rows[0]) == ["first_name", "last_name", "term", "school_days",
                             "lessons_per_day", "absent_lessons", "reported_lessons",
                             "noticed_lessons", "unexplained_lessons", "leave_lessons",
                             "late"]
    jonas_row = next(r for r in rows if r["first_name"] == "Jonas")
    assert (jonas_row["lessons_per_day"], jonas_row["absent_lessons"],
            jonas_row["unexplained_lessons"]) == ("4", "2", "2")


def test_per_lesson_the_register_keeps_each_lesson_apart(client, login, kids, users, t):
    from models.attendance import settings
    from models.school.tables import Unit
    settings.store(Unit.get(Unit.name == "Solbakken skole"), settings.Settings(lessons=3),
                   users["rektor"])
    login("faglarer")
    sara = kids["Sara"].id
    url = f"/groups/{g1a().id}/register"
    page = client.get(url)
    assert 'aria-current="page"' in page.get_data(as_text=True)
    assert t("Lesson %(num)d", num=1) in text_of(page)
    saved = client.post(f"{url}?day={TODAY.isoformat()}&lesson=3",
                        data={f"status-{sara}": "absent"})
    assert saved.status_code == 303 and "lesson=3" in saved.headers["Location"]
    assert 'value="absent" checked' in client.get(f"{url}?lesson=3").get_data(as_text=True)
    assert f'id="status-{sara}-absent" name="status-{sara}" value="absent" checked' not in \
        client.get(f"{url}?lesson=2").get_data(as_text=True)
    event = AuditEvent.get(AuditEvent.action == "attendance.marked")
    assert '"lesson": 3' in event.detail
