"""Message search (issue 22): subjects, messages and file names of the threads the
searcher may read under rule 3, and nothing else — in Norwegian, Swedish and English word
forms, ranked, with the matching words marked and every filter; the index follows
every write, withdrawal and purge."""
import datetime
import importlib.util
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models import access
from models import db as dbmod
from models.archive import gate
from models.db import today
from models.messaging import inbox, search_index
from models.messaging.tables import Message, Thread, ThreadParticipant
from models.school.tables import Child, Enrolment, Group, Unit, User

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import HTMX_MODE, Matrix, everyone, only
from .test_attachments import photo
from .test_sensitive_threads import fresh
from .test_thread_access import DENTIST, GYM, LUNCH, MATHS, MEETING, make_eighteen_today

ROUTES = Matrix({
    ("GET", "/messages/search"): everyone(200),
    ("GET", "/messages/search?q=tannlegen"): everyone(200),
    ("GET", "/messages/search?q=tannlegen", HTMX_MODE): everyone(200),
    # Only a child the user sees, only a group the user works with.
    ("GET", "/messages/search?q=hei&child={emma}"):
        only({"kari", "ola", "bestemor", "rektor", "larer1a", "faglarer", "sfo"}),
    ("GET", "/messages/search?q=hei&group={g1a}"):
        only({"rektor", "larer1a", "faglarer"}),
    ("GET", "/messages/search?q=hei&from=2026-02-30"): everyone(400),
    ("GET", "/messages/search?q=hei&page=x"): everyone(400),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids)


RESULTS = re.compile(r'<section id="search-results".*?</section>', re.S)
COUNT = re.compile(r'class="results-count">\s*(\d+)')


def results(client, query="", status=200, **params):
    """(the subjects of the threads found, in order, the count shown, the results' html)."""
    response = client.get("/messages/search", query_string={"q": query, **params})
    assert response.status_code == status, response.status_code
    html = RESULTS.search(response.get_data(as_text=True)).group(0)
    ids = [int(i) for i in re.findall(r'href="/messages/(\d+)"', html)]
    subjects = {tid: subject for tid, subject in
                Thread.select(Thread.id, Thread.subject).where(Thread.id.in_(ids)).tuples()}
    count = COUNT.search(html)
    return [subjects[i] for i in ids], int(count.group(1)) if count else 0, html


def write(app, username, subject, body, child, unit="school", staff=("larer1a",),
          files=()):
    """A new conversation, written as the app writes one (indexed in its transaction)."""
    with app.test_request_context():
        sender = User.get(User.username == username)
        guardian = username not in ("larer1a", "rektor", "faglarer", "sfo", "bhg", "styrer")
        others = [User.get(User.username == name) for name in staff]
        return inbox.start_thread(
            Unit.get(Unit.name == {"school": "Solbakken skole",
                                   "kindergarten": "Regnbuen barnehage"}[unit]),
            Child.get(Child.first_name == child), subject, body, sender,
            inbox.new_form_token(), guardians=[sender] if guardian else [],
            staff=others if guardian else [sender], as_guardian=guardian, files=files)


def reply(app, username, subject, body, files=()):
    with app.test_request_context():
        sender = User.get(User.username == username)
        thread = Thread.get(Thread.subject == subject)
        return inbox.reply(thread, sender, body, inbox.new_form_token(),
                           as_guardian=username not in ("larer1a", "rektor", "faglarer"),
                           files=files)


# Word forms ---------------------------------------------------------------------------

@pytest.mark.parametrize("written, looked_for", [
    ("Emma er syke i dag.", "syk"),                    # bokmål
    ("Noah har vore sjuk heile veka.", "sjuke"),       # nynorsk
    ("Eleverna var sjuka hela veckan.", "sjuk"),       # svenska
    ("She was playing football all day.", "played"),   # English
    ("Vi lager drager i skolegården.", "drage"),
])
def test_word_forms_are_found_in_every_language(app, client, login, written, looked_for):
    reply(app, "kari", DENTIST, written)
    login("kari")
    found, count, html = results(client, looked_for)
    assert found == [DENTIST] and count == 1
    assert "<mark>" in html


def test_the_stems_are_the_same_whatever_the_language_of_the_page(app, client, login):
    reply(app, "kari", DENTIST, "Eleverna var sjuka.")
    user = login("kari")
    for locale in ("nb", "sv", "en"):
        User.update(locale=locale).where(User.id == user.id).execute()
        assert results(client, "sjuk")[0] == [DENTIST]


# Rule 3 -------------------------------------------------------------------------------

def test_a_guardian_never_finds_another_familys_thread(app, client, login):
    """The same rare word in kari's thread and in amina's: each finds only their own, and
    the count says one."""
    reply(app, "kari", DENTIST, "Vi snakket om sjiraffer på tur.")
    reply(app, "amina", MATHS, "Ali tegnet en sjiraff i matteboka.")
    login("kari")
    found, count, html = results(client, "sjiraff")
    assert found == [DENTIST] and count == 1
    assert "matteboka" not in html and "Ali" not in html
    assert results(client, "matteleksen")[:2] == ([], 0)  # amina's words, exactly
    login("amina")
    assert results(client, "sjiraff")[:2] == ([MATHS], 1)
    for someone in ("per", "bestemor", "admin", "personvern"):
        login(someone)
        assert results(client, "sjiraff")[:2] == ([], 0), someone


def test_a_contact_teacher_finds_their_pupils_threads_not_another_class(app, client, login):
    login("larer1a")
    assert results(client, "gymtøy")[0] == [GYM]           # Jonas, 1A
    assert results(client, "tannlegen")[0] == [DENTIST]     # Emma, 1A
    assert results(client, "matteleksen")[:2] == ([], 0)     # Ali, 1B
    assert results(client, "matpakken")[:2] == ([], 0)       # the kindergarten


def test_a_school_leader_finds_across_the_school_only(app, client, login):
    login("rektor")
    for word, subject in (("gymtøy", GYM), ("matteleksen", MATHS), ("tannlegen", DENTIST),
                          ("foreldremøte", MEETING)):
        assert results(client, word)[0] == [subject], word
    assert results(client, "matpakken")[:2] == ([], 0)  # the kindergarten's
    assert results(client, "bestemor")[:2] == ([], 0)   # the SFO's thread
    login("styrer")
    assert results(client, "matpakken")[0] == [LUNCH]


def test_a_leader_finds_another_units_thread_they_take_part_in(app, client, login):
    """Rule 3 lets staff read a thread about a child they reach that they take part in,
    whatever its unit: the school leader, once in the SFO's thread about Emma, finds it
    (the index's scope words name such a thread itself)."""
    login("rektor")
    assert results(client, "bestemor")[:2] == ([], 0)
    rektor = User.get(User.username == "rektor")
    thread = Thread.get(Thread.subject == "Henting fredag")
    ThreadParticipant.create(thread=thread, user=rektor, role="staff")
    assert access.thread_or_none(rektor, thread.id) is not None
    assert results(client, "bestemor")[:2] == (["Henting fredag"], 1)


def test_a_thread_is_unfindable_once_access_ends(app, client, login):
    login("kari")
    assert results(client, "tannlegen")[0] == [DENTIST]
    make_eighteen_today(Child.get(Child.first_name == "Emma"))
    assert results(client, "tannlegen")[:2] == ([], 0)
    login("larer1a")  # staff keep the school's history
    assert results(client, "tannlegen")[0] == [DENTIST]
    Enrolment.update(end_date=today() - datetime.timedelta(days=1)).where(
        Enrolment.child == Child.get(Child.first_name == "Emma").id).execute()
    assert results(client, "tannlegen")[:2] == ([], 0)  # no longer their pupil


def test_the_index_s_scope_words_are_not_words_to_find(app, client, login, ids):
    """The index marks each message with its unit, child, group and thread: someone who
    writes such a mark finds their message, not every thread it marks."""
    thread = Thread.get(Thread.subject == DENTIST)
    reply(app, "kari", DENTIST, f"Rom u{ids['school']} og t{thread.id}, sa @g{ids['g1a']}.")
    login("rektor")
    for mark in (f"u{ids['school']}", f"t{thread.id}", f"@g{ids['g1a']}"):
        assert results(client, mark)[:2] == ([DENTIST], 1), mark
    assert results(client, f"c{ids['emma']}")[:2] == ([], 0)


def test_a_withdrawn_message_is_not_findable(app, client, login):
    message = reply(app, "kari", DENTIST, "Beklager, feil tråd om flodhesten.")
    login("kari")
    assert results(client, "flodhest")[0] == [DENTIST]
    assert search_index.holds(message.id)
    response = client.post(f"/messages/{message.thread_id}/withdraw/{message.id}")
    assert response.status_code == 303
    assert results(client, "flodhest")[:2] == ([], 0)
    assert not search_index.holds(message.id)
    login("rektor")
    assert results(client, "flodhest")[:2] == ([], 0)


def test_withdrawing_the_first_message_keeps_the_subject_findable(app, client, login):
    thread = write(app, "kari", "Svømming neste uke", "Emma har glemt badetøyet sitt.",
                   "Emma")
    first = Message.get(Message.thread == thread.id)
    login("kari")
    client.post(f"/messages/{thread.id}/withdraw/{first.id}")
    assert results(client, "badetøy")[:2] == ([], 0)
    found, _, html = results(client, "svømming")
    assert found == ["Svømming neste uke"] and "badetøy" not in html


def test_a_file_is_found_by_its_name(app, client, login):
    login("kari")
    response = client.post(f"/messages/{Thread.get(Thread.subject == DENTIST).id}",
                           content_type="multipart/form-data",
                           data={"body": "Se vedlegg.", "token": "file",
                                 "files": [(io.BytesIO(photo("PNG")), "timeplan-høst.png")]})
    assert response.status_code == 303
    found, _, html = results(client, "timeplan")
    assert found == [DENTIST]
    assert "<mark>timeplan</mark>" in html
    login("amina")
    assert results(client, "timeplan")[:2] == ([], 0)


# Showing ------------------------------------------------------------------------------

def test_the_words_are_marked_and_the_message_escaped(app, client, login):
    reply(app, "kari", DENTIST, 'Han skrev <script>alert("x")</script> og <mark>syk</mark> '
                                "& hjemme syke.")
    login("kari")
    _, _, html = results(client, "syk")
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "&lt;mark&gt;" in html  # the text "<mark>" written, shown as text
    assert "<mark>syk</mark>" in html and "<mark>syke</mark>" in html
    assert "&amp; hjemme" in html


def test_a_sensitive_thread_is_searched_only_after_a_strong_login_and_shows_no_content(
        app, client, login, t):
    Thread.update(sensitive=True).where(Thread.subject == DENTIST).execute()
    login("kari")
    # Without a fresh strong login not even whether it matches: that would tell its words.
    assert results(client, "tannlegen")[:2] == ([], 0)
    fresh(client)
    found, count, html = results(client, "tannlegen")
    assert count == 1
    assert t("Sensitive thread") in html and "Emma Hansen" in html
    assert "annleg" not in html and "Tannlege torsdag" not in html
    assert "torsdag" not in html.replace(t("Sensitive thread"), "")
    assert "<mark>" not in html


def test_subject_matches_and_many_hits_rank_above_a_passing_mention(app, client, login, clock):
    write(app, "kari", "Fotball på tirsdag", "Kan Emma være med på trening?", "Emma")
    clock.advance(minutes=5)
    write(app, "kari", "Bursdag", "Emma spiller fotball fotball fotball hele dagen, "
                                  "fotball er alt hun tenker på.", "Emma")
    clock.advance(minutes=5)
    write(app, "kari", "Lang beskjed", "Vi skal på hytta i helgen, og etterpå blir det "
          "mye å gjøre med lekser, klær, matpakker og kanskje litt fotball, men mest hvile "
          "og lesing før en ny uke på skolen begynner igjen med alt det fører med seg.",
          "Emma")
    login("kari")
    found, count, _ = results(client, "fotball")
    assert count == 3
    assert found.index("Lang beskjed") == 2  # the passing mention last, though newest
    assert set(found[:2]) == {"Fotball på tirsdag", "Bursdag"}


def test_one_line_per_thread_with_its_best_message_newest_first_among_equals(
        app, client, login, clock):
    reply(app, "kari", DENTIST, "Sjokoladekake!")
    clock.advance(minutes=5)
    newer = reply(app, "larer1a", DENTIST, "Sjokoladekake!")
    login("kari")
    found, count, html = results(client, "sjokoladekake")
    assert found == [DENTIST] and count == 1
    assert html.count("<mark>Sjokoladekake</mark>") == 1
    assert f'datetime="{newer.created_at.isoformat()}Z"' in html


def test_results_come_twenty_to_a_page(app, client, login):
    for n in range(23):
        write(app, "kari", f"Tur nummer {n}", "Vi går på blåbærtur.", "Emma")
    login("kari")
    first, count, html = results(client, "blåbærtur")
    assert count == 23 and len(first) == 20
    second, _, _ = results(client, "blåbærtur", page=1)
    assert len(second) == 3 and not set(first) & set(second)


# Filters ------------------------------------------------------------------------------

def test_each_filter(app, client, login, ids, clock):
    """One word in many threads; each filter keeps the right ones."""
    reply(app, "kari", DENTIST, "Regnjakke glemt.")                      # Emma, guardian
    now = clock.now()
    clock.set(datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.timezone.utc))
    write(app, "kari", "Regntøy Noah", "Regnjakke mangler.", "Noah",
          unit="kindergarten", staff=("bhg",))                             # Noah, 1 March
    clock.set(now)
    reply(app, "larer1a", GYM, "Husk regnjakke.")                         # 1A, staff
    reply(app, "faglarer", MATHS, "Regnjakke i gangen.")                  # 1B, staff
    login("kari")
    assert set(results(client, "regnjakke")[0]) == {DENTIST, "Regntøy Noah"}
    assert results(client, "regnjakke", child=ids["noah"])[0] == ["Regntøy Noah"]
    assert results(client, "regnjakke", child=ids["emma"])[0] == [DENTIST]
    html = client.get("/messages/search").get_data(as_text=True)
    assert 'name="child" value="%d"' % ids["emma"] in html  # one chip per child
    assert client.get(f"/messages/search?q=regnjakke&child={ids['jonas']}").status_code == 404

    login("rektor")
    assert set(results(client, "regnjakke")[0]) == {DENTIST, GYM, MATHS}
    assert set(results(client, "regnjakke", group=ids["g1a"])[0]) == {DENTIST, GYM}
    assert results(client, "regnjakke", group=ids["g1b"])[0] == [MATHS]
    assert set(results(client, "regnjakke", sender="staff")[0]) == {GYM, MATHS}
    assert results(client, "regnjakke", sender="guardian")[0] == [DENTIST]
    assert results(client, "regnjakke", child=ids["ali"])[0] == [MATHS]

    # Unread: the teacher answers in the dentist thread; kari has not read it yet.
    reply(app, "larer1a", DENTIST, "Regnjakken er funnet.")
    login("kari")
    assert results(client, "regnjakke", unread="1")[0] == [DENTIST]
    client.get(f"/messages/{Thread.get(Thread.subject == DENTIST).id}")
    assert results(client, "regnjakke", unread="1")[:2] == ([], 0)

    # With attachments.
    client.post(f"/messages/{Thread.get(Thread.subject == DENTIST).id}",
                content_type="multipart/form-data",
                data={"body": "Bilde.", "token": "f",
                      "files": [(io.BytesIO(photo("PNG")), "bilde.png")]})
    assert results(client, "regnjakke", files="1")[0] == [DENTIST]

    # Days: a message written on 1 March, another now.
    assert results(client, "regnjakke", **{"from": "2026-03-01", "to": "2026-03-01"})[0] == [
        "Regntøy Noah"]
    assert DENTIST in results(client, "regnjakke", **{"from": today().isoformat()})[0]
    assert results(client, "regnjakke", to="2026-02-28")[:2] == ([], 0)


