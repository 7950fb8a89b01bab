"""Staff who are also parents in a real browser (issue 22).

Siri Fritid works at Solbakken SFO and is Ida's mother. She starts a new message, finds
Ida marked as her child, is asked what she writes as with nothing chosen, chooses Ida's
mother (the recipients appear without the page reloading), writes to Ida's teacher and
finds the conversation under "My children", not among her work. Without JavaScript the
same choice is one round trip. Norwegian and Swedish, at 360 and 1280 px, axe on every
page. The tests leave the shared demo database as they found it."""
import shutil
from pathlib import Path

import pytest

from .conftest import SCREENSHOTS
from .test_pages import check_page

pytestmark = pytest.mark.browser

PHONE, DESKTOP = (360, 740), (1280, 800)
SHOTS = Path("/work/tmp/shots")


def _keep(name, locale, viewport):
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}-{locale}-{viewport[0]}x{viewport[1]}.png"
    shutil.copy(shot, SHOTS / shot.name)


def _forget(live_app, subject):
    from models import db as dbmod
    from models.messaging.tables import Thread
    with live_app.app_context(), dbmod.database.connection_context():
        Thread.delete().where(Thread.subject == subject).execute()


@pytest.mark.parametrize("locale", ["nb", "sv"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_siri_writes_as_idas_mother(open_session, live_app, translate, locale, viewport):
    subject = f"Ida er syk {locale} {viewport[0]}"
    try:
        siri = open_session(locale=locale, viewport=viewport)
        siri.log_in("sfo")
        page = siri.page
        siri.goto("/messages/new")
        ida = page.locator(".child-list li", has_text="Ida Fritid")
        assert translate(locale, "your child") in ida.inner_text()
        assert translate(locale, "your child") not in page.locator(
            ".child-list li", has_text="Emma Hansen").inner_text()
        check_page(siri, "staff-parent-choose-child", locale, viewport)
        with page.expect_navigation():
            ida.locator("a").click()

        mother = page.get_by_label(translate(locale, "%(child)s's parent or guardian",
                                             child="Ida"))
        staff = page.get_by_label(translate(locale, "Staff at %(unit)s",
                                            unit="Solbakken SFO"))
        assert not mother.is_checked() and not staff.is_checked()  # asked each time
        assert page.locator("#to").count() == 0
        check_page(siri, "staff-parent-write-as", locale, viewport)
        mother.check()
        page.locator("#to").wait_for()  # htmx brought the mother's recipients
        options = page.locator("#to option").all_inner_texts()
        frida = next(o for o in options if o.startswith("Frida Faglærer"))
        page.locator("#to").select_option(label=frida)
        assert not any(o.startswith("Siri Fritid") for o in options)  # never to herself
        page.locator("#subject").fill(subject)
        page.locator("#body").fill("Ida er hjemme med feber i dag.")
        check_page(siri, "staff-parent-new-as-mother", locale, viewport)
        _keep("staff-parent-new-as-mother", locale, viewport)
        siri.submit("form.form button.primary")
        assert "Ida er hjemme med feber i dag." in page.locator("main").inner_text()
        check_page(siri, "staff-parent-thread", locale, viewport)

        siri.goto("/messages/?place=mine")
        assert subject in page.locator("#threads").inner_text()
        assert translate(locale, "My children") in page.locator("nav.places").inner_text()
        check_page(siri, "staff-parent-my-children", locale, viewport)
        _keep("staff-parent-my-children", locale, viewport)
        siri.goto("/messages/")
        assert subject not in page.locator("#threads").inner_text()
    finally:
        _forget(live_app, subject)


def test_the_choice_works_without_javascript(open_session, live_app, translate):
    subject = "Ida har fri"
    try:
        siri = open_session(locale="nb", viewport=PHONE, js=False)
        siri.log_in("sfo")
        page = siri.page
        siri.goto("/messages/new")
        with page.expect_navigation():
            page.locator(".child-list li a", has_text="Ida Fritid").click()
        page.locator("#subject").fill(subject)
        page.locator("#body").fill("Ida har fri fredag.")
        siri.submit("form.form button.primary")  # nothing chosen: told so, text kept
        assert translate("nb", "Choose whether you write as staff or as the child's "
                         "parent or guardian.") in page.locator(".error-summary").inner_text()
        assert page.locator("#subject").input_value() == subject
        expected = [e for e in siri.console_errors if "status of 400" in e]
        assert len(expected) == 1, siri.console_errors  # the browser's note of the 400
        siri.console_errors.remove(expected[0])
        page.get_by_label(translate("nb", "%(child)s's parent or guardian",
                                    child="Ida")).check()
        siri.submit("button[name=choose]")
        assert page.locator("#to").is_visible()
        assert page.locator("#body").input_value() == "Ida har fri fredag."
        siri.submit("form.form button.primary")
        assert "Ida har fri fredag." in page.locator("main").inner_text()
        siri.goto("/messages/?place=mine")
        assert subject in page.locator("#threads").inner_text()
        siri.assert_clean()  # (axe needs JavaScript: the pages are checked above)
    finally:
        _forget(live_app, subject)
