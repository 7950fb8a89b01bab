"""Letters on paper (rule 8, seed 002): staff mark a guardian who refuses electronic
contact, and print a letter for them — in their language, without a protected address —
from any announcement."""
import datetime
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext

from models.audit import AuditEvent
from models.db import today
from models.messaging import inbox
from models.messaging.tables import Thread
from models.school.tables import (ADDRESS_PROTECTION, UNPROTECTED, Child, Enrolment, Group,
                                  Guardianship, User)

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import Matrix, everyone, expect, only

ROOT = Path(__file__).resolve().parent.parent
BODY = "Vi går på tur til skogen fredag.\nTa med matpakke og regntøy.\n\nHilsen 1A"


@pytest.fixture
def announce(app):
    """Send an announcement as the message page does; returns its threads. It runs in a
    request context like the page's, so the notifications it writes wait for the end
    of a request that never comes: these tests are about letters, not sending."""
    def send(sender="larer1a", group="1A", per_child=False, subject="Tur fredag",
             body=BODY, token="letter-test"):
        group = Group.get(Group.name == group)
        with app.test_request_context():
            return inbox.announce(User.get(User.username == sender), group.unit, group,
                                  subject, body, token, replies_allowed=True,
                                  per_child=per_child)
    return send


def want_paper(*usernames, on=True):
    User.update(paper_letters=on).where(User.username.in_(usernames)).execute()


def letters_url(thread):
    return f"/messages/{thread.id}/letters"


def letter_count(response):
    return response.get_data(as_text=True).count('<article class="letter"')


def letter_of(response, name):
    """The HTML of the one letter addressed to `name`."""
    html = response.get_data(as_text=True)
    found = [part.split("</article>")[0] for part in html.split('<article class="letter"')[1:]
             if f'<p class="recipient">{name}' in part]
    assert len(found) == 1, (name, len(found))
    return found[0]


# Who may do what --------------------------------------------------------------------------

