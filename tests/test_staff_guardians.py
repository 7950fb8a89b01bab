"""Staff who are also parents (issue 22): Siri Fritid works at Solbakken SFO and is the
mother, with sole parental responsibility, of Ida Fritid (1B and SFO 1–2). She writes
about Ida as staff or as Ida's mother, choosing each time; as a mother her message is a
guardian's in every way; her family's threads are under "My children", apart from her
work, each place with its unread count. Guardians and staff who are not both see none
of it."""
import datetime
import io
import re

import pytest

from models.db import today
from models.messaging import inbox
from models.messaging.tables import GUARDIAN, STAFF, Message, Thread, ThreadParticipant
from models.notifications.tables import GUARDIAN_MESSAGE, Notification
from models.school.tables import Child, Enrolment, Group, Guardianship, Unit, User

from .helpers import HTMX, queries_for, text_of
from .matrix import Matrix, everyone, expect, only
from .test_attachments import photo

pytestmark = pytest.mark.clock("2026-11-18 10:00")

SEES_IDA_AS_STAFF = {"rektor", "faglarer"}  # besides Siri: 1B's and the school's
ROUTES = Matrix({
    # The place is a parameter of the inbox: everyone gets their inbox (only Siri has
    # two places; for anyone else it changes nothing).
    ("GET", "/messages/?place=mine"): everyone(200),
    ("GET", "/messages/?place=mine&archived=1"): everyone(200),
    # Writing as Ida's family: Siri alone; staff who reach Ida have no such role (400);
    # anyone else does not see Ida (404).
    ("GET", "/messages/new?child={ida}&role=guardian"):
        only({"sfo"}) | dict.fromkeys(SEES_IDA_AS_STAFF, 400),
    ("POST", "/messages/new?child={ida}"): expect(
        only({"sfo"} | SEES_IDA_AS_STAFF, 400) | {"sfo": 303},
        data={"role": "guardian", "shown_role": "guardian", "subject": "Matrise",
              "body": "Hei.", "token": "{sfo}"}),  # to the first of her recipients
})


@pytest.mark.parametrize("role", ["sfo", "kari", "amina", "rektor", "faglarer", "larer1a",
                                  "admin", None])
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids)


def form_url(child, **args):
    return "/messages/new?" + "&".join([f"child={child.id}"]
                                       + [f"{k}={v}" for k, v in args.items()])


def write(client, child, **data):
    data = {"token": f"t{len(data)}-{data.get('subject', '')}", **data}
    return client.post(form_url(child), data=data)


def checked_roles(html):
    return re.findall(r'name="role" value="(\w+)" checked', html)


def place_counts(html):
    """The unread count on each place tab, as shown ("" for none)."""
    nav = re.search(r'<nav class="pages tabs places".*?</nav>', html, re.S)
    return nav and re.findall(r'(?:<strong aria-current="page">|<a [^>]*>)'
                              r'[^<]*(?:<span class="badge">(\d+))?', nav.group(0))


def inbox_text(client, query=""):
    return text_of(client.get(f"/messages/{query}"))


def faglarer_option(users):
    return f"staff:{users['faglarer'].id}"


def as_mother(client, kids, users, subject="Ida er syk", body="Ida er hjemme i dag.",
              token="m1"):
    """Siri's two rounds without JavaScript: choosing the role shows its recipients,
    then the message goes."""
    ida = kids["Ida"]
    shown = write(client, ida, role="guardian", shown_role="", subject=subject, body=body)
    assert shown.status_code == 200 and not Thread.select().where(
        Thread.subject == subject).exists()
    sent = write(client, ida, role="guardian", shown_role="guardian",
                 to=faglarer_option(users), subject=subject, body=body, token=token)
    assert sent.status_code == 303, sent.get_data(as_text=True)[:2000]
    return Thread.get(Thread.subject == subject)


def test_the_demo_makes_siri_idas_mother(users, kids):
    ida = kids["Ida"]
    assert ida.last_name == "Fritid" and ida.address
    groups = {e.group.name for e in Enrolment.select().where(Enrolment.child == ida)}
    assert groups == {"1B", "SFO 1–2"}
    ship = Guardianship.get(Guardianship.child == ida)
    assert ship.guardian_id == users["sfo"].id and ship.responsibility == "sole"


