"""Issue 19 in a real browser: the data-protection officer's view, each of its tabs at
360 px and on a desktop, in Norwegian and Swedish, passing axe; the home page leads
there, and the documents download. Nothing here changes the demo database but the
audit rows of the reads."""
import pytest

from .test_pages import check_page, each_locale

pytestmark = pytest.mark.browser

PHONE, DESKTOP = (360, 740), (1280, 800)
TABS = (("figures", "/privacy-office/"), ("units", "/privacy-office/units"),
        ("processors", "/privacy-office/processors"))


@each_locale
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_privacy_overview_on_a_phone_and_a_desktop(open_session, live_app, translate,
                                                       locale, viewport):
    officer = open_session(locale=locale, viewport=viewport)
    officer.log_in("personvern")
    page = officer.page
    page.click(f"text={translate(locale, 'Open the privacy overview')}")
    page.wait_for_url("**/privacy-office/")
    for name, url in TABS:
        officer.goto(url)
        assert page.locator("h1").inner_text() == translate(locale, "Privacy overview")
        check_page(officer, f"dpo-{name}", locale, viewport)
    # A period the wrong way round: a translated 400, not a server error.
    response = page.goto(officer.url("/privacy-office/?start=2026-02-01&end=2026-01-01"))
    assert response.status == 400
    assert translate(locale, "The period's last day must not be before its first day.") in (
        page.locator("main").inner_text())
    officer.console_errors.clear()
    officer.goto("/privacy-office/processors")
    with page.expect_download() as download:
        page.click(f"text={translate(locale, 'Record of processing activities (art. 30)')}")
    assert download.value.suggested_filename == "record-of-processing.html"
