"""Archive packages before purge (DESIGN.md rule 9; models/archive/): a package holds
exactly one unit's records of one period with their files, describes itself (manifest
with checksums, README, an offline index.html), and the purge's gate lets go only of
what a confirmed package covers."""
import dataclasses
import datetime
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from playhouse.test_utils import count_queries

import cli
import municipality
from models.absence.tables import Absence, LeaveApplication
from models.archive import gate, overview, package, records
from models.archive.tables import ArchiveExport
from models.attendance.tables import AttendanceMark
from models.audit import AuditEvent
from models.messaging.tables import Attachment, Message, Thread
from models.posts.tables import Post, PostMedia
from models.retention import common as retention_common
from models.retention import jobs
from models.retention import run as retention_run
from models.school.tables import Enrolment, User

from .cast import ROLES
from .matrix import Matrix, expect, only

pytestmark = pytest.mark.clock("2026-11-18 10:00")
TODAY = datetime.date(2026, 11, 18)
START, END = datetime.date(2024, 8, 1), datetime.date(2025, 7, 31)


FILES = {}  # where the test app keeps its files


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour))


def D(text):
    return datetime.date.fromisoformat(text)


@pytest.fixture
def history(app, ids):
    """Records of the school and of the kindergarten, in the period and outside it, each
    carrying a marker saying whether the school's package of the period must hold it."""
    files = Path(app.config["ATTACHMENT_DIR"])
    FILES["dir"] = files
    files.mkdir(parents=True, exist_ok=True)
    rektor, styrer, kari = (User.get(User.username == n) for n in ("rektor", "styrer", "kari"))
    for child, group in (("emma", "g1a"), ("noah", "blaaklokka")):
        Enrolment.create(child=ids[child], group=ids[group], start_date=START, end_date=END)
    made = {"files": {}}

    def stored(name, data):
        (files / name).write_bytes(data)
        made["files"][name] = data
        return name

    def thread(unit, child, subject, by):
        return Thread.create(unit=unit, child=child, subject=subject, created_by=by,
                             created_at=at(START))

    school_thread = thread(ids["school"], ids["emma"], "IN-thread", kari)
    inside = Message.create(thread=school_thread, sender=kari, body="IN-message",
                            created_at=at(D("2024-10-01")))
    Attachment.create(message=inside, filename="note.pdf", stored_name=stored(
        "archive-test-note", b"%PDF-1.4 IN-file"), mimetype="application/pdf", size=16)
    Message.create(thread=school_thread, sender=rektor, body="OUT-later-message",
                   created_at=at(D("2025-08-01"), 0))  # the first moment after the period
    Message.create(thread=school_thread, sender=rektor, body="IN-last-moment",
                   created_at=datetime.datetime(2025, 7, 31, 23, 59, 59))
    other = thread(ids["kindergarten"], ids["noah"], "OTHER-thread", kari)
    Message.create(thread=other, sender=kari, body="OTHER-message",
                   created_at=at(D("2024-10-02")))

    post = Post.create(unit=ids["school"], group=ids["g1a"], title="IN-post", body="IN",
                       author=rektor, published_at=at(D("2024-11-01")))
    made["media"] = PostMedia.create(post=post, stored_name=stored("archive-test-photo", b"\xff\xd8IN-photo"),
                     thumb_name=stored("archive-test-thumb", b"\xff\xd8OUT-thumb"),
                     mimetype="image/jpeg", size=10, width=4, height=3, thumb_width=4,
                     thumb_height=3).id
    PostMedia.create(post=post, stored_name=stored("archive-test-gone", b"OUT-withdrawn"),
                     thumb_name="archive-test-gone-thumb", mimetype="image/jpeg", size=10,
                     width=4, height=3, thumb_width=4, thumb_height=3,
                     withdrawn_at=at(D("2024-11-02")))
    Post.create(unit=ids["school"], title="OUT-old-post", author=rektor,
                published_at=at(D("2023-11-01")))
    Post.create(unit=ids["kindergarten"], title="OTHER-post", author=styrer,
                published_at=at(D("2024-11-01")))

    made["leave"] = LeaveApplication.create(
        child=ids["emma"], start_date=D("2025-03-03"), end_date=D("2025-03-04"),
        reason="IN-leave", applied_by=kari, status="approved", decided_by=rektor,
        decided_at=at(D("2025-02-20")), decision_reason="IN-decision").id
    LeaveApplication.create(child=ids["noah"], start_date=D("2025-03-03"),
                            end_date=D("2025-03-03"), reason="OTHER-leave", applied_by=kari)
    made["absence"] = Absence.create(child=ids["emma"], start_date=D("2025-02-03"),
                                     end_date=D("2025-02-03"), reason="ill",
                                     note="IN-absence", reported_by=kari).id
    Absence.create(child=ids["emma"], start_date=D("2023-02-03"), end_date=D("2023-02-03"),
                   reason="ill", note="OUT-old-absence", reported_by=kari)
    made["mark"] = AttendanceMark.create(child=ids["emma"], group=ids["g1a"],
                                         day=D("2025-01-15"), status="absent",
                                         marked_by=rektor).id
    AttendanceMark.create(child=ids["noah"], group=ids["blaaklokka"], day=D("2025-01-15"),
                          status="present")
    AttendanceMark.create(child=ids["emma"], group=ids["g1a"], day=D("2024-07-31"),
                          status="present")
    made["thread"], made["post"] = school_thread.id, post.id
    return made


