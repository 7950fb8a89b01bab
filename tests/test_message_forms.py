"""Writing a message as a daily user does (issue 17): a guardian's message goes to the
contact teacher (or the department) unless they choose otherwise; staff find the child
in a sorted, searchable list and write to the guardians, not to a caregiver as if a
parent; the sender sees which children's guardians have not read an announcement; a
file survives "Send anyway"; and a form with errors says so at the top."""
import datetime
import io
import os
import re
from pathlib import Path

import pytest

from models.db import today
from models.messaging import attachments, names
from models.messaging.tables import Attachment, Message, Thread, ThreadParticipant
from models.school.tables import Child, Enrolment, Group, Guardianship, User

from .helpers import queries_for, text_of
from .test_attachments import photo

HTMX_LIST = {"HX-Request": "true", "HX-Target": "child-list"}


def selected_option(html):
    """The value of the option a select shows chosen, as the browser would send it."""
    return re.search(r'<option value="([^"]+)" selected>', html).group(1)


def hidden(html, name):
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


def kept_tokens(html):
    return re.findall(r'name="kept" value="([^"]+)" checked', html)


def enrol(first, last, group, guardian=None):
    child = Child.create(first_name=first, last_name=last,
                         birth_date=today() - datetime.timedelta(days=2500))
    Enrolment.create(child=child, group=Group.get(Group.name == group),
                     start_date=today() - datetime.timedelta(days=3))
    if guardian is not None:
        Guardianship.create(guardian=guardian, child=child, responsibility="sole")
    return child


# A guardian's default recipient ---------------------------------------------------------

@pytest.mark.parametrize("child, teacher, expected", [
    ("Emma", "larer1a", "staff:{larer1a}"),      # school: the contact teacher
    ("Noah", "bhg", "group:{blaaklokka}"),         # kindergarten: the department
])
def test_a_guardians_message_goes_to_the_contact_teacher_or_department_by_default(
        client, login, ids, t, child, teacher, expected):
    login("kari")
    form = client.get(f"/messages/new?child={ids[child.lower()]}").get_data(as_text=True)
    assert selected_option(form) == expected.format(**ids)
    # Everyone at a unit is still offered, but not chosen for the parent.
    assert re.search(r'<option value="unit:\d+">', form)
    response = client.post(f"/messages/new?child={ids[child.lower()]}", data={
        "to": selected_option(form), "subject": f"Spørsmål om {child}",
        "body": "Kan vi snakkes i morgen?", "token": hidden(form, "token")})
    assert response.status_code == 303
    login(teacher)
    inbox = text_of(client.get("/messages/"))
    assert f"Spørsmål om {child}" in inbox
    created = Thread.get(Thread.subject == f"Spørsmål om {child}")
    assert teacher in {p.user.username for p in created.participants}


def test_the_department_option_names_the_department(client, login, ids, t):
    login("kari")
    page = text_of(client.get(f"/messages/new?child={ids['noah']}"))
    assert t("The staff of %(group)s, %(unit)s", group="Blåklokka",
             unit="Regnbuen barnehage") in page
    assert t("Everyone at %(unit)s", unit="Regnbuen barnehage") in page


# Choosing the child ---------------------------------------------------------------------

def test_staff_find_the_child_in_a_sorted_list_with_a_plain_search(client, login, t):
    for first in ("Åse", "Zara", "Øystein", "ærlend"):
        enrol(first, "Testesen", "1A")
    login("rektor")
    page = text_of(client.get("/messages/new"))
    order = ["Ali Hassan", "Emma Hansen", "Jonas Lie", "Sara Berg", "Zara Testesen",
             "ærlend Testesen", "Øystein Testesen", "Åse Testesen"]
    positions = [page.index(name) for name in order]
    assert positions == sorted(positions), page
    # Without JavaScript: the search form is a GET with q, filtered on the server.
    assert "Øystein Testesen" not in text_of(client.get("/messages/new?q=oyst"))  # ø ≠ o
    found = text_of(client.get("/messages/new?q=øyst"))
    assert "Øystein Testesen" in found and "Emma Hansen" not in found
    found = text_of(client.get("/messages/new?q=EMMA"))
    assert "Emma Hansen" in found and "Jonas Lie" not in found
    nothing = text_of(client.get("/messages/new?q=xyz"))
    assert t("No child matches “%(query)s”.", query="xyz") in nothing
    # With htmx, as one types: the list alone.
    fragment = client.get("/messages/new?q=jon", headers=HTMX_LIST).get_data(as_text=True)
    assert "<html" not in fragment and 'id="child-list"' in fragment
    assert "Jonas Lie" in fragment and "Emma Hansen" not in fragment
    # A link in the list leads on to the form about that child.
    link = re.search(r'href="(/messages/new\?child=\d+)">Jonas Lie<', fragment).group(1)
    assert t("About %(child)s", child="Jonas Lie") in text_of(client.get(link))


