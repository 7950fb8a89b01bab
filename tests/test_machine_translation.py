"""Machine translation through the municipality's own LibreTranslate server
(models/translation/, views/translation.py), against a fake of its API on loopback
(tests/libretranslate.py) that answers "[<target>] <text>".

Every test here runs with [translation] pointing at the fake (the `make_app` below),
except where a test builds an app without it.
"""
import json
import socket
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext

from models.consent.tables import ConsentVersion
from models.events.tables import Event
from models.login.sessions import LoginSession
from models.messaging.tables import Message, Thread
from models.posts.tables import Post
from models.retention.by_unit import delete_threads
from models.school.tables import User
from models.translation import client as translation_client
from models.translation.settings import Settings
from models.translation.tables import Translation

from .cast import FOREST, KITES, ROLES
from .helpers import HTMX, queries_for, text_of
from .libretranslate import FakeLibreTranslate
from .matrix import HTMX_MODE, Matrix, only
from .test_consents import SEES_EMMA as SEES_EMMAS_CONSENTS
from .test_events import SEES as SEES_THE_EVENT
from .test_posts import READS as READS_POST
from .test_thread_access import DENTIST, MATRIX as READS_THREAD

pytestmark = pytest.mark.clock("2026-11-18 10:00")
ROOT = Path(__file__).resolve().parent.parent
KEY = "lt-test-key"


@pytest.fixture
def server():
    with FakeLibreTranslate(api_key=KEY) as fake:
        yield fake


def municipality_file(directory, text):
    (directory / "static" / "img").mkdir(parents=True, exist_ok=True)
    path = directory / "municipality.toml"
    path.write_text(text, encoding="utf-8")
    (directory / "static" / "img" / "demo-crest.svg").write_bytes(
        (ROOT / "static" / "img" / "demo-crest.svg").read_bytes())
    return path


def translating(make_app, directory, url, extra=""):
    """conftest's make_app, with the demo's municipality file plus [translation] at `url`
    (1 s timeout) unless a call asks for MUNICIPALITY_FILE=None (the plain demo file)."""
    example = (ROOT / "municipality.example.toml").read_text(encoding="utf-8")
    path = municipality_file(directory, example + (
        f'\n[translation]\nurl = "{url}"\n{extra}timeout_seconds = 1\n'))

    def make(**config):
        config.setdefault("MUNICIPALITY_FILE", str(path))
        return make_app(**config)
    return make


@pytest.fixture
def make_app(make_app, server, tmp_path):
    """Every app of this file has [translation] pointing at the fake server."""
    return translating(make_app, tmp_path / "config", server.url, f'api_key = "{KEY}"\n')


def speaks(username, locale):
    User.update(locale=locale).where(User.username == username).execute()


def say(app, locale, message, **values):
    """A message of the interface as `locale` shows it."""
    with app.test_request_context(), force_locale(locale):
        return gettext(message, **values)


def dentist_thread():
    return Thread.get(Thread.subject == DENTIST)


def message_from(username, thread=None):
    sender = User.get(User.username == username)
    return (Message.select().where((Message.thread == (thread or dentist_thread()))
                                   & (Message.sender == sender))
            .order_by(Message.id).first())


def translate(client, url):
    """Ask as htmx does, twice: the first answer is "Translating…" (the worker runs after
    the request in the tests), the second the translation."""
    first = client.get(url, headers=HTMX)
    assert first.status_code == 200, first.status_code
    return client.get(url, headers=HTMX)


# Who may ask -------------------------------------------------------------------------------

