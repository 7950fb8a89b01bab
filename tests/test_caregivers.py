"""Caregiver access (seed 000, rule 1): asked for by a guardian with parental
responsibility, approved by every other one, confirmed by a leader of the child's unit,
ended at once by any of them. The person is named as the requester typed them; the
grant finds its account only when the invited person accepts, logged in."""
import re
import time

import pytest

from models import access
from models.audit import AuditEvent
from models.school.tables import CaregiverApproval, CaregiverGrant, User

from .cast import ROLES
from .helpers import text_of
from .matrix import Matrix, everyone
from .smtp import smtp_server
from .matrix import only

ANNE = {"first_name": "Anne", "last_name": "Nabo", "email": "anne@example.org",
        "phone": "", "relation": "family_friend"}


def grant_of(username):
    return CaregiverGrant.get(CaregiverGrant.caregiver == User.get(User.username == username))


def sees(username, child):
    return child.id in {c.id for c in access.guarded_children(User.get(User.username == username))}


def ask_for_anne(client, child, **changes):
    return client.post(f"/children/{child.id}/caregivers", data={**ANNE, **changes})


PARENTS = {"kari", "ola"}
ROUTES = Matrix({
    ("GET", "/children/{emma}/caregivers"): only(PARENTS),
    ("POST", "/children/{emma}/caregivers"): only(PARENTS, 400),  # empty
    ("POST", "/children/{emma}/caregivers/{bestemor_grant}/approve"): only(PARENTS, 303),
    ("GET", "/caregivers/"): only({"rektor", "styrer"}),
    ("POST", "/caregivers/{pending}/confirm"): only({"rektor"}, 303),
    ("POST", "/children/{emma}/caregivers/{bestemor_grant}/withdraw"): only(PARENTS, 303),
    ("POST", "/children/{emma}/caregivers/999999/withdraw"): everyone(404),
    ("POST", "/children/{emma}/caregivers/{pending}/decline"): only(PARENTS, 303),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, kids, role):
    # A request every guardian approved, waiting for the school to confirm.
    pending = CaregiverGrant.create(caregiver=User.get(User.username == "nina"),
                                    child=kids["Emma"], relation="other")
    for guardian in ("kari", "ola"):
        CaregiverApproval.create(grant=pending, guardian=User.get(User.username == guardian))
    ROUTES.check(client, login, role,
                 {**ids, "bestemor_grant": grant_of("bestemor").id, "pending": pending.id},
                 data={})


# The routes of an invitation (a link anyone may hold: an unknown token is a 404 to
# everyone), and a leader's sending it again.
INVITATIONS = Matrix({
    ("GET", "/caregivers/invitation/no-such-token"): everyone(404, anonymous=404),
    ("POST", "/caregivers/invitation/no-such-token"): everyone(404),
    ("POST", "/caregivers/invitation/no-such-token/code"): everyone(404, anonymous=404),
    ("POST", "/caregivers/999999/invite"): everyone(404),
})


@pytest.mark.parametrize("role", ROLES)
def test_invitation_route_matrix(client, login, ids, role):
    INVITATIONS.check(client, login, role, ids)


@pytest.fixture
def inbox(app):
    with smtp_server(app) as server:
        yield server.messages


def asked(email):
    return CaregiverGrant.get(CaregiverGrant.email == email)


def mail_to(inbox, address, count=1):
    """The newest mail to the address (code mails are sent beside the request: wait)."""
    for _ in range(100):
        found = [m for to, m in inbox if address in to]
        if len(found) >= count:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no mail to {address}")


def body_of(message):
    return message.get_body().get_content()


def invitation_path(inbox, address, count=1):
    return re.search(r"https?://[^/\s]+(/caregivers/invitation/\S+)",
                     body_of(mail_to(inbox, address, count))).group(1)


def approve_and_confirm(client, login, child, grant, leader="rektor", codes=True):
    login("ola")
    assert client.post(f"/children/{child.id}/caregivers/{grant.id}/approve").status_code == 303
    login(leader)
    assert client.post(f"/caregivers/{grant.id}/confirm",
                       data={"code_login": "1"} if codes else {}).status_code == 303


def invite_anne(client, login, child, inbox):
    """Kari asks for Anne, Ola approves, the school confirms: the grant and the path of
    the invitation mailed to Anne."""
    login("kari")
    ask_for_anne(client, child)
    grant = asked("anne@example.org")
    approve_and_confirm(client, login, child, grant)
    return grant, invitation_path(inbox, "anne@example.org")


def log_in_with_invited_code(client, inbox, path, address):
    """Logged out, from the invitation: a code to the invited address, then back."""
    client.post("/logout")
    page = client.get(path)
    assert page.status_code == 200
    answer = client.post(f"{path}/code")
    assert answer.status_code == 303
    code = re.search(r"\b(\d{6})\b", body_of(mail_to(inbox, address, 2))).group(1)
    entered = client.post(answer.headers["Location"], data={"code": code})
    assert entered.status_code == 302 and entered.headers["Location"] == path
    return entered


def test_access_needs_every_guardian_the_leader_and_the_invited_person(client, login, kids,
                                                                       inbox, t):
    emma = kids["Emma"]
    login("kari")
    assert ask_for_anne(client, emma).status_code == 303
    grant = asked("anne@example.org")
    assert grant.caregiver_id is None
    page = text_of(client.get(f"/children/{emma.id}/caregivers"))
    assert "Anne Nabo" in page
    assert t("Waiting for approval from %(names)s", names="Ola Hansen") in page

    login("rektor")
    assert "Anne Nabo" not in text_of(client.get("/caregivers/"))  # not yet for the leader
    login("ola")
    assert client.post(f"/children/{emma.id}/caregivers/{grant.id}/approve").status_code == 303
    login("styrer")  # leads the kindergarten, not Emma's school
    assert client.post(f"/caregivers/{grant.id}/confirm",
                       data={"code_login": "1"}).status_code == 404
    assert not inbox
    login("rektor")
    assert "Anne Nabo" in text_of(client.get("/caregivers/"))
    assert client.post(f"/caregivers/{grant.id}/confirm",
                       data={"code_login": "1"}).status_code == 303
    assert t("Invited: waiting for the person to accept") in text_of(
        client.get("/caregivers/"))

    # The invitation names nobody: e-mail leaves the secure channel.
    invitation = mail_to(inbox, "anne@example.org")
    for name in ("Emma", "Hansen", "Kari", "Anne"):
        assert name not in body_of(invitation)
    path = invitation_path(inbox, "anne@example.org")
    assert not CaregiverGrant.get_by_id(grant.id).caregiver_id  # nobody has it yet

    # Anne has no account: a code to the invited address makes her one, and she accepts.
    log_in_with_invited_code(client, inbox, path, "anne@example.org")
    page = text_of(client.get(path))
    assert "Emma Hansen" in page and "Kari Hansen" in page
    assert client.post(path).status_code == 303
    anne = User.get_by_id(CaregiverGrant.get_by_id(grant.id).caregiver_id)
    assert (anne.name, anne.code_login_email) == ("Anne Nabo", "anne@example.org")
    assert "Emma Hansen" in text_of(client.get("/"))
    assert sees(anne.username, emma) and not sees(anne.username, kids["Noah"])
    assert client.get(path).status_code == 404  # the link works once

    # Next time she logs in with a code to her address, as anyone allowed codes does.
    client.post("/logout")
    client.post("/login/code", data={"email": "anne@example.org"})
    code = re.search(r"\b(\d{6})\b", body_of(mail_to(inbox, "anne@example.org", 3))).group(1)
    assert client.post("/login/code/enter", data={"code": code}).status_code == 302
    assert "Emma Hansen" in text_of(client.get("/"))

    actions = [e.action for e in AuditEvent.select().where(
        AuditEvent.object_type == "caregivergrant", AuditEvent.object_id == grant.id)
        .order_by(AuditEvent.id)]
    assert actions == ["caregiver.requested", "caregiver.approved", "caregiver.confirmed",
                       "caregiver.accepted"]


def test_a_typed_address_never_reveals_whose_account_it_is(client, login, kids, users, inbox,
                                                         t):
    """Finding 5 of issue 15: asking for "Test Person, lise@example.org" showed Lise Berg's
    name. The family and the leader see the typed name, before and after; Lise's account
    gets the access only when she, logged in, accepts."""
    emma = kids["Emma"]
    login("kari")
    assert ask_for_anne(client, emma, first_name="Test", last_name="Person",
                        email="Lise@Example.org", relation="grandparent").status_code == 303
    grant = asked("lise@example.org")
    assert grant.caregiver_id is None
    relation = t("Grandparent")
    page = text_of(client.get(f"/children/{emma.id}/caregivers"))
    assert f"Test Person – {relation}" in page and "Lise" not in page
    approve_and_confirm(client, login, emma, grant)
    assert "Lise" not in text_of(client.get("/caregivers/"))
    assert "Test Person" in text_of(client.get("/caregivers/"))
    assert not sees("lise", emma)

    login("lise")  # her own account, logged in as usual, opens the link
    path = invitation_path(inbox, "lise@example.org")
    assert client.post(path).status_code == 303
    assert sees("lise", emma)
    assert "Emma Hansen" in text_of(client.get("/"))
    for guardian in ("kari", "ola"):
        login(guardian)
        page = text_of(client.get(f"/children/{emma.id}/caregivers"))
        assert f"Test Person – {relation}" in page and "Lise" not in page
        assert t("Has access") in page


def test_only_an_account_of_the_invited_address_accepts(client, login, kids, inbox, t):
    emma = kids["Emma"]
    grant, path = invite_anne(client, login, emma, inbox)
    login("nina")  # the link reached someone else, logged in with another account
    page = client.get(path)
    assert "Emma" not in text_of(page)
    assert t("This invitation was sent to another e-mail address than the one of the "
             "account you are logged in with. Log out, open the link again and log in "
             "with a code sent to the address the invitation came to.") in text_of(page)
    assert client.post(path).status_code == 403
    assert not sees("nina", emma)
    assert client.get("/caregivers/invitation/not-a-real-token").status_code == 404


def test_a_parent_is_never_made_a_caregiver(client, login, kids, inbox, t):
    """Per is Emma's father without parental responsibility (barneloven § 47): asking
    for his address tells Kari nothing, and his acceptance is refused."""
    emma = kids["Emma"]
    login("kari")
    assert ask_for_anne(client, emma, first_name="Per", last_name="Olsen",
                        email="per@example.org").status_code == 303
    grant = asked("per@example.org")
    approve_and_confirm(client, login, emma, grant)
    login("per")
    response = client.post(invitation_path(inbox, "per@example.org"))
    assert response.status_code == 403
    assert t("You are a parent of the child. A parent without parental responsibility "
             "cannot be given access in Kontaktbok; the school or kindergarten gives "
             "information on request.") in text_of(response)
    assert CaregiverGrant.get_by_id(grant.id).caregiver_id is None
    assert not sees("per", emma)


def test_a_new_invitation_replaces_the_old_link(client, login, kids, inbox):
    emma = kids["Emma"]
    grant, first = invite_anne(client, login, emma, inbox)
    assert client.post(f"/caregivers/{grant.id}/invite",
                       data={"code_login": "1"}).status_code == 303
    second = invitation_path(inbox, "anne@example.org", 2)
    assert first != second
    client.post("/logout")
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    login("styrer")
    assert client.post(f"/caregivers/{grant.id}/invite",
                       data={"code_login": "1"}).status_code == 404


def test_an_ended_request_has_no_invitation(client, login, kids, inbox):
    emma = kids["Emma"]
    grant, path = invite_anne(client, login, emma, inbox)
    login("ola")
    assert client.post(f"/children/{emma.id}/caregivers/{grant.id}/withdraw").status_code == 303
    client.post("/logout")
    assert client.get(path).status_code == 404


def test_any_guardian_ends_the_access_at_once_and_the_caregiver_is_told(client, login, kids,
                                                                        t):
    emma = kids["Emma"]
    assert sees("bestemor", emma)
    login("ola")
    grant = grant_of("bestemor")
    assert client.post(f"/children/{emma.id}/caregivers/{grant.id}/withdraw").status_code == 303
    assert not sees("bestemor", emma)
    assert AuditEvent.select().where(AuditEvent.action == "caregiver.withdrawn").exists()
    login("bestemor")
    home = text_of(client.get("/"))
    assert "Emma Hansen" in home and t("Access that has ended") in home
    assert client.get(f"/messages/new?child={emma.id}").status_code == 404


def test_a_declined_request_never_gives_access(client, login, kids):
    emma = kids["Emma"]
    login("kari")
    ask_for_anne(client, emma)
    grant = asked("anne@example.org")
    login("ola")
    assert client.post(f"/children/{emma.id}/caregivers/{grant.id}/decline").status_code == 303
    login("rektor")
    assert client.post(f"/caregivers/{grant.id}/confirm",
                       data={"code_login": "1"}).status_code == 404
    assert grant.invitation_hash is None and CaregiverGrant.get_by_id(grant.id).invited_at is None


def test_bad_input_is_explained_and_kept(client, login, kids, t):
    login("kari")
    response = ask_for_anne(client, kids["Emma"], first_name="", email="anne-at-example")
    assert response.status_code == 400
    page = text_of(response)
    assert t("Write the name.") in page
    assert t("Write an e-mail address like name@example.org.") in page
    assert 'value="anne-at-example"' in response.get_data(as_text=True)
    assert 'value="Nabo"' in response.get_data(as_text=True)
    missing = ask_for_anne(client, kids["Emma"], email="", phone="")
    assert missing.status_code == 400
    assert t("Write the person's e-mail address or mobile number (or both): the invitation "
             "goes there.") in text_of(missing)
    landline = ask_for_anne(client, kids["Emma"], phone="+47 22 00 10 00")
    assert landline.status_code == 400
    assert t("Write a Norwegian or Swedish mobile number, for example +47 900 00 000.") in \
        text_of(landline)
    response = ask_for_anne(client, kids["Emma"])
    assert response.status_code == 303
    again = ask_for_anne(client, kids["Emma"], email="ANNE@example.org")
    assert again.status_code == 400
    assert t("This person already has access, or has been asked for.") in text_of(again)
    own = ask_for_anne(client, kids["Emma"], email="kari@example.org")
    assert t("You already have access yourself.") in text_of(own)


def test_the_kindergarten_leader_confirms_for_a_kindergarten_child(client, login, kids, inbox):
    noah = kids["Noah"]
    login("kari")
    ask_for_anne(client, noah)
    grant = asked("anne@example.org")
    login("ola")
    client.post(f"/children/{noah.id}/caregivers/{grant.id}/approve")
    login("rektor")
    assert client.post(f"/caregivers/{grant.id}/confirm",
                       data={"code_login": "1"}).status_code == 404
    login("styrer")
    assert client.post(f"/caregivers/{grant.id}/confirm",
                       data={"code_login": "1"}).status_code == 303
    assert mail_to(inbox, "anne@example.org")


# Issue 17: a confirmed caregiver can log in ----------------------------------------------

def fodselsnummer(birth="120460", individual=412):
    """A Norwegian national identity number with valid control digits (synthetic)."""
    from models.school.national_ids import _NO_K1, _NO_K2, _mod11
    while True:
        digits = f"{birth}{individual:03d}"
        k1 = _mod11(digits, _NO_K1)
        k2 = _mod11(digits + str(k1 % 10), _NO_K2)
        if k1 < 10 and k2 < 10:
            return f"{digits}{k1}{k2}"
        individual += 1


ANNE_ID = fodselsnummer()


def test_national_identity_numbers_are_checked_by_their_control_digits():
    import datetime
    from models.school.national_ids import checked
    day = datetime.date(2026, 12, 6)
    assert checked(ANNE_ID, day) == ANNE_ID
    assert checked(f"{ANNE_ID[:6]} {ANNE_ID[6:]}", day) == ANNE_ID
    wrong = ANNE_ID[:10] + str((int(ANNE_ID[10]) + 1) % 10)
    assert checked(wrong, day) is None
    assert checked("12048820001", day) is None  # the demo's numbers have no control digits
    # Swedish personnummer (Luhn), with or without the century; kept with it.
    assert checked("811218-9876", day) == "198112189876"
    assert checked("19811218-9876", day) == "198112189876"
    assert checked("811218-9875", day) is None
    assert checked("abc", day) is None and checked("", day) is None


def test_the_request_form_says_what_the_caregiver_will_and_will_not_see(client, login, kids,
                                                                        t):
    login("kari")
    page = text_of(client.get(f"/children/{kids['Emma'].id}/caregivers"))
    for said in ("What the person will see and do", "What the person will not see or do",
                 "Consents (they can neither see nor answer them), leave applications and "
                 "the class list.",
                 "Your conversations with the school or kindergarten that they are not part "
                 "of.", "National identity number (optional)"):
        assert t(said) in page


def test_a_wrong_national_id_is_explained_and_never_shown_again(client, login, kids, t):
    login("kari")
    wrong = ANNE_ID[:10] + str((int(ANNE_ID[10]) + 1) % 10)
    response = ask_for_anne(client, kids["Emma"], national_id=wrong, first_name="")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'href="#national_id"' in html
    assert t("This is not a valid national identity number. Check the digits, or leave the "
             "field empty.") in text_of(response)
    assert wrong not in html
    assert t("For your safety the number is not shown again: write it again.") in html
    # A valid one is stored encrypted, and never shown or logged.
    assert ask_for_anne(client, kids["Emma"], national_id=ANNE_ID).status_code == 303
    grant = asked("anne@example.org")
    raw = CaregiverGrant.select(CaregiverGrant.national_id).where(
        CaregiverGrant.id == grant.id).tuples().get()[0]
    assert ANNE_ID not in str(raw.token) and grant.national_id.reveal() == ANNE_ID
    assert ANNE_ID not in client.get(f"/children/{kids['Emma'].id}/caregivers").get_data(
        as_text=True)
    assert all(ANNE_ID not in str(e.details) for e in AuditEvent.select())


@pytest.fixture
def with_sms(app):
    import dataclasses

    from models.notifications import sms

    from .sms_gateway import PASSWORD, USERNAME, FakeElks
    with FakeElks() as gateway:
        settings = sms.Settings(provider="46elks", username=USERNAME, password=PASSWORD,
                                sender="Demo", url=gateway.url)
        app.config["MUNICIPALITY"] = dataclasses.replace(app.config["MUNICIPALITY"],
                                                         sms=settings)
        app.extensions["sms_gateway"] = sms.from_settings(settings)
        yield gateway
        app.extensions["sms_gateway"] = None


def sms_to(gateway, number, count=1):
    """The newest SMS to the number (codes are sent beside the request: wait)."""
    for _ in range(100):
        found = [m["message"] for m in gateway.sent if m["to"] == number]
        if len(found) >= count:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no SMS to {number}")


def test_an_invitation_by_sms_leads_to_a_code_login_by_sms(client, login, kids, with_sms, t):
    """No e-mail and no national identity number: the leader allows codes (the default
    then), the invitation and the codes go by SMS, and the caregiver sees the child."""
    emma = kids["Emma"]
    login("kari")
    assert ask_for_anne(client, emma, email="", phone="900 00 099").status_code == 303
    grant = CaregiverGrant.get(CaregiverGrant.phone == "+4790000099")
    login("ola")
    assert client.post(f"/children/{emma.id}/caregivers/{grant.id}/approve").status_code == 303
    login("rektor")
    page = client.get("/caregivers/").get_data(as_text=True)
    box = re.search(rf'<input type="checkbox" id="code-login-{grant.id}"[^>]*>', page).group(0)
    assert "checked" in box  # no national identity number: codes are the way
    assert t("A code sent by e-mail or SMS proves only that the person has that e-mail "
             "address or mobile phone, not who they are.") in text_of(client.get("/caregivers/"))
    # Unticked, the person would have no way in: the leader is told, nothing is sent.
    refused = client.post(f"/caregivers/{grant.id}/confirm")
    assert refused.status_code == 400 and 'class="error-summary"' in refused.get_data(
        as_text=True)
    assert CaregiverGrant.get_by_id(grant.id).confirmed_at is None and not with_sms.sent
    confirmed = client.post(f"/caregivers/{grant.id}/confirm", data={"code_login": "1"},
                            follow_redirects=True)
    assert t("Confirmed. The person has been sent an invitation by SMS and has access once "
             "they accept it.") in text_of(confirmed)

    invitation = sms_to(with_sms, "+4790000099")
    for name in ("Emma", "Hansen", "Kari", "Anne", "Solbakken"):
        assert name not in invitation
    path = re.search(r"https?://[^/\s]+(/caregivers/invitation/\S+)", invitation).group(1)

    client.post("/logout")
    assert t("No account? We send a one-time code by SMS to the mobile number this "
             "invitation came to.") in text_of(client.get(path))
    answer = client.post(f"{path}/code")
    assert answer.status_code == 303
    code = re.search(r"\b(\d{6})\b", sms_to(with_sms, "+4790000099", 2)).group(1)
    entered = client.post(answer.headers["Location"], data={"code": code})
    assert entered.status_code == 302 and entered.headers["Location"] == path
    assert "Emma Hansen" in text_of(client.get(path))
    assert client.post(path).status_code == 303
    assert "Emma Hansen" in text_of(client.get("/"))
    anne = User.get_by_id(CaregiverGrant.get_by_id(grant.id).caregiver_id)
    assert anne.code_login_phone == "+4790000099" and not anne.code_login_email
    assert sees(anne.username, emma)

    # Next time: the code login page takes the mobile number and sends the code by SMS.
    client.post("/logout")
    asked_for = client.post("/login/code", data={"email": "+47 900 00 099"})
    assert asked_for.status_code == 303
    code = re.search(r"\b(\d{6})\b", sms_to(with_sms, "+4790000099", 3)).group(1)
    assert client.post("/login/code/enter", data={"code": code}).status_code == 302
    assert "Emma Hansen" in text_of(client.get("/"))


def test_without_codes_allowed_an_invitation_offers_no_code(app, client, login, kids, inbox,
                                                           t):
    """With a national identity number the leader may leave codes off (the default where
    an eID login is set up): the link offers no code, and an account of the invited
    address cannot accept it."""
    import dataclasses

    from tests.oidc_provider import idporten_settings
    emma = kids["Emma"]
    login("kari")
    ask_for_anne(client, emma, email="lise@example.org", national_id=ANNE_ID)
    grant = asked("lise@example.org")
    login("ola")
    client.post(f"/children/{emma.id}/caregivers/{grant.id}/approve")
    login("rektor")
    # Without an eID login set up here, codes are the only way in: the leader is told.
    refused = client.post(f"/caregivers/{grant.id}/confirm")
    assert refused.status_code == 400
    assert t("Login with a national eID is not set up here, so the person can only log in "
             "with a code. Allow it.") in text_of(refused)
    app.config["MUNICIPALITY"] = dataclasses.replace(
        app.config["MUNICIPALITY"],
        eid_login=(idporten_settings("https://idporten.example"),))
    page = client.get("/caregivers/").get_data(as_text=True)
    box = re.search(rf'<input type="checkbox" id="code-login-{grant.id}"[^>]*>', page).group(0)
    assert "checked" not in box
    assert f"{ANNE_ID[:6]} *****" in page and ANNE_ID not in page
    assert client.post(f"/caregivers/{grant.id}/confirm").status_code == 303
    body = body_of(mail_to(inbox, "lise@example.org"))
    assert t("Log in with BankID or another national eID when you open the link.") in body
    assert t("You can also log in with a one-time code that we send to this address.") \
        not in body
    path = invitation_path(inbox, "lise@example.org")
    client.post("/logout")
    page = client.get(path).get_data(as_text=True)
    assert "/login/eid/idporten?next=" in page and f"{path}/code" not in page
    assert client.post(f"{path}/code").status_code == 404
    login("lise")  # her e-mail, but not the national identity number asked for
    assert client.post(path).status_code == 403
    assert not sees("lise", emma)


@pytest.fixture
def eid_provider(tmp_path_factory):
    from tests.oidc_provider import kontaktbok_client, start_provider
    running = start_provider(tmp_path_factory.mktemp("oidc"),
                             [kontaktbok_client("http://localhost")])
    yield running
    running.stop()


@pytest.fixture
def eid(app, eid_provider):
    import dataclasses

    from models.login import oidc
    from tests.oidc_provider import idporten_settings
    app.config["MUNICIPALITY"] = dataclasses.replace(
        app.config["MUNICIPALITY"], eid_login=(idporten_settings(eid_provider.issuer),))
    oidc.forget_cached()
    eid_provider.forget_browser()
    return eid_provider


def eid_login_from(client, provider, path, pid):
    """From the invitation page: the eID button, the provider, back to the app."""
    page = client.get(path).get_data(as_text=True)
    start = re.search(r'href="(/login/eid/idporten\?[^"]+)"', page).group(1)
    started = client.get(start.replace("&amp;", "&"))
    assert started.status_code == 303
    back = provider.login(started.headers["Location"], pid)
    return client.get(back[len("http://localhost"):])


def test_a_caregiver_with_a_national_id_logs_in_with_the_eid_and_sees_the_child(
        client, login, kids, inbox, eid, t):
    emma = kids["Emma"]
    login("kari")
    assert ask_for_anne(client, emma, national_id=f"{ANNE_ID[:6]} {ANNE_ID[6:]}"
                        ).status_code == 303
    grant = asked("anne@example.org")
    approve_and_confirm(client, login, emma, grant, codes=False)
    body = body_of(mail_to(inbox, "anne@example.org"))
    assert t("Log in with BankID or another national eID when you open the link.") in body
    for name in ("Emma", "Hansen", "Kari", "Anne", ANNE_ID[:6]):
        assert name not in body
    path = invitation_path(inbox, "anne@example.org")

    # Someone else's eID (a number nobody has here) from the link: refused, nothing made.
    client.post("/logout")
    other = eid_login_from(client, eid, path, fodselsnummer("010190"))
    assert other.status_code == 403
    assert t("This invitation is for someone else") in text_of(other)
    assert client.get("/").status_code == 302  # not logged in
    # Kari's eID (she has an account) from Anne's link: logged in, but not hers to accept.
    eid.forget_browser()
    assert eid_login_from(client, eid, path, demo_id("kari")).status_code == 302
    assert client.post(path).status_code == 403
    assert CaregiverGrant.get_by_id(grant.id).caregiver_id is None
    users_before = User.select().count()

    # Anne's eID: an account in the typed name, back to the invitation, accepted.
    client.post("/logout")
    eid.forget_browser()
    back = eid_login_from(client, eid, path, ANNE_ID)
    assert back.status_code == 302 and back.headers["Location"] == path
    assert User.select().count() == users_before + 1
    page = text_of(client.get(path))
    assert "Emma Hansen" in page and "Kari Hansen" in page
    assert client.post(path).status_code == 303
    assert "Emma Hansen" in text_of(client.get("/"))
    anne = User.get_by_id(CaregiverGrant.get_by_id(grant.id).caregiver_id)
    assert anne.name == "Anne Nabo" and anne.national_id.reveal() == ANNE_ID
    assert not anne.code_login_email and sees(anne.username, emma)

    # Next time the eID finds her account directly.
    client.post("/logout")
    eid.forget_browser()
    started = client.get("/login/eid/idporten")
    again = client.get(eid.login(started.headers["Location"], ANNE_ID)[len("http://localhost"):])
    assert again.status_code == 302
    assert "Emma Hansen" in text_of(client.get("/"))


def demo_id(username):
    from models import demo
    return demo.adult_national_id(username)