def package_path(export):
    return Path(FILES["dir"]) / package.FOLDER / export.stored_name


def unpacked(export):
    with zipfile.ZipFile(package_path(export)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def build(app, ids, start=START, end=END, unit="school"):
    with app.app_context():
        return package.build(overview.unit_or_none(ids[unit]), start, end)


def test_the_package_holds_exactly_the_units_records_of_the_period(app, ids, history):
    export = build(app, ids)
    content = unpacked(export)
    everything = b"".join(content.values())
    assert b"OUT-" not in everything and b"OTHER-" not in everything
    for marker in (b"IN-thread", b"IN-message", b"IN-last-moment", b"IN-post",
                   b"IN-leave", b"IN-decision", b"IN-absence", b"IN-file", b"IN-photo"):
        assert marker in everything, marker
    data = {kind: json.loads(content[f"{kind}.json"]) for kind in records.KINDS}
    assert [t["id"] for t in data["messages"]] == [history["thread"]]
    assert [m["text"] for m in data["messages"][0]["messages"]] == ["IN-message",
                                                                    "IN-last-moment"]
    assert [p["id"] for p in data["posts"]] == [history["post"]]
    media = data["posts"][0]["media"]
    assert media[1]["path"] is None and media[1]["withdrawn_at"]  # taken back: no file
    assert [r["id"] for r in data["leave"]] == [history["leave"]]
    assert [r["id"] for r in data["absence"]] == [history["absence"]]
    # the demo's own attendance is from this school year, after the period
    assert [r["id"] for r in data["attendance"]] == [history["mark"]]
    assert data["absence"][0]["child"]["name"].startswith("Emma")
    assert "national_id" not in everything.decode("utf-8", "replace")
    files = sorted(n for n in content if n.startswith("files/"))
    assert files == [f"files/messages/{data['messages'][0]['messages'][0]['id']}-"
                     f"{Attachment.get().id}-note.pdf",
                     f"files/posts/{history['post']}-{history['media']}.jpg"]
    assert content[files[0]] == b"%PDF-1.4 IN-file"


def test_the_manifest_lists_every_file_with_its_checksum(app, ids, history):
    export = build(app, ids)
    content = unpacked(export)
    manifest = json.loads(content["manifest.json"])
    assert manifest["format"] == package.FORMAT
    assert manifest["unit"]["id"] == ids["school"]
    assert manifest["period"] == {"from": "2024-08-01", "to": "2025-07-31"}
    assert manifest["kinds"] == list(records.KINDS)
    assert manifest["counts"]["messages"] == 1 and manifest["counts"]["posts_files"] == 1
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(content) - {"manifest.json"}
    for path, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(content[path]).hexdigest(), path
        assert entry["size"] == len(content[path])
    whole = package_path(export).read_bytes()
    assert export.sha256 == hashlib.sha256(whole).hexdigest() and export.size == len(whole)
    assert "README.txt" in listed and b"arkivlova" in content["README.txt"]
    event = AuditEvent.get(AuditEvent.action == "archive.exported")
    assert event.details["counts"]["messages"] == 1 and event.object_id == export.id


def test_the_index_opens_offline_without_script(app, ids, history):
    html = unpacked(build(app, ids))["index.html"].decode()
    assert "<script" not in html.lower()
    assert not re.search(r"\son\w+\s*=", html)
    assert not re.search(r"(src|href)\s*=\s*\"(https?:)?//", html)
    assert "http://" not in html and "https://" not in html
    assert "IN-message" in html and "IN-leave" in html and "Solbakken skole" in html
    assert 'href="files/messages/' in html and 'href="files/posts/' in html


def test_a_package_is_not_made_while_the_purge_runs(app, ids, history):
    with jobs.purge_running():
        with pytest.raises(jobs.Busy):
            build(app, ids)
    assert not ArchiveExport.select().exists()
    assert not list(Path(app.config["ATTACHMENT_DIR"], package.FOLDER).glob("*.part"))


# The gate -------------------------------------------------------------------------------

def confirmed(ids, start, end, kinds=records.KINDS, unit="school"):
    return ArchiveExport.create(unit=ids[unit], period_start=start, period_end=end,
                                kinds=",".join(kinds), sha256="0" * 64, size=1,
                                confirmed_at=at(TODAY))


def test_the_gate_keeps_everything_until_a_package_is_confirmed(app, ids, history):
    cutoff = D("2026-01-01")
    first = records.earliest("posts", ids["school"])
    assert first == D("2023-11-01")
    assert gate.deletable_before("posts", ids["school"], cutoff) == first
    ArchiveExport.create(unit=ids["school"], period_start=D("2023-01-01"),
                         period_end=D("2025-07-31"), kinds="posts", sha256="0" * 64, size=1)
    assert gate.deletable_before("posts", ids["school"], cutoff) == first  # unconfirmed


def test_the_gate_follows_contiguous_confirmed_packages(app, ids, history):
    cutoff = D("2026-01-01")
    confirmed(ids, D("2023-08-01"), D("2024-07-31"))
    assert gate.deletable_before("posts", ids["school"], cutoff) == D("2024-08-01")
    confirmed(ids, D("2024-09-01"), D("2025-07-31"))  # a gap in August 2024
    assert gate.deletable_before("posts", ids["school"], cutoff) == D("2024-08-01")
    confirmed(ids, D("2024-08-01"), D("2024-08-31"))
    assert gate.deletable_before("posts", ids["school"], cutoff) == D("2025-08-01")
    # never later than the cutoff, and another unit's packages do not count
    assert gate.deletable_before("posts", ids["school"], D("2025-01-01")) == D("2025-01-01")
    assert (gate.deletable_before("posts", ids["kindergarten"], cutoff)
            == records.earliest("posts", ids["kindergarten"]))


def test_a_package_counts_only_for_its_kinds(app, ids, history):
    confirmed(ids, D("2020-01-01"), D("2025-07-31"), kinds=["posts"])
    assert gate.deletable_before("posts", ids["school"], D("2026-01-01")) == D("2025-08-01")
    assert (gate.deletable_before("absence", ids["school"], D("2026-01-01"))
            == records.earliest("absence", ids["school"]))


def test_the_gate_lets_go_of_what_is_not_archivable_or_archived_elsewhere(app, ids, history):
    cutoff = D("2026-01-01")
    assert gate.deletable_before("check_ins", ids["school"], cutoff) == cutoff
    unit_without = overview.unit_or_none(ids["sfo_unit"])
    assert records.earliest("posts", unit_without.id) is None
    assert gate.deletable_before("posts", unit_without.id, cutoff) == cutoff
    assert gate.ARCHIVABLE == {"messages", "posts", "leave", "absence", "attendance"}
    app.config["MUNICIPALITY"] = dataclasses.replace(app.config["MUNICIPALITY"],
                                                     archive_done_elsewhere=True)
    with app.app_context():
        assert gate.deletable_before("posts", ids["school"], cutoff) == cutoff


def test_the_municipality_file_says_whether_archiving_is_done_elsewhere(tmp_path):
    example = Path(__file__).resolve().parent.parent / "municipality.example.toml"
    assert municipality.load(example).archive_done_elsewhere is False
    text = example.read_text().replace("done_elsewhere = false", "done_elsewhere = true")
    (tmp_path / "m.toml").write_text(text)
    logo = re.search(r'logo = "([^"]+)"', text)
    if logo:
        (tmp_path / logo.group(1)).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / logo.group(1)).write_bytes((example.parent / logo.group(1)).read_bytes())
    assert municipality.load(tmp_path / "m.toml").archive_done_elsewhere is True
    (tmp_path / "m.toml").write_text(text.replace("done_elsewhere = true",
                                                  'done_elsewhere = "yes"'))
    with pytest.raises(municipality.ConfigError, match="archive.done_elsewhere"):
        municipality.load(tmp_path / "m.toml")