def test_names_sort_as_each_language_does():
    people = ["Åse", "Ærlend", "Øystein", "Zara", "Ärla", "Ölle", "emil", "Élise"]
    assert sorted(people, key=lambda n: names.name_key(n, "nb")) == [
        "Élise", "emil", "Zara", "Ärla", "Ærlend", "Ölle", "Øystein", "Åse"]
    assert sorted(people, key=lambda n: names.name_key(n, "sv")) == [
        "Élise", "emil", "Zara", "Åse", "Ärla", "Ærlend", "Ölle", "Øystein"]


def test_the_child_list_costs_a_constant_number_of_queries(client, login):
    login("rektor")
    before = queries_for(client, "/messages/new?q=a")
    for n in range(20):
        enrol(f"Barn{n}", "Aasen", "1B")
    after = queries_for(client, "/messages/new?q=a")
    assert before == after <= 6


# Guardians, not caregivers, ticked ------------------------------------------------------

def test_staff_write_to_the_guardians_and_a_caregiver_only_when_ticked(client, login, ids,
                                                                        users, t):
    login("larer1a")
    form = client.get(f"/messages/new?child={ids['emma']}").get_data(as_text=True)
    ticked = set(re.findall(r'name="guardian" value="(\d+)" checked', form))
    assert ticked == {str(users["kari"].id), str(users["ola"].id)}
    page = text_of(client.get(f"/messages/new?child={ids['emma']}"))
    assert f"Randi Hansen ({t('caregiver')})" in page
    assert f"Kari Hansen ({t('guardian')})" in page
    assert t("Guardians are ticked. Other adults with access to the child (caregivers) are "
             "not: tick them if the message is for them too.") in page
    client.post(f"/messages/new?child={ids['emma']}", data={
        "guardian": sorted(ticked), "subject": "Utviklingssamtale", "body": "Passer tirsdag?",
        "token": hidden(form, "token")})
    created = Thread.get(Thread.subject == "Utviklingssamtale")
    assert {p.user.username for p in created.participants} == {"kari", "ola", "larer1a"}
    login("bestemor")
    assert client.get(f"/messages/{created.id}").status_code == 404


# Read status of an announcement ---------------------------------------------------------

def announce(client, subject):
    return client.post("/messages/announce", data={
        "to": f"group:{Group.get(Group.name == '1A').id}", "subject": subject,
        "body": "Vi går på tur fredag.", "replies": "1", "token": subject})


def test_the_sender_sees_by_child_who_to_call(client, login, t):
    login("larer1a")
    announce(client, "Tur fredag")
    thread = Thread.get(Thread.subject == "Tur fredag")
    for reader in ("nina", "bestemor"):  # Jonas's mother; Emma's grandmother
        login(reader)
        client.get(f"/messages/{thread.id}")
    login("larer1a")
    page = text_of(client.get(f"/messages/{thread.id}/notified"))
    calls, by_child = page.split(t("The ones to call"))[1].split(t(
        "Notifications say only that an announcement came from the unit, never what it "
        "says. Someone who gets letters on paper is not notified electronically: print the "
        "letters from the announcement."))
    assert t("No guardian of %(num)d child has read it yet.",
             "No guardian of %(num)d children has read it yet.", 2) in calls
    assert "Emma Hansen" in calls and "Sara Berg" in calls and "Jonas Lie" not in calls
    assert t("a caregiver has read it") in calls  # Emma's grandmother, not a parent
    # Below: each child with its adults, each marked guardian or caregiver.
    emma = by_child.split("Emma Hansen")[1].split("Jonas Lie")[0]
    assert f"Kari Hansen ({t('guardian')}) – {t('has not read it')}" in emma
    assert f"Randi Hansen ({t('caregiver')}) – {t('has read it')}" in emma
    assert f"Nina Lie ({t('guardian')}) – {t('has read it')}" in by_child.split("Jonas Lie")[1]


