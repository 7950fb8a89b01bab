"""Issue 20 in a real browser: a guardian reads 1A's weekly plan on a phone, prints the
week, and the contact teacher edits the plan (an entry with an error, then saved).
Each page passes axe in Norwegian and Swedish at 360 px; screenshots also go to
/work/tmp/shots/. The test leaves the shared demo database as it found it."""
import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import SCREENSHOTS
from .test_pages import check_page, each_locale

pytestmark = pytest.mark.browser

PHONE = (360, 740)
SHOTS = Path("/work/tmp/shots")


def _week(live_app):
    from models import db as dbmod
    from models.school.tables import Group
    from models.weekplan.weeks import this_monday, week_name
    with live_app.app_context(), dbmod.database.connection_context():
        return Group.get(Group.name == "1A").id, week_name(this_monday())


def _last_entry(live_app):
    from models import db as dbmod
    from models.weekplan.tables import WeekPlanEntry
    with live_app.app_context(), dbmod.database.connection_context():
        return WeekPlanEntry.select(WeekPlanEntry.id).order_by(
            WeekPlanEntry.id.desc()).scalar() or 0


def _forget_new(live_app, before):
    from models import db as dbmod
    from models.weekplan.tables import WeekPlanEntry
    with live_app.app_context(), dbmod.database.connection_context():
        WeekPlanEntry.delete().where(WeekPlanEntry.id > before).execute()


def _keep(name, locale):
    SHOTS.mkdir(parents=True, exist_ok=True)
    width, height = PHONE
    shot = SCREENSHOTS / f"{name}-{locale}-{width}x{height}.png"
    shutil.copy(shot, SHOTS / shot.name)


@each_locale
def test_a_guardian_reads_and_prints_the_week_on_a_phone(open_session, live_app, locale):
    group_id, week = _week(live_app)
    guardian = open_session(locale=locale, viewport=PHONE)
    guardian.log_in("kari")
    guardian.goto("/week-plans")
    assert "Lesing side 12–15" in guardian.page.locator("main").inner_text()
    check_page(guardian, "weekplan-index-kari", locale, PHONE)
    _keep("weekplan-index-kari", locale)
    guardian.goto(f"/week-plans/{group_id}/{week}")
    text = guardian.page.locator("main").inner_text()
    assert "Gymtøy og innesko." in text and "Naturfag" in text
    check_page(guardian, "weekplan-week-kari", locale, PHONE)
    _keep("weekplan-week-kari", locale)
    guardian.goto(f"/week-plans/{group_id}/{week}/print")
    check_page(guardian, "weekplan-print-kari", locale, PHONE)
    _keep("weekplan-print-kari", locale)
    guardian.page.emulate_media(media="print")
    SHOTS.mkdir(parents=True, exist_ok=True)
    guardian.page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    guardian.page.screenshot(path=str(SHOTS / f"weekplan-print-a4-{locale}.png"),
                             full_page=True)
    pdf = guardian.page.pdf(format="A4")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1, "the week does not fit one A4 page"


@each_locale
def test_the_contact_teacher_edits_the_week_on_a_phone(open_session, live_app, locale):
    group_id, week = _week(live_app)
    before = _last_entry(live_app)
    try:
        teacher = open_session(locale=locale, viewport=PHONE)
        teacher.log_in("larer1a")
        teacher.goto(f"/week-plans/{group_id}/{week}")
        check_page(teacher, "weekplan-edit-larer1a", locale, PHONE)
        _keep("weekplan-edit-larer1a", locale)
        page = teacher.page
        section = page.locator("section.plan-day.edit").nth(2)  # Tuesday
        section.locator("details.add-entry summary").click()
        form = section.locator("details.add-entry form")
        form.locator("textarea[name=homework]").fill("Øv på ukas ord.")
        # A browser that ignores maxlength sends 81 characters: the server says so.
        form.locator("input[name=subject]").evaluate("e => e.removeAttribute('maxlength')")
        form.locator("input[name=subject]").fill("E" * 81)
        teacher.submit(f"#{section.get_attribute('id')} details.add-entry button.primary")
        assert page.locator("#error-summary").is_visible()
        expected = [e for e in teacher.console_errors if "status of 400" in e]
        assert len(expected) == 1, teacher.console_errors
        teacher.console_errors.remove(expected[0])
        check_page(teacher, "weekplan-edit-errors-larer1a", locale, PHONE)
        _keep("weekplan-edit-errors-larer1a", locale)
        form = page.locator("details.add-entry[open] form")
        assert form.locator("textarea[name=homework]").input_value() == "Øv på ukas ord."
        form.locator("input[name=subject]").fill("Engelsk")
        teacher.submit("details.add-entry[open] button.primary")
        assert "Øv på ukas ord." in page.content()  # in the new entry's form
    finally:
        _forget_new(live_app, before)
