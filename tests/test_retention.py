"""Retention (DESIGN.md rule 9, issue 19): every kind of data goes when its period in the
municipality file has passed, and nothing else. Each kind is time-travelled: the clock
stands on the last day a record is kept, then on the first day it is due.

The demo is loaded on 2026-03-10 (school year 2025, enrolments from 2025-08-15); the
records made here are dated so that their period ends at that moment."""
import datetime
import json
import logging
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models.absence.tables import Absence, LeaveApplication
from models.archive import gate
from models.attendance.tables import AbsenceNotice, AttendanceMark
from models.audit import AuditEvent
from models.consent.tables import (PHOTO, YES, NO, Consent, ConsentAnswer, ConsentItem,
                                   ConsentVersion)
from models.login.sessions import LoginSession
from models.messaging.tables import Attachment, Message, Thread
from models.notifications.tables import PushSubscription
from models.posts.tables import Post, PostMedia
from models.retention import common, jobs, kinds, people
from models.retention import run as retention_run
from models.school.tables import Child, ClassListShare, Enrolment, Guardianship, User

OSLO = ZoneInfo("Europe/Oslo")
DEMO_DAY = "2026-03-10 12:00"


def at(text):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=OSLO)


def utc(text):
    """A stored moment (naive UTC)."""
    return datetime.datetime.fromisoformat(text)


@pytest.fixture
def archived(monkeypatch):
    """The archive packages cover everything (or archiving is done elsewhere)."""
    monkeypatch.setattr(gate, "deletable_before", lambda kind, unit, cutoff: cutoff)


