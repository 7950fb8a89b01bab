"""Issue 18 in a real browser: the kindergarten's day on the department's tablet and the
staff's phone, the guardian's pick-up list and their child's day on a phone, the shared
tablet from pairing to a check-in confirmed with a PIN, and the school's notice of an
unexplained absence answered by a guardian. Each page passes axe in Norwegian and
Swedish, at 360 px for guardians and 768 px for the tablet; each test leaves the shared
demo database as it found it."""
import contextlib

import pytest

from .test_pages import _on_a_school_day, check_page, each_locale

pytestmark = pytest.mark.browser

PHONE, TABLET = (360, 740), (768, 1024)


def _demo(live_app):
    """{name: id} of the demo's children, groups and users this file uses."""
    from models import db as dbmod
    from models.pickup.tables import PickupPerson
    from models.school.tables import Child, Group, User
    with live_app.app_context(), dbmod.database.connection_context():
        found = {c.first_name: c.id for c in Child.select()}
        found.update({g.name: g.id for g in Group.select()})
        found.update({u.username: u.id for u in User.select()})
        found["randi"] = PickupPerson.get(PickupPerson.first_name == "Randi").id
    return found


def _forget(live_app, *tables, child=None):
    """Delete this test's rows (of the child) from the tables."""
    from models import db as dbmod
    with live_app.app_context(), dbmod.database.connection_context():
        for table in tables:
            query = table.delete()
            if child is not None:
                query = query.where(table.child == child)
            query.execute()


@contextlib.contextmanager
def _school_day(live_app, clock, *tables, child="Noah"):
    """A weekday that is not a holiday, with this test's rows of the child deleted before
    and after; yields the demo's ids."""
    ids = _demo(live_app)
    _on_a_school_day(ids["Jonas"], clock)
    _forget(live_app, *tables, child=ids[child])
    try:
        yield ids
    finally:
        _forget(live_app, *tables, child=ids[child])


@each_locale
def test_the_day_on_the_department_s_tablet_and_the_guardian_s_phone(
        open_session, live_app, clock, translate, locale):
    """Bente checks Noah in with one tap on Blåklokka's day list (htmx: the line changes
    in place, the counts follow); Kari sees it on her home page on her phone; Noah is
    then on the head count."""
    from models.daycare.tables import Presence
    with _school_day(live_app, clock, Presence) as ids:
        staff = open_session(locale=locale, viewport=TABLET)
        staff.log_in("bhg")
        staff.goto(f"/groups/{ids['Blåklokka']}/day")
        page = staff.page
        url = page.url
        row = page.locator(f"#child-{ids['Noah']}")
        row.get_by_role("button", name=translate(locale, "Check in")).click()
        page.wait_for_selector(f"#child-{ids['Noah']}.status-here")
        assert page.url == url
        assert "10:0" in page.locator(f"#child-{ids['Noah']} .day-state").inner_text()
        check_page(staff, "daycare-day-bhg", locale, TABLET)

        staff.page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
        staff.goto(f"/groups/{ids['Blåklokka']}/headcount")
        assert "Noah Hansen" in staff.page.locator("main").inner_text()
        check_page(staff, "daycare-headcount-bhg", locale, PHONE)

        guardian = open_session(locale=locale, viewport=PHONE)
        guardian.log_in("kari")
        text = guardian.page.locator("main").inner_text()
        assert translate(locale, "Checked in %(time)s", time="10:00") in text or \
            translate(locale, "Checked in %(time)s", time="10:01") in text
        check_page(guardian, "home-child-day-kari", locale, PHONE)


@each_locale
def test_a_guardian_says_who_picks_up_today_on_a_phone(open_session, live_app, clock,
                                                       translate, locale):
    """Kari says Randi picks Noah up today, without JavaScript, and the department's day
    list shows it to Bente."""
    from models.pickup.tables import PickupToday
    with _school_day(live_app, clock, PickupToday) as ids:
        guardian = open_session(locale=locale, viewport=PHONE)
        guardian.log_in("kari")
        guardian.goto(f"/children/{ids['Noah']}/pickup")
        check_page(guardian, "pickup-kari", locale, PHONE)
        quiet = open_session(locale=locale, viewport=PHONE, js=False)
        quiet.log_in("kari")
        quiet.goto(f"/children/{ids['Noah']}/pickup")
        quiet.page.check(f"#who-{ids['randi']}")
        quiet.submit("form[action$='/pickup/day'] button.primary")
        assert "Randi Hansen" in quiet.page.locator("#day-heading + p").inner_text()
        quiet.assert_clean()

        staff = open_session(locale=locale, viewport=TABLET)
        staff.log_in("bhg")
        staff.goto(f"/groups/{ids['Blåklokka']}/day")
        line = staff.page.locator(f"#child-{ids['Noah']}").inner_text()
        assert translate(locale, "Picks up today: %(name)s", name="Randi Hansen") in line


