"""Issue 19 in a real browser: "Your data" on a guardian's phone — the page explains what
is kept, Kari asks for a copy, the worker makes it, and the page offers the download.
Passes axe in Norwegian and Swedish at 360 px; leaves the demo database as it found it."""
import pytest

from .test_pages import check_page, each_locale

pytestmark = pytest.mark.browser

PHONE = (360, 740)


def _forget_exports(live_app):
    from models import db as dbmod
    from models.data_export import cleanup
    from models.data_export.tables import DataExport
    with live_app.app_context(), dbmod.database.connection_context():
        DataExport.update(state="expired").where(DataExport.state == "ready").execute()
        DataExport.update(expires_at=None).execute()
        cleanup.purge_expired()
        DataExport.delete().execute()


def _run_the_worker(live_app):
    """What the worker does with the waiting request (the live app has no worker)."""
    from models import db as dbmod
    from models.data_export import tasks
    from models.data_export.tables import DataExport
    with live_app.app_context(), dbmod.database.connection_context():
        waiting = DataExport.get(DataExport.state == "waiting")
        assert tasks.make(waiting.id) == "ready"


@each_locale
def test_a_guardian_asks_for_a_copy_and_gets_a_download_link(open_session, live_app,
                                                             translate, locale):
    _forget_exports(live_app)
    try:
        session = open_session(locale=locale, viewport=PHONE)
        session.log_in("kari")
        session.goto("/")
        session.page.get_by_role("link", name=translate(locale, "Your data")).first.click()
        session.page.wait_for_url("**/my-data")
        page = session.page
        assert translate(locale, "What is kept, and why") in page.locator("main").inner_text()
        check_page(session, "my-data-kari", locale, PHONE)

        page.get_by_role("button", name=translate(locale, "Make a copy of my data")).click()
        page.wait_for_load_state()
        assert translate(locale, "Waiting: your copy will be made shortly. We tell you when "
                                 "it is ready.") in page.locator("main").inner_text()
        check_page(session, "my-data-waiting-kari", locale, PHONE)

        _run_the_worker(live_app)
        session.goto("/my-data")
        link = page.get_by_role("link", name=translate(locale, "Download my data"))
        assert link.count() == 1
        assert "/my-data/" in link.get_attribute("href")
        check_page(session, "my-data-ready-kari", locale, PHONE)
    finally:
        _forget_exports(live_app)
