"""Rule 12 in a real browser: Kari reads who has seen Emma's data on her phone, after the
contact teacher has opened Emma's absence page in a browser of his own. The page passes
axe in Norwegian and Swedish at 360 px; the test leaves the shared demo database as it
found it."""
import pytest

from .test_pages import check_page, each_locale

pytestmark = pytest.mark.browser

PHONE = (360, 740)


def _emma(live_app):
    from models import db as dbmod
    from models.access_log.tables import AccessRecord
    from models.school.tables import Child
    with live_app.app_context(), dbmod.database.connection_context():
        emma = Child.get(Child.first_name == "Emma").id
        last = AccessRecord.select(AccessRecord.id).order_by(
            AccessRecord.id.desc()).scalar() or 0
    return emma, last


def _forget_new(live_app, after):
    from models import db as dbmod
    from models.access_log.tables import AccessRecord
    with live_app.app_context(), dbmod.database.connection_context():
        AccessRecord.delete().where(AccessRecord.id > after).execute()


@each_locale
def test_kari_sees_who_has_seen_emmas_data_on_a_phone(open_session, live_app, translate,
                                                      locale):
    emma, last = _emma(live_app)
    try:
        teacher = open_session(locale=locale)
        teacher.log_in("larer1a")
        teacher.goto(f"/children/{emma}/absence")

        guardian = open_session(locale=locale, viewport=PHONE)
        guardian.log_in("kari")
        guardian.goto("/")
        guardian.page.click(f'a[href="/children/{emma}/seen"]')
        guardian.page.wait_for_url(f"**/children/{emma}/seen")
        text = guardian.page.inner_text("main")
        assert translate(locale, "Who has seen %(name)s's data", name="Emma") in text
        assert "Lars Lærer" in text and translate(locale, "Contact teacher") in text
        assert translate(locale, "Opened: %(page)s",
                         page=translate(locale, "Absence and leave")) in text
        check_page(guardian, "seen-kari", locale, PHONE)
    finally:
        _forget_new(live_app, last)