def test_the_chooser_lists_each_child_once_and_marks_her_own(client, login, kids, t):
    login("sfo")
    page = client.get("/messages/new").get_data(as_text=True)
    assert page.count(form_url(kids["Ida"])) == 1 and page.count(form_url(kids["Emma"])) == 1
    ida_line = re.search(r'<li><a href="%s">.*?</li>' % re.escape(form_url(kids["Ida"])),
                         page).group(0)
    emma_line = re.search(r'<li><a href="%s">.*?</li>' % re.escape(form_url(kids["Emma"])),
                          page).group(0)
    assert t("your child") in ida_line and t("your child") not in emma_line


def test_siri_is_asked_each_time_with_nothing_chosen(client, login, kids, t):
    login("sfo")
    response = client.get(form_url(kids["Ida"]))
    html, text = response.get_data(as_text=True), text_of(response)
    assert t("Write as") in text
    assert 'value="staff"' in html and 'value="guardian"' in html
    assert checked_roles(html) == []
    assert t("Staff at %(unit)s", unit="Solbakken SFO") in text
    assert t("%(child)s's parent or guardian", child="Ida") in text
    assert 'name="to"' not in html and 'name="guardian"' not in html  # not yet


def test_siri_writes_as_idas_mother_and_the_teacher_answers(client, login, users, kids, t):
    login("sfo")
    # With htmx, choosing the role brings its recipients (the form swaps them in).
    chosen = client.get(form_url(kids["Ida"], role="guardian"), headers=HTMX)
    html = chosen.get_data(as_text=True)
    assert checked_roles(html) == ["guardian"]
    assert f'value="{faglarer_option(users)}"' in html
    assert f'value="staff:{users["sfo"].id}"' not in html  # never to herself
    thread = as_mother(client, kids, users)
    people = {p.user.username: p.role for p in thread.participants}
    assert people == {"sfo": GUARDIAN, "faglarer": STAFF}
    assert thread.child_id == kids["Ida"].id and thread.last_from_guardian
    assert thread.unit.name == "Solbakken skole"
    told = Notification.select().where(Notification.thread == thread.id)
    assert {(n.user_id, n.event) for n in told} == {(users["faglarer"].id, GUARDIAN_MESSAGE)}

    # Her own child's thread: under "My children", not among her work.
    assert "Ida er syk" in inbox_text(client, "?place=mine")
    for folder in ("", "?folder=answer", "?folder=done", "?folder=follow-up",
                   "?folder=archived"):
        assert "Ida er syk" not in inbox_text(client, folder), folder
    page = text_of(client.get(f"/messages/{thread.id}"))
    assert t("Done") not in page  # no work folders on her family's thread

    # The teacher sees a guardian's message: Siri among Ida's family, waiting for an answer.
    login("faglarer")
    teacher_inbox = client.get("/messages/").get_data(as_text=True)
    assert "Ida er syk" in teacher_inbox
    line = re.search(r'<li class="thread[^"]*">(?:(?!</li>).)*Ida er syk.*?</li>',
                     teacher_inbox, re.S).group(0)
    assert t("Needs an answer") in line
    page = client.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert re.search(r"Ida Fritid\s*<ul>\s*<li>Siri Fritid \(%s\)" % re.escape(
        t("guardian")), page)
    assert client.post(f"/messages/{thread.id}", data={"body": "God bedring!",
                                                       "token": "f1"}).status_code == 303

    login("sfo")
    assert "God bedring!" in text_of(client.get(f"/messages/{thread.id}"))
    mine = client.get("/messages/?place=mine").get_data(as_text=True)
    assert "Ida er syk" in mine and "Ida er syk" not in inbox_text(client)


