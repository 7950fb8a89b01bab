"""Roster import (seeds 000 and 002): a preview first, then all or nothing; running it
again changes nothing; leaving pupils and ended guardianships are ended, not deleted,
and access ends at once; the register's contact details win and the guardian is told."""
import csv
import datetime
import io
import json
import re
import zipfile

import pytest
from flask_babel import force_locale, gettext

from models.audit import AuditEvent
from models.db import migrate
from views.common import local_time
from models.messaging.tables import Thread
from models.protect import index_of
from models.roster import applying, reading, roster
from models.roster.rows import RosterError, line
from models.school.tables import (Child, EndedGuardianship, Enrolment, Group, Guardianship,
                                  StaffRole, Unit, User)

from .conftest import ROOT
from .helpers import text_of
from models.roster.tables import ImportRun

YEAR = 2026
EMMA, JONAS, SARA = "14032000101", "02062000102", "21092000103"
KARI, OLA, NINA, LISE = "12048820001", "30098620002", "05079020004", "17118720005"


def table(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def municipality(**changes):
    """The Kontaktbok CSV of a small municipality: {file name: bytes}."""
    files = {
        "units.csv": [
            {"id": "U1", "name": "Nordby skole", "kind": "school"},
            {"id": "U2", "name": "Nordby barnehage", "kind": "kindergarten"}],
        "groups.csv": [
            {"id": "G1", "unit": "U1", "name": "1A", "school_year": YEAR},
            {"id": "G2", "unit": "U1", "name": "1B", "school_year": YEAR},
            {"id": "G3", "unit": "U2", "name": "Solsikke", "school_year": YEAR}],
        "children.csv": [
            {"national_id": EMMA, "first_name": "Emma", "last_name": "Nord",
             "birth_date": "2020-03-14", "groups": "G1", "address": "Veien 1",
             "address_protection": ""},
            {"national_id": JONAS, "first_name": "Jonas", "last_name": "Sør",
             "birth_date": "2020-06-02", "groups": "G1", "address": "Veien 2",
             "address_protection": ""},
            {"national_id": SARA, "first_name": "Sara", "last_name": "Vest",
             "birth_date": "2020-09-21", "groups": "G2", "address": "",
             "address_protection": "strengtFortrolig"}],
        "guardians.csv": [
            {"national_id": KARI, "first_name": "Kari", "last_name": "Nord",
             "email": "kari@example.org", "phone": "+47 900 00 001"},
            {"national_id": OLA, "first_name": "Ola", "last_name": "Nord",
             "email": "ola@example.org", "phone": ""},
            {"national_id": NINA, "first_name": "Nina", "last_name": "Sør",
             "email": "", "phone": ""},
            {"national_id": LISE, "first_name": "Lise", "last_name": "Vest",
             "email": "", "phone": ""}],
        "guardianships.csv": [
            {"guardian": KARI, "child": EMMA, "responsibility": "felles",
             "fixed_residence": "ja", "main_addressee": "ja"},
            {"guardian": OLA, "child": EMMA, "responsibility": "felles",
             "fixed_residence": "nei", "main_addressee": "nei"},
            {"guardian": NINA, "child": JONAS, "responsibility": "alene",
             "fixed_residence": "ja", "main_addressee": "ja"},
            {"guardian": LISE, "child": SARA, "responsibility": "sole",
             "fixed_residence": "yes", "main_addressee": "yes"}],
        "staff.csv": [
            {"username": "Rektor.Nord", "first_name": "Rita", "last_name": "Rektor",
             "email": "rita@nordby.no", "role": "unit_leader", "unit": "U1", "group": ""},
            {"username": "laerer", "first_name": "Lars", "last_name": "Lærer",
             "email": "", "role": "contact_teacher", "unit": "", "group": "G1"}],
    }
    files.update(changes)
    return {name: table(rows) for name, rows in files.items()}


def zipped(files):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"roster/{name}", data)
    return out.getvalue()