ROUTES = Matrix({
    # Everyone who reads the thread but the teacher who wrote it.
    ("GET", "/translations/message/{larer_message}"): only(
        {role for role, threads in READS_THREAD.items() if DENTIST in threads} - {"larer1a"}),
    ("GET", "/translations/message/{larer_message}", HTMX_MODE): only(
        {role for role, threads in READS_THREAD.items() if DENTIST in threads} - {"larer1a"}),
    ("GET", "/translations/post/{forest}"): only(READS_POST[FOREST]),
    ("GET", "/translations/post/{kites}", HTMX_MODE): only(READS_POST[KITES]),
    ("GET", "/translations/event/{event}"): only(SEES_THE_EVENT),
    ("GET", "/translations/consent/{photo}?child={emma}"): only(SEES_EMMAS_CONSENTS),
    # The school's trip: on Emma's page for the school's staff, not the after-school's.
    ("GET", "/translations/consent/{trip}?child={emma}"): only(
        SEES_EMMAS_CONSENTS - {"sfo"}),
    ("GET", "/translations/consent/{trip}?child={emma}", HTMX_MODE): only(
        SEES_EMMAS_CONSENTS - {"sfo"}),
    ("GET", "/translations/consent/{trip}"): only(()),  # whose page? none
    ("GET", "/translations/message/999999"): only(()),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    """Everyone reads Polish here: the route answers exactly those the text's own page
    shows it to; everyone else gets 404."""
    User.update(locale="pl").execute()
    ROUTES.check(client, login, role, {**ids, "larer_message": message_from("larer1a").id})


def test_a_text_the_person_may_not_read_is_404_and_nothing_is_sent(client, login, ids,
                                                                    server):
    for username in ("nina", "amina", "per"):
        speaks(username, "pl")
    login("nina")  # another family of 1A
    assert client.get(f"/translations/message/{message_from('larer1a').id}",
                      headers=HTMX).status_code == 404
    assert client.get(f"/translations/post/{ids['forest']}").status_code == 404
    assert client.get(f"/translations/consent/{ids['trip']}?child={ids['emma']}"
                      ).status_code == 404
    login("amina")  # a family not invited to 1A's event
    assert client.get(f"/translations/event/{ids['event']}").status_code == 404
    login("per")  # Emma's father without parental responsibility
    assert client.get(f"/translations/message/{message_from('larer1a').id}").status_code == 404
    assert server.requests == []
    assert Translation.select().count() == 0


# Without the section -----------------------------------------------------------------------

def test_without_the_section_nothing_is_offered_and_nothing_is_sent(make_app, ids, server):
    plain = make_app(MUNICIPALITY_FILE=None)
    assert plain.config["MUNICIPALITY"].translation is None
    speaks("kari", "pl")
    pages = [f"/messages/{ids['dentist']}", "/posts/", f"/posts/{ids['forest']}",
             f"/events/{ids['event']}", f"/children/{ids['emma']}/consents"]
    with plain.test_client() as browser:
        with browser.session_transaction() as session:
            session["_user_id"] = LoginSession.start(User.get(User.username == "kari"))
            session["_fresh"] = True
        for url in pages:
            html = browser.get(url).get_data(as_text=True)
            assert "/translations/" not in html and 'class="translation' not in html, url
        assert browser.get(f"/translations/message/{message_from('larer1a').id}"
                           ).status_code == 404
    assert server.requests == []


# A guardian reads a message in her language ------------------------------------------------

def test_a_polish_guardian_reads_a_norwegian_message_in_polish(app, client, login, server):
    speaks("kari", "pl")
    login("kari")
    thread, message = dentist_thread(), message_from("larer1a")
    url = f"/translations/message/{message.id}"
    page = client.get(f"/messages/{thread.id}").get_data(as_text=True)
    offer = say(app, "pl", "Show in %(language)s (machine translation)", language="Polski")
    assert offer in page and f'href="{url}"' in page and "[pl]" not in page
    assert server.requests == []  # the page itself never asks the server
    first = client.get(url, headers=HTMX).get_data(as_text=True)
    assert "<html" not in first and say(app, "pl", "Translating…") in first
    assert 'hx-trigger="load delay:1s"' in first  # it asks again by itself
    answer = client.get(url, headers=HTMX).get_data(as_text=True)
    assert "<html" not in answer and f"[pl] {message.body}" in answer
    assert say(app, "pl", "Machine translation from %(language)s",
               language="Norsk bokmål") in answer  # detected: the message's language was not known
    assert len(server.translations) == 1
    # The thread now shows the translation at once, below the original, marked.
    page = client.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert page.index(message.body) < page.index(f"[pl] {message.body}")
    assert '<details class="translation">' in page
    assert len(server.translations) == 1


def test_without_javascript_the_translation_is_a_page_of_its_own(app, client, login, server):
    speaks("kari", "pl")
    login("kari")
    thread, message = dentist_thread(), message_from("larer1a")
    url = f"/translations/message/{message.id}"
    waiting = client.get(url).get_data(as_text=True)
    assert "<html" in waiting and message.body in waiting
    assert '<meta http-equiv="refresh" content="2">' in waiting
    page = client.get(url).get_data(as_text=True)
    assert "<html" in page and 'http-equiv="refresh"' not in page
    assert page.index(message.body) < page.index(f"[pl] {message.body}")
    assert f'href="/messages/{thread.id}"' in page


def test_staff_read_a_guardians_reply_in_their_own_language(app, client, login, server):
    login("kari")  # writes in Norwegian, her interface's language
    assert client.post(f"/messages/{dentist_thread().id}",
                       data={"body": "Hun kommer rett etter tannlegen.",
                             "token": "t-nb"}).status_code == 303
    reply = Message.get(Message.body == "Hun kommer rett etter tannlegen.")
    assert reply.language == "nb"
    speaks("larer1a", "en")
    login("larer1a")
    answer = translate(client, f"/translations/message/{reply.id}").get_data(as_text=True)
    assert "[en] Hun kommer rett etter tannlegen." in answer
    assert say(app, "en", "Machine translation from %(language)s",
               language="Norsk bokmål") in answer
    (sent,) = server.translations
    assert sent["source"] == "nb"  # known from the writer: not detected


def test_the_writers_language_is_kept_and_decides_who_is_offered(app, client, login):
    speaks("kari", "pl")
    login("kari")
    client.post(f"/messages/{dentist_thread().id}",
                data={"body": "Dziękuję, przyjdzie po wizycie.", "token": "t-pl"})
    written = Message.get(Message.body == "Dziękuję, przyjdzie po wizycie.")
    assert written.language == "pl"
    url = f"/translations/message/{written.id}"
    assert f'href="{url}"' not in client.get(f"/messages/{dentist_thread().id}").get_data(
        as_text=True)  # not offered to a Polish reader
    assert client.get(url).status_code == 404
    login("larer1a")  # Bokmål
    assert f'href="{url}"' in client.get(f"/messages/{dentist_thread().id}").get_data(
        as_text=True)


@pytest.mark.parametrize("language", ["nn", "se", "so"])
def test_languages_without_a_model_are_offered_nothing(client, login, language, server):
    speaks("kari", language)
    login("kari")
    page = client.get(f"/messages/{dentist_thread().id}").get_data(as_text=True)
    assert "/translations/" not in page
    assert client.get(f"/translations/message/{message_from('larer1a').id}"
                      ).status_code == 404
    assert server.requests == []


# What is sent, and where -------------------------------------------------------------------

def test_a_request_carries_the_text_and_nothing_else(app, client, login, server):
    speaks("kari", "pl")
    login("kari")
    message = message_from("larer1a")
    translate(client, f"/translations/message/{message.id}")
    (request,) = server.requests
    assert request["method"] == "POST" and request["path"] == "/translate"
    assert request["body"] == {"q": message.body, "source": "auto", "target": "pl",
                               "format": "text", "api_key": KEY}
    everything = json.dumps(request, ensure_ascii=False)
    people = User.select().where(User.username.in_(["kari", "larer1a", "ola"]))
    for name in [p.first_name for p in people] + [p.last_name for p in people] + ["Emma"]:
        assert name not in everything
    assert request["headers"]["Host"] == server.url.removeprefix("http://")
    assert "Cookie" not in request["headers"] and "Referer" not in request["headers"]


def test_without_a_key_none_is_sent():
    settings = Settings(url="http://127.0.0.1:1", api_key=None, timeout=1)
    assert translation_client.request_body(settings, "Hei", None, "pl") == {
        "q": "Hei", "source": "auto", "target": "pl", "format": "text"}


def test_only_the_configured_host_is_contacted(app, client, login, server, monkeypatch):
    contacted = []
    connect = socket.create_connection

    def recording(address, *args, **kwargs):
        contacted.append(address[:2])
        return connect(address, *args, **kwargs)
    monkeypatch.setattr(socket, "create_connection", recording)
    speaks("kari", "pl")
    login("kari")
    translate(client, f"/translations/post/{Post.get(Post.title == FOREST).id}")
    assert contacted and set(contacted) == {("127.0.0.1", int(server.url.rsplit(":", 1)[1]))}


def test_a_redirect_elsewhere_is_not_followed(app, client, login, server):
    with FakeLibreTranslate() as elsewhere:
        server.mode, server.redirect_to = "redirect", f"{elsewhere.url}/translate"
        speaks("kari", "pl")
        login("kari")
        answer = translate(client, f"/translations/message/{message_from('larer1a').id}")
        assert say(app, "pl", "Machine translation is unavailable right now") in (
            answer.get_data(as_text=True))
        assert elsewhere.requests == []


# A server that is slow or down -------------------------------------------------------------

@pytest.mark.parametrize("mode", ["down", "slow", "error"])
def test_a_server_down_slow_or_failing_breaks_nothing(app, client, login, server, clock,
                                                      mode):
    if mode == "down":
        server.go_down()
    else:
        server.mode = mode
    speaks("kari", "pl")
    login("kari")
    thread, message = dentist_thread(), message_from("larer1a")
    url = f"/translations/message/{message.id}"
    unavailable = say(app, "pl", "Machine translation is unavailable right now")
    answer = translate(client, url).get_data(as_text=True)
    assert unavailable in answer and "[pl]" not in answer
    assert Translation.get().state == "failed"
    before = len(server.requests)
    page = client.get(f"/messages/{thread.id}")
    assert page.status_code == 200 and unavailable in page.get_data(as_text=True)
    assert f'href="{url}"' not in page.get_data(as_text=True)
    assert len(server.requests) == before  # the page asked nothing
    # A few minutes later it is offered, and tried, again.
    clock.advance(minutes=6)
    assert f'href="{url}"' in client.get(f"/messages/{thread.id}").get_data(as_text=True)
    if mode != "down":
        server.mode = "ok"
        assert f"[pl] {message.body}" in translate(client, url).get_data(as_text=True)


def test_a_request_the_worker_never_took_is_asked_again(app, client, login, clock,
                                                        monkeypatch, server):
    monkeypatch.setattr(app.extensions["queue"], "translate", lambda translation_id: None)
    speaks("kari", "pl")
    login("kari")
    url = f"/translations/message/{message_from('larer1a').id}"
    assert say(app, "pl", "Translating…") in translate(client, url).get_data(as_text=True)
    clock.advance(minutes=3)
    assert say(app, "pl", "Machine translation is unavailable right now") in (
        client.get(url, headers=HTMX).get_data(as_text=True))
    clock.advance(minutes=6)
    monkeypatch.undo()
    assert "[pl]" in translate(client, url).get_data(as_text=True)


# The cache ---------------------------------------------------------------------------------

def test_ten_translated_messages_cost_no_request_and_no_query_on_the_next_view(
        app, client, login, users, server):
    thread = dentist_thread()
    for n in range(10):
        Message.create(thread=thread, sender=users["larer1a"], body=f"Beskjed nummer {n}.")
    speaks("kari", "pl")
    login("kari")
    url = f"/messages/{thread.id}"
    client.get(url)  # marks the thread read; measure the views after
    untranslated = queries_for(client, url)
    for message in Message.select().where(Message.thread == thread):
        if message.sender_id != users["kari"].id:
            translate(client, f"/translations/message/{message.id}")
    asked = len(server.translations)
    assert asked >= 10
    server.clear()
    translated = queries_for(client, url)
    html = client.get(url).get_data(as_text=True)
    assert all(f"[pl] Beskjed nummer {n}." in html for n in range(10))
    assert server.requests == []
    assert translated == untranslated <= 6


def test_the_feed_shows_a_cached_translation_at_no_extra_cost(app, client, login, server):
    speaks("nina", "pl")
    login("nina")
    kites = Post.get(Post.title == KITES)
    before = queries_for(client, "/posts/")
    answer = translate(client, f"/translations/post/{kites.id}").get_data(as_text=True)
    assert f"[pl] {KITES}" in answer
    assert {body["q"] for body in server.translations} == {kites.title, kites.body} - {""}
    server.clear()
    assert queries_for(client, "/posts/") == before
    feed = client.get("/posts/").get_data(as_text=True)
    assert f"[pl] {KITES}" in feed and server.requests == []
    assert f"[pl] {KITES}" in client.get(f"/posts/{kites.id}").get_data(as_text=True)


def test_an_edited_event_text_is_not_served_its_stale_translation(app, client, login, ids,
                                                                  server):
    speaks("kari", "pl")
    login("kari")
    url = f"/translations/event/{ids['event']}"
    before = queries_for(client, f"/events/{ids['event']}")
    assert "[pl] Aktivitetsdag" in translate(client, url).get_data(as_text=True)
    page = client.get(f"/events/{ids['event']}").get_data(as_text=True)
    assert "[pl] Aktivitetsdag" in page and f'href="{url}"' not in page
    assert queries_for(client, f"/events/{ids['event']}") == before
    Event.update(title="Aktivitetsdag og grilling").where(Event.id == ids["event"]).execute()
    page = client.get(f"/events/{ids['event']}").get_data(as_text=True)
    assert "[pl] Aktivitetsdag" not in page and f'href="{url}"' in page
    again = translate(client, url).get_data(as_text=True)
    assert "[pl] Aktivitetsdag og grilling" in again
    assert Translation.select().count() == 1  # the old one replaced, not kept beside it


def test_a_reader_of_a_written_language_is_not_offered_the_event(client, login, ids):
    speaks("kari", "sv")  # the event is written in Swedish too
    login("kari")
    page = client.get(f"/events/{ids['event']}").get_data(as_text=True)
    assert "/translations/" not in page
    assert client.get(f"/translations/event/{ids['event']}").status_code == 404


def test_withdrawing_a_message_removes_its_translations(app, client, login, server):
    login("larer1a")
    client.post(f"/messages/{dentist_thread().id}",
                data={"body": "Husk matpakke i morgen.", "token": "t-w"})
    message = Message.get(Message.body == "Husk matpakke i morgen.")
    speaks("kari", "pl")
    login("kari")
    translate(client, f"/translations/message/{message.id}")
    assert Translation.select().where(Translation.message == message.id).count() == 1
    login("larer1a")
    assert client.post(f"/messages/{dentist_thread().id}/withdraw/{message.id}"
                       ).status_code == 303
    assert Translation.select().where(Translation.message == message.id).count() == 0
    login("kari")
    assert client.get(f"/translations/message/{message.id}").status_code == 404


def test_deleting_and_purging_texts_takes_their_translations(app, client, login, ids,
                                                            server):
    speaks("kari", "pl")
    login("kari")
    translate(client, f"/translations/message/{message_from('larer1a').id}")
    translate(client, f"/translations/post/{ids['forest']}")
    translate(client, f"/translations/event/{ids['event']}")
    assert Translation.select().where(Translation.state == "done").count() == 3
    delete_threads([ids["dentist"]], app.extensions["storage"])  # the retention purge's
    assert not Translation.select().where(Translation.message.is_null(False)).exists()
    Post.delete().where(Post.id == ids["forest"]).execute()
    Event.delete().where(Event.id == ids["event"]).execute()
    assert Translation.select().count() == 0


# Consents ----------------------------------------------------------------------------------

def test_a_consent_is_translated_with_the_mark_that_the_original_binds(app, client, login,
                                                                       ids, server):
    speaks("kari", "pl")
    login("kari")
    page_url = f"/children/{ids['emma']}/consents"
    before = queries_for(client, page_url)
    url = f"/translations/consent/{ids['trip']}?child={ids['emma']}"
    page = client.get(page_url).get_data(as_text=True)
    assert f'href="{url.replace("&", "&amp;")}"' in page
    answer = translate(client, url).get_data(as_text=True)
    binding = say(app, "pl", "The binding text is the municipality's own, in its original "
                  "language. This machine translation only helps you understand it: your "
                  "answer is to the original.")
    version = ConsentVersion.get(ConsentVersion.consent == ids["trip"])
    title = json.loads(version.texts)["nb"]["title"]
    assert f"[pl] {title}" in text_of_html(answer) and binding in text_of_html(answer)
    assert {body["source"] for body in server.translations} == {"nb"}
    page = client.get(page_url).get_data(as_text=True)
    assert f"[pl] {title}" in text_of_html(page) and binding in text_of_html(page)
    assert queries_for(client, page_url) == before


def text_of_html(html):
    class Page:
        def get_data(self, as_text=True):
            return html
    return text_of(Page())


# What the review of this feature found ------------------------------------------------------

def test_staff_opening_a_message_through_its_translation_is_seen_by_the_family(
        app, client, login, server):
    """Rule 12: the translation's own page shows the message, so staff opening it is
    logged for the child as opening the conversation is."""
    from models.access_log.tables import AccessRecord
    login("kari")
    assert client.post(f"/messages/{dentist_thread().id}",
                       data={"body": "Hun er syk i dag.", "token": "t-sick"}).status_code == 303
    reply = Message.get(Message.body == "Hun er syk i dag.")
    speaks("larer1a", "en")
    login("larer1a")
    AccessRecord.delete().execute()  # the demo's own
    response = client.get(f"/translations/message/{reply.id}")
    assert response.status_code == 200
    response.close()  # the row is written once the answer is sent
    assert [(r.child_id, r.page) for r in AccessRecord.select()] == [
        (dentist_thread().child_id, "thread")]


def test_ones_own_message_is_not_sent_for_translation(app, client, login, server):
    """What someone wrote themselves has nothing to translate for them: the control is
    not under it, and its address answers 404 without asking the server."""
    speaks("larer1a", "en")
    login("larer1a")
    own = message_from("larer1a")
    assert client.get(f"/translations/message/{own.id}").status_code == 404
    assert server.requests == []


def test_one_person_cannot_take_over_the_translation_server(app, client, login, server,
                                                           monkeypatch):
    """New translations a person asks for are limited per hour (cached ones are not): past
    the limit the control says unavailable and the server is not asked."""
    from views import translation as translation_views
    monkeypatch.setattr(translation_views, "PER_HOUR", 1)
    speaks("kari", "pl")
    login("kari")
    thread = dentist_thread()
    assert client.post(f"/messages/{thread.id}", data={"body": "Takk!", "token": "t-x"}
                       ).status_code == 303
    speaks("larer1a", "en")
    login("larer1a")
    first = message_from("kari", thread)
    second = Message.get(Message.body == "Takk!")
    assert "[en]" in translate(client, f"/translations/message/{first.id}").get_data(
        as_text=True)
    asked = len(server.translations)
    refused = client.get(f"/translations/message/{second.id}", headers=HTMX)
    assert say(app, "en", "Machine translation is unavailable right now") in refused.get_data(
        as_text=True)
    assert len(server.translations) == asked
    # What is cached costs nothing and stays readable.
    assert "[en]" in client.get(f"/translations/message/{first.id}",
                                headers=HTMX).get_data(as_text=True)


def test_an_edit_deletes_the_old_words_translations(app, client, login, ids, server):
    """An edit may take a child's name or a detail out of a text: its translations in
    every language go at once, not when someone next asks."""
    speaks("nina", "pl")
    login("nina")
    kites = Post.get(Post.title == KITES)
    translate(client, f"/translations/post/{kites.id}")
    speaks("kari", "pl")
    login("kari")
    translate(client, f"/translations/event/{ids['event']}")
    assert Translation.select().count() == 2
    from .test_posts import edit_form, post
    login("larer1a")
    assert client.post(f"/posts/{kites.id}/edit", data=edit_form(
        post(KITES), title="Vi lager drager!", body="Ny tekst.")).status_code == 303
    assert not Translation.select().where(Translation.post == kites.id).exists()
    assert Translation.select().where(Translation.event == ids["event"]).exists()
