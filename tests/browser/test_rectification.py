"""Issue 19 in a real browser: a guardian reports an error on a phone (the form, its
error summary, and the request's page with its history), and the unit leader answers
it. Each page passes axe in Norwegian and Swedish at 360 px; each test leaves the
shared demo database as it found it."""
import pytest

from .test_pages import check_page, each_locale

pytestmark = pytest.mark.browser

PHONE = (360, 740)


def _ids(live_app):
    from models import db as dbmod
    from models.school.tables import Child
    with live_app.app_context(), dbmod.database.connection_context():
        return {c.first_name: c.id for c in Child.select()}


def _forget_new(live_app, before):
    """Delete the requests this test made (those after id `before`)."""
    from models import db as dbmod
    from models.rectification.tables import Rectification
    with live_app.app_context(), dbmod.database.connection_context():
        Rectification.delete().where(Rectification.id > before).execute()


def _last_id(live_app):
    from models import db as dbmod
    from models.rectification.tables import Rectification
    with live_app.app_context(), dbmod.database.connection_context():
        return Rectification.select(Rectification.id).order_by(
            Rectification.id.desc()).scalar() or 0


@each_locale
def test_a_guardian_reports_an_error_and_the_leader_answers_on_a_phone(
        open_session, live_app, translate, locale):
    ids = _ids(live_app)
    before = _last_id(live_app)
    try:
        guardian = open_session(locale=locale, viewport=PHONE)
        guardian.log_in("kari")
        guardian.goto(f"/rectifications/new?about=child&child={ids['Emma']}")
        check_page(guardian, "rectification-form-kari", locale, PHONE)

        # Sent without choosing what is wrong: the summary at the top, the text kept.
        page = guardian.page
        page.fill("#explanation", "Emma går i 1B nå.")
        guardian.submit("form.form button.primary")
        assert page.locator("#error-summary").is_visible()
        assert page.locator("#explanation").input_value() == "Emma går i 1B nå."
        expected = [e for e in guardian.console_errors if "status of 400" in e]
        assert len(expected) == 1, guardian.console_errors  # the form's 400, as sent
        guardian.console_errors.remove(expected[0])
        check_page(guardian, "rectification-form-errors-kari", locale, PHONE)

        page.check("#field-group")
        guardian.submit("form.form button.primary")
        assert "/rectifications/" in page.url and "new" not in page.url
        history = page.locator("main").inner_text()
        assert "Emma går i 1B nå." in history
        assert translate(locale, "Waiting for an answer") in history
        check_page(guardian, "rectification-show-kari", locale, PHONE)
        path = page.url[page.url.index("/rectifications/"):]

        leader = open_session(locale=locale, viewport=PHONE)
        leader.log_in("rektor")
        leader.goto(path)
        leader.page.check("#outcome-corrected")
        leader.page.fill("#answer-text", "Rettet i elevregisteret.")
        leader.submit("form[action$='/answer'] button.primary")
        assert "Rettet i elevregisteret." in leader.page.locator("main").inner_text()
        check_page(leader, "rectification-show-rektor", locale, PHONE)

        guardian.goto(path)
        text = guardian.page.locator("main").inner_text()
        assert translate(locale, "Corrected") in text and "Rita Rektorsen" in text
    finally:
        _forget_new(live_app, before)