@each_locale
def test_the_shared_tablet_from_pairing_to_a_check_in_with_a_pin(open_session, live_app,
                                                                 clock, translate, locale):
    """Stein pairs the tablet (and is logged out on it); it shows Blåklokka's first
    names only; Bente checks Noah in with her PIN; the audit names her."""
    from models import db as dbmod
    from models.audit import AuditEvent
    from models.daycare.tables import Presence
    from models.demo_day import DEMO_PIN
    from models.devices.tables import Device
    with _school_day(live_app, clock, Presence) as ids:
        tablet = open_session(locale=locale, viewport=TABLET)
        tablet.log_in("styrer")
        tablet.goto("/devices/pair")
        page = tablet.page
        page.select_option("#group", str(ids["Blåklokka"]))
        page.fill("#name", "Nettbrett ved døra")
        tablet.submit("form[action$='/devices/pair'] button.primary")
        assert page.url.endswith("/device/")
        main = page.locator("main").inner_text()
        assert "Noah" in main and "Hansen" not in main
        check_page(tablet, "device-day", locale, TABLET)

        page.locator(".tablet-child a", has_text="Noah").click()
        page.check("#action-in")
        page.check(f"#staff-{ids['bhg']}")
        page.fill("#pin", DEMO_PIN)
        check_page(tablet, "device-child", locale, TABLET)
        tablet.submit("form.tablet-form button.primary")
        assert page.locator(".tablet-child.status-here", has_text="Noah").count() == 1
        with live_app.app_context(), dbmod.database.connection_context():
            row = Presence.get(Presence.child == ids["Noah"])
            assert row.checked_in_by_id == ids["bhg"]
            used = (AuditEvent.select().where(AuditEvent.action == "device.used")
                    .order_by(AuditEvent.id.desc()).first())
            assert used.actor_id == ids["bhg"]
        with live_app.app_context(), dbmod.database.connection_context():
            Device.delete().where(Device.name == "Nettbrett ved døra").execute()


@each_locale
def test_a_pupil_marked_absent_without_a_word_and_the_guardian_answers_on_a_phone(
        open_session, live_app, clock, translate, locale):
    """Lars taps Jonas absent in 1A's register; Nina, told at once, finds the notice
    under "Waiting for you" on her phone and answers "ill today" with one tap; the
    register then shows the report and her answer."""
    from models.absence.tables import Absence
    from models.attendance.tables import AbsenceNotice, AttendanceMark
    with _school_day(live_app, clock, AttendanceMark, AbsenceNotice, Absence,
                     child="Jonas") as ids:
        teacher = open_session(locale=locale, viewport=PHONE)
        teacher.log_in("larer1a")
        teacher.goto(f"/groups/{ids['1A']}/register")
        teacher.page.locator(f"label[for='status-{ids['Jonas']}-absent']").click()
        teacher.page.wait_for_selector(f"#row-{ids['Jonas']} .meta")

        guardian = open_session(locale=locale, viewport=PHONE)
        guardian.log_in("nina")
        guardian.page.locator(f"a[href*='/children/{ids['Jonas']}/notice']").first.click()
        guardian.page.wait_for_load_state()
        check_page(guardian, "notice-nina", locale, PHONE)
        guardian.submit(f"form button:has-text('{translate(locale, 'Ill today')}')")
        assert "Nina Lie" in guardian.page.locator("main").inner_text()

        teacher.goto(f"/groups/{ids['1A']}/register")
        line = teacher.page.locator(f"#row-{ids['Jonas']}").inner_text()
        assert "Nina Lie" in line
        check_page(teacher, "register-notice-larer1a", locale, PHONE)