def test_read_status_costs_a_constant_number_of_queries(client, login, users):
    login("larer1a")
    announce(client, "Liten")
    small = Thread.get(Thread.subject == "Liten")
    before = queries_for(client, f"/messages/{small.id}/notified")
    for n in range(15):
        parent = User.create(username=f"forelder{n}", first_name=f"F{n}", last_name="X")
        enrol(f"Elev{n}", "X", "1A", guardian=parent)
    announce(client, "Stor")
    large = Thread.get(Thread.subject == "Stor")
    assert ThreadParticipant.select().where(ThreadParticipant.thread == large).count() > 20
    after = queries_for(client, f"/messages/{large.id}/notified")
    assert before == after, (before, after)


# Files survive "Send anyway" ------------------------------------------------------------

SENSITIVE = "Emma har astma, fødselsnummer 14032012345."


def test_a_photo_is_sent_after_send_anyway_in_a_reply(app, client, login, ids, t):
    login("kari")
    warned = client.post(f"/messages/{ids['dentist']}", content_type="multipart/form-data",
                         data={"body": SENSITIVE, "token": "w1",
                               "files": [(io.BytesIO(photo()), "utslett.jpg")]})
    assert warned.status_code == 200
    html = warned.get_data(as_text=True)
    assert t("Attached, and sent with the message") in text_of(warned)
    assert "utslett.jpg" in html
    assert not Attachment.select().exists()
    # The writer reads the warning and sends anyway, without choosing the file again.
    sent = client.post(f"/messages/{ids['dentist']}", data={
        "body": SENSITIVE, "token": hidden(html, "token"), "confirm": "1",
        "kept": kept_tokens(html)})
    assert sent.status_code == 303, text_of(sent)
    message = Message.get(Message.body == SENSITIVE)
    attachment = Attachment.get(Attachment.message == message)
    assert attachment.filename == "utslett.jpg" and attachment.width == 640
    login("larer1a")
    page = client.get(f"/messages/{ids['dentist']}").get_data(as_text=True)
    href = f"/messages/{ids['dentist']}/files/{attachment.id}"
    assert href in page
    response = client.get(href)
    assert response.status_code == 200 and response.data[:3] == b"\xff\xd8\xff"
    response.close()


def test_a_file_is_sent_after_send_anyway_in_a_new_message(client, login, ids, t):
    login("kari")
    url = f"/messages/new?child={ids['emma']}"
    form = client.get(url).get_data(as_text=True)
    data = {"to": selected_option(form), "subject": "Helse", "body": SENSITIVE,
            "token": hidden(form, "token")}
    warned = client.post(url, content_type="multipart/form-data", data={
        **data, "files": [(io.BytesIO(photo("PNG")), "tegning.png")]})
    html = warned.get_data(as_text=True)
    assert warned.status_code == 200 and "tegning.png" in html
    sent = client.post(url, data={**data, "token": hidden(html, "token"), "confirm": "1",
                                  "kept": kept_tokens(html)})
    assert sent.status_code == 303
    created = Thread.get(Thread.subject == "Helse")
    assert [a.filename for a in Attachment.select().join(Message).where(
        Message.thread == created)] == ["tegning.png"]


