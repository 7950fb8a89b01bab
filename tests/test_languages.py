"""The interface's nine languages: each person's choice is kept on their account and
used for every page; Arabic pages are right to left; dates are written the language's
own way; a municipality enables only the languages it wants. (Catalogue completeness and
plural rules: test_i18n.py; e-mail and letters in the recipient's language:
test_notifications.py and test_letters.py; pages in a real browser:
tests/browser/test_languages.py.)"""
import datetime

import pytest
from flask_babel import force_locale, gettext

from languages import DIRECTIONS, NAMES
from models.school.tables import User
from tests.test_config import EXAMPLE, write_config
from views.common import local_time

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def html_tag(response):
    page = response.get_data(as_text=True)
    return page[page.index("<html"):page.index(">", page.index("<html")) + 1]


@pytest.mark.parametrize("language", sorted(NAMES))
def test_each_language_is_offered_and_shows_in_its_own_direction(client, app, language):
    page = client.get("/login", headers={"Accept-Language": language})
    assert page.status_code == 200
    direction = "rtl" if language == "ar" else "ltr"
    assert DIRECTIONS[language] == direction
    assert html_tag(page) == f'<html lang="{language}" dir="{direction}">'
    with app.test_request_context(), force_locale(language):
        log_in = gettext("Log in")
    assert log_in in page.get_data(as_text=True)
    if language not in ("en",):
        assert log_in != "Log in", f"{language}: the login page is untranslated"
    # The language menu names each language in itself, marked as that language.
    assert (f'value="{language}" lang="{language}" aria-pressed="true">{NAMES[language]}<'
            in page.get_data(as_text=True))


def test_a_chosen_language_is_kept_on_the_account_for_every_page(client, login, users):
    login("amina")
    response = client.post("/language", data={"locale": "so", "next": "/"})
    assert response.status_code == 303
    assert User.get_by_id(users["amina"].id).locale == "so"
    # A new session on another device, whatever the browser says, reads Somali.
    login("amina")
    page = client.get("/", headers={"Accept-Language": "nb"})
    assert html_tag(page) == '<html lang="so" dir="ltr">'
    client.post("/language", data={"locale": "ar", "next": "/"})
    assert html_tag(client.get("/messages/")) == '<html lang="ar" dir="rtl">'


def test_a_municipality_enables_only_the_languages_it_wants(make_app, tmp_path):
    config = EXAMPLE.replace('enabled = ["nb", "nn", "sv", "se", "en", "pl", "uk", "ar", "so"]',
                             'enabled = ["nb", "en", "ar"]').replace(
        'written = ["nb", "nn", "sv"]', 'written = ["nb"]')
    application = make_app(MUNICIPALITY_FILE=str(write_config(tmp_path, config)))
    client = application.test_client()
    assert html_tag(client.get("/login", headers={"Accept-Language": "pl, ar;q=0.5"})) == (
        '<html lang="ar" dir="rtl">')
    assert html_tag(client.get("/login", headers={"Accept-Language": "so"})) == (
        '<html lang="nb" dir="ltr">')
    assert client.post("/language", data={"locale": "so"}).status_code == 400
    page = client.get("/login").get_data(as_text=True)
    assert "Soomaali" not in page and "Polski" not in page and "العربية" in page


@pytest.mark.parametrize("language, month", [("pl", "gru"), ("ar", "ديسمبر"),
                                             ("uk", "груд"), ("en", "Dec")])
def test_dates_are_written_the_languages_own_way(app, language, month):
    """Outside the Nordic languages a date carries the month's name (Babel's CLDR
    data), never an ambiguous 06.12 or 12/6; the clock stays the municipality's."""
    moment = datetime.datetime(2026, 12, 6, 13, 30)  # UTC: 14:30 in Oslo
    with app.test_request_context(), force_locale(language):
        written = local_time(moment)
        day = local_time(moment, "%d.%m.%Y")
    assert month in written and "2026" in written and written.endswith("14:30")
    assert month in day and "14:30" not in day
    with app.test_request_context(), force_locale("nb"):
        assert local_time(moment) == "06.12.2026 14:30"


def test_what_kontaktbok_writes_for_someone_is_kept_in_the_municipalitys_language(
        client, login, kids, users):
    """A leave application's conversation is written by Kontaktbok in the municipality's
    language, whatever language the applying guardian reads: so it is told apart from
    what people write themselves (which keeps the writer's language) when a reader asks
    for a machine translation."""
    import datetime

    from models.absence.tables import LeaveApplication
    from models.db import today
    from models.messaging.tables import Message
    emma = kids["Emma"]
    start = today() + datetime.timedelta(days=7 - today().weekday())
    User.update(locale="pl").where(User.id == users["kari"].id).execute()
    login("kari")
    assert client.post(f"/children/{emma.id}/leave", data={
        "start": start.isoformat(), "end": start.isoformat(),
        "reason": "Wesele rodzinne."}).status_code == 303
    application = LeaveApplication.get(LeaveApplication.child == emma)
    first = Message.get(Message.thread == application.thread)
    assert first.language == "nb" and "Wesele rodzinne." in first.body
    assert html_tag(client.get("/")) == '<html lang="pl" dir="ltr">'
    # What she writes herself in the conversation is in her own language.
    assert client.post(f"/messages/{application.thread_id}", data={
        "body": "Dziękuję!", "token": "t-1"}).status_code in (200, 303)
    assert Message.select().where((Message.thread == application.thread_id)
                                  & (Message.body == "Dziękuję!")).get().language == "pl"
