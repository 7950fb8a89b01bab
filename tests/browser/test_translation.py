"""Machine translation in a real browser: a guardian reading another language presses
"Show in …" under the teacher's Norwegian message, the worker translates it through the
municipality's LibreTranslate (a fake on loopback, tests/libretranslate.py), and the
translation appears below the original, marked as machine-made — with htmx, and as a
page of its own without JavaScript. Checked with axe at phone size in Arabic (right to
left), Polish, Somali and Northern Sámi; the screenshots are the issue's to look at."""
import pytest

from ..libretranslate import FakeLibreTranslate
from .conftest import ROOT, SCREENSHOTS
from .test_pages import check_page

pytestmark = pytest.mark.browser

PHONE = (360, 740)
ORIGINAL = "Takk for beskjed. Hun får med seg leksene for fredag."
LANGUAGES = ["ar", "pl", "so", "se"]


@pytest.fixture(scope="module")
def translator():
    with FakeLibreTranslate() as server:
        yield server


@pytest.fixture(scope="module")
def live_config(translator, tmp_path_factory):
    """This module's app has [translation] set up, for every interface language (the
    fake has models for all; LibreTranslate itself has none for so and se, which a
    municipality with such a server would list in [translation] languages)."""
    directory = tmp_path_factory.mktemp("translation-config")
    (directory / "static" / "img").mkdir(parents=True)
    (directory / "static" / "img" / "demo-crest.svg").write_bytes(
        (ROOT / "static" / "img" / "demo-crest.svg").read_bytes())
    example = (ROOT / "municipality.example.toml").read_text(encoding="utf-8")
    path = directory / "municipality.toml"
    path.write_text(example + (
        f'\n[translation]\nurl = "{translator.url}"\ntimeout_seconds = 2\n'
        'languages = ["nb", "nn", "sv", "se", "en", "pl", "uk", "ar", "so"]\n'),
        encoding="utf-8")
    return {"MUNICIPALITY_FILE": str(path)}


def _dentist(live_app):
    from models import db as dbmod
    from models.messaging.tables import Thread
    with live_app.app_context(), dbmod.database.connection_context():
        return Thread.get(Thread.subject == "Tannlege torsdag").id


def _work(live_app):
    """What the worker does: translate every pending request. Returns how many."""
    from models import db as dbmod
    from models.translation import work
    from models.translation.tables import PENDING, Translation
    with live_app.app_context(), dbmod.database.connection_context():
        settings = live_app.config["MUNICIPALITY"].translation
        pending = [row.id for row in Translation.select().where(Translation.state == PENDING)]
        for row_id in pending:
            work.run(row_id, settings)
        return len(pending)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_guardian_reads_the_teachers_message_in_their_language(
        open_session, live_app, translator, locale):
    thread = _dentist(live_app)
    session = open_session(locale=locale, viewport=PHONE)
    session.log_in("kari")
    session.goto(f"/messages/{thread}")
    page = session.page
    message = page.locator(".message", has_text=ORIGINAL)
    control = message.locator(".translation a")
    assert control.count() == 1
    before = len(translator.translations)
    control.click()
    # Until the worker has done it, the control says it is being translated…
    page.wait_for_selector(".message .translation.waiting, .message .translated")
    assert len(translator.translations) == before  # …the page itself asked nothing
    assert _work(live_app) >= 1
    translated = message.locator(".translated")
    translated.wait_for(timeout=10_000)  # the fragment polls itself
    assert f"[{locale}] {ORIGINAL}" in translated.inner_text()
    assert ORIGINAL in message.locator(".body").first.inner_text()  # the original stays
    sent = translator.translations[-1]
    assert sent == {"q": ORIGINAL, "source": "auto", "target": locale, "format": "text"}
    check_page(session, "messages-thread-translated-kari", locale, PHONE)
    page.screenshot(path=str(SCREENSHOTS / f"messages-thread-translated-kari-{locale}"
                                           "-360x740.png"), full_page=True)

    # The next view shows it at once from the cache, without asking the server.
    asked = len(translator.requests)
    session.goto(f"/messages/{thread}")
    message.locator(".translation summary").click()
    assert f"[{locale}] {ORIGINAL}" in message.locator(".translated").inner_text()
    assert len(translator.requests) == asked
    session.assert_clean()


def test_without_javascript_the_translation_is_a_page_of_its_own(open_session, live_app):
    thread = _dentist(live_app)
    session = open_session(locale="uk", viewport=PHONE, js=False)
    session.log_in("kari")
    session.goto(f"/messages/{thread}")
    page = session.page
    page.locator(".message", has_text=ORIGINAL).locator(".translation a").click()
    page.wait_for_load_state()
    _work(live_app)
    session.goto(page.url.replace(session.base_url, ""))  # what the page's refresh does
    assert f"[uk] {ORIGINAL}" in page.locator(".translated").inner_text()
    assert ORIGINAL in page.locator("main").inner_text()
    address = page.url.replace(session.base_url, "")
    session.assert_clean()
    # The same page, checked with axe (which needs JavaScript to run).
    checked = open_session(locale="uk", viewport=PHONE)
    checked.log_in("kari")
    checked.goto(address)
    check_page(checked, "translation-page-kari", "uk", PHONE)
