"""A person's copy of their data (issue 19; GDPR art. 15 and 20, DESIGN.md rule 10): asked
for on "Your data", made by the task queue, announced by a notification, downloaded once
within a day only by its owner; everything about the person and their children, nothing
of another family (diffed against a crawl of what the person can see)."""
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from models.audit import AuditEvent
from models.data_export import cleanup, exports, tasks
from models.data_export.tables import DataExport
from models.notifications.tables import EXPORT_READY, Notification
from models.protect import mask
from models.retention import jobs
from models import access
from models.messaging.tables import ThreadParticipant
from models.school.tables import Child, User

from .cast import DENTIST, ROLES
from .crawl import crawl
from .helpers import HTMX, queries_for, text_of
from .matrix import HTMX_MODE, Matrix, everyone, only
from .test_crawl import Rules, national_ids, traces

pytestmark = pytest.mark.clock("2026-11-18 10:00")  # a Wednesday

ROUTES = Matrix({
    ("GET", "/my-data"): everyone(),
    ("GET", "/my-data", HTMX_MODE): everyone(),
    # Kari's own link (made before the run): hers alone; nobody else learns it exists.
    ("GET", "/my-data/{kari_link}"): only(["kari"]),
    ("GET", "/my-data/{kari_link}", HTMX_MODE): only(["kari"], yes=410),  # used above
    ("GET", "/my-data/not-a-link"): everyone(404),
    ("POST", "/my-data"): everyone(303),
})


def ready_export(app, username):
    """A finished copy for a demo user, as the worker makes it: (row, token)."""
    user = User.get(User.username == username)
    with app.app_context():
        export = exports.ask(user)
        assert tasks.make(export.id) == "ready"
        row = DataExport.get_by_id(export.id)
        return row, exports.token_of(row)


@pytest.fixture
def link_ids(app, ids):
    _, token = ready_export(app, "kari")
    return {**ids, "kari_link": token}


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, link_ids, role):
    ROUTES.check(client, login, role, link_ids)


def download(client, app, username):
    """Ask on the page as the person (the queue runs at once in tests) and download."""
    client.post("/my-data")
    row = (DataExport.select().join(User).where(User.username == username)
           .order_by(DataExport.id.desc()).first())
    with app.app_context():
        token = exports.token_of(row)
    response = client.get(f"/my-data/{token}")
    response.get_data()  # read, then let go of the file
    response.close()
    return response, token


def unpacked(response):
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        names = archive.namelist()
        data = json.loads(archive.read("data.json"))
        page = archive.read("index.html").decode()
        return names, data, page


def test_kari_asks_and_downloads_her_familys_data(app, client, login):
    kari = login("kari")
    response = client.post("/my-data", follow_redirects=True)
    page = text_of(response)
    assert "Download" in response.get_data(as_text=True) or "Last ned" in page
    response, token = download(client, app, "kari")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in response.headers["Cache-Control"]
    names, data, index = unpacked(response)

    children = {c["first_name"]: c for c in data["children"]}
    assert set(children) == {"Emma", "Noah"}
    emma = children["Emma"]
    assert emma["groups"] and emma["guardians"]
    assert emma["absences"], "Emma's reported absence"
    assert any(c["answers"] for c in emma["consents"]), "the photo consent's answers"
    answerers = {a["guardian"] for c in emma["consents"] for a in c["answers"]}
    assert {"Kari Hansen", "Ola Hansen"} <= answerers  # both guardians' answers: her record
    assert emma["caregivers"], "bestemor's access"
    assert children["Noah"]["pickup_list"], "Noah's pick-up list"
    subjects = {t["subject"] for t in data["threads"]}
    assert DENTIST in subjects
    dentist = next(t for t in data["threads"] if t["subject"] == DENTIST)
    assert any("tannlegen" in m["text"] for m in dentist["messages"])
    assert data["class_list"] and data["notification_settings"]["events"]
    assert data["person"]["email"] == "kari@example.org"
    # Who at the school opened Emma's pages (rule 12), as Kari's "who has seen" page says.
    assert {"Lars Lærer", "absence"} <= {v for row in emma["seen_by"]
                                          for v in (row["name"], row["page"])}, emma["seen_by"]
    assert data["rectifications"] == []  # Kari asked for none; Ola's is his own
    assert any(row["action"] == "export.requested" and row["by_you"] for row in data["audit"])
    posted = [path for c in data["children"] for post in c["posts"] for path in post["files"]]
    assert posted and set(posted) <= set(names)
    assert {f["path"] for f in data["files"]} <= set(names)
    assert set(data["keys"]) >= set(data) - {"keys"}  # every key is described
    # A page that opens offline: no script, nothing fetched from elsewhere.
    assert "<script" not in index and not re.search(r"""(src|href)=["']?(https?:)?//""", index)
    assert DENTIST in index and "Emma" in index and "style.css" in names
    # Audited with counts only.
    downloaded = AuditEvent.get(AuditEvent.action == "export.downloaded")
    assert downloaded.actor_id == kari.id and set(downloaded.details) == {"bytes"}


