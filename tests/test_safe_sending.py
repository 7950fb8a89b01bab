"""Safe sending of announcements (issue 22): the reach before sending and the
confirmation above a number of families; the undo window (held, delivered to nobody,
notifying nobody); scheduled sending; the outbox; sent exactly once by the worker, even
with two workers or one that dies mid-way. Time moves by the app's clock only."""
import dataclasses
import datetime
import io
import re
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models.db import database, utcnow
from models.messaging import inbox, outbox_send
from models.messaging.outbox import OutgoingAnnouncement, OutgoingFile
from models.messaging.reach import reach
from models.messaging.tables import GUARDIAN, Attachment, Message, Thread, ThreadParticipant
from models.notifications.tables import Notification
from models.school.tables import Group, Unit, User

from views.announce import local_due

from .cast import ROLES
from .helpers import text_of
from .matrix import HTMX_MODE, Matrix, expect, only
from .test_attachments import photo
from .test_hostile_files import ACTING_PDFS

pytestmark = pytest.mark.clock("2026-11-18 10:00", tick=False)  # a Wednesday in Oslo
OSLO = ZoneInfo("Europe/Oslo")
ANNOUNCERS = {"rektor", "larer1a", "sfo", "styrer", "bhg"}
SUBJECT = "Tur til skogen fredag"
HTMX_REACH = {"HX-Request": "true", "HX-Target": "reach"}


def g1a():
    return Group.get(Group.name == "1A")


def form(**changes):
    data = {"to": f"group:{g1a().id}", "subject": SUBJECT, "body": "Ta med matpakke.",
            "replies": "1", "token": inbox.new_form_token(), "when": "now"}
    data.update(changes)
    return data


@pytest.fixture
def undo(app):
    """The municipality's default undo window of 30 seconds (the suite's is 0)."""
    app.config["ANNOUNCE_UNDO_SECONDS"] = 30
    return 30


def worker(app, now=None):
    return app.extensions["queue"].send_announcements(now=now)


def sent_threads(subject=SUBJECT):
    return list(Thread.select().where(Thread.subject == subject))


def held_id(response):
    return int(re.search(r"/messages/outbox/(\d+)$", response.headers["Location"]).group(1))


def hold_for(username, subject=SUBJECT, scheduled=False, files=0, app=None):
    """A waiting announcement of `username` to 1A, as the form makes one."""
    from models.messaging import outbox
    user = User.get(User.username == username)
    rows = []
    for n in range(files):
        name = f"held-{subject}-{n}".replace(" ", "")
        Path(app.config["ATTACHMENT_DIR"]).mkdir(parents=True, exist_ok=True)
        (Path(app.config["ATTACHMENT_DIR"]) / name).write_bytes(b"%PDF-1.4 x")
        rows.append(type("F", (), {"filename": f"skjema{n}.pdf", "stored_name": name,
                                   "mimetype": "application/pdf", "size": 10,
                                   "width": None, "height": None})())
    return outbox.hold(user, [f"group:{g1a().id}"], {
        "subject": subject, "body": "Ta med matpakke.", "replies": True, "per_child": False,
        "urgent": False}, utcnow() + datetime.timedelta(seconds=30), scheduled, None, rows)


# Who may use which route -----------------------------------------------------------------

