"""Office hours (issue 22) in a real browser: a guardian writing on a Friday evening sees,
before sending, when the school answers, when to expect an answer and the phone for
urgent matters — on the new-message form (where choosing the SFO, which has no hours,
takes the notice away with htmx) and above a thread's reply form; the school leader
sees and corrects the school's hours; a teacher sets their own. Each page passes axe in
Norwegian and Swedish at 360 px and 1280 px; screenshots also go to /work/tmp/shots/.

The live server runs in this process, so the app's clock (models/db.py) is set to the
last Friday at 17:00 for these tests and given back after each."""
import datetime
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models import db as dbmod

from .conftest import SCREENSHOTS
from .test_pages import check_page, each_locale, each_viewport

pytestmark = pytest.mark.browser

SHOTS = Path("/work/tmp/shots")
OSLO = ZoneInfo("Europe/Oslo")


def _keep(name, locale, viewport):
    SHOTS.mkdir(parents=True, exist_ok=True)
    width, height = viewport
    shot = SCREENSHOTS / f"{name}-{locale}-{width}x{height}.png"
    shutil.copy(shot, SHOTS / shot.name)


@pytest.fixture
def friday_evening():
    """The latest Friday 17:00 (Oslo) up to now: after the demo school's hours, in the
    school year the demo was loaded for, whatever day the tests run."""
    now = datetime.datetime.now(OSLO)
    friday = now.date() - datetime.timedelta(days=(now.weekday() - 4) % 7)
    moment = datetime.datetime.combine(friday, datetime.time(17, 0), tzinfo=OSLO)
    if moment > now:
        moment -= datetime.timedelta(days=7)
    dbmod.clock.set(moment)
    yield moment
    dbmod.clock.reset()


def _ids(live_app):
    from models.messaging.tables import Thread
    from models.school.tables import Child, Unit
    with live_app.app_context(), dbmod.database.connection_context():
        return {"emma": Child.get(Child.first_name == "Emma").id,
                "sfo": Unit.get(Unit.name == "Solbakken SFO").id,
                "school": Unit.get(Unit.name == "Solbakken skole").id,
                "dentist": Thread.get(Thread.subject == "Tannlege torsdag").id}


@each_locale
@each_viewport
def test_a_guardian_is_told_before_sending_on_a_friday_evening(
        open_session, live_app, translate, friday_evening, locale, viewport):
    ids = _ids(live_app)
    guardian = open_session(locale=locale, viewport=viewport)
    guardian.log_in("kari")
    guardian.goto(f"/messages/new?child={ids['emma']}")
    notice = guardian.page.locator(".office-hours-notice")
    text = notice.inner_text()
    assert "08:00–15:30" in text and "+47 22 00 10 00" in text
    assert translate(locale, "You can expect an answer from %(when)s.",
                     when="")[:12] in text
    check_page(guardian, "office-hours-new-kari", locale, viewport)
    _keep("office-hours-new-kari", locale, viewport)
    # The SFO has no hours: choosing it takes the notice away, without a page load.
    guardian.page.select_option("#to", f"unit:{ids['sfo']}")
    guardian.page.wait_for_selector(".office-hours-notice", state="detached")
    guardian.page.select_option("#to", f"unit:{ids['school']}")
    guardian.page.wait_for_selector(".office-hours-notice")
    guardian.goto(f"/messages/{ids['dentist']}")
    reply = guardian.page.locator(".office-hours-notice + form.reply")
    assert reply.count() == 1
    check_page(guardian, "office-hours-thread-kari", locale, viewport)
    _keep("office-hours-thread-kari", locale, viewport)
    guardian.assert_clean()


def test_without_javascript_the_notice_is_on_the_plain_page(open_session, live_app,
                                                           friday_evening):
    ids = _ids(live_app)
    guardian = open_session(js=False, viewport=(360, 740))
    guardian.log_in("kari")
    guardian.goto(f"/messages/new?child={ids['emma']}")
    assert "08:00–15:30" in guardian.page.locator(".office-hours-notice").inner_text()


@each_locale
@each_viewport
def test_the_school_leader_sees_and_corrects_the_hours(open_session, live_app, translate,
                                                       locale, viewport):
    leader = open_session(locale=locale, viewport=viewport)
    leader.log_in("rektor")
    leader.goto("/account/notifications")
    leader.page.locator("a[href$='/account/office-hours']").click()
    leader.page.wait_for_url("**/account/office-hours")
    check_page(leader, "office-hours-own-rektor", locale, viewport)
    leader.page.locator("a[href$='/office-hours']", has_text="Solbakken skole").click()
    leader.page.wait_for_url("**/units/*/office-hours")
    table = leader.page.locator("table.office-hours").inner_text()
    assert table.count("08:00–15:30") == 5
    check_page(leader, "office-hours-unit-rektor", locale, viewport)
    _keep("office-hours-unit-rektor", locale, viewport)
    leader.assert_clean()
    # The end before the start: the page comes back (a 400) with the mistake at the top.
    leader.page.fill("#closes-4", "07:00")
    with leader.page.expect_navigation():
        leader.page.locator("form.office-hours-form button[type=submit]").click()
    summary = leader.page.locator("#error-summary")
    assert translate(locale, "The end must be after the start (%(day)s).",
                     day="")[:10] in summary.inner_text()
    assert leader.page.input_value("#closes-4") == "07:00"
    # The browser logs the 400 it was answered: expected here, and only that.
    assert [e for e in leader.console_errors if "status of 400" not in e] == []
    leader.console_errors.clear()
    check_page(leader, "office-hours-unit-error", locale, viewport)
    _keep("office-hours-unit-error", locale, viewport)


@each_locale
def test_a_teacher_sets_their_own_hours_on_a_phone(open_session, live_app, locale):
    phone = (360, 740)
    teacher = open_session(locale=locale, viewport=phone)
    teacher.log_in("larer1a")
    teacher.goto("/account/office-hours")
    teacher.page.fill("#opens-0", "09:00")
    teacher.page.fill("#closes-0", "12:00")
    teacher.submit("form.office-hours-form button[type=submit]")
    assert "09:00–12:00" in teacher.page.locator("table.office-hours").inner_text()
    check_page(teacher, "office-hours-own-larer1a", locale, phone)
    _keep("office-hours-own-larer1a", locale, phone)
    # Every day empty again: the unit's hours, as before (the demo stays as it was).
    teacher.page.fill("#opens-0", "")
    teacher.page.fill("#closes-0", "")
    teacher.submit("form.office-hours-form button[type=submit]")
    assert teacher.page.locator("table.office-hours").inner_text().count("08:00–15:30") == 5
    teacher.assert_clean()
