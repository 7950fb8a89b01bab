"""Announcement templates (issue 22): a unit's, made by its leader or an administrator
and used by all its staff; a person's own; placeholders filled when one is chosen, in
the reader's language; everything escaped."""
import pytest

from models.messaging.message_templates import MessageTemplate, fill
from models.school.tables import Unit, User

from .cast import ROLES
from .helpers import text_of
from .matrix import Matrix, expect, only

pytestmark = pytest.mark.clock("2026-11-18 10:00", tick=False)  # a Wednesday in Oslo
# Staff of the school (its leader, the contact teacher, the subject teacher) and the
# administrator see the school's templates; SFO and kindergarten staff have their own.
SCHOOL = {"rektor", "larer1a", "faglarer", "admin"}
KEEPERS = SCHOOL | {"sfo", "styrer", "bhg"}
ANNOUNCERS = {"rektor", "larer1a", "sfo", "styrer", "bhg"}


def unit_template(name="Lusebrev", subject="Lus i {group}",
                  body="Hei! Det er lus i {group} {weekday} {date}."):
    school = Unit.get(Unit.name == "Solbakken skole")
    return MessageTemplate.create(unit=school, name=name, subject=subject, body=body,
                                  created_by=User.get(User.username == "rektor"))


def own_template(username, name="Min tur"):
    user = User.get(User.username == username)
    return MessageTemplate.create(owner=user, name=name, subject="Tur", body="Tur {date}",
                                  created_by=user)


ROUTES = Matrix({
    ("GET", "/messages/templates/"): only(KEEPERS),
    ("GET", "/messages/templates/new"): only(KEEPERS),
    ("POST", "/messages/templates/new"): expect(only(KEEPERS, 400), data={"name": ""}),
    ("GET", "/messages/templates/{tpl}"): only({"rektor", "admin"}),
    ("POST", "/messages/templates/{tpl}"): expect(only({"rektor", "admin"}, 400),
                                                  data={"name": ""}),
    ("GET", "/messages/announce?template={tpl}"): only(ANNOUNCERS & SCHOOL),
    ("GET", "/messages/templates/{own}"): only({"larer1a"}),
    ("POST", "/messages/templates/{tpl}/delete"): only({"rektor", "admin"}, 303),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, {**ids, "tpl": unit_template().id,
                                       "own": own_template("larer1a").id})


def test_choosing_a_template_fills_the_form(client, login, ids):
    template = unit_template()
    login("larer1a")
    response = client.get(f"/messages/announce?template={template.id}&to=group:{ids['g1a']}")
    html = response.get_data(as_text=True)
    assert 'value="Lus i 1A"' in html
    assert "Hei! Det er lus i 1A onsdag 18.11.2026." in html


def test_the_date_is_in_the_readers_language(client, login, ids):
    template = unit_template()
    user = User.get(User.username == "larer1a")
    User.update(locale="en").where(User.id == user.id).execute()
    login("larer1a")
    html = client.get(f"/messages/announce?template={template.id}").get_data(as_text=True)
    assert "Wednesday Nov 18, 2026" in html


def test_an_unknown_placeholder_is_left_with_a_warning(client, login, t):
    template = unit_template(body="Hei {navn}, lus i {group}.")
    login("larer1a")
    response = client.get(f"/messages/announce?template={template.id}")
    assert "Hei {navn}, lus i 1A." in response.get_data(as_text=True)
    assert t("The template has placeholders this form does not know, left as written: "
             "%(names)s. Change them before you send.", names="{navn}") in text_of(response)


def test_everything_is_escaped(client, login):
    template = unit_template(name="<b>Navn</b>", subject="<script>x</script>",
                             body="<img src=x onerror=alert(1)>")
    login("larer1a")
    for url in ("/messages/templates/", f"/messages/announce?template={template.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>x" not in html and "<img src=x" not in html
        assert "&lt;script&gt;x" in html


def test_fill_leaves_other_braces_alone():
    text, unknown = fill("{group} {x} {{date}} {date}", {"group": "1A", "date": "18.11.2026"})
    assert text == "1A {x} {18.11.2026} 18.11.2026" and unknown == ["x"]


def test_a_unit_template_is_for_its_staff_a_personal_one_for_its_owner(client, login):
    unit_template()
    own_template("larer1a", "Læreren sin")
    own_template("rektor", "Rektor sin")
    for username, seen, unseen in (("larer1a", ["Lusebrev", "Læreren sin"], ["Rektor sin"]),
                                   ("faglarer", ["Lusebrev"], ["Læreren sin"]),
                                   ("sfo", [], ["Lusebrev", "Læreren sin"])):
        login(username)
        page = text_of(client.get("/messages/templates/"))
        assert all(name in page for name in seen), username
        assert not any(name in page for name in unseen), username


def test_a_teacher_makes_their_own_the_leader_the_units(client, login, t):
    school = Unit.get(Unit.name == "Solbakken skole")
    data = {"name": "Turpåminnelse", "subject": "Tur {weekday}", "body": "Husk klær"}
    login("larer1a")
    assert client.post("/messages/templates/new", data={**data, "unit": school.id}
                       ).status_code == 400  # not a unit they lead
    assert client.post("/messages/templates/new", data=data).status_code == 303
    mine = MessageTemplate.get(MessageTemplate.name == "Turpåminnelse")
    assert mine.owner.username == "larer1a" and mine.unit is None
    login("rektor")
    assert client.post("/messages/templates/new", data={
        **data, "name": "Lus", "unit": school.id}).status_code == 303
    assert MessageTemplate.get(MessageTemplate.name == "Lus").unit_id == school.id
    assert client.get(f"/messages/templates/{mine.id}").status_code == 404
    login("larer1a")
    assert client.post(f"/messages/templates/{mine.id}", data={
        **data, "name": "Tur"}).status_code == 303
    assert MessageTemplate.get_by_id(mine.id).name == "Tur"
    response = client.post("/messages/templates/new", data={"name": "x" * 101,
                                                            "subject": "", "body": "b"})
    assert response.status_code == 400
    assert t("Write a subject.") in text_of(response)


def test_the_announce_page_costs_the_same_with_many_templates(client, login):
    from .helpers import queries_for
    login("larer1a")
    unit_template()
    few = queries_for(client, "/messages/announce")
    for n in range(20):
        unit_template(name=f"Mal {n}")
        own_template("larer1a", f"Egen {n}")
    assert queries_for(client, "/messages/announce") == few
    assert queries_for(client, "/messages/templates/") <= 6