# What is due, confirming, the command line -----------------------------------------------

def test_due_lists_uncovered_school_years_and_confirming_covers_them(app, ids, history):
    due = {line.unit_id: line for line in overview.due(TODAY)}
    # the old post; the old absence falls to no unit (Emma was not enrolled then)
    assert due[ids["school"]].start == D("2023-11-01")
    assert due[ids["school"]].end == D("2026-07-31")
    export = build(app, ids, D("2023-01-01"), D("2026-07-31"))
    assert ids["school"] in {line.unit_id for line in overview.due(TODAY)}  # not confirmed
    with app.app_context():
        overview.confirm(export.id)
    assert ids["school"] not in {line.unit_id for line in overview.due(TODAY)}
    assert ids["kindergarten"] in {line.unit_id for line in overview.due(TODAY)}
    first = ArchiveExport.get_by_id(export.id).confirmed_at
    assert overview.confirm(export.id).confirmed_at == first  # twice: the first stays
    assert AuditEvent.select().where(AuditEvent.action == "archive.confirmed").count() == 1
    assert overview.confirm(export.id + 100) is None


def test_the_command_line(app, ids, history, tmp_path):
    runner = CliRunner()
    with app.app_context():
        made = runner.invoke(cli.archive_group, [
            "export", "--unit", str(ids["school"]), "--from", "2024-08-01",
            "--to", "2025-07-31", "--out", str(tmp_path / "out")])
    assert made.exit_code == 0, made.output
    export = ArchiveExport.get()
    assert export.sha256 in made.output and str(export.size) in made.output
    copied = list((tmp_path / "out").glob("*.zip"))
    assert len(copied) == 1 and hashlib.sha256(copied[0].read_bytes()).hexdigest() == export.sha256
    with app.app_context():
        listed = runner.invoke(cli.archive_group, ["list"])
        assert f"package {export.id}" in listed.output and "not confirmed" in listed.output
        assert "due: Solbakken skole" in listed.output
        assert runner.invoke(cli.archive_group, ["confirm", str(export.id)]).exit_code == 0
        assert runner.invoke(cli.archive_group, ["confirm", "999999"]).exit_code != 0
        for args in (["--from", "2025-07-31", "--to", "2024-08-01"],
                     ["--from", "2024-08-01", "--to", "2026-12-01"],
                     ["--from", "1999-01-01", "--to", "2000-01-01"],
                     ["--from", "2024-13-01", "--to", "2025-01-01"]):
            bad = runner.invoke(cli.archive_group, ["export", "--unit", str(ids["school"]),
                                                    *args])
            assert bad.exit_code == 2, (args, bad.output)
        bad = runner.invoke(cli.archive_group, ["export", "--unit", "999999", "--from",
                                                "2024-08-01", "--to", "2025-07-31"])
        assert bad.exit_code == 2
    assert ArchiveExport.get_by_id(export.id).confirmed_at is not None


