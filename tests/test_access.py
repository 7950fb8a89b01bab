"""Rules 1–3 of DESIGN.md: who sees which children, groups and units.

The whole demo cast is checked, role by role, against the same query filters every page
uses; then each way access ends is checked on its own.
"""
import datetime

import pytest

from models import access
from models.db import today
from models.school import overview
from models.school.tables import (CaregiverApproval, CaregiverGrant, Enrolment, Guardianship, User,
                                  eighteenth_birthday_cutoff)

SCHOOL, SFO, KINDERGARTEN = "Solbakken skole", "Solbakken SFO", "Regnbuen barnehage"

# username: (children, groups, units)
MATRIX = {
    "kari": ({"Emma", "Noah"}, {"1A", "SFO 1–2", "Blåklokka"}, {SCHOOL, SFO, KINDERGARTEN}),
    "ola": ({"Emma", "Noah"}, {"1A", "SFO 1–2", "Blåklokka"}, {SCHOOL, SFO, KINDERGARTEN}),
    "per": (set(), set(), set()),
    "nina": ({"Jonas"}, {"1A"}, {SCHOOL}),
    "lise": ({"Sara"}, {"1A"}, {SCHOOL}),
    "amina": ({"Ali"}, {"1B"}, {SCHOOL}),
    "bestemor": ({"Emma"}, {"1A", "SFO 1–2"}, {SCHOOL, SFO}),
    "rektor": ({"Emma", "Jonas", "Sara", "Ali", "Ida"}, {"1A", "1B"}, {SCHOOL}),
    "larer1a": ({"Emma", "Jonas", "Sara"}, {"1A"}, {SCHOOL}),
    "faglarer": ({"Emma", "Jonas", "Sara", "Ali", "Ida"}, {"1A", "1B"}, {SCHOOL}),
    # Siri works at the SFO and is Ida's mother: Ida's class and school as a parent.
    "sfo": ({"Emma", "Ida"}, {"SFO 1–2", "1B"}, {SFO, SCHOOL}),
    "styrer": ({"Noah"}, {"Blåklokka"}, {KINDERGARTEN}),
    "bhg": ({"Noah"}, {"Blåklokka"}, {KINDERGARTEN}),
    "admin": (set(), set(), set()),
}


def names(query, attribute="first_name"):
    return {getattr(row, attribute) for row in query}


@pytest.mark.parametrize("username", sorted(MATRIX))
def test_each_demo_user_reaches_exactly_their_children_groups_and_units(users, username):
    expected_children, expected_groups, expected_units = MATRIX[username]
    user = users[username]
    assert names(access.children(user)) == expected_children
    assert names(access.groups(user), "name") == expected_groups
    assert names(access.units(user), "name") == expected_units


@pytest.mark.parametrize("username", sorted(MATRIX))
def test_a_single_child_is_found_only_through_the_same_rule(users, kids, username):
    visible = MATRIX[username][0]
    for name, child in kids.items():
        found = access.child_or_none(users[username], child.id)
        assert (found is not None) == (name in visible), (username, name)


def test_ids_that_are_not_numbers_find_nothing(users):
    assert access.child_or_none(users["kari"], "1 OR 1=1") is None
    assert access.child_or_none(users["kari"], None) is None
    assert access.group_or_none(users["kari"], "x") is None


def test_parent_without_parental_responsibility_sees_nothing(users, kids):
    per = users["per"]
    assert Guardianship.get(guardian=per, child=kids["Emma"]).responsibility == "none"
    assert list(access.children(per)) == []
    assert access.child_or_none(per, kids["Emma"].id) is None
    assert access.is_information_only(per)
    assert not access.is_information_only(users["kari"])


def make_eighteen_on(child, birthday):
    child.birth_date = birthday.replace(year=birthday.year - 18)
    child.save()


def home_page_children(user, day=None):
    """The children on the guardian's home page (its own prepared query)."""
    return {card.name.split()[0] for card in overview.guardian_overview(user, day)}


def visible(user, day=None):
    """The same answer from the composable rule and from the home page's query."""
    through_rule = names(access.guarded_children(user, day))
    assert through_rule == home_page_children(user, day), "the two queries disagree"
    return through_rule


@pytest.mark.clock("2026-11-18 10:00")  # not within ten days of a 29 February
def test_guardian_access_ends_on_the_18th_birthday(users, kids):
    emma, kari = kids["Emma"], users["kari"]
    birthday = today() + datetime.timedelta(days=10)
    make_eighteen_on(emma, birthday)
    day_before = birthday - datetime.timedelta(days=1)
    assert "Emma" in visible(kari, day_before)
    assert "Emma" not in visible(kari, birthday)
    assert access.child_or_none(kari, emma.id, birthday) is None
    # Staff keep their access: rule 2 is about guardians.
    assert "Emma" in names(access.children(users["larer1a"], birthday))


