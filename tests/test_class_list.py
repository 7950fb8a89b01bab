"""The class list (rule 7, seeds 004 and 003): nothing shown until ticked, field by field;
visible only to the group's guardians, its contact teacher and the unit leader;
protected addresses never shared, protected children never listed."""
import dataclasses
import datetime

import pytest

from models.audit import AuditEvent
from models.db import today
from models.school.class_list import choices
from models.school.tables import Child, ClassListShare, Enrolment, Group, Guardianship, User

from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import HTMX_MODE, Matrix, everyone, only

SEES_1A = {"kari", "ola", "nina", "lise", "larer1a", "rektor"}
SEES_1B = {"amina", "sfo", "rektor"}  # sfo: Siri, Ida's mother
STAFF_1A = {"larer1a", "rektor"}


def group(name):
    return Group.get(Group.name == name)


def user(username):
    return User.get(User.username == username)


ROUTES = Matrix({
    ("GET", "/groups/{g1a}/class-list"): only(SEES_1A),
    ("GET", "/groups/{g1b}/class-list"): only(SEES_1B),
    ("GET", "/groups/{g1a}/class-list", HTMX_MODE): only(SEES_1A),
    ("GET", "/groups/{g1a}/class-list.vcf"): only(SEES_1A),
    ("GET", "/groups/{g1a}/class-list/{nina}.vcf"): only(SEES_1A),
    ("GET", "/groups/{g1a}/class-list/print"): only(STAFF_1A),
    ("GET", "/children/{emma}/class-list"): only({"kari", "ola"}),
    ("POST", "/children/{emma}/class-list/{g1a}"): only({"kari", "ola"}, 303),
    ("POST", "/children/{emma}/class-list/{g1a}", HTMX_MODE): only({"kari", "ola"}),
    ("POST", "/children/{emma}/class-list/{g1b}"): everyone(404),  # not Emma's group
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids, data={})


def test_the_demo_list_shows_exactly_what_was_ticked(client, login):
    login("nina")
    response = client.get(f"/groups/{group('1A').id}/class-list")
    page = text_of(response).replace("@ ", "@")  # e-mail addresses may break after the @
    # Emma: kari shares her name; ola shares only his phone.
    assert "Emma Hansen" in page and "Kari Hansen" in page and "+47 900 00 002" in page
    assert "Ola Hansen" not in page and "kari@example.org" not in page
    assert "+47 900 00 001" not in page and "Bjørkeveien" not in page
    # Jonas: nina shares her name, e-mail and phone, not her address.
    assert "Jonas Lie" in page and "nina@example.org" in page and "+47 900 00 004" in page
    assert "Granstien" not in page
    # Sara is never listed (protected address); lise ticked nothing.
    assert "Sara" not in page and "Lise" not in page
    # 1B's children are on 1B's list only.
    assert "Ali" not in page and "Amina" not in page
    assert page.index("Emma Hansen") < page.index("Jonas Lie")  # sorted by name


def test_a_protected_child_is_never_listed_whatever_is_ticked(client, login, kids, t):
    sara = kids["Sara"]
    login("lise")
    page = text_of(client.get(f"/children/{sara.id}/class-list"))
    assert t("%(name)s is never shown on this list, whatever is ticked: a protected "
             "address means the name is confidential too. Nothing about you is shown "
             "here either.", name="Sara") in page
    client.post(f"/children/{sara.id}/class-list/{group('1A').id}",
                data=dict.fromkeys(("child_name", "my_name", "email", "phone"), "1"))
    assert not any(choices(user("lise").id, sara.id, group("1A").id).values())
    # Even a row written around the application does not list her.
    ClassListShare.update(child_name=True, my_name=True).where(
        ClassListShare.child == sara).execute()
    ClassListShare.insert(guardian=user("lise"), child=sara, group=group("1A"),
                          child_name=True, my_name=True).on_conflict_ignore().execute()
    login("kari")
    page = text_of(client.get(f"/groups/{group('1A').id}/class-list"))
    assert "Sara" not in page and "Lise" not in page


def test_a_child_whose_address_becomes_protected_leaves_the_list_at_once(client, login,
                                                                         kids):
    jonas = kids["Jonas"]
    jonas.address_protection = "fortrolig"
    jonas.save()
    login("kari")
    page = client.get(f"/groups/{group('1A').id}/class-list").get_data(as_text=True)
    assert "Jonas" not in page and "Nina" not in page and "fortrolig" not in page


def test_a_guardian_with_a_protected_address_cannot_share_it(client, login, kids, t):
    nina = user("nina")
    nina.address_protection = "strengtFortrolig"
    nina.save()
    login("nina")
    html = client.get(f"/children/{kids['Jonas'].id}/class-list").get_data(as_text=True)
    assert 'name="address" value="1" disabled' in html
    assert t("Your address is protected, so it can never be shared.") in html
    client.post(f"/children/{kids['Jonas'].id}/class-list/{group('1A').id}",
                data={"child_name": "1", "address": "1"})
    assert choices(nina.id, kids["Jonas"].id, group("1A").id)["address"] is False


def test_unticking_removes_the_field_from_the_list_and_the_vcard(client, login, kids, t):
    jonas, g1a = kids["Jonas"], group("1A").id
    login("nina")
    response = client.post(f"/children/{jonas.id}/class-list/{g1a}",
                           data={"child_name": "1", "my_name": "1", "phone": "1"})
    assert response.status_code == 303
    login("kari")
    assert "nina@" not in text_of(client.get(f"/groups/{g1a}/class-list"))
    cards = client.get(f"/groups/{g1a}/class-list.vcf").get_data(as_text=True)
    assert "nina@example.org" not in cards and "TEL;TYPE=CELL:+47 900 00 004" in cards
    event = AuditEvent.select().where(AuditEvent.action == "class_list.changed").get()
    assert event.actor_id == user("nina").id
    assert event.details["stopped"] == ["email"]
    assert event.details["shared"] == ["child_name", "my_name", "phone"]


def test_the_htmx_tick_saves_and_confirms_in_place(client, login, kids, t):
    emma, g1a = kids["Emma"], group("1A").id
    login("kari")
    response = client.post(f"/children/{emma.id}/class-list/{g1a}",
                           data={"child_name": "1", "my_name": "1", "email": "1"},
                           headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith(f'<form id="group-{g1a}"')
    assert t("Saved. Shown now: %(fields)s.", fields=", ".join(
        str(t(label)).lower() for label in ("My child's name", "My name",
                                            "My e-mail address"))) in text_of(response)
    assert choices(user("kari").id, emma.id, g1a)["email"] is True


def test_nothing_is_ticked_until_the_guardian_ticks(client, login, kids):
    login("amina")  # Ali's sharing in 1B is ticked; nothing else is
    html = client.get(f"/children/{kids['Ali'].id}/class-list").get_data(as_text=True)
    assert html.count("checked") == 5
    login("lise")
    ClassListShare.delete().execute()
    login("kari")
    html = client.get(f"/children/{kids['Emma'].id}/class-list").get_data(as_text=True)
    assert "checked" not in html


def test_a_guardian_cannot_change_another_guardians_choices(client, login, kids):
    login("kari")
    before = choices(user("nina").id, kids["Jonas"].id, group("1A").id)
    response = client.post(f"/children/{kids['Jonas'].id}/class-list/{group('1A').id}",
                           data={})
    assert response.status_code == 404
    assert choices(user("nina").id, kids["Jonas"].id, group("1A").id) == before


def test_leaving_the_group_or_losing_access_removes_the_entries_at_once(client, login,
                                                                         kids):
    g1a = group("1A").id
    Guardianship.update(responsibility="none").where(
        Guardianship.guardian == user("nina")).execute()
    login("kari")
    page = text_of(client.get(f"/groups/{g1a}/class-list"))
    assert "Jonas" not in page and "Nina" not in page
    Enrolment.update(end_date=today() - datetime.timedelta(days=1)).where(
        Enrolment.child == kids["Emma"], Enrolment.group == g1a).execute()
    login("larer1a")
    page = text_of(client.get(f"/groups/{g1a}/class-list"))
    assert "Emma" not in page and "Kari" not in page


def test_vcards_hold_only_the_shared_fields(client, login):
    g1a = group("1A").id
    login("kari")
    one = client.get(f"/groups/{g1a}/class-list/{user('nina').id}.vcf")
    assert one.mimetype == "text/vcard"
    assert "attachment" in one.headers["Content-Disposition"]
    card = one.get_data(as_text=True)
    assert card.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Nina Lie\r\n")
    assert "EMAIL;TYPE=INTERNET:nina@example.org" in card and "ADR" not in card
    assert "NOTE:Jonas Lie\\, 1A" in card
    ola = client.get(f"/groups/{g1a}/class-list/{user('ola').id}.vcf").get_data(as_text=True)
    assert "Ola" not in ola and "TEL;TYPE=CELL:+47 900 00 002" in ola
    assert client.get(f"/groups/{g1a}/class-list/{user('lise').id}.vcf").status_code == 404
    every = client.get(f"/groups/{g1a}/class-list.vcf").get_data(as_text=True)
    assert every.count("BEGIN:VCARD") == 3  # kari, ola, nina


def test_the_teacher_sees_counts_never_names_of_who_has_not_shared(client, login, t):
    login("larer1a")
    page = text_of(client.get(f"/groups/{group('1A').id}/class-list"))
    assert t("What the families of %(num)d child share", "What the families of %(num)d "
             "children share", 3) in page
    for label, count in (("The child's name", 2), ("A guardian's name", 2),
                         ("E-mail address", 1), ("Phone number", 2), ("Address", 0)):
        assert f"{t(label)} {count}" in page, label
    login("kari")  # guardians see the list, not the numbers
    page = text_of(client.get(f"/groups/{group('1A').id}/class-list"))
    assert t("What the families of %(num)d child share", "What the families of %(num)d "
             "children share", 3) not in page


def test_swedish_installations_call_it_a_contact_list(app, client, login, kids, t):
    app.config["MUNICIPALITY"] = dataclasses.replace(app.config["MUNICIPALITY"], country="SE")
    login("kari")
    page = text_of(client.get(f"/children/{kids['Emma'].id}/class-list"))
    assert t("The contact list is only for the families of the group and may not be "
             "copied or shared further, for example on social media.") in page
    assert "offentleglova" not in page
    assert t("Contact list – %(group)s", group="1A") in text_of(
        client.get(f"/groups/{group('1A').id}/class-list"))
    assert t("Contact list: what you share about %(name)s", name="Emma") in page
    assert t("What you share on the contact list") in text_of(client.get("/"))


@pytest.mark.parametrize("language", ["nb", "nn", "sv"])
def test_a_norwegian_installation_says_class_list_on_every_page(client, login, kids,
                                                                   language):
    """One name per country, whatever the language: in Norway the home page, the list
    and the sharing page all say class list (Swedish: klasslista)."""
    login("kari")
    assert client.post("/language", data={"locale": language}).status_code == 303
    word = {"nb": "Klasseliste", "nn": "Klasseliste", "sv": "Klasslista"}[language]
    home = text_of(client.get("/"))
    sharing = text_of(client.get(f"/children/{kids['Emma'].id}/class-list"))
    listed = text_of(client.get(f"/groups/{group('1A').id}/class-list"))
    for page in (home, sharing, listed):
        assert word in page or word.lower() in page
    assert "Kontaktlist" not in home + sharing + listed


def test_the_class_list_of_30_children_costs_the_same_queries(client, login):
    g1a = group("1A")
    login("larer1a")
    url = f"/groups/{g1a.id}/class-list"
    small = queries_for(client, url)
    start = today() - datetime.timedelta(days=30)
    for n in range(27):
        child = Child.create(first_name=f"Barn{n:02d}", last_name="Test",
                             birth_date=today() - datetime.timedelta(days=2500))
        Enrolment.create(child=child, group=g1a, start_date=start)
        parent = User.create(username=f"p{n}", first_name="Forelder", last_name=str(n),
                             email=f"p{n}@example.org")
        Guardianship.create(guardian=parent, child=child, responsibility="sole")
        ClassListShare.create(guardian=parent, child=child, group=g1a, child_name=True,
                              my_name=True, email=True)
    assert queries_for(client, url) == small <= 6
    assert client.get(url).get_data(as_text=True).count("mailto:") >= 28