def test_each_place_has_its_unread_count(client, login, users, kids, t):
    login("sfo")
    thread = as_mother(client, kids, users)
    login("faglarer")
    client.post(f"/messages/{thread.id}", data={"body": "Takk for beskjed.", "token": "f2"})
    login("ola")
    pickup = Thread.get(Thread.subject == "Henting fredag")
    client.post(f"/messages/{pickup.id}", data={"body": "Og mandag.", "token": "o2"})
    login("sfo")
    # Work: Ola's new message about Emma; my children: Frida's answer about Ida.
    html = client.get("/messages/").get_data(as_text=True)
    assert place_counts(html) == ["1", "1"]
    assert t("Work") in text_of(client.get("/messages/"))
    client.get(f"/messages/{thread.id}")
    assert place_counts(client.get("/messages/?place=mine").get_data(as_text=True)) == [
        "1", ""]
    assert inbox.unread_by_place(users["sfo"]) == {"work": 1, "mine": 0}


def test_announcements_she_gets_as_a_mother_are_hers_and_her_own_are_work(client, login,
                                                                          users, kids):
    school, sfo = (Unit.get(Unit.name == name) for name in ("Solbakken skole",
                                                             "Solbakken SFO"))
    g1b, gsfo = Group.get(Group.name == "1B"), Group.get(Group.name == "SFO 1–2")
    inbox.announce(users["rektor"], school, g1b, "Skoletur 1B", "Vi drar på tur.", "a1",
                   True, False)
    inbox.announce(users["sfo"], sfo, gsfo, "Ny åpningstid", "SFO åpner 07:15.", "a2",
                   True, False)
    login("sfo")
    mine, work = inbox_text(client, "?place=mine"), inbox_text(client)
    assert "Skoletur 1B" in mine and "Skoletur 1B" not in work
    assert "Ny åpningstid" in work and "Ny åpningstid" not in mine


def test_archiving_her_family_thread_keeps_it_apart(client, login, users, kids):
    login("sfo")
    thread = as_mother(client, kids, users)
    archived = client.post(f"/messages/{thread.id}/archive")
    assert archived.status_code == 303 and archived.headers["Location"].endswith(
        "/messages/?place=mine")
    assert "Ida er syk" in inbox_text(client, "?place=mine&archived=1")
    assert "Ida er syk" not in inbox_text(client, "?place=mine")
    assert "Ida er syk" not in inbox_text(client, "?folder=archived")


def test_siri_writes_about_emma_as_staff(client, login, users, kids, t):
    """Emma is not Siri's child: there is no choice, the guardians are listed as for
    any member of staff, and the thread is her work."""
    login("sfo")
    emma = kids["Emma"]
    html = client.get(form_url(emma)).get_data(as_text=True)
    assert t("Write as") not in html and 'name="role"' not in html
    for name in ("Kari Hansen", "Ola Hansen", "Randi Hansen"):
        assert name in html
    sent = write(client, emma, role="staff", subject="Regntøy", body="Emma trenger regntøy.",
                 guardian=[str(users["kari"].id), str(users["ola"].id)])
    assert sent.status_code == 303
    thread = Thread.get(Thread.subject == "Regntøy")
    people = {p.user.username: p.role for p in thread.participants}
    assert people == {"sfo": STAFF, "kari": GUARDIAN, "ola": GUARDIAN}
    assert not thread.last_from_guardian and thread.unit.name == "Solbakken SFO"
    assert "Regntøy" in inbox_text(client) and "Regntøy" not in inbox_text(client,
                                                                           "?place=mine")
    # Writing about Emma as her family is not hers to choose.
    assert write(client, emma, role="guardian", subject="X", body="Y").status_code == 400


def test_as_staff_about_ida_there_is_nobody_but_herself(client, login, kids, t):
    login("sfo")
    ida = kids["Ida"]
    shown = write(client, ida, role="staff", shown_role="", subject="Tur", body="Hei.")
    nobody = t("As staff you have nobody to write to about %(child)s: nobody else sees "
               "the child as a guardian. Write as the child's parent or guardian.",
               child="Ida")
    assert shown.status_code == 200 and nobody in text_of(shown)
    assert 'name="guardian"' not in shown.get_data(as_text=True)  # not even herself
    sent = write(client, ida, role="staff", shown_role="staff", subject="Tur", body="Hei.")
    assert sent.status_code == 400 and nobody in text_of(sent)
    assert not Thread.select().where(Thread.subject == "Tur").exists()