def test_the_link_works_once_and_only_for_its_owner(app, client, login, make_app, t):
    login("kari")
    first, token = download(client, app, "kari")
    assert first.status_code == 200
    again = client.get(f"/my-data/{token}")
    assert again.status_code == 410
    assert t("Your copy has already been downloaded once, and each link works only once.") \
        in text_of(again)
    login("ola")
    assert client.get(f"/my-data/{token}").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/my-data/{token}").status_code == 302


def test_the_link_expires_after_a_day_and_the_purge_deletes_the_file(app, client, login,
                                                                     clock, t):
    login("kari")
    client.post("/my-data")
    row = DataExport.get()
    path = Path(app.config["ATTACHMENT_DIR"]) / "exports" / row.storage_key
    assert path.is_file()
    with app.app_context():
        token = exports.token_of(row)
    clock.advance(hours=23, minutes=59)
    with app.app_context():
        assert cleanup.purge_expired() == 0
    clock.advance(minutes=2)
    login("kari")  # her session of yesterday has ended
    response = client.get(f"/my-data/{token}")
    assert response.status_code == 410
    assert t("Your copy is more than a day old and has been deleted.") in text_of(response)
    assert t("Your last copy has expired and is deleted. Make a new one if you need it.") in \
        text_of(client.get("/my-data"))
    assert cleanup.purge_expired(storage=app.extensions["storage"]) == 1
    assert not path.exists() and DataExport.get().storage_key is None


def test_ready_is_told_through_the_persons_own_channels_without_content(app, client, login):
    kari = login("kari")
    client.post("/my-data")
    told = list(Notification.select().where((Notification.user == kari.id)
                                            & (Notification.event == EXPORT_READY)))
    assert told and {n.path for n in told} == {"/my-data"}
    assert all(n.child_id is None and n.thread_id is None for n in told)
    # Her choice for this kind counts: e-mail only, no push.
    from models.notifications import preferences
    from models.notifications.tables import Choice
    choices = preferences.choices_of(kari)
    choices[EXPORT_READY] = Choice(frozenset({"email"}))
    preferences.save_choices(kari, choices, preferences.schedule_of(kari))
    client.post("/my-data")
    latest = (Notification.select().where((Notification.user == kari.id)
                                           & (Notification.event == EXPORT_READY))
              .order_by(Notification.id.desc()).first())
    assert latest.channel == "email"


def test_one_request_at_a_time_and_a_new_one_replaces_the_old_copy(app, make_app, login, t):
    first, _ = ready_export(app, "kari")
    old_file = Path(app.config["ATTACHMENT_DIR"]) / "exports" / first.storage_key
    assert old_file.is_file()
    waiting = make_app(QUEUE_IMMEDIATE=False)  # a worker that has not run yet
    client = waiting.test_client()
    from models.login.sessions import LoginSession
    token = LoginSession.start(User.get(User.username == "kari"))
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = token, True
    assert client.post("/my-data").status_code == 303
    assert not old_file.exists(), "the new request replaces the old copy"
    page = text_of(client.get("/my-data"))
    assert t("Waiting: your copy will be made shortly. We tell you when it is ready.") in page
    again = client.post("/my-data", follow_redirects=True)
    assert t("Your copy is already being made. We tell you when it is ready.") in \
        text_of(again)
    assert DataExport.select().where(DataExport.state == "waiting").count() == 1


def test_no_export_while_the_purge_runs(app):
    kari = User.get(User.username == "kari")
    with app.app_context():
        export = exports.ask(kari)
        with jobs.purge_running():
            with pytest.raises(jobs.Busy):
                tasks.make(export.id)
        assert DataExport.get_by_id(export.id).state == "waiting"
        assert tasks.make(export.id) == "ready"