def test_a_day_is_the_municipalitys_day(app, client, login, clock):
    """23:30 in Oslo on 1 March is 22:30 UTC: it belongs to 1 March."""
    clock.set(datetime.datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("Europe/Oslo")))
    reply(app, "kari", DENTIST, "Ullgenser.")
    clock.reset()
    login("kari")
    assert results(client, "ullgenser", **{"from": "2026-03-01", "to": "2026-03-01"})[0] == [
        DENTIST]
    assert results(client, "ullgenser", **{"from": "2026-03-02"})[0] == []


@pytest.mark.parametrize("params, field", [
    ({"from": "2026-13-01"}, "from"), ({"to": "1. mars"}, "to"),
    ({"from": "2026-03-05", "to": "2026-03-01"}, "to"), ({"from": "0001-01-01"}, "from"),
])
def test_a_bad_date_is_a_400_with_the_form_kept(client, login, t, params, field):
    login("kari")
    response = client.get("/messages/search", query_string={"q": "tannlegen", **params})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html and f'href="#{field}"' in html
    assert html.index('id="error-summary"') < html.index('id="q"')
    for value in params.values():
        assert f'value="{value}"' in html
    assert 'value="tannlegen"' in html
    fragment = client.get("/messages/search", query_string={"q": "x", **params}, headers=HTMX)
    assert fragment.status_code == 400 and "<html" not in fragment.get_data(as_text=True)