@pytest.fixture
def empty(make_app):
    """An installation with no demo data."""
    app = make_app()
    from models import db as dbmod
    with dbmod.database.connection_context():
        migrate(str(ROOT / "migrations"))
    yield app
    dbmod.close_all()


def run(files, day=None):
    fmt, found = reading.read("roster.zip", zipped(files), YEAR)
    result = roster.plan(found, fmt, day=day)
    applying.apply(result)
    return result


def test_a_first_import_previews_then_adds_everything(empty):
    fmt, found = reading.read("roster.zip", zipped(municipality()), YEAR)
    assert fmt == "kontaktbok"
    preview = roster.plan(found, fmt)
    assert preview.counts == {"units.added": 2, "groups.added": 3, "children.added": 3,
                              "guardians.added": 4, "enrolments.added": 3,
                              "guardianships.added": 4, "staff.added": 2, "roles.added": 2}
    assert ("children", "added", "Emma Nord") in preview.lines
    assert not Child.select().exists()  # a preview changes nothing
    applying.apply(preview)
    emma = Child.get(Child.national_id_index == index_of(EMMA))
    assert emma.birth_date == datetime.date(2020, 3, 14)
    sara = Child.get(Child.national_id_index == index_of(SARA))
    assert sara.address_protection == "strengtFortrolig"
    kari = User.get(User.national_id_index == index_of(KARI))
    assert kari.password_hash is None and KARI not in kari.username
    link = Guardianship.get(Guardianship.guardian == kari, Guardianship.child == emma)
    assert (link.responsibility, link.fixed_residence, link.main_addressee) == (
        "shared", True, True)
    nina = User.get(User.national_id_index == index_of(NINA))
    assert Guardianship.get(Guardianship.guardian == nina).responsibility == "sole"
    teacher = User.get(User.username == "laerer")
    role = StaffRole.get(StaffRole.user == teacher)
    assert role.role == "contact_teacher" and role.group.name == "1A"
    assert User.get(User.username == "rektor.nord").email == "rita@nordby.no"
    assert AuditEvent.get(AuditEvent.action == "roster.imported").details[
        "children.added"] == 3
    assert ImportRun.select().count() == 1


def test_the_same_file_again_changes_nothing(empty):
    run(municipality())
    fmt, found = reading.read("roster.zip", zipped(municipality()), YEAR)
    again = roster.plan(found, fmt)
    assert again.counts == {} and again.lines == []


def test_one_bad_row_names_its_file_and_line_and_applies_nothing(empty):
    files = municipality()
    rows = list(csv.DictReader(io.StringIO(files["children.csv"].decode())))
    rows[1]["birth_date"] = "02.06.2020"
    with pytest.raises(RosterError) as error:
        reading.read("roster.zip", zipped({**files, "children.csv": table(rows)}), YEAR)
    assert error.value.where == "children.csv line 3"
    assert "YYYY-MM-DD" in error.value.problem
    for broken, where in (
            ({"guardianships.csv": [{"guardian": KARI, "child": "01017012345",
                                     "responsibility": "felles"}]},
             "guardianships.csv line 2"),
            ({"groups.csv": [{"id": "G1", "unit": "U9", "name": "1A",
                              "school_year": YEAR}]}, "groups.csv line 2")):
        fmt, found = reading.read("r.zip", zipped(municipality(**broken)), YEAR)
        with pytest.raises(RosterError) as error:
            roster.plan(found, fmt)
        assert error.value.where == where
    assert not Unit.select().exists()


def test_a_crash_while_applying_leaves_nothing_half_written(empty, monkeypatch):
    fmt, found = reading.read("roster.zip", zipped(municipality()), YEAR)
    preview = roster.plan(found, fmt)

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(applying, "_apply_staff", broken)
    with pytest.raises(RuntimeError):
        applying.apply(preview)
    assert not Child.select().exists() and not User.select().exists()
    assert not ImportRun.select().exists()