def purge(app, *args):
    result = app.test_cli_runner().invoke(args=["purge", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def counts(output, dry=False):
    pattern = r"^(\w+): (\d+) due" if dry else r"^(\w+): deleted (\d+)"
    return {k: int(n) for k, n in re.findall(pattern, output, re.M)}


def only(found, **expected):
    """Every kind 0 but the ones named."""
    assert {k: n for k, n in found.items() if n} == expected, found


# Messages ---------------------------------------------------------------------------

def _thread(ids, app, subject, last, sender="kari", child="emma", with_file=None):
    thread = Thread.create(unit=ids["school"], child=ids[child], subject=subject,
                           created_by=ids[sender], created_at=utc(last), last_message_at=utc(last))
    message = Message.create(thread=thread, sender=ids[sender], body="Hei", created_at=utc(last))
    if with_file:
        path = Path(app.config["ATTACHMENT_DIR"]) / with_file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.4 test")
        Attachment.create(message=message, filename="brev.pdf", stored_name=with_file,
                          mimetype="application/pdf", size=13)
    return thread


@pytest.mark.clock(DEMO_DAY)
def test_a_thread_goes_with_its_files_five_years_after_its_last_message(
        app, ids, clock, archived):
    directory = Path(app.config["ATTACHMENT_DIR"])
    old = _thread(ids, app, "Gammel tråd", "2021-03-09 18:00", with_file="old-file")
    younger = _thread(ids, app, "Ett døgn yngre", "2021-03-10 06:00", with_file="young-file")
    other = _thread(ids, app, "Annen familie", "2021-03-09 18:00", sender="nina", child="jonas")
    Message.create(thread=other, sender=ids["larer1a"], body="Svar", created_at=utc(
        "2021-03-10 07:00"))
    Thread.update(last_message_at=utc("2021-03-10 07:00")).where(Thread.id == other.id).execute()
    clock.set(at("2026-03-09 23:00"), tick=False)  # the 5 years end with 2026-03-09
    only(counts(purge(app).output))
    assert Thread.get_or_none(Thread.id == old.id) and (directory / "old-file").exists()
    clock.set(at("2026-03-10 08:00"), tick=False)
    result = purge(app)
    assert result.exit_code == 0, result.output
    assert counts(result.output)["messages"] == 1
    assert Thread.get_or_none(Thread.id == old.id) is None
    assert not Message.select().where(Message.thread == old.id).exists()
    assert not (directory / "old-file").exists()
    # One day younger, and another family's thread with a later reply, stay.
    assert Thread.get_or_none(Thread.id == younger.id) and (directory / "young-file").exists()
    assert Thread.get_or_none(Thread.id == other.id)
    assert Thread.select().count() == Thread.select().where(
        Thread.id.not_in([old.id])).count()


@pytest.mark.clock(DEMO_DAY)
def test_records_wait_for_the_archive_package_of_their_unit(app, ids, clock, monkeypatch):
    """No confirmed archive package: past its period a thread is held, the dry run and
    the real run say so, and nothing of it goes; once covered, it goes."""
    old = _thread(ids, app, "Gammel tråd", "2021-03-09 18:00")
    clock.set(at("2026-03-10 08:00"), tick=False)
    dry = purge(app, "--dry-run")
    assert "messages: 0 due (1 held for archive)" in dry.output, dry.output
    assert "held: waiting for archive export" in dry.output
    result = purge(app)
    assert "messages: deleted 0 (1 held for archive)" in result.output, result.output
    assert "held: waiting for archive export" in result.output
    assert Thread.get_or_none(Thread.id == old.id)
    # Covered at the school up to the cutoff, not at the kindergarten: goes.
    monkeypatch.setattr(gate, "deletable_before", lambda kind, unit, cutoff: cutoff
                        if unit == ids["school"] else cutoff - datetime.timedelta(days=3000))
    assert "messages: deleted 1 (0 held for archive)" in purge(app).output
    assert Thread.get_or_none(Thread.id == old.id) is None


# Posts ------------------------------------------------------------------------------

@pytest.mark.clock(DEMO_DAY)
def test_posts_go_with_their_files_after_documentation_years(app, ids, clock, archived):
    directory = Path(app.config["ATTACHMENT_DIR"])
    forest = Post.get_by_id(ids["forest"])
    names = [n for m in forest.media for n in (m.stored_name, m.thumb_name)]
    assert names and all((directory / n).exists() for n in names)
    Post.update(published_at=utc("2021-03-09 10:00")).where(Post.id == forest.id).execute()
    Post.update(published_at=utc("2021-03-10 10:00")).where(Post.id == ids["skis"]).execute()
    clock.set(at("2026-03-09 12:00"), tick=False)
    only(counts(purge(app).output))
    clock.set(at("2026-03-10 12:00"), tick=False)
    only(counts(purge(app).output), posts=1)
    assert not Post.select().where(Post.id == forest.id).exists()
    assert not PostMedia.select().where(PostMedia.post == forest.id).exists()
    assert not any((directory / n).exists() for n in names)
    assert Post.select().where(Post.id.in_([ids["skis"], ids["kites"]])).count() == 2


# Absence, leave, attendance ---------------------------------------------------------

@pytest.mark.clock("2026-07-31 12:00")
def test_absence_leave_and_attendance_are_kept_three_school_years(app, ids, clock, archived):
    emma, jonas = ids["emma"], ids["jonas"]

    def absence(child, end):
        end = datetime.date.fromisoformat(end)
        return Absence.create(child=child, start_date=end, end_date=end, reason="ill",
                              reported_by=ids["kari"]).id

    def mark(child, day):
        return AttendanceMark.create(child=child, group=ids["g1a"], status="absent",
                                     day=datetime.date.fromisoformat(day)).id

    older, newer = absence(emma, "2023-07-31"), absence(jonas, "2023-08-01")
    leave = LeaveApplication.create(child=emma, start_date=datetime.date(2023, 6, 19),
                                    end_date=datetime.date(2023, 6, 20), reason="Tur",
                                    applied_by=ids["kari"], status="approved")
    leave_day = Absence.create(child=emma, start_date=leave.start_date, end_date=leave.end_date,
                               reason="leave", reported_by=ids["kari"], leave=leave).id
    old_mark, new_mark = mark(emma, "2023-06-19"), mark(emma, "2023-08-14")
    notice = AbsenceNotice.create(child=emma, day=datetime.date(2023, 6, 19), group=ids["g1a"])
    before = {"absence": Absence.select().count(), "marks": AttendanceMark.select().count()}

    result = purge(app)  # 31 July 2026: school years 2023, 2024 and 2025 are kept
    only(counts(result.output), absence=1, leave=1, attendance=2)
    assert not Absence.select().where(Absence.id.in_([older, leave_day])).exists()
    assert not LeaveApplication.select().where(LeaveApplication.id == leave.id).exists()
    assert not AttendanceMark.select().where(AttendanceMark.id == old_mark).exists()
    assert not AbsenceNotice.select().where(AbsenceNotice.id == notice.id).exists()
    assert Absence.select().count() == before["absence"] - 2
    assert AttendanceMark.select().count() == before["marks"] - 1
    assert Absence.get_or_none(Absence.id == newer)  # another child, one day later
    assert AttendanceMark.get_or_none(AttendanceMark.id == new_mark)

    clock.set(at("2026-08-01 12:00"), tick=False)  # a new school year: 2023 goes
    only(counts(purge(app).output), absence=1, attendance=1)
    assert not Absence.select().where(Absence.id == newer).exists()


# Consent answers --------------------------------------------------------------------

def _consent(kind, **fields):
    consent = Consent.create(kind=kind, **fields)
    ConsentVersion.create(consent=consent, number=1, texts="{}")
    return consent, ConsentItem.create(consent=consent, key="app")


def _answer(item, child, guardian, answer, when):
    return ConsentAnswer.create(item=item, version=item.consent.versions[0], child=child,
                                guardian=guardian, answer=answer, recorded_by=guardian,
                                at=utc(when)).id


@pytest.mark.clock(DEMO_DAY)
def test_consent_history_outlives_what_was_published_under_it(app, ids, clock, archived):
    emma, kari, ola = ids["emma"], ids["kari"], ids["ola"]
    photo, photo_item = _consent(PHOTO)
    trip, trip_item = _consent("custom")
    closed, closed_item = _consent("custom", closed_at=utc("2023-03-09 10:00"))
    # Photo: a yes that stopped counting on 2018-03-09 is needed 5 + 3 years after.
    superseded = _answer(photo_item, emma, kari, YES, "2017-01-01 10:00")
    current = _answer(photo_item, emma, kari, NO, "2018-03-09 10:00")
    ola_old = _answer(photo_item, emma, ola, YES, "2017-01-01 10:00")
    ola_now = _answer(photo_item, emma, ola, NO, "2018-03-10 10:00")  # a day later
    lonely_yes = _answer(photo_item, ids["jonas"], ids["nina"], YES, "2010-01-01 10:00")
    # Other consents: 3 years after they stopped counting.
    trip_old = _answer(trip_item, emma, kari, YES, "2020-01-01 10:00")
    trip_now = _answer(trip_item, emma, kari, NO, "2023-03-09 10:00")
    closed_answer = _answer(closed_item, emma, kari, YES, "2022-01-01 10:00")

    clock.set(at("2026-03-09 12:00"), tick=False)
    only(counts(purge(app).output))
    clock.set(at("2026-03-10 12:00"), tick=False)
    only(counts(purge(app).output), consent_history=3)
    left = {a for (a,) in ConsentAnswer.select(ConsentAnswer.id).tuples()}
    assert not left & {superseded, trip_old, closed_answer}
    # The answers that make a consent effective today, however old, and a neighbour
    # one day younger, stay.
    assert {current, ola_old, ola_now, lonely_yes, trip_now} <= left


# Children and guardians -------------------------------------------------------------

def _leaves(child_id, day):
    Enrolment.update(end_date=datetime.date.fromisoformat(day)).where(
        Enrolment.child == child_id).execute()


@pytest.mark.clock(DEMO_DAY)
def test_a_guardian_is_erased_months_after_the_last_child_left(app, ids, clock, archived):
    nina = ids["nina"]
    _leaves(ids["jonas"], "2025-12-09")  # Jonas leaves; Nina has no other child
    _leaves(ids["emma"], "2025-12-09")  # Emma leaves; Kari and Ola still have Noah
    PushSubscription.create(user=nina, endpoint="https://push.example/1", p256dh="k",
                            auth="a")
    LoginSession.start(User.get_by_id(nina))
    ClassListShare.get_or_create(guardian=nina, child=ids["jonas"], group=ids["g1a"])

    clock.set(at("2026-03-09 12:00"), tick=False)  # 3 months end with 9 March
    found = counts(purge(app).output)
    assert found["guardians"] == 0, found
    assert User.get_by_id(nina).email == "nina@example.org"

    clock.set(at("2026-03-10 12:00"), tick=False)
    found = counts(purge(app).output)
    shell = User.get_by_id(nina)
    assert (shell.first_name, shell.last_name) == ("Nina", "Lie")  # records still name her
    assert (shell.email, shell.phone, shell.address, shell.password_hash,
            shell.national_id, shell.national_id_index, shell.is_active) == (
        "", "", "", None, None, None, False)
    assert shell.username.startswith("erased:") and "nina" not in shell.username
    assert not LoginSession.select().where(LoginSession.user == nina).exists()
    assert not PushSubscription.select().where(PushSubscription.user == nina).exists()
    assert not ClassListShare.select().where(ClassListShare.guardian == nina).exists()
    # Emma's father without parental responsibility, and her grandmother with caregiver
    # access, had only Emma: erased as well.
    assert User.get_by_id(ids["per"]).email == User.get_by_id(ids["bestemor"]).email == ""
    assert found["guardians"] == 3, found
    # Kari and Ola (Noah still in kindergarten), and every other family, untouched.
    for name in ("kari", "ola", "lise", "amina"):
        assert User.get_by_id(ids[name]).username == name
    assert User.get_by_id(ids["kari"]).email == "kari@example.org"
    # Staff are never touched.
    assert User.get_by_id(ids["larer1a"]).username == "larer1a"


@pytest.mark.clock(DEMO_DAY)
def test_a_guardian_loses_access_data_when_the_child_comes_of_age(app, ids, clock, archived):
    lise, sara = ids["lise"], ids["sara"]
    Child.update(birth_date=datetime.date(2007, 12, 10)).where(Child.id == sara).execute()
    clock.set(at("2026-03-09 12:00"), tick=False)  # 18 on 2025-12-10: 3 months end 9 March
    purge(app)
    assert User.get_by_id(lise).username == "lise"
    clock.set(at("2026-03-10 12:00"), tick=False)
    purge(app)
    assert User.get_by_id(lise).username.startswith("erased:")
    # …unless the pupil extended the guardians' access.
    clock.set(at("2026-03-10 12:00"), tick=False)
    Child.update(birth_date=datetime.date(2007, 12, 10),
                 guardian_access_until=datetime.date(2026, 6, 30)).where(
        Child.id == ids["ali"]).execute()
    purge(app)
    assert User.get_by_id(ids["amina"]).username == "amina"


@pytest.mark.clock(DEMO_DAY)
def test_a_child_record_is_erased_then_deleted_once_nothing_kept_names_it(
        app, ids, clock, archived):
    jonas, nina = ids["jonas"], ids["nina"]
    _leaves(jonas, "2025-03-09")  # 12 months end with 9 March 2026
    clock.set(at("2026-03-09 12:00"), tick=False)
    assert counts(purge(app).output)["children"] == 0
    assert Child.get_by_id(jonas).national_id is not None
    clock.set(at("2026-03-10 12:00"), tick=False)
    assert counts(purge(app).output)["children"] == 1
    kept = Child.get_by_id(jonas)  # demo records about Jonas are still kept
    assert (kept.first_name, kept.national_id, kept.national_id_index, kept.address) == (
        "Jonas", None, None, "")
    assert not Guardianship.select().where(Guardianship.child == jonas).exists()
    sara = Child.get_by_id(ids["sara"])
    assert sara.national_id is not None and Guardianship.select().where(
        Guardianship.child == sara.id).exists()
    # The kept records go by their own periods (here: at once); then the child goes,
    # and the guardian's shell with it, since nothing names her any more.
    for model, field in people._references(Child, people.CHILD_ERASED):
        model.delete().where(field == jonas).execute()
    for model, field in people._references(User, people.USER_ERASED):
        if model is not Guardianship:
            model.delete().where(field == nina).execute()
    purge(app)
    assert Child.get_or_none(Child.id == jonas) is None
    purge(app)  # the shell freed by the child's deletion goes on the next run
    assert User.get_or_none(User.id == nina) is None
    assert Child.get_by_id(ids["sara"]) and User.get_by_id(ids["lise"])


# The audit log ----------------------------------------------------------------------

@pytest.mark.clock("2021-03-09 10:00")
def test_the_audit_log_is_kept_audit_log_years(app, ids, clock, archived):
    """The demo's own events are from 2021-03-09; one a day younger stays."""
    old = AuditEvent.select().order_by(AuditEvent.id).first()
    clock.set(at("2021-03-10 10:00"), tick=False)
    young = AuditEvent.create(action="login")
    clock.set(at("2026-03-09 12:00"), tick=False)
    assert counts(purge(app).output)["audit_log"] == 0
    assert AuditEvent.get_or_none(AuditEvent.id == old.id)
    clock.set(at("2026-03-10 12:00"), tick=False)
    assert counts(purge(app).output)["audit_log"] == young.id - old.id
    assert AuditEvent.get_or_none(AuditEvent.id == old.id) is None
    assert AuditEvent.get_or_none(AuditEvent.id == young.id)


# The run itself ---------------------------------------------------------------------

@pytest.mark.clock(DEMO_DAY)
def test_the_dry_run_deletes_nothing_and_names_no_one(app, ids, clock, archived):
    _thread(ids, app, "Emma Hansen sin tannlege", "2021-03-09 18:00")
    _leaves(ids["jonas"], "2025-03-09")
    Post.update(published_at=utc("2021-03-09 10:00")).where(Post.id == ids["forest"]).execute()
    before = {m.__name__: m.select().count() for m in (Thread, Post, Child, User, AuditEvent)}
    clock.set(at("2026-03-10 12:00"), tick=False)
    dry = purge(app, "--dry-run")
    assert dry.exit_code == 0, dry.output
    found = counts(dry.output, dry=True)
    assert set(found) == {k.name for k in kinds.KINDS}
    assert found["messages"] == 1 and found["posts"] == 1 and found["children"] == 1
    assert {m.__name__: m.select().count() for m in (Thread, Post, Child, User, AuditEvent)} \
        == before
    for name in ("Emma", "Hansen", "Jonas", "Nina", "Tur i skogen", "tannlege"):
        assert name not in dry.output
    # The real run deletes what the dry run said.
    result = purge(app)
    assert {k: n for k, n in counts(result.output).items() if n} == {
        k: n for k, n in found.items() if n}
    for name in ("Emma", "Hansen", "Jonas", "Nina", "Tur i skogen", "tannlege"):
        assert name not in result.output


@pytest.mark.clock(DEMO_DAY)
def test_the_run_is_logged_and_audited_with_counts(app, ids, clock, archived, caplog):
    _thread(ids, app, "Gammel", "2021-03-09 18:00")
    clock.set(at("2026-03-10 12:00"), tick=False)
    with caplog.at_level(logging.INFO, logger="kontaktbok.retention"):
        purge(app)
    assert "purge messages: deleted 1, held for archive 0" in caplog.text
    row = AuditEvent.select().where(AuditEvent.action == "purge.run").get()
    detail = json.loads(row.detail)
    assert detail["deleted"]["messages"] == 1 and detail["day"] == "2026-03-10"
    assert set(detail["deleted"]) == {k.name for k in kinds.KINDS}


@pytest.mark.clock(DEMO_DAY)
def test_no_purge_while_an_export_is_being_made(app, ids, clock, archived, caplog):
    old = _thread(ids, app, "Gammel", "2021-03-09 18:00")
    clock.set(at("2026-03-10 12:00"), tick=False)
    with jobs.export_running("export:1"):
        result = purge(app)
        assert result.exit_code != 0
        assert "an export is being made now" in result.output
        with caplog.at_level(logging.WARNING, logger="kontaktbok.retention"):
            assert app.extensions["queue"].purge() is None
        assert "purge skipped" in caplog.text
    assert Thread.get_or_none(Thread.id == old.id)
    assert not AuditEvent.select().where(AuditEvent.action == "purge.run").exists()


@pytest.mark.clock(DEMO_DAY)
def test_the_worker_purges_daily_at_a_quarter_past_four_even_on_the_daylight_saving_nights(
        app, ids, clock, archived, monkeypatch):
    huey = app.extensions["queue"].huey

    def due_at(moment):  # huey's clock is UTC
        return {task.name: task for task in huey.read_periodic(moment)}

    summer = datetime.datetime(2026, 6, 1, 2, 15)  # 04:15 in Oslo
    assert "purge" in due_at(summer) and "sweep" in due_at(summer)
    assert "purge" not in due_at(summer + datetime.timedelta(minutes=1))
    assert "purge" in due_at(datetime.datetime(2026, 1, 5, 3, 15))  # winter time
    # Once on the night the clocks go forward (02:00 becomes 03:00) and once on the night
    # they go back (03:00 becomes 02:00 again).
    for night in (datetime.datetime(2027, 3, 28), datetime.datetime(2026, 10, 25)):
        minutes = [night + datetime.timedelta(minutes=m) for m in range(24 * 60)]
        assert sum("purge" in due_at(m) for m in minutes) == 1, night
    called = []
    monkeypatch.setattr(retention_run, "purge", lambda settings, day=None: called.append(
        settings) or [])
    due_at(summer)["purge"].execute()
    assert called == [common.settings_of(app)]  # the very function `flask purge` runs


def test_each_setting_is_in_the_example_with_its_default(app):
    retention = app.config["MUNICIPALITY"].retention
    assert retention["messages_years"] == 5 and retention["absence_school_years"] == 3
    assert retention["consent_history_years"] == 3
    assert retention["child_records_months_after_leaving"] == 12
    example = (Path(__file__).resolve().parent.parent / "municipality.example.toml").read_text()
    for key in retention:
        assert re.search(rf"^{key} = {retention[key]}$", example, re.M), key


@pytest.mark.parametrize("old, new, message", [
    ("messages_years = 5", "messages_years = 0", "retention.messages_years"),
    ("absence_school_years = 3", "absence_school_years = 51",
     "retention.absence_school_years: must be at most 50"),
    ("guardian_data_months_after_leaving = 3", "guardian_data_months_after_leaving = 13",
     "must not be longer than retention.child_records_months_after_leaving"),
])
def test_a_bad_retention_setting_is_refused(tmp_path, old, new, message):
    import municipality
    root = Path(__file__).resolve().parent.parent
    text = (root / "municipality.example.toml").read_text()
    assert old in text
    path = tmp_path / "municipality.toml"
    path.write_text(text.replace(old, new))
    (tmp_path / "static" / "img").mkdir(parents=True)
    (tmp_path / "static" / "img" / "demo-crest.svg").write_bytes(
        (root / "static" / "img" / "demo-crest.svg").read_bytes())
    with pytest.raises(municipality.ConfigError, match=re.escape(message)):
        municipality.load(path)


# Requests for correction -------------------------------------------------------------

@pytest.mark.clock(DEMO_DAY)
def test_a_closed_request_for_correction_goes_with_the_correspondence_an_open_one_stays(
        app, clock, archived):
    from models.rectification.tables import Rectification
    ola = Rectification.get()  # the demo's open request about Ola's phone
    closed = Rectification.create(requester=ola.requester, about=ola.about, field=ola.field,
                                  status="corrected",
                                  created_at=utc("2026-03-01 09:00"),
                                  closed_at=utc("2026-03-02 09:00"))
    clock.set(at("2031-03-02 12:00"))  # five years (messages_years) after it closed
    assert counts(purge(app, "--dry-run").output, dry=True)["rectifications"] == 0
    clock.set(at("2031-03-03 12:00"))
    assert counts(purge(app).output)["rectifications"] == 1
    assert [r.id for r in Rectification.select()] == [ola.id]
    assert not Rectification.select().where(Rectification.id == closed.id).exists()


@pytest.mark.clock(DEMO_DAY)
def test_an_announcement_not_sent_goes_with_its_files_sixty_days_after_it_was_due(
        app, ids, clock, archived):
    """Kept for its sender to change or cancel (they were told), then deleted: text and
    files. One a day younger, and one still waiting to be sent, stay."""
    from models.messaging.outbox import NOT_SENT_DAYS, OutgoingAnnouncement, OutgoingFile
    directory = Path(app.config["ATTACHMENT_DIR"])
    directory.mkdir(parents=True, exist_ok=True)

    def row(due, not_sent, name):
        made = OutgoingAnnouncement.create(
            created_by=ids["larer1a"], targets=f"group:{ids['g1a']}", subject="Tur",
            body="Ta med matpakke.", due_at=utc(due), not_sent=not_sent, client_token=name)
        (directory / name).write_bytes(b"%PDF-1.4 test")
        OutgoingFile.create(announcement=made, filename="skjema.pdf", stored_name=name,
                            mimetype="application/pdf", size=13)
        return made

    assert NOT_SENT_DAYS == 60
    old = row("2026-01-09 10:00", "target", "old-outbox")       # past 60 days at noon
    younger = row("2026-01-10 10:00", "nobody", "young-outbox")  # a day younger
    waiting = row("2026-01-09 10:00", None, "waiting-outbox")   # the worker's, not the purge's
    clock.set(at("2026-03-10 08:00"), tick=False)  # 07:00 UTC: not yet 60 days
    only(counts(purge(app).output))
    assert (directory / "old-outbox").exists()
    clock.set(at("2026-03-10 12:00"), tick=False)
    assert counts(purge(app, "--dry-run").output, dry=True)["not_sent"] == 1
    only(counts(purge(app).output), not_sent=1)
    assert OutgoingAnnouncement.get_or_none(OutgoingAnnouncement.id == old.id) is None
    assert not OutgoingFile.select().where(OutgoingFile.announcement == old.id).exists()
    assert not (directory / "old-outbox").exists()
    for kept, name in ((younger, "young-outbox"), (waiting, "waiting-outbox")):
        assert OutgoingAnnouncement.get_or_none(OutgoingAnnouncement.id == kept.id)
        assert (directory / name).exists()