@pytest.mark.clock("2026-11-18 10:00")  # not within ten days of a 29 February
def test_pupil_consent_extends_guardian_access_after_18(users, kids):
    emma, kari = kids["Emma"], users["kari"]
    birthday = today() + datetime.timedelta(days=10)
    make_eighteen_on(emma, birthday)
    emma.guardian_access_until = birthday + datetime.timedelta(days=30)
    emma.save()
    assert "Emma" in visible(kari, birthday + datetime.timedelta(days=30))
    assert "Emma" not in visible(kari, birthday + datetime.timedelta(days=31))
    # The pupil consented for the guardians, not for a caregiver.
    assert "Emma" not in visible(users["bestemor"], birthday)


def test_eighteenth_birthday_cutoff_handles_29_february():
    assert eighteenth_birthday_cutoff(datetime.date(2026, 3, 1)) == datetime.date(2008, 3, 1)
    assert eighteenth_birthday_cutoff(datetime.date(2028, 2, 29)) == datetime.date(2010, 2, 28)


def test_access_ends_when_the_child_leaves_the_unit(users, kids):
    emma = kids["Emma"]
    yesterday = today() - datetime.timedelta(days=1)
    Enrolment.update(end_date=yesterday).where(Enrolment.child == emma).execute()
    for username in ("kari", "ola", "bestemor", "larer1a", "rektor", "sfo"):
        assert "Emma" not in names(access.children(users[username])), username
    # Noah is still in kindergarten: his guardians keep seeing him.
    assert visible(users["kari"]) == {"Noah"}
    assert visible(users["bestemor"]) == set()


def test_leaving_sfo_ends_sfo_staff_access_but_not_the_schools(users, kids):
    emma = kids["Emma"]
    sfo_enrolment = [e for e in emma.enrolments if e.group.name == "SFO 1–2"][0]
    sfo_enrolment.end_date = today() - datetime.timedelta(days=1)
    sfo_enrolment.save()
    assert "Emma" not in names(access.children(users["sfo"]))
    assert "Emma" in names(access.children(users["larer1a"]))
    assert names(access.groups(users["kari"]), "name") == {"1A", "Blåklokka"}


def test_future_enrolment_gives_no_access_yet(users, kids):
    Enrolment.update(start_date=today() + datetime.timedelta(days=3)).where(
        Enrolment.child == kids["Ali"]).execute()
    assert list(access.children(users["amina"])) == []
    assert "Ali" not in names(access.children(users["rektor"]))


def test_caregiver_grant_needs_every_guardian_with_responsibility(users, kids):
    grant = CaregiverGrant.get(caregiver=users["bestemor"], child=kids["Emma"])
    CaregiverApproval.delete().where((CaregiverApproval.grant == grant)
                                     & (CaregiverApproval.guardian == users["ola"])).execute()
    assert list(access.children(users["bestemor"])) == []
    CaregiverApproval.create(grant=grant, guardian=users["ola"])
    assert names(access.children(users["bestemor"])) == {"Emma"}


def test_the_parent_without_responsibility_is_not_asked_for_caregiver_approval(users, kids):
    # Per has no approval on the grant, and none is needed.
    grant = CaregiverGrant.get(caregiver=users["bestemor"], child=kids["Emma"])
    assert not CaregiverApproval.select().where(
        (CaregiverApproval.grant == grant) & (CaregiverApproval.guardian == users["per"])).exists()
    assert names(access.children(users["bestemor"])) == {"Emma"}


def test_a_new_guardian_with_responsibility_must_approve_too(users, kids):
    stepmother = User.create(username="ny", first_name="Nora", last_name="Ny")
    Guardianship.create(guardian=stepmother, child=kids["Emma"], responsibility="shared")
    assert list(access.children(users["bestemor"])) == []


def test_a_parent_without_responsibility_gets_nothing_through_a_caregiver_grant(users, kids):
    """Barneloven § 47: not even when both parents approve a grant for him."""
    grant = CaregiverGrant.create(caregiver=users["per"], child=kids["Emma"])
    for parent in ("kari", "ola"):
        CaregiverApproval.create(grant=grant, guardian=users[parent])
    assert visible(users["per"]) == set()
    assert access.child_or_none(users["per"], kids["Emma"].id) is None


def test_caregiver_access_shows_on_the_home_page_too(users):
    assert visible(users["bestemor"]) == {"Emma"}


def test_revoked_caregiver_grant_gives_nothing(users, kids):
    grant = CaregiverGrant.get(caregiver=users["bestemor"], child=kids["Emma"])
    grant.revoked_at = datetime.datetime(2026, 1, 1)
    grant.save()
    assert list(access.children(users["bestemor"])) == []


def test_caregiver_grant_for_a_child_without_responsible_guardians_gives_nothing(users, kids):
    Guardianship.delete().where(Guardianship.child == kids["Jonas"]).execute()
    CaregiverGrant.create(caregiver=users["bestemor"], child=kids["Jonas"])
    assert names(access.children(users["bestemor"])) == {"Emma"}


def test_staff_role_reach(users):
    """Unit-wide roles reach every group of their unit; group roles only their groups;
    the administrator reaches no personal data by default."""
    assert names(access.groups(users["rektor"]), "name") == {"1A", "1B"}
    assert names(access.groups(users["larer1a"]), "name") == {"1A"}
    assert access.is_administrator(users["admin"])
    assert not access.is_administrator(users["rektor"])
