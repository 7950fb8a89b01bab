"""Caregiver access (seed 000, rule 1): asked for by a guardian with parental
responsibility, approved by every other one, confirmed by a leader of the child's unit,
ended at once by any of them."""
import pytest

from models import access
from models.audit import AuditEvent
from models.people import CaregiverApproval, CaregiverGrant, User

from .helpers import text_of

CAST = ["kari", "ola", "per", "nina", "lise", "amina", "bestemor",
        "rektor", "larer1a", "faglarer", "sfo", "styrer", "bhg", "admin"]
ANNE = {"first_name": "Anne", "last_name": "Nabo", "email": "anne@example.org",
        "phone": "", "relation": "family_friend"}


def grant_of(username):
    return CaregiverGrant.get(CaregiverGrant.caregiver == User.get(User.username == username))


def sees(username, child):
    return child.id in {c.id for c in access.guarded_children(User.get(User.username == username))}


def ask_for_anne(client, child, **changes):
    return client.post(f"/children/{child.id}/caregivers", data={**ANNE, **changes})


@pytest.mark.parametrize("role", [None] + CAST)
def test_route_matrix(client, login, kids, role):
    emma = kids["Emma"].id
    bestemor = grant_of("bestemor").id
    # A request every guardian approved, waiting for the school to confirm.
    pending = CaregiverGrant.create(caregiver=User.get(User.username == "nina"),
                                    child=emma, relation="other")
    for guardian in ("kari", "ola"):
        CaregiverApproval.create(grant=pending, guardian=User.get(User.username == guardian))
    if role:
        login(role)
    parents = {"kari", "ola"}
    expected = {
        ("GET", f"/children/{emma}/caregivers"): 200 if role in parents else 404,
        ("POST", f"/children/{emma}/caregivers"): 400 if role in parents else 404,  # empty
        ("POST", f"/children/{emma}/caregivers/{bestemor}/approve"):
            303 if role in parents else 404,
        ("GET", "/caregivers/"): 200 if role in {"rektor", "styrer"} else 404,
        ("POST", f"/caregivers/{pending.id}/confirm"): 303 if role == "rektor" else 404,
        ("POST", f"/children/{emma}/caregivers/{bestemor}/withdraw"):
            303 if role in parents else 404,
        ("POST", f"/children/{emma}/caregivers/999999/withdraw"): 404,
    }
    for (method, url), status in expected.items():
        response = client.open(url, method=method, data={} if method == "POST" else None)
        want = 302 if role is None else status
        assert response.status_code == want, (role, method, url, response.status_code)


def test_access_needs_every_guardian_and_the_leader(client, login, kids, t):
    emma = kids["Emma"]
    login("kari")
    assert ask_for_anne(client, emma).status_code == 303
    assert not sees("anne@example.org", emma)
    page = text_of(client.get(f"/children/{emma.id}/caregivers"))
    assert t("Waiting for approval from %(names)s", names="Ola Hansen") in page

    login("rektor")
    assert "Anne Nabo" not in text_of(client.get("/caregivers/"))  # not yet for the leader

    login("ola")
    grant = grant_of("anne@example.org")
    assert client.post(f"/children/{emma.id}/caregivers/{grant.id}/approve").status_code == 303
    assert not sees("anne@example.org", emma)  # approved, not yet confirmed

    login("styrer")  # leads the kindergarten, not Emma's school
    assert client.post(f"/caregivers/{grant.id}/confirm").status_code == 404
    login("rektor")
    assert "Anne Nabo" in text_of(client.get("/caregivers/"))
    assert client.post(f"/caregivers/{grant.id}/confirm").status_code == 303
    assert sees("anne@example.org", emma)
    assert not sees("anne@example.org", kids["Noah"])

    actions = [e.action for e in AuditEvent.select().where(
        AuditEvent.object_type == "caregivergrant", AuditEvent.object_id == grant.id)
        .order_by(AuditEvent.id)]
    assert actions == ["caregiver.requested", "caregiver.approved", "caregiver.confirmed"]


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
    grant = grant_of("anne@example.org")
    login("ola")
    assert client.post(f"/children/{emma.id}/caregivers/{grant.id}/decline").status_code == 303
    login("rektor")
    assert client.post(f"/caregivers/{grant.id}/confirm").status_code == 404
    assert not sees("anne@example.org", emma)


def test_a_parent_is_never_made_a_caregiver(client, login, kids, t):
    """Per is Emma's father without parental responsibility (barneloven § 47)."""
    login("kari")
    response = ask_for_anne(client, kids["Emma"], first_name="Per", last_name="Olsen",
                            email="per@example.org")
    assert response.status_code == 400
    assert t("This person is a parent of the child. A parent without parental "
             "responsibility cannot be given access in Kontaktbok; the school or "
             "kindergarten gives information on request.") in text_of(response)
    assert not CaregiverGrant.select().where(
        CaregiverGrant.caregiver == User.get(User.username == "per")).exists()


def test_bad_input_is_explained_and_kept(client, login, kids, t):
    login("kari")
    response = ask_for_anne(client, kids["Emma"], first_name="", email="anne-at-example")
    assert response.status_code == 400
    page = text_of(response)
    assert t("Write the name.") in page
    assert t("Write an e-mail address like name@example.org.") in page
    assert 'value="anne-at-example"' in response.get_data(as_text=True)
    assert 'value="Nabo"' in response.get_data(as_text=True)
    response = ask_for_anne(client, kids["Emma"])
    assert response.status_code == 303
    again = ask_for_anne(client, kids["Emma"])
    assert again.status_code == 400
    assert t("This person already has access, or has been asked for.") in text_of(again)


def test_the_kindergarten_leader_confirms_for_a_kindergarten_child(client, login, kids):
    noah = kids["Noah"]
    login("kari")
    ask_for_anne(client, noah)
    grant = grant_of("anne@example.org")
    login("ola")
    client.post(f"/children/{noah.id}/caregivers/{grant.id}/approve")
    login("rektor")
    assert client.post(f"/caregivers/{grant.id}/confirm").status_code == 404
    login("styrer")
    assert client.post(f"/caregivers/{grant.id}/confirm").status_code == 303
    assert sees("anne@example.org", noah)