def test_a_pupil_who_left_is_ended_not_deleted_and_staff_lose_access(empty):
    run(municipality())
    emma = Child.get(Child.national_id_index == index_of(EMMA))
    teacher = User.get(User.username == "laerer")
    thread = Thread.create(subject="Om Emma", child=emma, created_by=teacher,
                           unit=Unit.get(Unit.source_id == "U1"))
    children = [r for r in csv.DictReader(io.StringIO(municipality()["children.csv"]
                                                      .decode()))
                if r["national_id"] != EMMA]
    guardianships = [r for r in csv.DictReader(io.StringIO(
        municipality()["guardianships.csv"].decode())) if r["child"] != EMMA]
    result = run(municipality(**{"children.csv": children,
                                 "guardianships.csv": guardianships}))
    assert result.counts["enrolments.ended"] == 1
    enrolment = Enrolment.get(Enrolment.child == emma)
    assert enrolment.end_date == datetime.date.today() - datetime.timedelta(days=1)
    assert Child.get_by_id(emma.id) and Thread.get_by_id(thread.id)  # history stays
    from models import access
    assert access.staff_child_or_none(teacher, emma.id) is None


def test_an_ended_guardianship_is_kept_as_history_and_access_ends(empty, make_app):
    run(municipality())
    ola = User.get(User.national_id_index == index_of(OLA))
    emma = Child.get(Child.national_id_index == index_of(EMMA))
    from models import access
    assert access.guardian_child_or_none(ola, emma.id) is not None
    rows = [r for r in csv.DictReader(io.StringIO(
        municipality()["guardianships.csv"].decode())) if r["guardian"] != OLA]
    result = run(municipality(**{"guardianships.csv": rows}))
    assert result.counts == {"guardianships.ended": 1}
    assert access.guardian_child_or_none(ola, emma.id) is None
    ended = EndedGuardianship.get(EndedGuardianship.guardian == ola)
    assert ended.child_id == emma.id and ended.responsibility == "shared"
    assert User.get_by_id(ola.id).is_active  # the account stays, with its messages


def test_the_register_overwrites_contact_details_and_the_guardian_is_told(empty):
    run(municipality())
    kari = User.get(User.national_id_index == index_of(KARI))
    User.update(email="kari.new@example.org").where(User.id == kari.id).execute()
    result = run(municipality())
    assert result.counts == {"guardians.changed": 1}
    kari = User.get_by_id(kari.id)
    assert kari.email == "kari@example.org" and kari.contact_updated_at is not None
    from models.login.passwords import hash_password
    User.update(username="kari", password_hash=hash_password("a long enough secret")).where(
        User.id == kari.id).execute()
    client = empty.test_client()
    client.post("/login", data={"username": "kari",
                                "password": "a long enough secret"})
    with empty.test_request_context(), force_locale("nb"):
        told = gettext("Your contact details were updated from the population register "
                       "on %(day)s. The register decides them: if something is wrong, "
                       "tell the tax office (Skatteetaten / Skatteverket).",
                       day=local_time(kari.contact_updated_at, "%d.%m.%Y"))
    assert told in text_of(client.get("/"))


def test_a_unit_made_by_hand_is_matched_by_name_on_the_first_import(app):
    """The demo's units and groups have no source id yet: the import takes them over
    instead of making copies."""
    files = municipality(**{
        "units.csv": [{"id": "S1", "name": "Solbakken skole", "kind": "school"}],
        "groups.csv": [{"id": "S1-1A", "unit": "S1", "name": "1A",
                        "school_year": Group.get(Group.name == "1A").school_year}],
        "children.csv": [{"national_id": EMMA, "first_name": "Emma", "last_name": "Nord",
                          "birth_date": "2020-03-14", "groups": "S1-1A", "address": "",
                          "address_protection": ""}],
        "guardianships.csv": [{"guardian": KARI, "child": EMMA,
                               "responsibility": "felles", "fixed_residence": "ja",
                               "main_addressee": "ja"}],
        "staff.csv": [{"username": "larer1a", "first_name": "Lars", "last_name": "Lærer",
                       "email": "", "role": "contact_teacher", "unit": "",
                       "group": "S1-1A"}]})
    before = Unit.select().count()
    result = run(files)
    assert Unit.select().count() == before
    assert Unit.get(Unit.name == "Solbakken skole").source_id == "S1"
    assert "units.added" not in result.counts and "groups.added" not in result.counts