def test_sending_without_choosing_says_so_and_keeps_text_and_files(client, login, kids, t):
    login("sfo")
    ida = kids["Ida"]
    response = client.post(form_url(ida), content_type="multipart/form-data", data={
        "subject": "Glemt niste", "body": "Ida har glemt matpakken.", "token": "n1",
        "shown_role": "", "files": [(io.BytesIO(photo()), "matpakke.jpg")]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    choose = t("Choose whether you write as staff or as the child's parent or guardian.")
    assert choose in text_of_html(summary) and 'href="#role-staff"' in summary
    assert 'value="Glemt niste"' in html and "Ida har glemt matpakken." in html
    assert re.search(r'name="kept" value="[^"]+" checked', html) and "matpakke.jpg" in html
    assert not Thread.select().where(Thread.subject == "Glemt niste").exists()
    # Choosing with the button, without JavaScript: the role's recipients, still nothing sent.
    kept = re.findall(r'name="kept" value="([^"]+)" checked', html)
    shown = client.post(form_url(ida), data={
        "subject": "Glemt niste", "body": "Ida har glemt matpakken.", "token": "n1",
        "role": "guardian", "shown_role": "", "choose": "1", "kept": kept})
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'name="to"' in page and "matpakke.jpg" in page
    assert t("Check who the message goes to, then send it.") in text_of(shown)
    sent = client.post(form_url(ida), data={
        "subject": "Glemt niste", "body": "Ida har glemt matpakken.", "token": "n1",
        "role": "guardian", "shown_role": "guardian", "to": "unit:%d" % Unit.get(
            Unit.name == "Solbakken SFO").id,
        "kept": re.findall(r'name="kept" value="([^"]+)" checked', page)})
    assert sent.status_code == 303
    thread = Thread.get(Thread.subject == "Glemt niste")
    assert Message.get(Message.thread == thread).attachments.count() == 1
    # To her own unit as a mother: her colleagues read it, and it is still her family's.
    assert {p.user_id: p.role for p in thread.participants} == {
        User.get(User.username == "sfo").id: GUARDIAN}
    assert "Glemt niste" in inbox_text(client, "?place=mine")
    assert "Glemt niste" not in inbox_text(client)


def text_of_html(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("username, child", [("kari", "Emma"), ("larer1a", "Emma"),
                                             ("amina", "Ali")])
def test_plain_guardians_and_plain_staff_see_no_change(client, login, kids, t, username,
                                                       child):
    login(username)
    html = client.get(form_url(kids[child])).get_data(as_text=True)
    assert t("Write as") not in html and 'name="role"' not in html
    assert t("your child") not in client.get("/messages/new").get_data(as_text=True)
    for url in ("/messages/", "/messages/?place=mine"):
        page = client.get(url).get_data(as_text=True)
        assert 'class="pages tabs places"' not in page and t("My children") not in page
    assert text_of(client.get("/messages/?place=mine")) == text_of(client.get("/messages/"))


def _more_threads(users, kids, n):
    """n more threads for each of Siri's places: her work (Emma at the SFO) and her
    family (Ida at school), each unread."""
    sfo, siri, frida = Unit.get(Unit.name == "Solbakken SFO"), users["sfo"], users["faglarer"]
    school = Unit.get(Unit.name == "Solbakken skole")
    for k in range(n):
        work = Thread.create(unit=sfo, child=kids["Emma"], subject=f"Jobb {k}",
                             created_by=users["ola"])
        ThreadParticipant.create(thread=work, user=users["ola"], role=GUARDIAN)
        ThreadParticipant.create(thread=work, user=siri, role=STAFF)
        Message.create(thread=work, sender=users["ola"], body=f"j{k}")
        family = Thread.create(unit=school, child=kids["Ida"], subject=f"Hjemme {k}",
                               created_by=frida)
        ThreadParticipant.create(thread=family, user=siri, role=GUARDIAN)
        ThreadParticipant.create(thread=family, user=frida, role=STAFF)
        Message.create(thread=family, sender=frida, body=f"h{k}")


@pytest.mark.parametrize("url", ["/messages/", "/messages/?place=mine",
                                 "/messages/?folder=answer", "/messages/new?child=IDA",
                                 "/messages/new?child=IDA&role=guardian",
                                 "/messages/new?child=EMMA"])
def test_her_pages_cost_a_constant_small_number_of_queries(client, login, users, kids, url):
    login("sfo")
    url = url.replace("IDA", str(kids["Ida"].id)).replace("EMMA", str(kids["Emma"].id))
    _more_threads(users, kids, 2)
    before = queries_for(client, url)
    _more_threads(users, kids, 40)
    child = Child.create(first_name="Ola", last_name="Fritid",
                         birth_date=today() - datetime.timedelta(days=3000))
    Enrolment.create(child=child, group=Group.get(Group.name == "1B"),
                     start_date=today() - datetime.timedelta(days=3))
    Guardianship.create(guardian=users["sfo"], child=child, responsibility="sole")
    after = queries_for(client, url)
    assert before == after and after <= 6, (url, before, after)
    if "place" in url:
        assert "Hjemme 39" in text_of(client.get(url))


def ida_s_father_writes_to_the_sfo(kids, staff=()):
    """Ida's father (shared responsibility, Siri's daughter) writes to the SFO about
    her, copying nobody (the copy to the other home is the writer's choice)."""
    father = User.create(username="idafar", first_name="Iver", last_name="Fritid")
    Guardianship.create(guardian=father, child=kids["Ida"], responsibility="shared")
    return inbox.start_thread(Unit.get(Unit.name == "Solbakken SFO"), kids["Ida"],
                              "Henting av Ida", "Jeg henter henne tidlig, kun jeg vet det.",
                              father, inbox.new_form_token(), guardians=[father],
                              staff=list(staff), as_guardian=True)


def test_at_work_she_does_not_read_what_the_other_parent_wrote_about_ida(
        client, login, users, kids):
    """The SFO's staff read every SFO thread (rule 3), but not one about their own
    child: Siri neither opens, lists nor finds the father's message, in either place;
    a thread about another child of the SFO she still reads at work."""
    from models import access
    thread = ida_s_father_writes_to_the_sfo(kids)
    siri = users["sfo"]
    assert access.thread_or_none(siri, thread.id) is None
    login("sfo")
    assert client.get(f"/messages/{thread.id}").status_code == 404
    for place in ("", "?place=mine"):
        assert "Henting av Ida" not in text_of(client.get(f"/messages/{place}"))
    found = client.get("/messages/search", query_string={"q": "tidlig"})
    assert "Henting av Ida" not in text_of(found)
    emma = inbox.start_thread(Unit.get(Unit.name == "Solbakken SFO"), kids["Emma"],
                              "Henting av Emma", "Bestemor henter tidlig.", users["kari"],
                              inbox.new_form_token(), guardians=[users["kari"]], staff=[],
                              as_guardian=True)
    assert access.thread_or_none(siri, emma.id) is not None


def test_as_a_participant_on_the_staff_side_she_reads_it(client, login, users, kids):
    """Named as staff in it (the father chose her), she takes part, so she reads it."""
    from models import access
    thread = ida_s_father_writes_to_the_sfo(kids, staff=[users["sfo"]])
    assert access.thread_or_none(users["sfo"], thread.id) is not None


def test_the_search_s_child_filter_offers_staff_their_own_child(client, login, users, kids):
    """A member of staff filters the search by any child they reach, and by their own
    wherever the child goes: Bente at the kindergarten, made Jonas's mother here."""
    login("bhg")
    jonas = {"q": "tur", "child": kids["Jonas"].id}
    assert client.get("/messages/search", query_string=jonas).status_code == 404
    Guardianship.create(guardian=users["bhg"], child=kids["Jonas"], responsibility="shared")
    assert client.get("/messages/search", query_string=jonas).status_code == 200
    login("larer1a")  # Ida is neither Lars's pupil nor his child
    assert client.get("/messages/search", query_string={
        "q": "tur", "child": kids["Ida"].id}).status_code == 404