# Guardians read the announcement itself; the print page is not theirs, and whether it
# exists is not told. faglarer, sfo and the guardians see Emma but may not change how her
# guardians are reached.
ROUTES = Matrix({
    ("POST", "/children/{emma}/paper-letters"): expect(
        only({"rektor", "larer1a"}, 303) | {role: 403 for role in (
            "faglarer", "sfo", "kari", "ola", "bestemor")},
        data={"guardian": "{kari}", "on": "1"}),
    ("GET", "/messages/{letter_thread}/letters"): only({"rektor", "larer1a"}),
    ("GET", "/children/{emma}/paper-letters"): everyone(405, anonymous=405),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role, announce):
    ROUTES.check(client, login, role, {**ids, "letter_thread": announce()[0].id})


def test_a_conversation_has_no_letters(client, login, users):
    conversation = Thread.get(Thread.kind == "conversation")
    login("rektor")
    assert client.get(f"/messages/{conversation.id}").status_code == 200
    assert client.get(letters_url(conversation)).status_code == 404
    assert client.get("/messages/999999/letters").status_code == 404


# Marking ----------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["rektor", "larer1a"])
def test_the_leader_or_contact_teacher_marks_a_guardian(client, login, users, kids, t,
                                                        username):
    staff = login(username)
    emma, kari = kids["Emma"], users["kari"]
    response = client.post(f"/children/{emma.id}/paper-letters",
                           data={"guardian": kari.id, "on": "1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/children/{emma.id}/code-login"
                                                 f"#guardian-{kari.id}")
    assert User.get_by_id(kari.id).paper_letters
    event = AuditEvent.get(AuditEvent.action == "guardian.paper_letters")
    assert (event.actor_id, event.object_type, event.object_id) == (staff.id, "user", kari.id)
    assert event.details == {"child": emma.id, "on": True}
    page = client.get(response.headers["Location"])
    assert t("%(name)s now gets letters on paper, and no e-mail, SMS or push.",
             name="Kari Hansen") in text_of(page)
    assert t("Stop letters on paper") in text_of(page)

    assert client.post(f"/children/{emma.id}/paper-letters",
                       data={"guardian": kari.id, "on": "0"}).status_code == 303
    assert not User.get_by_id(kari.id).paper_letters
    events = AuditEvent.select().where(AuditEvent.action == "guardian.paper_letters")
    assert [e.details["on"] for e in events.order_by(AuditEvent.id)] == [True, False]


def test_marking_again_changes_and_logs_nothing(client, login, users, kids):
    login("larer1a")
    for _ in range(2):
        client.post(f"/children/{kids['Emma'].id}/paper-letters",
                    data={"guardian": users["kari"].id, "on": "1"})
    assert AuditEvent.select().where(
        AuditEvent.action == "guardian.paper_letters").count() == 1


def test_the_toggle_swaps_itself_with_htmx(client, login, users, kids, t):
    login("larer1a")
    response = client.post(f"/children/{kids['Emma'].id}/paper-letters",
                           data={"guardian": users["kari"].id, "on": "1"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'hx-target="this"' in html and f'id="paper-{users["kari"].id}"' in html
    assert t("Stop letters on paper") in text_of(response) and t("Saved.") in html


def test_others_see_the_state_but_cannot_change_it(client, login, users, kids, t):
    want_paper("kari")
    login("faglarer")  # attached to 1A: sees Emma and her guardians
    page = client.get(f"/children/{kids['Emma'].id}/code-login")
    assert page.status_code == 200
    assert t("Wants letters on paper.") in text_of(page)
    assert "/paper-letters" not in page.get_data(as_text=True)
    assert client.post(f"/children/{kids['Emma'].id}/paper-letters",
                       data={"guardian": users["ola"].id, "on": "1"}).status_code == 403
    login("larer1a")
    page = client.get(f"/children/{kids['Emma'].id}/code-login")
    action = f'action="/children/{kids["Emma"].id}/paper-letters"'
    assert page.get_data(as_text=True).count(action) == 2  # kari's and ola's toggle
    assert not User.get_by_id(users["ola"].id).paper_letters
    assert not AuditEvent.select().where(
        AuditEvent.action == "guardian.paper_letters").exists()


def test_a_stranger_or_someone_elses_guardian_is_not_found(client, login, users, kids):
    login("styrer")  # leads the kindergarten, not the school
    assert client.post(f"/children/{kids['Emma'].id}/paper-letters",
                       data={"guardian": users["kari"].id, "on": "1"}).status_code == 404
    login("larer1a")
    for guardian in ("nina", "per", "bestemor", "larer1a"):
        # Not a guardian of Emma with parental responsibility (per is information-only,
        # bestemor a caregiver).
        assert client.post(f"/children/{kids['Emma'].id}/paper-letters",
                           data={"guardian": users[guardian].id, "on": "1"}
                           ).status_code == 404, guardian
    assert client.post(f"/children/{kids['Emma'].id}/paper-letters",
                       data={"on": "1"}).status_code == 404
    assert not User.select().where(User.paper_letters == True).exists()  # noqa: E712


def test_marking_needs_the_csrf_token(make_app, app, users, kids):
    from models.login.sessions import LoginSession
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = LoginSession.start(users["larer1a"])
        session["_fresh"] = True
    response = client.post(f"/children/{kids['Emma'].id}/paper-letters",
                           data={"guardian": users["kari"].id, "on": "1"})
    assert response.status_code == 400
    assert not User.get_by_id(users["kari"].id).paper_letters


# Printing ---------------------------------------------------------------------------------

def test_letters_for_the_guardians_who_want_paper(client, login, users, t, announce):
    thread = announce()[0]
    # per is information-only (no access), amina's child is in 1B, ola wants no paper.
    want_paper("kari", "nina", "per", "amina")
    staff = login("larer1a")
    response = client.get(letters_url(thread))
    assert response.status_code == 200
    assert letter_count(response) == 2
    page = text_of(response)
    for name in ("Kari Hansen", "Nina Lie"):
        assert name in page
    for name in ("Ola Hansen", "Per Olsen", "Amina Hassan", "Randi Hansen"):
        assert name not in page
    assert t("%(num)d letter, for a guardian who asked for letters on paper. Each letter "
             "is printed on a page of its own.",
             "%(num)d letters, for the guardians who asked for letters on paper. Each "
             "letter is printed on a page of its own.", 2) in page
    kari = letter_of(response, "Kari Hansen")
    assert "Bjørkeveien 4<br>0004 Demo" in kari
    assert "Demo kommune" in kari and "Solbakken skole" in kari
    assert "Tur fredag" in kari and "Lars Lærer" in kari
    assert "+47 22 00 00 00" in kari and "+47 22 00 10 00" in kari
    assert t("This letter was printed from Kontaktbok because you asked for letters on "
             "paper. Contact the unit to change this.") in kari
    assert f'<div class="text" dir="auto">{BODY}</div>' in kari  # as written, line breaks kept
    assert "/logo" in kari  # the municipality's coat of arms
    event = AuditEvent.get(AuditEvent.action == "letters.printed")
    assert (event.actor_id, event.object_type, event.object_id) == (staff.id, "thread",
                                                                    thread.id)
    assert event.details == {"count": 2}


def test_the_print_page_works_with_and_without_javascript(client, login, t, announce):
    thread = announce()[0]
    want_paper("kari")
    login("rektor")
    html = client.get(letters_url(thread)).get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html  # the CSP forbids them
    assert "/static/js/print.js" in html and "/static/css/print.css" in html
    assert "data-print hidden" in html  # the button appears when the script runs
    assert t("Use the browser's print command to print them (Ctrl+P, or Share and then "
             "Print on a phone).") in text_of(client.get(letters_url(thread)))
    css = (ROOT / "static" / "css" / "print.css").read_text(encoding="utf-8")
    assert "@page { size: A4; margin: 2cm; }" in css and "page-break-after: always" in css


def test_no_one_wants_paper(client, login, t, announce):
    thread = announce()[0]
    login("larer1a")
    response = client.get(letters_url(thread))
    assert letter_count(response) == 0
    assert t("No guardian of this announcement wants paper letters.") in text_of(response)
    assert AuditEvent.get(AuditEvent.action == "letters.printed").details == {"count": 0}


def test_a_protected_address_is_never_printed(client, login, users, t, announce):
    thread = announce()[0]
    # Nina's own address is protected; Lise's is not, but her child Sara's is.
    User.update(address_protection="fortrolig").where(User.username == "nina").execute()
    User.update(address_protection="ugradert", address="Hemmelig vei 1, 0007 Demo").where(
        User.username == "lise").execute()
    want_paper("kari", "nina", "lise")
    login("larer1a")
    response = client.get(letters_url(thread))
    assert letter_count(response) == 3
    html = response.get_data(as_text=True)
    assert "Granstien" not in html and "Hemmelig vei" not in html
    assert '<p class="recipient">Nina Lie</p>' in letter_of(response, "Nina Lie")
    assert '<p class="recipient">Lise Berg</p>' in letter_of(response, "Lise Berg")
    assert "Bjørkeveien 4" in letter_of(response, "Kari Hansen")
    assert t("Letters without an address: give them to the guardian in person or ask the "
             "unit leader how to send them.") in text_of(response)
    for level in set(ADDRESS_PROTECTION) - set(UNPROTECTED):
        assert level.lower() not in html.lower(), level
    assert t("protected") not in text_of(response)


def test_the_letter_is_in_the_guardians_language(client, login, users, app, t, announce):
    thread = announce()[0]
    User.update(locale="sv").where(User.username == "kari").execute()
    want_paper("kari", "nina")
    login("larer1a")  # reads the page in the municipality's language (nb)
    response = client.get(letters_url(thread))
    with app.test_request_context(), force_locale("sv"):
        swedish = gettext("Subject")
    norwegian = t("Subject")
    assert swedish != norwegian
    kari, nina = letter_of(response, "Kari Hansen"), letter_of(response, "Nina Lie")
    assert kari.startswith(' lang="sv" dir="ltr"') and f"{swedish}: Tur fredag" in kari
    assert nina.startswith(' lang="nb" dir="ltr"') and f"{norwegian}: Tur fredag" in nina
    assert '<html lang="nb" dir="ltr">' in response.get_data(as_text=True)


@pytest.mark.parametrize("language", ["ar", "pl", "so", "se", "uk", "en"])
def test_a_letter_in_any_interface_language(client, login, users, app, t, announce,
                                            language):
    """The paper letter comes in the guardian's own language, Arabic right to left;
    the teacher's text keeps its own direction inside it."""
    thread = announce()[0]
    User.update(locale=language).where(User.username == "kari").execute()
    want_paper("kari")
    login("larer1a")
    response = client.get(letters_url(thread))
    with app.test_request_context(), force_locale(language):
        theirs = gettext("Subject")
    assert theirs != t("Subject")
    kari = letter_of(response, "Kari Hansen")
    direction = "rtl" if language == "ar" else "ltr"
    assert kari.startswith(f' lang="{language}" dir="{direction}"')
    assert f"{theirs}: Tur fredag" in kari and '<div class="text" dir="auto">' in kari


def test_one_thread_per_child_prints_only_that_childs_guardians(client, login, announce):
    threads = {t.child.first_name: t for t in announce(per_child=True)}
    want_paper("kari", "nina")
    login("larer1a")
    emma = client.get(letters_url(threads["Emma"]))
    assert letter_count(emma) == 1 and "Kari Hansen" in text_of(emma)
    assert "Nina Lie" not in text_of(emma)
    jonas = client.get(letters_url(threads["Jonas"]))
    assert letter_count(jonas) == 1 and "Nina Lie" in text_of(jonas)


def test_a_guardian_who_lost_access_gets_no_letter(client, login, users, kids, announce):
    thread = announce()[0]
    want_paper("nina")
    # Jonas leaves the school: Nina is still in the thread, but sees no child there.
    Enrolment.update(end_date=today() - datetime.timedelta(days=1)).where(
        Enrolment.child == kids["Jonas"]).execute()
    login("larer1a")
    assert letter_count(client.get(letters_url(thread))) == 0


def test_a_withdrawn_announcement_prints_nothing(client, login, t, announce):
    thread = announce()[0]
    want_paper("kari")
    login("larer1a")
    message = thread.messages.get()
    assert client.post(f"/messages/{thread.id}/withdraw/{message.id}").status_code in (
        200, 303)
    response = client.get(letters_url(thread))
    assert letter_count(response) == 0
    assert t("The announcement was withdrawn, so there is nothing to print.") in text_of(
        response)


def test_the_print_page_costs_the_same_queries_for_1_or_20_letters(client, login, announce):
    group = Group.get(Group.name == "1A")
    for n in range(19):
        child = Child.create(first_name=f"Barn{n}", last_name="Test",
                             birth_date=today() - datetime.timedelta(days=2500),
                             address_protection="fortrolig" if n % 5 == 0 else "ugradert")
        Enrolment.create(child=child, group=group,
                         start_date=today() - datetime.timedelta(days=3))
        parent = User.create(username=f"forelder{n}", first_name=f"Forelder{n}",
                             last_name="Test", address=f"Testveien {n}, 0009 Demo",
                             locale="sv" if n % 2 else None)
        Guardianship.create(guardian=parent, child=child, responsibility="sole")
    thread = announce()[0]
    want_paper("kari")
    login("larer1a")
    url = letters_url(thread)
    one = queries_for(client, url)
    want_paper(*[f"forelder{n}" for n in range(19)])
    response = client.get(url)
    assert letter_count(response) == 20
    many = queries_for(client, url)
    assert one == many <= 6, (one, many)


# The thread page's link -------------------------------------------------------------------

def test_the_thread_shows_the_print_link_to_staff_when_someone_wants_paper(client, login, t,
                                                                          announce):
    thread = announce()[0]
    link = t("Print letters (%(num)d)", num=2)
    login("larer1a")
    assert "/letters" not in client.get(f"/messages/{thread.id}").get_data(as_text=True)
    want_paper("kari", "nina")
    for username in ("larer1a", "rektor"):
        login(username)
        page = client.get(f"/messages/{thread.id}")
        assert link in text_of(page), username
        assert f'href="/messages/{thread.id}/letters"' in page.get_data(as_text=True)
    for username in ("kari", "nina", "ola"):
        login(username)
        page = client.get(f"/messages/{thread.id}")
        assert page.status_code == 200
        assert "/letters" not in page.get_data(as_text=True), username