ROUTES = Matrix({
    ("GET", "/messages/outbox"): only(ANNOUNCERS),
    ("GET", "/messages/outbox/{held}"): only(ANNOUNCERS),
    ("GET", "/messages/outbox/{held}", HTMX_MODE): only(ANNOUNCERS),
    ("GET", "/messages/outbox/{held}/edit"): only({"larer1a"}),
    ("GET", "/messages/announce/reach?to=group:{g1a}"): only(ANNOUNCERS),
    ("GET", "/messages/announce/reach?to=group:{g1a}", HTMX_MODE): only(ANNOUNCERS),
    # Someone else's: it is not theirs to take back (409 says "no longer waiting").
    ("POST", "/messages/outbox/{held}/undo"): only({"larer1a"}, no=404) | {
        name: 409 for name in ANNOUNCERS - {"larer1a"}},
    ("POST", "/messages/outbox/{other}/cancel"): expect(only({"larer1a"}, 303)),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(app, client, login, ids, role):
    ids = {**ids, "held": hold_for("larer1a").id,
           "other": hold_for("larer1a", "Noe annet").id}
    ROUTES.check(client, login, role, ids)


def test_guardians_and_staff_who_cannot_announce_find_no_outbox(client, login):
    held = hold_for("larer1a")
    for username in ("kari", "faglarer", "admin", "personvern"):
        login(username)
        for url in ("/messages/outbox", f"/messages/outbox/{held.id}",
                    f"/messages/outbox/{held.id}/edit"):
            assert client.get(url).status_code == 404, (username, url)
    assert OutgoingAnnouncement.select().count() == 1


# The reach, before sending -------------------------------------------------------------------

def test_the_reach_is_shown_and_equals_who_gets_it(app, client, login, t):
    login("larer1a")
    shown = reach([(g1a().unit, g1a())])
    page = text_of(client.get("/messages/announce"))
    assert t("Reaches %(num)d family", "Reaches %(num)d families", shown.families) in page
    assert t("%(num)d adult", "%(num)d adults", shown.people) in page
    assert "1A" in page
    assert client.post("/messages/announce", data=form()).status_code == 303
    thread, = sent_threads()
    guardians = ThreadParticipant.select().where((ThreadParticipant.thread == thread)
                                                 & (ThreadParticipant.role == GUARDIAN))
    assert guardians.count() == shown.people


def test_the_reach_updates_as_groups_are_ticked_and_without_javascript(client, login, t,
                                                                      ids):
    login("rektor")
    both = f"?to=group:{ids['g1a']}&to=group:{ids['g1b']}"
    fragment = client.get(f"/messages/announce/reach{both}", headers=HTMX_REACH)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and 'id="reach"' in html
    one = reach([(Unit.get_by_id(ids["school"]), Group.get_by_id(ids["g1a"]))])
    two = reach([(Unit.get_by_id(ids["school"]), Group.get_by_id(ids["g1a"])),
                 (Unit.get_by_id(ids["school"]), Group.get_by_id(ids["g1b"]))])
    assert two.people > one.people
    assert t("Reaches %(num)d family", "Reaches %(num)d families", two.families) in text_of(fragment)
    # Without JavaScript: "Check reach" posts the form and keeps what was typed.
    response = client.post("/messages/announce", data=form(
        to=[f"group:{ids['g1a']}", f"group:{ids['g1b']}"], action="check",
        subject="Halvferdig"))
    assert response.status_code == 200
    page = text_of(response)
    assert t("Reaches %(num)d family", "Reaches %(num)d families", two.families) in page
    assert 'value="Halvferdig"' in response.get_data(as_text=True)
    assert not sent_threads("Halvferdig")


def test_paper_letters_are_counted(client, login, users, t):
    User.update(paper_letters=True).where(User.id == users["kari"].id).execute()
    login("larer1a")
    page = text_of(client.get("/messages/announce"))
    assert t("%(num)d of them gets it on paper: print the letter from the announcement "
             "once it is sent.", "%(num)d of them get it on paper: print the letters from "
             "the announcement once it is sent.", 1) in page


def test_above_the_limit_the_sender_confirms_the_number(app, client, login, t):
    app.config["MUNICIPALITY"] = dataclasses.replace(app.config["MUNICIPALITY"],
                                                     confirm_above=1)
    families = reach([(g1a().unit, g1a())]).families
    assert families > 1
    login("larer1a")
    response = client.post("/messages/announce", data=form())
    assert response.status_code == 400
    assert t("It reaches %(num)d family: tick the box to confirm you mean to send it.",
             "It reaches %(num)d families: tick the box to confirm you mean all of them.",
             families) in text_of(response)
    assert SUBJECT in response.get_data(as_text=True)  # the form is kept
    # A number that is not the reach (it changed meanwhile, or was made up) is no tick.
    assert client.post("/messages/announce", data=form(
        confirm_reach=str(families + 1))).status_code == 400
    assert not sent_threads()
    assert client.post("/messages/announce", data=form(
        confirm_reach=str(families))).status_code == 303
    assert len(sent_threads()) == 1


# Undo ----------------------------------------------------------------------------------------

def test_a_held_announcement_reaches_nobody_until_the_window_has_passed(
        app, client, login, clock, t, undo):
    notifications = Notification.select().count()
    login("larer1a")
    response = client.post("/messages/announce", data=form())
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert t("Sending in %(num)d second", "Sending in %(num)d seconds", 30) in \
        text_of(page)
    assert not sent_threads() and not Message.select().where(
        Message.body == "Ta med matpakke.").exists()
    assert Notification.select().count() == notifications
    login("kari")
    assert SUBJECT not in text_of(client.get("/messages/"))
    assert worker(app) == 0  # not due yet
    clock.advance(seconds=31)
    assert worker(app) == 1
    thread, = sent_threads()
    assert text_of(client.get("/messages/")).count(SUBJECT) == 1
    assert client.get(f"/messages/{thread.id}").status_code == 200
    kari = User.get(User.username == "kari")
    assert Notification.select().where((Notification.user == kari.id)
                                       & (Notification.thread == thread.id)).exists()
    assert OutgoingAnnouncement.select().count() == 0
    assert worker(app) == 0  # sent exactly once
    assert len(sent_threads()) == 1


def test_undo_brings_the_form_back_as_typed_with_its_files(app, client, login, clock, t,
                                                          undo):
    login("larer1a")
    response = client.post("/messages/announce", data=form(
        body="Husk <b>matpakke</b>", files=[(io.BytesIO(photo()), "kart.jpg")]))
    held = held_id(response)
    stored = [f.stored_name for f in OutgoingFile.select()]
    assert len(stored) == 1
    clock.advance(seconds=20)
    back = client.post(f"/messages/outbox/{held}/undo")
    assert back.status_code == 200
    html = back.get_data(as_text=True)
    assert SUBJECT in html and "Husk &lt;b&gt;matpakke&lt;/b&gt;" in html
    assert "kart.jpg" in html and 'name="kept"' in html
    assert t("Not sent. Change it and send it again, or leave it.") in text_of(back)
    assert OutgoingAnnouncement.select().count() == 0
    assert not (Path(app.config["ATTACHMENT_DIR"]) / stored[0]).exists()  # gone with it
    clock.advance(seconds=60)
    assert worker(app) == 0
    assert not sent_threads()
    # Sending the restored form sends the kept photo along.
    token = re.search(r'name="kept" value="([^"]+)"', html).group(1)
    assert client.post("/messages/announce", data=form(kept=token)).status_code == 303
    clock.advance(seconds=31)
    assert worker(app) == 1
    assert Attachment.select().where(Attachment.filename == "kart.jpg").count() == 1


def test_too_late_to_undo(app, client, login, clock, t, undo):
    login("larer1a")
    held = held_id(client.post("/messages/announce", data=form()))
    clock.advance(seconds=31)
    worker(app)
    response = client.post(f"/messages/outbox/{held}/undo")
    assert response.status_code == 409
    assert t("It is no longer waiting: it has been sent, or taken back.") in text_of(response)
    assert len(sent_threads()) == 1


def test_the_held_page_counts_down_with_htmx(client, login, clock, t, undo):
    login("larer1a")
    held = held_id(client.post("/messages/announce", data=form()))
    clock.advance(seconds=10)
    fragment = client.get(f"/messages/outbox/{held}",
                          headers={"HX-Request": "true", "HX-Target": "held"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and 'hx-trigger="every 5s"' in html
    assert t("Sending in %(num)d second", "Sending in %(num)d seconds", 20) in \
        text_of(fragment)


def test_with_undo_off_it_is_sent_at_once(client, login):
    login("larer1a")
    response = client.post("/messages/announce", data=form())
    thread, = sent_threads()
    assert response.headers["Location"].endswith(f"/messages/{thread.id}")
    assert OutgoingAnnouncement.select().count() == 0


# Sent exactly once ---------------------------------------------------------------------------

def test_two_workers_at_once_send_it_once(app, clock):
    held = hold_for("larer1a", files=1, app=app)
    clock.advance(seconds=31)
    start, results, failures = threading.Barrier(2), [], []

    def run():
        try:
            with app.app_context(), database.connection_context():
                start.wait()
                results.append(outbox_send.send(held.id, app.extensions["storage"]))
        except Exception as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)

    workers = [threading.Thread(target=run) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    assert not failures
    assert sorted(r is None for r in results) == [False, True]
    assert len(sent_threads()) == 1
    assert Attachment.select().where(Attachment.filename == "skjema0.pdf").count() == 1
    assert OutgoingAnnouncement.select().count() == 0


def test_a_worker_that_dies_before_its_commit_leaves_it_waiting(app, clock, monkeypatch):
    held = hold_for("larer1a", files=1, app=app)
    clock.advance(seconds=31)

    def crash(*args, **kwargs):
        raise SystemExit("the worker was stopped")

    with monkeypatch.context() as patched:
        patched.setattr(inbox, "_notify", crash)
        with pytest.raises(SystemExit):
            worker(app)
    assert not sent_threads()
    assert OutgoingAnnouncement.get_by_id(held.id).subject == SUBJECT
    assert OutgoingFile.select().count() == 1
    assert worker(app) == 1  # the next run sends it, once
    assert len(sent_threads()) == 1
    assert worker(app) == 0


def test_one_announcement_that_cannot_be_sent_holds_back_no_other(app, clock, monkeypatch):
    broken = hold_for("larer1a", subject="Ødelagt")
    fine = hold_for("larer1a")
    clock.advance(seconds=31)
    real = outbox_send.send

    def send(outgoing_id, *args, **kwargs):
        if outgoing_id == broken.id:
            raise OSError("its file is gone")
        return real(outgoing_id, *args, **kwargs)

    monkeypatch.setattr(outbox_send, "send", send)
    assert worker(app) == 1
    assert len(sent_threads()) == 1 and not sent_threads("Ødelagt")
    assert OutgoingAnnouncement.get_by_id(broken.id)  # still waiting, tried again later
    assert not OutgoingAnnouncement.select().where(OutgoingAnnouncement.id == fine.id).exists()


def test_the_recipients_are_decided_when_it_is_sent(app, client, login, clock, users,
                                                   kids, undo):
    login("larer1a")
    client.post("/messages/announce", data=form())
    # Lise loses access before it goes: she does not get it.
    from models.school.tables import Guardianship
    Guardianship.delete().where(Guardianship.guardian == users["lise"].id).execute()
    clock.advance(seconds=31)
    worker(app)
    thread, = sent_threads()
    names = {p.user.username for p in thread.participants}
    assert "lise" not in names and "kari" in names


# Scheduled sending ---------------------------------------------------------------------------

def local(year, month, day, hour, minute):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=OSLO).astimezone(
        datetime.timezone.utc).replace(tzinfo=None)


@pytest.mark.parametrize("day, at, problem", [
    ("2026-11-18", "09:59", "later"),          # the past
    ("2027-01-18", "07:30", "days ahead"),     # 61 days ahead
    ("2027-03-28", "02:30", "does not exist"),  # the spring night skips 02:00–03:00
    ("2026-11-31", "07:30", "YYYY-MM-DD"),
    ("2026-11-19", "7.30", "YYYY-MM-DD"),
    ("0001-01-01", "00:30", "YYYY-MM-DD"),    # no longer a 500 from the time zone
    ("9999-12-31", "23:59", "YYYY-MM-DD"),
])
def test_a_send_time_is_checked(day, at, problem):
    moment, error = local_due(day, at, OSLO, utcnow())
    assert moment is None and problem in str(error)


def test_the_autumn_night_s_repeated_hour_is_its_first():
    now = local(2026, 10, 20, 12, 0)
    moment, error = local_due("2026-10-25", "02:30", OSLO, now)
    assert error is None and moment == datetime.datetime(2026, 10, 25, 0, 30)
    assert local_due("2027-01-17", "07:30", OSLO, utcnow())[1] is None  # 60 days ahead


def test_a_scheduled_announcement_reaches_the_guardian_at_its_time(app, client, login,
                                                                   clock, t):
    login("larer1a")
    response = client.post("/messages/announce", data=form(
        when="later", send_date="2026-11-19", send_time="07:30"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/messages/outbox")
    outbox_page = text_of(client.get("/messages/outbox"))
    assert SUBJECT in outbox_page and "19.11.2026 07:30" in outbox_page
    clock.set(datetime.datetime(2026, 11, 19, 7, 29, tzinfo=OSLO), tick=False)
    assert worker(app) == 0
    login("kari")
    assert SUBJECT not in text_of(client.get("/messages/"))
    clock.set(datetime.datetime(2026, 11, 19, 7, 30, tzinfo=OSLO), tick=False)
    assert worker(app) == 1
    assert SUBJECT in text_of(client.get("/messages/"))


def test_a_bad_send_time_keeps_the_form(client, login, t):
    login("larer1a")
    response = client.post("/messages/announce", data=form(
        when="later", send_date="2027-03-28", send_time="02:30"))
    assert response.status_code == 400
    assert t("%(time)s does not exist that night: the clocks go forward. Choose another "
             "time.", time="02:30") in text_of(response)
    assert SUBJECT in response.get_data(as_text=True)
    assert OutgoingAnnouncement.select().count() == 0


def test_a_scheduled_announcement_is_changed_or_cancelled_until_it_goes(app, client, login,
                                                                       clock):
    login("larer1a")
    client.post("/messages/announce", data=form(
        when="later", send_date="2026-11-19", send_time="07:30",
        files=[(io.BytesIO(photo()), "kart.jpg")]))
    row = OutgoingAnnouncement.get()
    page = client.get(f"/messages/outbox/{row.id}/edit").get_data(as_text=True)
    assert 'value="2026-11-19"' in page and 'value="07:30"' in page and "kart.jpg" in page
    token = re.search(r'name="kept" value="([^"]+)"', page).group(1)
    assert client.post("/messages/announce", data=form(
        subject="Tur til fjellet", when="later", send_date="2026-11-19", send_time="08:00",
        replaces=str(row.id), kept=token)).status_code == 303
    new = OutgoingAnnouncement.get()
    assert OutgoingAnnouncement.select().count() == 1 and new.subject == "Tur til fjellet"
    assert new.due_at == local(2026, 11, 19, 8, 0)
    assert [f.filename for f in new.files] == ["kart.jpg"]
    stored = Path(app.config["ATTACHMENT_DIR"]) / new.files[0].stored_name
    assert stored.exists()
    # Cancelled: the row and its file are gone, and nothing is ever sent.
    assert client.post(f"/messages/outbox/{new.id}/cancel").status_code == 303
    assert OutgoingAnnouncement.select().count() == 0 and OutgoingFile.select().count() == 0
    assert not stored.exists()
    clock.advance(days=2)
    assert worker(app) == 0 and not sent_threads("Tur til fjellet")


# Attachments ---------------------------------------------------------------------------------

def test_a_file_on_an_announcement_reaches_the_guardian(app, client, login, clock, undo):
    login("larer1a")
    client.post("/messages/announce", data=form(files=[(io.BytesIO(photo()), "kart.jpg")]))
    clock.advance(seconds=31)
    worker(app)
    thread, = sent_threads()
    file = Attachment.get(Attachment.filename == "kart.jpg")
    login("kari")
    response = client.get(f"/messages/{thread.id}/files/{file.id}")
    response.close()
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    login("amina")  # another class's mother
    assert client.get(f"/messages/{thread.id}/files/{file.id}").status_code == 404


def test_per_child_threads_each_get_the_file(app, client, login):
    login("larer1a")
    client.post("/messages/announce", data=form(
        per_child="1", files=[(io.BytesIO(photo()), "kart.jpg")]))
    threads = sent_threads()
    assert len(threads) > 1
    names = [a.stored_name for a in Attachment.select().where(Attachment.filename == "kart.jpg")]
    assert len(names) == len(threads) == len(set(names))
    assert all((Path(app.config["ATTACHMENT_DIR"]) / name).exists() for name in names)


def test_a_pdf_that_can_act_is_refused_and_the_form_kept(client, login, t, undo):
    login("larer1a")
    response = client.post("/messages/announce", data=form(
        files=[(io.BytesIO(ACTING_PDFS["names-javascript.pdf"]), "skjema.pdf")]))
    assert response.status_code == 400
    assert SUBJECT in response.get_data(as_text=True)
    assert OutgoingAnnouncement.select().count() == 0


# A reply to an announcement ----------------------------------------------------------------

def test_a_reply_goes_to_the_sender_and_no_other_parent_sees_it(app, client, login, clock,
                                                               undo):
    login("larer1a")
    client.post("/messages/announce", data=form())
    clock.advance(seconds=31)
    worker(app)
    thread, = sent_threads()
    login("kari")
    assert client.post(f"/messages/{thread.id}", data={
        "body": "Emma kommer ikke", "token": "r1"}).status_code == 303
    reply = Message.get(Message.body == "Emma kommer ikke")
    assert reply.thread_id != thread.id
    for username in ("nina", "lise", "bestemor"):
        login(username)
        assert "Emma kommer ikke" not in client.get(f"/messages/{thread.id}").get_data(
            as_text=True)
        assert client.get(f"/messages/{reply.thread_id}").status_code == 404, username
    login("larer1a")
    assert "Emma kommer ikke" in text_of(client.get(f"/messages/{reply.thread_id}"))


def test_the_form_and_the_outbox_cost_the_same_for_3_or_23_families(client, login, users):
    from models.db import today
    from models.school.tables import Child, Enrolment, Guardianship

    from .helpers import queries_for
    login("larer1a")
    hold_for("larer1a")
    urls = ("/messages/announce", "/messages/outbox", f"/messages/announce/reach?to=group:"
            f"{g1a().id}")
    before = [queries_for(client, url) for url in urls]
    for n in range(20):
        child = Child.create(first_name=f"X{n}", last_name="Y",
                             birth_date=today() - datetime.timedelta(days=2500))
        Enrolment.create(child=child, group=g1a(), start_date=today())
        guardian = User.create(username=f"g{n}", first_name="G", last_name=str(n))
        Guardianship.create(guardian=guardian, child=child, responsibility="sole")
        hold_for("larer1a", f"Flere {n}")
    assert [queries_for(client, url) for url in urls] == before
    assert max(before) <= 6, before


@pytest.mark.parametrize("line, problem", [
    ("undo_seconds = -1", "undo_seconds"), ("undo_seconds = 301", "undo_seconds"),
    ("confirm_above = 0", "confirm_above"), ("confirm_above = true", "confirm_above"),
    ("send_at = 1", "unknown key"),
])
def test_the_municipality_file_checks_the_messaging_settings(tmp_path, line, problem):
    import municipality
    example = Path(__file__).resolve().parent.parent / "municipality.example.toml"
    text = example.read_text(encoding="utf-8")
    key = line.split(" = ")[0]
    for default in ("undo_seconds = 30", "confirm_above = 100"):
        if default.startswith(key):
            assert default in text
            text = text.replace(default, line, 1)
            break
    else:
        text = text.replace("[messaging]\n", f"[messaging]\n{line}\n", 1)
    path = example.parent / f".test-{tmp_path.name}.toml"  # beside it: the logo is relative
    path.write_text(text, encoding="utf-8")
    try:
        with pytest.raises(municipality.ConfigError, match=problem):
            municipality.load(path)
    finally:
        path.unlink()


def test_the_default_settings(tmp_path):
    import municipality
    example = Path(__file__).resolve().parent.parent / "municipality.example.toml"
    loaded = municipality.load(example)
    assert (loaded.confirm_above, loaded.undo_seconds) == (100, 30)


# Overlapping targets: one announcement per family ---------------------------------------------

def _jonas_also_in_1b(kids, ids):
    from models.db import today
    from models.school.tables import Enrolment
    Enrolment.create(child=kids["Jonas"], group=ids["g1b"], start_date=today())


OVERLAPS = {
    "a unit and one of its groups": lambda ids: [f"unit:{ids['school']}", f"group:{ids['g1a']}"],
    "two groups sharing a child": lambda ids: [f"group:{ids['g1a']}", f"group:{ids['g1b']}"],
    "a group before its unit": lambda ids: [f"group:{ids['g1b']}", f"unit:{ids['school']}"],
}


@pytest.mark.parametrize("overlap", list(OVERLAPS))
def test_overlapping_targets_reach_each_family_once_as_the_reach_said(
        client, login, kids, ids, t, overlap):
    _jonas_also_in_1b(kids, ids)  # Jonas is in 1A and 1B: Nina is reached twice over
    keys = OVERLAPS[overlap](ids)
    login("rektor")
    school = Unit.get_by_id(ids["school"])
    targets = [(school, Group.get_by_id(int(k.split(":")[1])) if k.startswith("group:")
                else None) for k in keys]
    shown = reach(targets)
    fragment = client.get("/messages/announce/reach?" + "&".join(f"to={k}" for k in keys),
                          headers=HTMX_REACH)
    assert t("Reaches %(num)d family", "Reaches %(num)d families", shown.families) in \
        text_of(fragment)
    assert client.post("/messages/announce", data=form(to=keys)).status_code == 303
    threads = sent_threads()
    rows = list(ThreadParticipant.select(ThreadParticipant.user, ThreadParticipant.thread)
                .where(ThreadParticipant.thread.in_([th.id for th in threads])
                       & (ThreadParticipant.role == GUARDIAN)).tuples())
    got = [user for user, _ in rows]
    assert len(got) == len(set(got)) == shown.people  # each adult once, all of them
    from models.messaging.recipients import announcement_households
    households = announcement_households(targets)
    assert {frozenset(v) for v in households.values()} and set(got) == {
        g for v in households.values() for g in v}
    assert len({frozenset(v) for v in households.values()}) == shown.families
    # One notification (per channel) each, about one thread.
    told = Notification.select(Notification.user, Notification.thread).where(
        Notification.thread.in_([th.id for th in threads])).distinct().tuples()
    per_user = {}
    for user, thread in told:
        per_user.setdefault(user, set()).add(thread)
    assert per_user and all(len(v) == 1 for v in per_user.values())
    nina = User.get(User.username == "nina")
    assert nina.id in per_user
    for username in ("nina", "kari"):
        login(username)
        assert text_of(client.get("/messages/")).count(SUBJECT) == 1, username
    # A group's families are in the group's thread (its contact teacher reads it), the
    # whole unit's thread has the rest; of two groups, the first of the form has Nina.
    by_thread = {}
    for user, thread in rows:
        by_thread.setdefault(thread, set()).add(user)
    groups = [Group.get_by_id(int(k.split(":")[1])) for k in keys if k.startswith("group:")]
    in_group = {th.group_id: by_thread[th.id] for th in threads if th.group_id}
    first = groups[0]
    assert in_group[first.id] == {g for v in announcement_households(
        [(school, first)]).values() for g in v}
    assert nina.id in in_group[first.id]
    wide = [by_thread[th.id] for th in threads if th.group_id is None]
    assert all(not (people & set().union(*in_group.values())) for people in wide)
    if first.id == ids["g1a"]:
        login("larer1a")
        one_a = next(th for th in threads if th.group_id == first.id)
        assert client.get(f"/messages/{one_a.id}").status_code == 200
        assert text_of(client.get("/messages/")).count(SUBJECT) == 1


def test_one_conversation_per_child_reaches_each_child_once(client, login, kids, ids):
    _jonas_also_in_1b(kids, ids)
    login("rektor")
    keys = [f"unit:{ids['school']}", f"group:{ids['g1a']}", f"group:{ids['g1b']}"]
    assert client.post("/messages/announce", data=form(to=keys, per_child="1")
                       ).status_code == 303
    children = [th.child_id for th in sent_threads()]
    assert len(children) == len(set(children))
    from models.messaging.recipients import announcement_households
    assert set(children) == set(announcement_households([(Unit.get_by_id(ids["school"]),
                                                          None)]))
    assert {kids[n].id for n in ("Emma", "Jonas", "Sara", "Ali")} <= set(children)
    nina = User.get(User.username == "nina")
    assert ThreadParticipant.select().where(
        (ThreadParticipant.user == nina.id)
        & ThreadParticipant.thread.in_([th.id for th in sent_threads()])).count() == 1
    # The groups' children are in their groups' conversations, not the unit's.
    by_child = {th.child_id: th.group_id for th in sent_threads()}
    assert by_child[kids["Emma"].id] == ids["g1a"] and by_child[kids["Ali"].id] == ids["g1b"]


# Not sent by the worker: never silently ---------------------------------------------------------

def _audit(action):
    from models.audit import AuditEvent
    return list(AuditEvent.select().where(AuditEvent.action == action))


def test_a_sender_who_lost_the_right_finds_it_not_sent_is_told_and_cancels_it(
        app, client, login, clock, t, users):
    from models.school.tables import StaffRole

    from .smtp import smtp_server
    held = hold_for("larer1a", scheduled=True, files=1, app=app)
    stored = Path(app.config["ATTACHMENT_DIR"]) / held.files[0].stored_name
    # The contact teacher leaves 1A before it goes: no group or unit to send to at all.
    StaffRole.delete().where(StaffRole.user == users["larer1a"].id).execute()
    clock.advance(seconds=31)
    with smtp_server(app) as smtp:
        assert worker(app) == 0
    assert not sent_threads()
    row = OutgoingAnnouncement.get_by_id(held.id)
    assert row.not_sent == "target" and stored.exists()  # kept, with its file
    event, = _audit("announcement.not_sent")
    assert event.actor_id == users["larer1a"].id and event.object_id == held.id
    assert event.details["reason"] == "target"
    # The sender is told, as every notification tells: what happened, not what it said.
    told = Notification.get(Notification.user == users["larer1a"].id)
    assert told.event == "announcement_not_sent" and told.path == "/messages/outbox"
    (to, mail), = smtp.messages
    assert to == ["larer1a@demo.kommune.no"]
    assert mail["Subject"] == t("%(unit)s: an announcement of yours was not sent",
                                unit="Solbakken skole")
    text = mail.get_payload(decode=True).decode()
    assert "/messages/outbox" in text and SUBJECT not in text and "matpakke" not in text
    # Tried again: nothing more is sent, logged or told.
    notes = Notification.select().where(Notification.user == users["larer1a"].id).count()
    clock.advance(minutes=5)
    assert worker(app) == 0
    assert len(_audit("announcement.not_sent")) == 1
    assert Notification.select().where(Notification.user == users["larer1a"].id).count() \
        == notes
    # With no group left to send to, the outbox still shows it and cancels it.
    login("larer1a")
    assert client.get("/messages/announce").status_code == 404
    page = client.get("/messages/outbox")
    assert page.status_code == 200
    shown = text_of(page)
    assert SUBJECT in shown and "1A" in shown
    assert t("Not sent: you may no longer send to one of its groups or units. Change it "
             "and send it again, or cancel it.") in shown
    html = page.get_data(as_text=True)
    assert 'class="button primary" href="/messages/announce"' not in html  # nowhere to send
    assert f"/messages/outbox/{held.id}/edit" not in html
    assert f"/messages/outbox/{held.id}/cancel" in html
    held_page = client.get(f"/messages/outbox/{held.id}")
    assert held_page.status_code == 200 and "/cancel" in held_page.get_data(as_text=True)
    assert "/undo" not in held_page.get_data(as_text=True)
    assert client.post(f"/messages/outbox/{held.id}/cancel").status_code == 303
    assert OutgoingAnnouncement.select().count() == 0 and not stored.exists()
    assert client.get("/messages/outbox").status_code == 404  # nothing left, nowhere to send


def test_a_waiting_one_of_a_sender_with_no_targets_left_is_seen_and_cancelled(
        app, client, login, users, t):
    from models.school.tables import StaffRole
    held = hold_for("larer1a", scheduled=True)
    StaffRole.delete().where(StaffRole.user == users["larer1a"].id).execute()
    login("larer1a")
    page = text_of(client.get("/messages/outbox"))
    assert SUBJECT in page and t("Scheduled for %(time)s", time="19.11.2026") not in page
    assert client.get(f"/messages/outbox/{held.id}").status_code == 200
    assert client.post(f"/messages/outbox/{held.id}/cancel").status_code == 303
    assert OutgoingAnnouncement.select().count() == 0
    assert client.post(f"/messages/outbox/{held.id}/cancel").status_code == 404


def test_one_target_lost_keeps_the_whole_announcement_back(app, client, login, clock, users,
                                                          ids):
    from models.school.tables import CONTACT_TEACHER, StaffRole
    school = Unit.get_by_id(ids["school"])
    extra = StaffRole.create(user=users["larer1a"], role=CONTACT_TEACHER, unit=school,
                             group=ids["g1b"])
    login("larer1a")
    assert client.post("/messages/announce", data=form(
        to=[f"group:{ids['g1a']}", f"group:{ids['g1b']}"], when="later",
        send_date="2026-11-19", send_time="07:30")).status_code == 303
    extra.delete_instance()
    clock.advance(days=1)
    worker(app)
    assert not sent_threads()  # never sent in part: to 1A only
    assert OutgoingAnnouncement.get().not_sent == "target"


def test_nobody_to_send_it_to_is_kept_and_sent_again_after_a_change(
        app, client, login, clock, t, users, ids):
    from models.db import today
    from models.school.tables import Enrolment
    login("larer1a")
    assert client.post("/messages/announce", data=form(
        when="later", send_date="2026-11-19", send_time="07:30")).status_code == 303
    # 1A's year is over before it goes: nobody is enrolled there any longer.
    (Enrolment.update(end_date=today()).where(Enrolment.group == ids["g1a"]).execute())
    clock.advance(days=1)
    assert worker(app) == 0
    row = OutgoingAnnouncement.get()
    assert row.not_sent == "nobody" and not sent_threads()
    assert _audit("announcement.not_sent")[0].details["reason"] == "nobody"
    assert Notification.select().where((Notification.user == users["larer1a"].id)
                                       & (Notification.event == "announcement_not_sent")
                                       ).exists()
    reason = t("Not sent: nobody was left in its groups to send it to. Change it and send "
               "it again, or cancel it.")
    login("larer1a")  # a day later
    assert reason in text_of(client.get("/messages/outbox"))
    edit = client.get(f"/messages/outbox/{row.id}/edit")
    html = edit.get_data(as_text=True)
    assert reason in text_of(edit) and 'id="when-now" name="when" value="now" checked' in html
    # Back in 1A, sent again from the restored form: the kept row gives way to it.
    Enrolment.update(end_date=None).where(Enrolment.group == ids["g1a"]).execute()
    assert client.post("/messages/announce", data=form(replaces=str(row.id))
                       ).status_code == 303
    assert len(sent_threads()) == 1 and OutgoingAnnouncement.select().count() == 0


def test_with_undo_off_nobody_to_send_to_shows_the_outbox(client, login, ids):
    from models.db import today
    from models.school.tables import Enrolment
    Enrolment.update(end_date=today() - datetime.timedelta(days=1)).where(
        Enrolment.group == ids["g1a"]).execute()
    login("larer1a")
    response = client.post("/messages/announce", data=form())
    assert response.headers["Location"].endswith("/messages/outbox")
    assert OutgoingAnnouncement.get().not_sent == "nobody"


# Urgent, checked again when it is sent ----------------------------------------------------------

@pytest.mark.parametrize("still_leader", [True, False])
def test_urgent_is_checked_again_when_it_is_sent(app, client, login, clock, users, ids,
                                                 still_leader):
    from models.school.tables import KINDERGARTEN_STAFF, StaffRole, UNIT_LEADER
    login("styrer")
    assert client.post("/messages/announce", data=form(
        to=f"group:{ids['blaaklokka']}", urgent="1", when="later", send_date="2026-11-19",
        send_time="07:30")).status_code == 303
    if not still_leader:  # no longer the leader, still kindergarten staff there
        (StaffRole.update(role=KINDERGARTEN_STAFF)
         .where((StaffRole.user == users["styrer"].id) & (StaffRole.role == UNIT_LEADER))
         .execute())
    clock.advance(days=1)
    assert worker(app) == 1
    thread, = sent_threads()
    assert thread.urgent is still_leader  # sent either way; urgent only with the right
    notes = Notification.select().where(Notification.thread == thread.id)
    assert notes.count() and all(n.urgent is still_leader for n in notes)
    event, = _audit("announcement.sent")
    assert event.details["urgent"] is still_leader
    assert event.details.get("urgent_refused", False) is not still_leader


@pytest.mark.parametrize("leaves", ["school", "sfo_unit"])
def test_a_family_with_children_in_two_units_gets_it_in_each_and_keeps_it(
        app, client, login, kids, ids, users, leaves):
    """Emma is at the school (1A) and the SFO: a guardian reads a unit's shared thread
    only while a child of theirs is there, so her home gets one thread in each unit, and
    still has the announcement when she leaves either."""
    from models.db import today
    from models.school.tables import Enrolment, StaffRole, UNIT_LEADER
    StaffRole.create(user=users["rektor"], role=UNIT_LEADER, unit=ids["sfo_unit"])
    keys = [f"unit:{ids['school']}", f"unit:{ids['sfo_unit']}"]
    school, sfo = Unit.get_by_id(ids["school"]), Unit.get_by_id(ids["sfo_unit"])
    shown = reach([(school, None), (sfo, None)])
    login("rektor")
    assert client.post("/messages/announce", data=form(to=keys)).status_code == 303
    threads = sent_threads()
    assert {th.unit_id for th in threads} == {school.id, sfo.id} and len(threads) == 2
    rows = list(ThreadParticipant.select(ThreadParticipant.user, Thread.unit)
                .join(Thread).where(Thread.id.in_([th.id for th in threads])
                                    & (ThreadParticipant.role == GUARDIAN)).tuples())
    # Each adult once in each unit, every adult the reach counted; people-threads per
    # unit are exactly the reach of that unit's targets (homes are counted once: the
    # sender confirms how many homes, not how many threads).
    assert len(rows) == len(set(rows))
    from models.messaging.recipients import announcement_households
    assert {user for user, _ in rows} == {
        g for v in announcement_households([(school, None), (sfo, None)]).values()
        for g in v}
    assert len({user for user, _ in rows}) == shown.people
    for unit in (school, sfo):
        assert sum(1 for _, u in rows if u == unit.id) == reach([(unit, None)]).people
    kari = users["kari"].id
    assert (kari, school.id) in rows and (kari, sfo.id) in rows
    # Emma leaves one of the two units: Kari still has the announcement from the other.
    group = ids["g1a"] if leaves == "school" else ids["gsfo"]
    Enrolment.update(end_date=today() - datetime.timedelta(days=1)).where(
        (Enrolment.child == kids["Emma"]) & (Enrolment.group == group)).execute()
    login("kari")
    assert text_of(client.get("/messages/")).count(SUBJECT) == 1
    kept = next(th for th in threads if th.unit_id != ids[leaves])
    assert client.get(f"/messages/{kept.id}").status_code == 200


# Kept not sent twice, and tokens that never collide ---------------------------------------------

def test_each_announcement_not_sent_is_told_even_when_the_id_comes_back(
        app, clock, users):
    """SQLite gives a deleted row's id to the next one: the second failure's
    notification must not be taken for the first's."""
    from models.school.tables import StaffRole
    roles = list(StaffRole.select().where(StaffRole.user == users["larer1a"].id).dicts())
    first = hold_for("larer1a", scheduled=True)
    StaffRole.delete().where(StaffRole.user == users["larer1a"].id).execute()
    clock.advance(seconds=31)
    worker(app)
    first_id = first.id
    OutgoingAnnouncement.delete().where(OutgoingAnnouncement.id == first_id).execute()
    StaffRole.insert_many(roles).execute()
    second = hold_for("larer1a", "Noe annet", scheduled=True)
    # As SQLite does (PostgreSQL never would): the new row under the old id.
    OutgoingAnnouncement.update(id=first_id).where(
        OutgoingAnnouncement.id == second.id).execute()
    StaffRole.delete().where(StaffRole.user == users["larer1a"].id).execute()
    clock.advance(seconds=31)
    worker(app)
    assert OutgoingAnnouncement.get_by_id(first_id).subject == "Noe annet"
    assert len(_audit("announcement.not_sent")) == 2
    told = Notification.select(Notification.key).where(
        (Notification.user == users["larer1a"].id)
        & (Notification.event == "announcement_not_sent"))
    channels = {n.key.rsplit(":", 1)[1] for n in told}
    assert told.count() == 2 * len(channels)


def test_a_row_held_without_a_form_token_is_never_taken_for_an_earlier_message(app, clock):
    held = hold_for("larer1a")
    assert held.client_token and len(held.client_token) >= 16
    # An earlier message whose token is what the id once made ("outbox-<id>").
    thread = Thread.select().order_by(Thread.id).first()
    Message.create(thread=thread, sender=thread.created_by, body="Eldre",
                   client_token=f"outbox-{held.id}")
    # And one held before every row had a token.
    older = hold_for("larer1a", "Eldre rad")
    OutgoingAnnouncement.update(client_token=None).where(
        OutgoingAnnouncement.id == older.id).execute()
    Message.create(thread=thread, sender=thread.created_by, body="Eldre",
                   client_token=f"outbox-{older.id}")
    clock.advance(seconds=31)
    assert worker(app) == 2
    assert len(sent_threads()) == 1 and len(sent_threads("Eldre rad")) == 1
    assert OutgoingAnnouncement.select().count() == 0