# The administrator's page ----------------------------------------------------------------

@pytest.fixture
def archive_ids(app, ids, history):
    return {**ids, "package": build(app, ids).id}


ROUTES = Matrix({
    ("GET", "/admin/archive/"): only(["admin"]),
    ("POST", "/admin/archive/build"): expect(only(["admin"], 400), data={"unit": ""}),
    ("GET", "/admin/archive/{package}/download"): only(["admin"]),
    ("GET", "/admin/archive/999999/download"): only(()),
    ("POST", "/admin/archive/{package}/confirm"): only(["admin"], 303),
    ("POST", "/admin/archive/999999/confirm"): only(()),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, archive_ids, role):
    ROUTES.check(client, login, role, archive_ids)


def test_the_page_builds_downloads_and_confirms(client, login, ids, history):
    login("admin")
    page = client.get("/admin/archive/")
    assert page.status_code == 200 and "Solbakken skole" in page.text
    response = client.post("/admin/archive/build", data={
        "unit": ids["school"], "start": "2024-08-01", "end": "2025-07-31"})
    assert response.status_code == 303
    export = ArchiveExport.get()
    assert export.created_by.username == "admin"
    download = client.get(f"/admin/archive/{export.id}/download")
    assert download.status_code == 200
    data = download.data
    download.close()
    assert hashlib.sha256(data).hexdigest() == export.sha256
    assert zipfile.ZipFile(io.BytesIO(data)).read("manifest.json")
    assert AuditEvent.get(AuditEvent.action == "archive.downloaded").actor_name
    with client.application.app_context():
        stored = package_path(export)
    assert stored.is_file()
    assert client.post(f"/admin/archive/{export.id}/confirm").status_code == 303
    assert ArchiveExport.get_by_id(export.id).confirmed_by.username == "admin"
    page = client.get("/admin/archive/")
    assert export.sha256 in page.text  # the checksum stays on record…
    # …but the archive has the package now: ours is deleted, with what it held.
    assert not stored.exists()
    assert client.get(f"/admin/archive/{export.id}/download").status_code == 404


def test_a_package_nobody_confirms_is_deleted_by_the_purge_after_30_days(
        app, client, login, ids, history, clock):
    login("admin")
    client.post("/admin/archive/build", data={
        "unit": ids["school"], "start": "2024-08-01", "end": "2025-07-31"})
    export = ArchiveExport.get()
    with app.app_context():
        stored = package_path(export)
    settings = retention_common.settings_of(app)
    clock.advance(days=29)
    def due():
        return {o.kind: o.count for o in retention_run.survey(settings)}["archive_packages"]
    assert due() == 0
    clock.advance(days=2)
    assert due() == 1
    with app.app_context():
        retention_run.purge(settings)
    assert not stored.exists() and ArchiveExport.get_by_id(export.id).sha256 == export.sha256


@pytest.mark.parametrize("form", [
    {"unit": "", "start": "2024-08-01", "end": "2025-07-31"},
    {"unit": "999999", "start": "2024-08-01", "end": "2025-07-31"},
    {"unit": "99999999999999999999999", "start": "2024-08-01", "end": "2025-07-31"},
    {"unit": "{school}", "start": "2024-02-30", "end": "2025-07-31"},
    {"unit": "{school}", "start": "2025-07-31", "end": "2024-08-01"},
    {"unit": "{school}", "start": "2024-08-01", "end": "2026-11-18"},
    {"unit": "{school}", "start": "1999-12-31", "end": "2000-01-02"},
    {"unit": "{school}", "start": "2000-01-01", "end": "2025-07-31"},
])
def test_bad_forms_are_refused_with_what_was_typed(client, login, ids, form, t):
    login("admin")
    sent = {k: str(ids["school"]) if v == "{school}" else v for k, v in form.items()}
    response = client.post("/admin/archive/build", data=sent)
    assert response.status_code == 400
    assert t("There is a problem") in response.text
    assert f'value="{sent["start"]}"' in response.text
    assert not ArchiveExport.select().exists()


def test_the_page_costs_a_fixed_number_of_queries(client, login, ids, history, app):
    login("admin")
    client.get("/admin/archive/")
    build(app, ids)
    with count_queries() as counter:
        assert client.get("/admin/archive/").status_code == 200
    few = counter.count
    for year in range(2010, 2016):
        build(app, ids, D(f"{year}-01-01"), D(f"{year}-12-31"))
    with count_queries() as counter:
        assert client.get("/admin/archive/").status_code == 200
    assert counter.count == few <= 6


def test_the_page_says_so_while_the_purge_runs(client, login, ids, history, t):
    login("admin")
    with jobs.purge_running():
        response = client.post("/admin/archive/build", data={
            "unit": ids["school"], "start": "2024-08-01", "end": "2025-07-31"})
    assert response.status_code == 409
    assert t("The purge is running just now. Try again in a while.") in response.text
    assert not ArchiveExport.select().exists()