def test_the_page_costs_a_few_queries(app, client, login):
    login("kari")
    client.post("/my-data")
    assert queries_for(client, "/my-data") <= 6
    assert queries_for(client, "/my-data", headers=HTMX) <= 6
    fragment = client.get("/my-data", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="export-status"' in fragment


def test_the_page_is_linked_from_the_account_page_and_every_footer(client, login):
    login("kari")
    assert 'href="/my-data"' in client.get("/").get_data(as_text=True)
    assert 'href="/my-data"' in client.get("/account/notifications").get_data(as_text=True)


def _export_text(client, app, username):
    response, _ = download(client, app, username)
    assert response.status_code == 200
    names, data, page = unpacked(response)
    return "\n".join([json.dumps(data, ensure_ascii=False), page, *names])


def test_the_export_shows_no_other_family_beyond_what_kari_can_see(app, client, login):
    kari = login("kari")
    seen = "\n".join(page.text for page in crawl(client, "kari").pages)
    text = _export_text(client, app, "kari")
    rules = Rules(kari)
    found = []
    for trace in traces():
        if trace.owner in rules.owners:
            continue  # her own family
        if trace.pattern.search(text) and not trace.pattern.search(seen):
            found.append((trace.owner, trace.kind, trace.pattern.pattern))
    assert not found
    own = {number for owner, number in national_ids() if owner == ("adult", kari.id)}
    for owner, number in national_ids():
        assert number not in text, owner
        if number not in own:
            assert mask(number) not in text, owner


def test_a_request_for_correction_is_in_the_copy_of_the_one_who_asked(app, client, login):
    login("ola")
    _, data, index = unpacked(download(client, app, "ola")[0])
    asked, = data["rectifications"]
    assert asked["status"] == "open" and asked["field"] == "phone"
    assert asked["history"] and "telefonnummer" in asked["history"][0]["text"].lower()
    assert asked["history"][0]["text"] in index


def test_a_protected_co_guardians_address_and_phone_stay_out(app, client, login):
    (User.update(address_protection="fortrolig", address="Skjultveien 7",
                 phone="+47 955 55 555")
     .where(User.username == "ola").execute())
    login("kari")
    text = _export_text(client, app, "kari")
    assert "Ola Hansen" in text  # named: he is Emma's and Noah's guardian
    assert "Skjultveien 7" not in text and "+47 955 55 555" not in text
    assert "fortrolig" not in text


def test_a_protected_childs_address_is_in_nobodys_copy(app, client, login):
    (Child.update(address_protection="fortrolig", address="Skjultveien 7")
     .where(Child.first_name == "Emma").execute())
    login("kari")
    text = _export_text(client, app, "kari")
    assert "Emma" in text and "Skjultveien 7" not in text and "fortrolig" not in text


def test_a_request_for_correction_stays_out_of_the_other_guardians_copy(app, client, login):
    login("ola")
    emma = Child.get(Child.first_name == "Emma").id
    assert client.post(f"/rectifications/new?about=child&child={emma}", data={
        "field": "address", "explanation": "Adressen er feil."}).status_code == 303
    assert AuditEvent.select().where(AuditEvent.action == "rectification.requested").count() == 2
    login("kari")
    _, data, _ = unpacked(download(client, app, "kari")[0])
    assert not [row for row in data["audit"] if row["action"].startswith("rectification.")]
    login("ola")
    _, data, _ = unpacked(download(client, app, "ola")[0])
    assert len([row for row in data["audit"] if row["action"] == "rectification.requested"]) == 2


def test_staff_get_their_own_account_messages_and_actions(app, client, login):
    teacher = login("larer1a")
    response, _ = download(client, app, "larer1a")
    _, data, _ = unpacked(response)
    assert data["children"] == [] and data["person"]["staff_roles"]
    sent = [m for t in data["threads"] for m in t["messages"] if m["from"] == teacher.name]
    assert sent or data["messages_sent"]
    # Their own conversations, not every family's: each copied thread has them in it.
    taking_part = {t for (t,) in ThreadParticipant.select(ThreadParticipant.thread)
                   .where(ThreadParticipant.user == teacher.id).tuples()}
    assert data["threads"] and {t["id"] for t in data["threads"]} <= taking_part


def test_a_unit_leader_copies_their_own_conversations_not_the_whole_schools(
        app, client, login):
    leader = login("rektor")
    readable = {t.id for t in access.threads(leader)}
    _, data, _ = unpacked(download(client, app, "rektor")[0])
    copied = {t["id"] for t in data["threads"]}
    assert copied < readable  # the school's other conversations stay out
    assert data["audit"] and all(row["by_you"] or row["object"] == "user"
                                 for row in data["audit"])


def test_the_calendar_is_in_the_copy_with_the_familys_own_replies_and_bookings(
        app, client, login):
    """Issue 20: the children's events with the replies given for them, the meetings with
    the agenda and the family's own time, and the groups whose weekly plans they read."""
    login("kari")
    _, data, _ = unpacked(download(client, app, "kari")[0])
    calendar = data["calendar"]
    day, = [e for e in calendar["events"] if e["title"] == "Aktivitetsdag"]
    assert day["child"] == "Emma" and day["reply"]["answer"] == "yes"
    assert (day["reply"]["children"], day["reply"]["adults"]) == (1, 2)
    meeting, = [m for m in calendar["meetings"] if m["round"] == "Foreldresamtaler"]
    assert meeting["child"].startswith("Emma") and len(meeting["bookings"]) == 1
    assert meeting["bookings"][0]["booked_by_you"]
    assert {"group": "1A", "child": "Emma"} in calendar["week_plans"]
    login("nina")  # Jonas's mother: the same event and round, nothing of Emma's family
    _, data, _ = unpacked(download(client, app, "nina")[0])
    calendar = data["calendar"]
    day, = [e for e in calendar["events"] if e["title"] == "Aktivitetsdag"]
    assert day["child"] == "Jonas" and day["reply"] is None
    assert all(not m["bookings"] for m in calendar["meetings"])
    assert "Emma" not in json.dumps(calendar)