def test_the_command_line_previews_and_applies(empty, tmp_path):
    folder = tmp_path / "roster"
    folder.mkdir()
    for name, data in municipality().items():
        (folder / name).write_bytes(data)
    runner = empty.test_cli_runner()
    dry = runner.invoke(args=["import", str(folder), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "added children: Emma Nord" in dry.output and "children.added 3" in dry.output
    assert not Child.select().exists()
    asked = runner.invoke(args=["import", str(folder)], input="n\n")
    assert "nothing imported" in asked.output and not Child.select().exists()
    done = runner.invoke(args=["import", str(folder), "--yes"])
    assert done.exit_code == 0 and "imported" in done.output
    assert Child.select().count() == 3
    again = runner.invoke(args=["import", str(folder), "--yes"])
    assert "no changes" in again.output
    (folder / "children.csv").write_bytes(b"national_id,first_name\n1,2\n")
    bad = runner.invoke(args=["import", str(folder), "--yes"])
    with empty.app_context():  # the municipality's language (nb), as on the command line
        expected = str(line("children.csv", 1))
    assert bad.exit_code == 1 and expected in bad.output


def test_the_administrator_previews_and_applies_in_the_browser(app, client, login, t):
    login("admin")
    page = client.get("/admin/import")
    assert page.status_code == 200 and t("Upload a roster file") in text_of(page)
    bad = client.post("/admin/import", data={"file": (io.BytesIO(b"hello"), "x.txt")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400
    assert t("Nothing was imported. %(where)s: %(problem)s", where="x.txt",
             problem=t("is neither a zip of CSV files nor an SS 12000 JSON file")) in text_of(
        bad)
    preview = client.post("/admin/import", data={
        "file": (io.BytesIO(zipped(municipality())), "nordby.zip"), "school_year": YEAR},
        content_type="multipart/form-data")
    assert preview.status_code == 200 and "Emma Nord" in text_of(preview)
    assert not Unit.select().where(Unit.name == "Nordby skole").exists()
    token = preview.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    assert client.post("/admin/import/apply", data={"token": "forged"}).status_code == 409
    done = client.post("/admin/import/apply", data={"token": token})
    assert done.status_code == 303
    assert Unit.select().where(Unit.name == "Nordby skole").exists()
    history = text_of(client.get("/admin/import"))
    assert "nordby.zip" in history and t("The roster is imported.") in history
    assert client.post("/admin/import/apply", data={"token": token}).status_code == 409


def test_the_data_changing_between_preview_and_apply_shows_the_new_preview(app, client,
                                                                          login):
    login("admin")
    preview = client.post("/admin/import", data={
        "file": (io.BytesIO(zipped(municipality())), "nordby.zip"), "school_year": YEAR},
        content_type="multipart/form-data")
    token = preview.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    Unit.create(name="Nordby skole", kind="school")  # made by hand meanwhile
    answer = client.post("/admin/import/apply", data={"token": token})
    assert answer.status_code == 409 and not Child.select().where(
        Child.first_name == "Jonas", Child.last_name == "Sør").exists()


@pytest.mark.parametrize("role", ["kari", "rektor", "larer1a", None])
def test_only_the_administrator_imports(client, login, role):
    if role:
        login(role)
    for method, url in (("GET", "/admin/import"), ("POST", "/admin/import"),
                        ("POST", "/admin/import/apply")):
        status = client.open(url, method=method).status_code
        assert status == (302 if role is None else 404), (role, url)


@pytest.mark.parametrize("sample, fmt", [("oneroster", "oneroster"),
                                         ("ss12000/ekby.json", "ss12000")])
def test_oneroster_and_ss12000_import_end_to_end(empty, sample, fmt):
    """The sample municipalities of tests/data/roster: read, previewed, applied, and the
    same file again changes nothing."""
    path = ROOT / "tests" / "data" / "roster" / sample
    if path.is_dir():
        found_fmt, found = reading.read_files(
            {p.name: p.read_bytes() for p in path.iterdir()}, path.name, YEAR)
    else:
        found_fmt, found = reading.read(path.name, path.read_bytes(), YEAR)
    assert found_fmt == fmt
    preview = roster.plan(found, fmt)
    assert preview.counts["children.added"] == 5 and preview.counts["guardians.added"] == 7
    applying.apply(preview)
    assert Child.select().count() == 5
    assert Guardianship.select().where(Guardianship.responsibility == "none").count() >= 1
    assert StaffRole.select().count() >= 3
    again = roster.plan(found, fmt)
    assert again.counts == {}


def test_a_file_that_does_not_state_the_protection_never_lowers_it(empty):
    run(municipality())
    sara = Child.get(Child.national_id_index == index_of(SARA))
    assert sara.address_protection == "strengtFortrolig"
    rows = list(csv.DictReader(io.StringIO(municipality()["children.csv"].decode())))
    for row in rows:
        row["address_protection"] = ""  # the column says nothing
    assert "children.changed" not in run(municipality(**{"children.csv": rows})).counts
    assert Child.get_by_id(sara.id).address_protection == "strengtFortrolig"
    rows[2]["address_protection"] = "ugradert"  # the register lifted it: stated
    run(municipality(**{"children.csv": rows}))
    assert Child.get_by_id(sara.id).address_protection == "ugradert"


def test_a_file_without_staff_leaves_the_staff_roles_alone(empty):
    run(municipality())
    files = municipality()
    del files["staff.csv"]
    result = run(files)
    assert "roles.ended" not in result.counts
    assert StaffRole.select().count() == 2


# Errors in the administrator's language --------------------------------------------------

def _rows_of(name):
    return list(csv.DictReader(io.StringIO(municipality()[name].decode())))


def _with(name, row, column, value):
    rows = _rows_of(name)
    rows[row][column] = value
    return municipality(**{name: rows})


def _error_html(response):
    """The message in the error summary at the top, which links to the file field."""
    summary = response.get_data(as_text=True).split('id="error-summary"')[1]
    return summary.split('<a href="#file">')[1].split("</a>")[0]


def _words_outside_code(html):
    """The words of the message a reader sees, the file's own tokens (<code>) left out."""
    text = re.sub(r"<code>.*?</code>", " ", html)
    return set(re.findall(r"[^\W\d_]+", re.sub(r"<[^>]+>", " ", text).lower()))


# English words of the messages; none may be left in a translated one.
ENGLISH = {"nothing", "was", "imported", "line", "must", "be", "one", "of", "shared", "sole",
           "parental", "responsibility", "kind", "unit", "school", "yes", "no", "fixed",
           "residence", "the", "or"}
BAD_VALUES = {  # file, row, column, value: what the error says in nb and in sv
    "responsibility": (
        "guardianships.csv", 0, "responsibility", "delt",
        ["guardianships.csv linje 2", "(foreldreansvar): «delt» må være en av:",
         "<code>shared</code>/<code>felles</code>/<code>gemensam</code> (felles "
         "foreldreansvar)", "<code>sole</code>/<code>alene</code>/<code>ensam</code> "
         "(foreldreansvar alene)", "<code>none</code>/<code>ingen</code> (uten "
         "foreldreansvar)"],
        ["guardianships.csv rad 2", "(vårdnad): ”delt” måste vara en av:",
         "(gemensam vårdnad)", "(ensam vårdnad)", "(utan vårdnad)"]),
    "kind": (
        "units.csv", 1, "kind", "barnehage",
        ["units.csv linje 3", "<code>kind</code> (type enhet): «barnehage» må være en av:",
         "<code>school</code> (Skole), <code>sfo</code> (SFO), <code>kindergarten</code> "
         "(Barnehage)"],
        ["units.csv rad 3", "<code>kind</code> (typ av enhet): ”barnehage” måste vara en av:",
         "<code>kindergarten</code> (Förskola)"]),
    "boolean": (
        "guardianships.csv", 2, "fixed_residence", "kanskje",
        ["guardianships.csv linje 4", "<code>fixed_residence</code> (fast bosted): «kanskje»",
         "<code>yes</code>/<code>ja</code>/<code>true</code>/<code>1</code> (Ja)"],
        ["guardianships.csv rad 4", "<code>fixed_residence</code> (stadigvarande boende)",
         "<code>no</code>/<code>nei</code>/<code>nej</code>/<code>false</code>/<code>0</code> "
         "(Nej)"]),
}


@pytest.mark.parametrize("language", ["nb", "sv"])
@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_a_bad_value_is_explained_in_the_administrators_language(client, login, language,
                                                                 case):
    """The allowed values are the file's own words (in <code>); what each means, the
    row and the column are said in the administrator's language, with no English."""
    name, row, column, value, norwegian, swedish = BAD_VALUES[case]
    admin = login("admin")
    User.update(locale=language).where(User.id == admin.id).execute()
    answer = client.post("/admin/import", data={
        "file": (io.BytesIO(zipped(_with(name, row, column, value))), "nordby.zip"),
        "school_year": YEAR}, content_type="multipart/form-data")
    assert answer.status_code == 400
    shown = _error_html(answer)
    for part in norwegian if language == "nb" else swedish:
        assert part in shown, (part, shown)
    assert not _words_outside_code(shown) & ENGLISH, shown
    assert not Unit.select().where(Unit.name == "Nordby skole").exists()


def test_what_the_file_holds_is_shown_as_text_never_as_markup(client, login):
    login("admin")
    answer = client.post("/admin/import", data={
        "file": (io.BytesIO(zipped(_with("guardianships.csv", 0, "responsibility",
                                         '<b id="x">delt</b>'))), "nordby.zip"),
        "school_year": YEAR}, content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and '<b id="x">' not in html
    assert "&lt;b id=&#34;x&#34;&gt;delt&lt;/b&gt;" in _error_html(answer)


def test_the_command_line_says_the_same_in_plain_text(empty):
    """Outside the page (the command line, logs) the message has no markup."""
    with pytest.raises(RosterError) as caught:
        reading.read("nordby.zip", zipped(_with("guardianships.csv", 0, "responsibility",
                                                "delt")), YEAR)
    with empty.test_request_context(), force_locale("en"):
        assert str(caught.value) == (
            "guardianships.csv line 2: responsibility (parental responsibility): “delt” "
            "must be one of: shared/felles/gemensam (shared parental responsibility), "
            "sole/alene/ensam (sole parental responsibility), none/ingen (no parental "
            "responsibility)")


# Sample files ------------------------------------------------------------------------------

SAMPLES = {"kontaktbok": ("kontaktbok.zip", "kontaktbok-sample.zip", ["Ella Eksempel",
                                                                       "Mia Prøvesen"]),
           "oneroster": ("oneroster.zip", "oneroster-sample.zip", ["Tobias Testesen"]),
           "ss12000": ("ss12000.json", "ss12000-sample.json", ["Alva Exempelsson",
                                                               "Maja Provsson"])}


def _norwegian_check_digits_hold(digits):
    d = [int(c) for c in digits]
    k1 = 11 - sum(w * x for w, x in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), d, strict=False)) % 11
    k2 = 11 - sum(w * x for w, x in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), d, strict=False)) % 11
    return (k1 % 11, k2 % 11) == (d[9], d[10])


def _swedish_check_digit_holds(digits):
    total = 0
    for index, char in enumerate(digits[2:]):
        value = int(char) * (2 - index % 2)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_each_sample_file_downloads_and_imports(client, login, t, fmt):
    """The administrator downloads a sample from the import page, uploads it, sees the
    preview and applies it; uploading it again changes nothing. Its people are made up:
    no national identity number in it passes its check digits."""
    path, filename, names = SAMPLES[fmt]
    login("admin")
    page = client.get("/admin/import").get_data(as_text=True)
    link = f"/admin/import/samples/{path}"
    assert f'href="{link}"' in page
    download = client.get(link)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    data = download.get_data()
    if fmt == "ss12000":
        document = json.loads(data)
        assert "_about" in document
        ids = [p["civicNo"]["value"] for p in document["persons"] if "civicNo" in p]
        assert ids and not any(_swedish_check_digit_holds(i) for i in ids)
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert "README.txt" in archive.namelist()
        _, found = reading.read(filename, data, YEAR)
        ids = [row.national_id for row in found.children + found.guardians]
        assert ids and not any(_norwegian_check_digits_hold(i) for i in ids)

    def upload():
        return client.post("/admin/import", data={
            "file": (io.BytesIO(data), filename), "school_year": YEAR},
            content_type="multipart/form-data")

    preview = upload()
    assert preview.status_code == 200, text_of(preview)
    shown = text_of(preview)
    assert all(name in shown for name in names)
    assert 'id="error-summary"' not in preview.get_data(as_text=True)
    token = preview.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    done = client.post("/admin/import/apply", data={"token": token})
    assert done.status_code == 303
    assert t("The roster is imported.") in text_of(client.get(done.headers["Location"]))
    for name in names:
        first, last = name.split()
        assert Child.select().where(Child.first_name == first,
                                    Child.last_name == last).exists()
    assert Guardianship.select().join(Child).where(
        Child.first_name == names[0].split()[0]).count() >= 1
    assert t("The file changes nothing: the data is already up to date.") in text_of(upload())


def test_a_preview_left_for_more_than_an_hour_is_not_applied(app, client, login, clock):
    """The uploaded roster waits an hour at most (models/roster/uploads.py)."""
    login("admin")
    preview = client.post("/admin/import", data={
        "file": (io.BytesIO(zipped(municipality())), "nordby.zip"), "school_year": YEAR},
        content_type="multipart/form-data")
    token = preview.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    for _ in range(4):  # the administrator stays active (the session would expire)
        clock.advance(minutes=16)
        assert client.get("/admin/").status_code == 200
    answer = client.post("/admin/import/apply", data={"token": token})
    assert answer.status_code == 409
    assert not Unit.select().where(Unit.name == "Nordby skole").exists()
    assert not app.extensions["storage"].names("imports/")  # and the file is gone


def test_a_preview_left_behind_is_deleted_by_the_daily_purge(app, client, login, clock):
    """An administrator previews a roster and walks away: nobody uploads or applies
    again, yet the file (national identity numbers, if encrypted) goes with the next
    purge once its hour is up — not before."""
    login("admin")
    client.post("/admin/import", data={
        "file": (io.BytesIO(zipped(municipality())), "nordby.zip"), "school_year": YEAR},
        content_type="multipart/form-data")
    kept = app.extensions["storage"].names("imports/")
    assert len(kept) == 1
    runner = app.test_cli_runner()
    clock.advance(minutes=50)
    assert "roster_uploads: deleted 0" in runner.invoke(args=["purge"]).output
    assert app.extensions["storage"].names("imports/") == kept
    clock.advance(minutes=15)
    assert "roster_uploads: 1 due" in runner.invoke(args=["purge", "--dry-run"]).output
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "roster_uploads: deleted 1" in result.output, result.output
    assert not app.extensions["storage"].names("imports/")