def test_the_htmx_fragment_is_the_results_alone(client, login):
    login("kari")
    response = client.get("/messages/search?q=tannlegen", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith("<section") or 'id="search-results"' in html
    assert "Tannlege torsdag" in text_of(response) and 'name="q"' not in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_no_words_no_search(client, login, t):
    login("kari")
    page = text_of(client.get("/messages/search?q=%20%20"))
    assert "Tannlege torsdag" not in page


def test_the_inbox_has_a_search_field(client, login):
    login("kari")
    html = client.get("/messages/").get_data(as_text=True)
    assert 'action="/messages/search"' in html and 'name="q"' in html


@pytest.mark.parametrize("username, params", [
    ("kari", {}), ("kari", {"unread": "1", "files": "1", "sender": "staff"}),
    ("rektor", {}), ("rektor", {"group": "G1A", "from": "2020-01-01", "to": "2199-12-31"}),
    ("larer1a", {"child": "EMMA"}),
])
def test_the_search_page_costs_a_constant_small_number_of_queries(
        app, client, login, ids, username, params):
    login(username)
    params = {k: str(ids["g1a"]) if v == "G1A" else str(ids["emma"]) if v == "EMMA" else v
              for k, v in params.items()}
    url = "/messages/search?" + "&".join(f"{k}={v}" for k, v in {"q": "hei", **params}.items())
    before = queries_for(client, url)
    for n in range(15):
        write(app, "kari", f"Hei {n}", "Hei hei, et spørsmål om turen.", "Emma")
        reply(app, "larer1a", DENTIST, f"Hei igjen {n}.")
    after = queries_for(client, url)
    assert before == after and after <= 6, (before, after)


# The index follows the data -----------------------------------------------------------

def test_the_migration_indexed_what_was_there(app, client, login):
    """The demo's messages were written before any request: they are found."""
    assert all(search_index.holds(m.id) for m in Message.select())
    login("ola")
    assert results(client, "matpakken")[0] == [LUNCH]


def test_the_migration_that_reshaped_the_index_indexed_what_was_there(app, client, login):
    """migrations/0040 builds the index of an installation again from its messages, with
    each message's thread, time and scope words: found afterwards by exactly those who
    read them."""
    reply(app, "kari", DENTIST, "Pelikanen kom på besøk.")
    migrations = Path(__file__).resolve().parent.parent / "migrations"
    spec = importlib.util.spec_from_file_location(
        "reshaping", migrations / "0040_search_scope_in_index.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration.down(None, dbmod.database.obj)  # the index as 0035 made it
    migration.up(None, dbmod.database.obj)
    for username, found in (("kari", [DENTIST]), ("rektor", [DENTIST]), ("larer1a", [DENTIST]),
                            ("amina", []), ("styrer", [])):
        login(username)
        assert results(client, "pelikan")[0] == found, username
    login("kari")
    assert results(client, "pelikan", **{"from": today().isoformat()})[0] == [DENTIST]


def test_a_bulk_load_is_indexed_range_by_range_each_message_once(
        app, client, login, monkeypatch):
    """Messages written without the index (a bulk load, the demo) are indexed by
    index_missing, in ranges of message id on PostgreSQL: every message once, the
    subject with its thread's first message only, and a second run finds nothing to do."""
    reply(app, "kari", DENTIST, "Pelikanen kom på besøk.")
    monkeypatch.setattr(search_index, "_PG_RANGE", 3)  # many ranges over the demo's ids
    dbmod.database.execute_sql("DELETE FROM message_search")
    search_index.index_missing()
    messages = [m.id for m in Message.select(Message.id)]
    assert all(search_index.holds(m) for m in messages)
    assert dbmod.database.execute_sql(
        "SELECT count(*) FROM message_search").fetchone()[0] == len(messages)
    dentist = Thread.get(Thread.subject == DENTIST)
    first = Message.select(Message.id).where(Message.thread == dentist).order_by(Message.id)
    if search_index.is_postgres():  # the subject is the document's only weight A
        with_subject = "SELECT message_id FROM message_search WHERE document::text ~ '\\dA'"
    else:
        with_subject = ("SELECT rowid FROM message_search WHERE subject != '' "
                        "AND thread_id = " + str(dentist.id))
    subjects = {r[0] for r in dbmod.database.execute_sql(with_subject)}
    assert first.first().id in subjects and not ({m.id for m in first[1:]} & subjects)
    assert search_index.index_missing() == 0
    login("kari")
    assert results(client, "pelikan")[0] == [DENTIST]
    assert results(client, "tannlege")[0] == [DENTIST]


def _index_text():
    """Everything the index holds, as text (SQLite: its stored stems and the raw pages of
    the full-text index; PostgreSQL: the documents)."""
    if search_index.is_postgres():
        rows = dbmod.database.execute_sql("SELECT document::text FROM message_search")
        return " ".join(r[0] for r in rows)
    parts = [" ".join(r) for r in dbmod.database.execute_sql(
        "SELECT c0, c1, c2 FROM message_search_content").fetchall()]
    blocks = dbmod.database.execute_sql("SELECT block FROM message_search_data").fetchall()
    return " ".join(parts) + " ".join(bytes(b[0]).decode("latin-1") for b in blocks)


@pytest.mark.clock("2026-03-10 12:00")
def test_after_the_retention_purge_the_index_holds_nothing_of_the_purged(
        app, client, login, clock, monkeypatch):
    monkeypatch.setattr(gate, "deletable_before", lambda kind, unit, cutoff: cutoff)
    thread = write(app, "kari", "Krokodilleklubben", "Emma vil bli med i krokodilleklubben.",
                   "Emma")
    message = reply(app, "larer1a", "Krokodilleklubben", "Nesehornene er velkomne også.")
    assert "krokodilleklubb" in _index_text() and "nesehorn" in _index_text()
    old = datetime.datetime(2021, 3, 1, 12, 0)
    Thread.update(last_message_at=old).where(Thread.id == thread.id).execute()
    Message.update(created_at=old).where(Message.thread == thread.id).execute()
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert Thread.get_or_none(Thread.id == thread.id) is None
    assert not search_index.holds(message.id)
    text = _index_text()
    assert "krokodill" not in text and "nesehorn" not in text
    assert "tann" in text  # the rest is still there
    login("kari")
    assert results(client, "krokodilleklubben")[:2] == ([], 0)


def test_a_deleted_child_takes_the_index_rows_with_the_threads(app):
    emma = Child.get(Child.first_name == "Emma")
    messages = [m.id for m in Message.select().join(Thread).where(Thread.child == emma.id)]
    assert messages and all(search_index.holds(m) for m in messages)
    Child.delete().where(Child.id == emma.id).execute()  # foreign keys cascade
    assert not any(search_index.holds(m) for m in messages)


def test_the_query_is_never_taken_as_query_language(client, login):
    login("kari")
    for query in ('"', 'tannlegen" OR "matteleksen', "NEAR(a b)", "tann*", "a:b", "-x",
                  "' OR 1=1 --", "(((", "\\", "AND OR NOT", "☃ 🦒"):
        response = client.get("/messages/search", query_string={"q": query})
        assert response.status_code == 200, query
    found, _, _ = results(client, 'tannlegen" OR "matteleksen')
    assert "Lekser i matte" not in found


def test_long_input_is_cut_not_refused(client, login):
    login("kari")
    response = client.get("/messages/search", query_string={"q": "tannlegen " * 200})
    assert response.status_code == 200


def test_search_over_many_groups_keeps_to_the_rule(app, client, login, ids):
    """A group the user does not work with is a 404, even with matching words."""
    login("larer1a")
    response = client.get(f"/messages/search?q=matteleksen&group={ids['g1b']}")
    assert response.status_code == 404
    assert Group.get_by_id(ids["g1b"]).name == "1B"


def test_search_finds_exactly_what_the_rule_gives_everyone(app, client, login):
    """A word in every thread: each member of the cast finds exactly the threads rule 3
    lets them read (the index's scope words only narrow, they never decide)."""
    from models.messaging import search
    for thread in Thread.select():
        with app.test_request_context():
            inbox.reply(thread, User.get_by_id(thread.created_by_id), "Overalt er det maur.",
                        inbox.new_form_token(), as_guardian=False)
    for user in User.select():
        readable = {t.subject for t in access.threads(user)}
        staff = access.is_staff(user)
        found = search.search(user, "maur", staff=staff)
        assert {line.id for line in found.lines} == {
            t.id for t in access.threads(user)}, (user.username, readable)
        assert found.total == len(readable)


def test_a_word_in_very_many_messages_ranks_the_newest(app, client, login, monkeypatch, t):
    from models.messaging import search
    monkeypatch.setattr(search, "MAX_HITS", 3)
    monkeypatch.setattr(search, "_variants", {})  # compiled again with the smaller limit
    for n in range(5):
        write(app, "kari", f"Tråd om mygg {n}", "Mygg overalt.", "Emma")
    login("kari")
    found, count, html = results(client, "mygg")
    assert count == 3 and set(found) == {f"Tråd om mygg {n}" for n in (2, 3, 4)}
    assert t("The words are in very many messages: the newest are shown. Add a word or a "
             "filter to find older ones.") in html


def test_a_search_of_words_the_dictionaries_drop_lists_only_real_matches(app, client, login):
    """"i" is a stop word in Norwegian, Swedish and English: PostgreSQL's dictionaries
    make nothing of it. A search of it alone must not list every message the person may
    read (with nothing marked); whatever it lists has the word marked (SQLite, which
    keeps every word, finds the messages that hold it)."""
    login("rektor")
    subjects, count, html = results(client, "i")
    assert html.count("<mark>") >= len(subjects)
    login("larer1a")
    subjects, count, html = results(client, "i")
    assert html.count("<mark>") >= len(subjects)
