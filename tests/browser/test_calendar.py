"""Issue 20 in a real browser: a guardian's home page with "this week", the month view
and the calendar subscription page (the address shown once), each passing axe in
Norwegian and Swedish at 360 px; screenshots also go to /work/tmp/shots/. The test
leaves the shared demo database as it found it (the subscription is stopped again)."""
import shutil
from pathlib import Path

import pytest

from .conftest import SCREENSHOTS
from .test_pages import check_page, each_locale

pytestmark = pytest.mark.browser

PHONE = (360, 740)
SHOTS = Path("/work/tmp/shots")


def _keep(name, locale):
    SHOTS.mkdir(parents=True, exist_ok=True)
    width, height = PHONE
    shot = SCREENSHOTS / f"{name}-{locale}-{width}x{height}.png"
    shutil.copy(shot, SHOTS / shot.name)


@each_locale
def test_a_guardian_sees_the_week_the_month_and_subscribes_on_a_phone(open_session, locale):
    guardian = open_session(locale=locale, viewport=PHONE)
    guardian.log_in("kari")
    guardian.goto("/")
    week = guardian.page.locator("section.week").inner_text()
    assert "Foreldresamtaler" in week and "Emma" in week
    check_page(guardian, "calendar-home-kari", locale, PHONE)
    _keep("calendar-home-kari", locale)
    guardian.goto("/calendar/month")
    assert "Foreldresamtaler" in guardian.page.locator("main").inner_text()
    check_page(guardian, "calendar-month-kari", locale, PHONE)
    _keep("calendar-month-kari", locale)
    # Without a grid: nothing is wider than the phone.
    assert guardian.page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    this_month = guardian.page.locator("main h1").inner_text()
    guardian.page.locator("a[rel=next]").click()  # htmx swaps the month, pushes the URL
    guardian.page.wait_for_url("**/calendar/month?month=*")
    assert guardian.page.locator("main h1").first.inner_text() != this_month
    guardian.goto("/calendar/subscribe")
    check_page(guardian, "calendar-subscribe-kari", locale, PHONE)
    guardian.page.locator("form[action$='/renew'] button").click()
    guardian.page.wait_for_selector("#feed-address")
    address = guardian.page.locator("#feed-address").input_value()
    assert "/calendar/feed/" in address and address.endswith(".ics")
    check_page(guardian, "calendar-subscribe-new-kari", locale, PHONE)
    _keep("calendar-subscribe-new-kari", locale)
    guardian.page.locator("form[action$='/stop'] button").click()
    guardian.page.wait_for_load_state()


@each_locale
def test_the_teacher_sees_the_units_week_on_a_phone(open_session, locale):
    teacher = open_session(locale=locale, viewport=PHONE)
    teacher.log_in("larer1a")
    teacher.goto("/")
    assert "Foreldresamtaler" in teacher.page.locator("section.week").inner_text()
    check_page(teacher, "calendar-home-larer1a", locale, PHONE)
    _keep("calendar-home-larer1a", locale)
