"""Message search (issue 22) in a real browser: a guardian with two children types a word
on a phone and sees the results come as she types, taps a child's chip, and the address
follows; the school leader filters by group; without JavaScript the same form works;
a bad date range is said at the top. Each page passes axe in Norwegian and Swedish at
360 px and 1280 px; screenshots also go to /work/tmp/shots/."""
import shutil
from pathlib import Path

import pytest

from .conftest import SCREENSHOTS
from .test_pages import check_page, each_locale, each_viewport

pytestmark = pytest.mark.browser

SHOTS = Path("/work/tmp/shots")


def _keep(name, locale, viewport):
    SHOTS.mkdir(parents=True, exist_ok=True)
    width, height = viewport
    shot = SCREENSHOTS / f"{name}-{locale}-{width}x{height}.png"
    shutil.copy(shot, SHOTS / shot.name)


def _child_id(live_app, name):
    from models import db as dbmod
    from models.school.tables import Child
    with live_app.app_context(), dbmod.database.connection_context():
        return Child.get(Child.first_name == name).id


@each_locale
@each_viewport
def test_a_guardian_searches_as_she_types_and_taps_a_child(open_session, live_app, locale,
                                                            viewport):
    guardian = open_session(locale=locale, viewport=viewport)
    guardian.log_in("kari")
    guardian.goto("/messages/")
    guardian.page.fill("#inbox-q", "tannlege")
    guardian.page.press("#inbox-q", "Enter")
    guardian.page.wait_for_url("**/messages/search?q=tannlege*")
    results = guardian.page.locator("#search-results")
    assert "Tannlege torsdag" in results.inner_text()
    assert results.locator("mark").first.inner_text().lower().startswith("tannlege")
    # As she types: the results change without a page load, and the address follows.
    guardian.page.fill("#q", "matpakken")
    guardian.page.wait_for_url("**q=matpakken*")
    guardian.page.wait_for_function(
        "() => !document.querySelector('#search-results').innerText.includes('Tannlege')")
    guardian.page.fill("#q", "skolen")
    guardian.page.wait_for_url("**q=skolen*")
    guardian.page.wait_for_selector("#search-results mark")
    # One tap on a child's chip.
    noah = _child_id(live_app, "Noah")
    guardian.page.click(f"label[for=child-{noah}]")
    guardian.page.wait_for_url(f"**child={noah}*")
    guardian.page.wait_for_function(
        "() => !document.querySelector('#search-results mark')")
    guardian.page.click("label[for=child-all]")
    guardian.page.wait_for_selector("#search-results mark")
    check_page(guardian, "search-kari", locale, viewport)
    _keep("search-kari", locale, viewport)


@each_locale
@each_viewport
def test_the_school_leader_filters_and_a_bad_range_is_said(open_session, locale, viewport):
    leader = open_session(locale=locale, viewport=viewport)
    leader.log_in("rektor")
    leader.goto("/messages/search?q=torsdag")
    text = leader.page.locator("#search-results").inner_text()
    assert "Tannlege torsdag" in text and "Gymtøy" in text
    check_page(leader, "search-rektor", locale, viewport)
    _keep("search-rektor", locale, viewport)
    response = leader.page.goto(leader.url("/messages/search?q=torsdag&from=2026-03-05"
                                           "&to=2026-03-01"))
    assert response.status == 400
    leader.console_errors.clear()  # the browser's note of the 400 itself
    summary = leader.page.locator("#error-summary")
    assert summary.is_visible()
    assert leader.page.locator("#from").input_value() == "2026-03-05"
    check_page(leader, "search-rektor-error", locale, viewport)
    _keep("search-rektor-error", locale, viewport)


@each_locale
def test_search_works_without_javascript(open_session, locale):
    viewport = (360, 740)
    guardian = open_session(locale=locale, viewport=viewport, js=False)
    guardian.log_in("kari")
    guardian.goto("/messages/search")
    guardian.page.fill("#q", "tannlegen")
    guardian.page.click("form[role=search] button[type=submit]")
    guardian.page.wait_for_url("**q=tannlegen*")
    assert "Tannlege torsdag" in guardian.page.locator("#search-results").inner_text()
    address = guardian.page.url.replace(guardian.base_url, "")
    guardian.assert_clean()
    # The same page, checked with axe (which needs JavaScript to run).
    checked = open_session(locale=locale, viewport=viewport)
    checked.log_in("kari")
    checked.goto(address)
    check_page(checked, "search-nojs", locale, viewport)