def test_a_file_survives_a_missing_subject_and_can_be_left_out(client, login, ids, t):
    login("kari")
    url = f"/messages/new?child={ids['emma']}"
    form = client.get(url).get_data(as_text=True)
    corrected = client.post(url, content_type="multipart/form-data", data={
        "to": selected_option(form), "subject": "", "body": "Se bildene.",
        "token": hidden(form, "token"),
        "files": [(io.BytesIO(photo()), "a.jpg"), (io.BytesIO(photo("PNG")), "b.png")]})
    assert corrected.status_code == 400
    html = corrected.get_data(as_text=True)
    a, b = kept_tokens(html)
    client.post(url, data={"to": selected_option(form), "subject": "Bilder",
                           "body": "Se bildene.", "token": hidden(html, "token"),
                           "kept": [b]})  # a.jpg unticked
    created = Thread.get(Thread.subject == "Bilder")
    assert [a.filename for a in Attachment.select().join(Message).where(
        Message.thread == created)] == ["b.png"]


def test_a_kept_file_is_only_its_writers_and_not_for_ever(client, login, ids, clock, t):
    login("kari")
    warned = client.post(f"/messages/{ids['dentist']}", content_type="multipart/form-data",
                         data={"body": SENSITIVE, "token": "w1",
                               "files": [(io.BytesIO(photo()), "x.jpg")]})
    tokens = kept_tokens(warned.get_data(as_text=True))
    login("larer1a")  # reads the same thread, but the file was not his
    refused = client.post(f"/messages/{ids['dentist']}", data={
        "body": "Hei", "token": "o1", "confirm": "1", "kept": tokens})
    assert refused.status_code == 400
    assert t("The files you attached earlier are no longer kept. Choose them again.") in \
        text_of(refused)
    clock.advance(hours=13)
    login("kari")  # a new session: the old one has ended by now
    late = client.post(f"/messages/{ids['dentist']}", data={
        "body": SENSITIVE, "token": "w2", "confirm": "1", "kept": tokens})
    assert late.status_code == 400
    assert not Attachment.select().exists()
    forged = client.post(f"/messages/{ids['dentist']}", data={
        "body": "Hei", "token": "w3", "kept": ["not-a-token"]})
    assert forged.status_code == 400 and not Message.select().where(
        Message.client_token == "w3").exists()


def test_the_purge_removes_kept_files_once_their_time_is_up(app, client, login, ids, clock):
    """A form sent back and then left: its kept file goes at `flask purge` once no token
    can use it (12 hours), though nobody keeps another file; a younger one stays."""
    folder = Path(app.config["ATTACHMENT_DIR"]) / attachments.KEPT_DIR

    def warned(token):
        login("kari")  # a new session each time: an old one may have ended
        response = client.post(
            f"/messages/{ids['dentist']}", content_type="multipart/form-data",
            data={"body": SENSITIVE, "token": token, "files": [(io.BytesIO(photo()), "x.jpg")]})
        return kept_tokens(response.get_data(as_text=True))

    warned("p1")
    old = set(os.listdir(folder))
    clock.advance(hours=2)
    fresh = warned("p2")
    young = set(os.listdir(folder)) - old
    assert len(old) == len(young) == 1
    clock.advance(hours=11)  # the first is 13 hours old, the second 11
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "kept_files: 1 due" in dry.output, dry.output
    assert set(os.listdir(folder)) == old | young
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "kept_files: deleted 1" in result.output
    assert set(os.listdir(folder)) == young
    login("kari")
    sent = client.post(f"/messages/{ids['dentist']}", data={
        "body": SENSITIVE, "token": "p3", "confirm": "1", "kept": fresh})
    assert sent.status_code == 303  # the younger file is still sent with its form
    assert Attachment.select().count() == 1


# The error summary ----------------------------------------------------------------------

def test_message_forms_show_the_error_summary_at_the_top(client, login, ids, users, t):
    login("larer1a")
    response = client.post(f"/messages/new?child={ids['emma']}", data={"token": "e"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'class="error-summary"' in html
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    assert f'href="#guardian-{users["kari"].id}"' in summary
    assert 'href="#subject"' in summary and 'href="#body"' in summary
    assert html.index("error-summary") < html.index('id="subject"')
    response = client.post("/messages/announce", data={"token": "e"})
    assert 'class="error-summary"' in response.get_data(as_text=True)
    login("kari")
    response = client.post(f"/messages/{ids['dentist']}", data={"body": "", "token": "e"})
    summary = response.get_data(as_text=True).split('class="error-summary"')[1]
    assert 'href="#body"' in summary.split("</div>")[0]
    assert t("There is a problem") in text_of(response)
