"""The OneRoster 1.1 CSV and SS 12000 JSON readers (models/roster_oneroster.py,
models/roster_ss12000.py): the sample municipalities in tests/data/roster, each mapping
rule, and the place each kind of error names. No database is needed."""
import datetime
import json
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel, force_locale
from flask_babel.speaklater import LazyString

from models.roster import oneroster as roster_oneroster, ss12000 as roster_ss12000
from models.roster.rows import RosterError
from models.school.tables import ROLES

DATA = Path(__file__).parent / "data" / "roster"
FUTURE, PAST = "2999-01-01", "2000-01-01"


def raises(call, *args):
    with pytest.raises(RosterError) as caught:
        call(*args)
    # The import page shows the problem to the administrator: it must be translatable.
    assert isinstance(caught.value.problem, LazyString), caught.value.problem
    return caught.value


# OneRoster ---------------------------------------------------------------------------------

def sample_files():
    return {path.name: path.read_bytes() for path in (DATA / "oneroster").iterdir()}


def edit(files, name, old, new, count=1):
    assert files[name].count(old.encode()) >= count, (name, old)
    files[name] = files[name].replace(old.encode(), new.encode(), count)
    return files


def add_column(files, name, column, values):
    """A column added to the right of a CSV file: {sourcedId: value}, blank elsewhere."""
    lines = files[name].decode().splitlines()
    lines[0] += "," + column
    for index in range(1, len(lines)):
        lines[index] += "," + values.get(lines[index].split(",")[0], "")
    files[name] = "\n".join(lines).encode() + b"\n"
    return files


def oneroster(files=None, school_year=2025):
    return roster_oneroster.read(sample_files() if files is None else files, "fjordvik.zip",
                                 school_year)


def oneroster_error(files):
    return raises(oneroster, files)


def by_name(rows):
    return {row.first_name: row for row in rows}


def links_of(roster):
    names = {row.national_id: row.first_name for row in roster.children + roster.guardians}
    return {(names[link.guardian], names[link.child]): link.responsibility
            for link in roster.guardianships}


def roles_of(roster):
    return [(role.username.split("@")[0], role.role, role.unit, role.group)
            for role in roster.roles]


def test_oneroster_sample():
    roster = oneroster()
    assert roster.source == "fjordvik.zip"
    assert [(u.key, u.name, u.kind, u.where) for u in roster.units] == [
        ("org-skole", "Fjordvik skole", "school", "orgs.csv line 3"),
        ("org-sfo", "Fjordvik SFO", "sfo", "orgs.csv line 4")]  # not the district
    # schoolYear 2027 in academicSessions.csv is the school year 2026/27.
    assert [(g.key, g.unit, g.name, g.school_year) for g in roster.groups] == [
        ("cl-1a", "org-skole", "1A", 2026), ("cl-2a", "org-skole", "2A", 2026),
        ("cl-sfo", "org-sfo", "SFO 1.–2. trinn", 2026)]
    assert [(c.national_id, c.first_name, c.last_name, c.birth_date, c.groups, c.where)
            for c in roster.children] == [
        ("14032052322", "Emma", "Haugen", datetime.date(2020, 3, 14), ["cl-1a", "cl-sfo"],
         "users.csv line 2"),
        ("02051961491", "Noah", "Haugen", datetime.date(2019, 5, 2), ["cl-2a"],
         "users.csv line 3"),
        ("23112054767", "Sara", "Ali", datetime.date(2020, 11, 23), ["cl-1a", "cl-sfo"],
         "users.csv line 4"),
        ("08091970211", "Lukas", "Berg", datetime.date(2019, 9, 8), ["cl-2a"],
         "users.csv line 5"),
        # Olivia's SFO enrollment ended in June 2026; middleName is not a first name.
        ("30011958815", "Olivia", "Strand", datetime.date(2019, 1, 30), ["cl-2a"],
         "users.csv line 6")]
    assert [(g.national_id, g.first_name, g.last_name, g.email, g.phone)
            for g in roster.guardians] == [
        ("21068731290", "Kari", "Haugen", "kari.haugen@example.com", "+47 0000 0001"),
        ("11028524563", "Per", "Haugen", "per.haugen@example.com", "+47 0000 0002"),
        ("05089041824", "Amina", "Ali", "amina.ali@example.com", "+47 0000 0003"),
        ("01128827630", "Ingrid", "Berg", "ingrid.berg@example.com", "+47 0000 0004"),
        ("17048615300", "Jonas", "Lie", "jonas.lie@example.com", "+47 0000 0005"),
        ("09108936400", "Marte", "Strand", "marte.strand@example.com", "+47 0000 0006"),
        ("28078419108", "Anders", "Strand", "anders.strand@example.com", "+47 0000 0007")]
    # OneRoster has no protection: not stated, so the stored level stays.
    assert {row.address_protection for row in roster.children + roster.guardians} == {None}
    assert links_of(roster) == {
        ("Kari", "Emma"): "shared", ("Per", "Emma"): "shared",
        ("Kari", "Noah"): "shared", ("Per", "Noah"): "shared",
        ("Amina", "Sara"): "sole",                      # one guardian
        ("Ingrid", "Lukas"): "shared", ("Jonas", "Lukas"): "shared",
        ("Marte", "Olivia"): "sole",                    # the other one is marked none
        ("Anders", "Olivia"): "none"}
    # The link is named on the student's row (Sara) or on the guardian's (Kari).
    wheres = {(link.guardian, link.child): link.where for link in roster.guardianships}
    assert wheres[("05089041824", "23112054767")] == "users.csv line 4"
    assert wheres[("21068731290", "14032052322")] == "users.csv line 7"
    assert [(s.username, s.first_name, s.last_name, s.email) for s in roster.staff] == [
        ("hanne.moen@fjordvik.kommune.no", "Hanne", "Moen", "hanne.moen@fjordvik.kommune.no"),
        ("thomas.eide@fjordvik.kommune.no", "Thomas", "Eide",
         "Thomas.Eide@fjordvik.kommune.no"),
        ("liv.solberg@fjordvik.kommune.no", "Liv", "Solberg",
         "liv.solberg@fjordvik.kommune.no")]
    assert roles_of(roster) == [
        ("liv.solberg", "unit_leader", "org-skole", None),
        ("liv.solberg", "unit_leader", "org-sfo", None),
        ("hanne.moen", "contact_teacher", "org-skole", "cl-1a"),
        ("hanne.moen", "group_staff", "org-skole", "cl-2a"),
        ("thomas.eide", "contact_teacher", "org-skole", "cl-2a"),
        ("thomas.eide", "group_staff", "org-sfo", "cl-sfo")]
    assert {role.role for role in roster.roles} <= set(ROLES)
    assert roster.roles[2].where == "enrollments.csv line 10"
    assert oneroster() == roster  # the same files give the same roster, in the same order


def test_oneroster_kind_from_the_metadata_column():
    files = edit(sample_files(), "orgs.csv", "NO-FJS,org-kommune,",
                 "NO-FJS,org-kommune,Kindergarten")
    edit(files, "orgs.csv", "district,,,", "district,,,sfo")  # a district made a unit
    assert [(u.key, u.kind) for u in oneroster(files).units] == [
        ("org-kommune", "sfo"), ("org-skole", "kindergarten"), ("org-sfo", "sfo")]
    files = edit(sample_files(), "orgs.csv", "district,,,", "district,,,fritids")
    assert oneroster_error(files).where == "orgs.csv line 2"


def test_oneroster_school_year_without_academic_sessions():
    files = sample_files()
    del files["academicSessions.csv"]
    edit(files, "manifest.csv", "file.academicSessions,bulk", "file.academicSessions,absent")
    assert {g.school_year for g in oneroster(files).groups} == {2025}
    files = edit(sample_files(), "academicSessions.csv", ",2027\n", ",\n", count=3)
    assert {g.school_year for g in oneroster(files).groups} == {2025}


@pytest.mark.parametrize("identifier", ["140320 52322", "140320-52322"])
def test_oneroster_identifier_spacing_is_dropped(identifier):
    files = edit(sample_files(), "users.csv", ",14032052322,", f",{identifier},")
    assert oneroster(files).children[0].national_id == "14032052322"


@pytest.mark.parametrize("identifier", ["", "S-1234", "1403205232", "A4032052322"])
def test_oneroster_student_needs_a_national_id(identifier):
    files = edit(sample_files(), "users.csv", ",14032052322,", f",{identifier},")
    error = oneroster_error(files)
    assert error.where == "users.csv line 2"
    assert "identifier" in error.problem and "14032052322" not in error.problem


def test_oneroster_guardian_needs_a_national_id():
    files = edit(sample_files(), "users.csv", ",21068731290,", ",,")
    assert oneroster_error(files).where == "users.csv line 7"


def test_oneroster_birth_date_missing():
    files = edit(sample_files(), "demographics.csv", "u-noah,,,2019-05-02,", "u-noah,,,,")
    assert oneroster_error(files).where == "users.csv line 3"
    files = edit(sample_files(), "demographics.csv", "u-noah,,,2019-05-02,,,,,,,,,,,,\n", "")
    assert oneroster_error(files).where == "users.csv line 3"


@pytest.mark.parametrize("birth", ["14.03.2020", "20200314", "2020-02-30", "2020-3-14"])
def test_oneroster_birth_date_must_be_yyyy_mm_dd(birth):
    files = edit(sample_files(), "demographics.csv", "2020-03-14", birth)
    error = oneroster_error(files)
    assert (error.where, "YYYY-MM-DD" in error.problem) == ("demographics.csv line 2", True)


def test_oneroster_links_from_one_side_are_enough():
    files = edit(sample_files(), "users.csv", '"u-emma,u-noah"', '"u-emma,u-per"')
    error = oneroster_error(files)  # on Kari's line, Per is not a student
    assert (error.where, error.problem) == ("users.csv line 7", "agent “u-per” is not a student")
    files = edit(sample_files(), "users.csv", '"u-emma,u-noah"', "", count=2)
    edit(files, "users.csv", "14032052322,,,,,01", '14032052322,,,,"u-kari,u-per",01')
    assert links_of(oneroster(files))[("Per", "Emma")] == "shared"
    assert ("Per", "Noah") not in links_of(oneroster(files))


def test_oneroster_responsibility_column_wins():
    files = add_column(sample_files(), "users.csv", "x", {})  # an unknown extension: ignored
    assert links_of(oneroster(files)) == links_of(oneroster())
    files = edit(sample_files(), "users.csv", "0000 0007,,,,none", "0000 0007,,,,shared")
    assert links_of(oneroster(files))[("Anders", "Olivia")] == "shared"
    assert links_of(oneroster(files))[("Marte", "Olivia")] == "shared"
    files = edit(sample_files(), "users.csv", "0000 0003,,,,", "0000 0003,,,,none")
    assert links_of(oneroster(files))[("Amina", "Sara")] == "none"
    files = edit(sample_files(), "users.csv", "0000 0007,,,,none", "0000 0007,,,,felles")
    assert oneroster_error(files).where == "users.csv line 13"


def test_oneroster_address_protection_column():
    files = add_column(sample_files(), "users.csv", "metadata.kontaktbok.addressProtection",
                       {"u-emma": "strengtFortrolig", "u-kari": "fortrolig"})
    roster = oneroster(files)
    assert by_name(roster.children)["Emma"].address_protection == "strengtFortrolig"
    assert by_name(roster.guardians)["Kari"].address_protection == "fortrolig"
    assert by_name(roster.children)["Noah"].address_protection is None  # not stated
    files = add_column(sample_files(), "users.csv", "metadata.kontaktbok.addressProtection",
                       {"u-noah": "code6"})
    assert oneroster_error(files).where == "users.csv line 3"


def test_oneroster_aide_is_group_staff():
    files = edit(sample_files(), "enrollments.csv", "u-thomas,teacher,true",
                 "u-thomas,aide,true")
    assert ("thomas.eide", "group_staff", "org-skole", "cl-2a") in roles_of(oneroster(files))


def test_oneroster_administrator_leads_only_units():
    files = edit(sample_files(), "users.csv", '"org-skole,org-sfo",administrator',
                 '"org-kommune,org-skole",administrator')
    assert [r for r in roles_of(oneroster(files)) if r[1] == "unit_leader"] == [
        ("liv.solberg", "unit_leader", "org-skole", None)]
    files = edit(sample_files(), "users.csv", '"org-skole,org-sfo",administrator',
                 "org-kommune,administrator")
    assert "liv.solberg@fjordvik.kommune.no" in [s.username for s in oneroster(files).staff]
    assert not [r for r in roles_of(oneroster(files)) if r[1] == "unit_leader"]


def test_oneroster_username_falls_back_to_email():
    files = edit(sample_files(), "users.csv", "Hanne.Moen@fjordvik.kommune.no,,", ",,")
    assert oneroster(files).staff[0].username == "hanne.moen@fjordvik.kommune.no"
    edit(files, "users.csv", ",hanne.moen@fjordvik.kommune.no,", ",,")
    assert oneroster_error(files).where == "users.csv line 14"
    files = edit(sample_files(), "users.csv", "Hanne.Moen@", "Liv.Solberg@")
    assert oneroster_error(files).where == "users.csv line 16"  # the same username twice


def test_oneroster_skips_rows_to_be_deleted_and_disabled_users():
    files = edit(sample_files(), "users.csv", "u-noah,,,true", "u-noah,tobedeleted,,true")
    edit(files, "users.csv", "u-hanne,,,true", "u-hanne,,,false")
    edit(files, "classes.csv", "cl-sfo,,", "cl-sfo,tobedeleted,")
    roster = oneroster(files)
    assert "Noah" not in by_name(roster.children)  # and Kari's and Per's links to him
    assert ("Kari", "Noah") not in links_of(roster)
    assert [s.first_name for s in roster.staff] == ["Thomas", "Liv"]
    assert [g.key for g in roster.groups] == ["cl-1a", "cl-2a"]
    assert by_name(roster.children)["Emma"].groups == ["cl-1a"]
    assert ("thomas.eide", "group_staff", "org-sfo", "cl-sfo") not in roles_of(roster)
    files = edit(sample_files(), "orgs.csv", "org-sfo,,", "org-sfo,tobedeleted,")
    assert [g.key for g in oneroster(files).groups] == ["cl-1a", "cl-2a"]


def test_oneroster_enrollments_count_from_begin_to_end():
    files = edit(sample_files(), "enrollments.csv", "u-emma,student,false,2026-08-17,",
                 f"u-emma,student,false,{FUTURE},")
    assert by_name(oneroster(files).children)["Emma"].groups == ["cl-sfo"]
    files = edit(sample_files(), "enrollments.csv", "u-emma,student,false,2026-08-17,",
                 f"u-emma,student,false,,{PAST}")
    assert by_name(oneroster(files).children)["Emma"].groups == ["cl-sfo"]
    files = edit(sample_files(), "enrollments.csv", "2026-08-17", "17.08.2026")
    assert oneroster_error(files).where == "enrollments.csv line 2"


@pytest.mark.parametrize("name, old, new, where", [
    ("users.csv", ",Emma,Haugen,", ",,Haugen,", "users.csv line 2"),
    ("users.csv", ",Amina,Ali,", ",Amina,,", "users.csv line 9"),
    ("users.csv", ",Liv,Solberg,", ", ,Solberg,", "users.csv line 16"),
    ("classes.csv", "cl-2a,,,2A,", "cl-2a,,,,", "classes.csv line 3"),
    ("orgs.csv", "Fjordvik SFO", "", "orgs.csv line 4"),
])
def test_oneroster_names_are_required(name, old, new, where):
    assert oneroster_error(edit(sample_files(), name, old, new)).where == where


@pytest.mark.parametrize("name, old, new, where, problem", [
    ("classes.csv", "org-skole,\"as-2026-h", "org-nowhere,\"as-2026-h", "classes.csv line 2",
     "not in orgs.csv"),
    ("classes.csv", "org-skole,as-2026-27", "org-kommune,as-2026-27", "classes.csv line 3",
     "not a school"),
    ("classes.csv", "org-sfo,as-2026-27", "org-sfo,as-2031", "classes.csv line 4",
     "academicSessions.csv"),
    ("enrollments.csv", "u-lukas", "u-lucas", "enrollments.csv line 7", "not in users.csv"),
    ("enrollments.csv", "en-9,,,cl-1a", "en-9,,,cl-1b", "enrollments.csv line 10",
     "not in classes.csv"),
    ("users.csv", '"u-ingrid,u-jonas"', '"u-ingrid,u-jon"', "users.csv line 5",
     "not in users.csv"),
    ("users.csv", "u-amina,,,true,org-skole", "u-amina,,,true,org-skule", "users.csv line 9",
     "not in orgs.csv"),
])
def test_oneroster_unknown_references(name, old, new, where, problem):
    error = oneroster_error(edit(sample_files(), name, old, new))
    assert (error.where, problem in error.problem) == (where, True)


def test_oneroster_a_person_is_not_student_and_guardian():
    files = edit(sample_files(), "users.csv", ",21068731290,", ",14032052322,")
    error = oneroster_error(files)
    assert error.where == "users.csv line 7" and "users.csv line 2" in error.problem
    assert "14032052322" not in str(error)


@pytest.mark.parametrize("old, new, where", [
    ("cl-1a,org-skole,u-emma,student", "cl-1a,org-skole,u-kari,student",
     "enrollments.csv line 2"),
    ("cl-1a,org-skole,u-hanne,teacher", "cl-1a,org-skole,u-sara,teacher",
     "enrollments.csv line 10"),
])
def test_oneroster_enrollment_roles_must_fit_the_user(old, new, where):
    assert oneroster_error(edit(sample_files(), "enrollments.csv", old, new)).where == where


def test_oneroster_file_errors():
    files = sample_files()
    del files["users.csv"]
    edit(files, "manifest.csv", "file.users,bulk", "file.users,absent")
    assert (oneroster_error(files).where, oneroster_error(files).problem) == (
        "users.csv", "is missing")
    files = sample_files()
    files["users.csv"] = files["users.csv"].replace(b"Haugen", "Haugen".encode("utf-16"))
    assert oneroster_error(files).where == "users.csv"
    files = edit(sample_files(), "users.csv", ",givenName,", ",firstName,")
    assert oneroster_error(files).where == "users.csv line 1"
    files = edit(sample_files(), "orgs.csv", "org-sfo,,,", "org-sfo,,")
    assert oneroster_error(files).where == "orgs.csv line 4"
    files = edit(sample_files(), "classes.csv", "cl-2a,", "cl-1a,")
    assert oneroster_error(files).where == "classes.csv line 3"  # sourcedId twice
    files = sample_files()
    files["users.csv"] = b"\xef\xbb\xbf" + files["users.csv"].replace(b"\n", b"\r\n")
    assert oneroster(files) == oneroster()  # a BOM and CRLF line ends are fine


@pytest.mark.parametrize("old, new, where", [
    ("oneroster.version,1.1", "oneroster.version,1.2", "manifest.csv line 3"),
    ("file.users,bulk", "file.users,delta", "manifest.csv line 16"),
    ("file.results,absent", "file.results,bulk", "manifest.csv line 15"),
])
def test_oneroster_manifest(old, new, where):
    assert oneroster_error(edit(sample_files(), "manifest.csv", old, new)).where == where


# SS 12000 ----------------------------------------------------------------------------------

# Indexes in the sample document.
ELSA, VILGOT, ALVA, OMAR, LIAM, MARIA, JOHAN, KARIN, SOFIA = range(9)
EVA, ANDERS, LINA = 12, 13, 14
CLASS_1A, CLASS_2B, EKORREN, SCHEMA = range(4)
SKOLA, FORSKOLA = 1, 2


def sample_document():
    return json.loads((DATA / "ss12000" / "ekby.json").read_bytes())


def ss12000(document=None, school_year=2026):
    data = (DATA / "ss12000" / "ekby.json").read_bytes() if document is None else (
        json.dumps(document, ensure_ascii=False).encode())
    return roster_ss12000.read(data, "ekby.json", school_year)


def ss12000_error(document):
    return raises(ss12000, document)


def test_ss12000_sample():
    document = sample_document()
    ids = {name: document["organisations"][index]["id"]
           for name, index in (("skola", SKOLA), ("forskola", FORSKOLA))}
    ids.update({name: document["groups"][index]["id"] for name, index in (
        ("1A", CLASS_1A), ("2B", CLASS_2B), ("Ekorren", EKORREN))})
    roster = ss12000(school_year=2026)
    assert roster.source == "ekby.json"
    assert [(u.key, u.name, u.kind, u.where, u.email, u.phone, u.address)
            for u in roster.units] == [
        (ids["skola"], "Ekby skola", "school", "organisations[1]", "ekby.skola@edu.ekby.se",
         "070-174 06 05", "Skolvägen 1, 999 01 Ekby"),
        (ids["forskola"], "Ekbacka förskola", "kindergarten", "organisations[2]",
         "ekbacka.forskola@edu.ekby.se", "070-174 06 06", "")]
    assert [(g.key, g.unit, g.name, g.school_year, g.where) for g in roster.groups] == [
        (ids["1A"], ids["skola"], "1A", 2026, "groups[0]"),
        (ids["2B"], ids["skola"], "2B", 2026, "groups[1]"),
        (ids["Ekorren"], ids["forskola"], "Ekorren", 2026, "groups[2]")]  # not "Schema"
    assert [(c.national_id, c.first_name, c.last_name, c.birth_date, c.groups, c.where,
             c.address_protection, c.address) for c in roster.children] == [
        ("201904123824", "Elsa", "Lind", datetime.date(2019, 4, 12), [ids["1A"]],
         "persons[0]", "ugradert", "Ekvägen 3, 999 02 Ekby"),
        # Vilgot's membership of 1A ended in 2025.
        ("201802204718", "Vilgot", "Lind", datetime.date(2018, 2, 20), [ids["2B"]],
         "persons[1]", "ugradert", "Ekvägen 3, 999 02 Ekby"),
        ("201910032647", "Alva", "Nilsson", datetime.date(2019, 10, 3), [ids["1A"]],
         "persons[2]", "fortrolig", "Lönngatan 7, 999 02 Ekby"),
        ("201807155931", "Omar", "Haddad", datetime.date(2018, 7, 15), [ids["2B"]],
         "persons[3]", "strengtFortrolig", ""),
        ("202209051488", "Liam", "Nilsson", datetime.date(2022, 9, 5), [ids["Ekorren"]],
         "persons[4]", "ugradert", "Lönngatan 7, 999 02 Ekby")]
    assert [(g.national_id, g.first_name, g.last_name, g.email, g.phone, g.where,
             g.address_protection) for g in roster.guardians] == [
        ("198603302260", "Maria", "Lind", "maria.lind@example.com", "070-174 06 10",
         "persons[5]", "ugradert"),
        ("198411083573", "Johan", "Lind", "johan.lind@example.com", "070-174 06 11",
         "persons[6]", "ugradert"),
        ("195805194826", "Karin", "Ström", "karin.strom@example.com", "070-174 06 12",
         "persons[7]", "ugradert"),
        ("199001251687", "Sofia", "Nilsson", "sofia.nilsson@example.com", "070-174 06 13",
         "persons[8]", "ugradert"),
        ("198806147157", "Peter", "Nilsson", "peter.nilsson@example.com", "070-174 06 14",
         "persons[9]", "ugradert"),
        ("198909023248", "Layla", "Haddad", "layla.haddad@example.com", "070-174 06 15",
         "persons[10]", "strengtFortrolig"),
        ("198512724364", "Karim", "Haddad", "karim.haddad@example.com", "070-174 06 16",
         "persons[11]", "ugradert")]
    assert by_name(roster.guardians)["Layla"].address == ""
    assert by_name(roster.guardians)["Peter"].address == "Björkgatan 12, 999 02 Ekby"
    assert links_of(roster) == {
        ("Maria", "Elsa"): "shared", ("Johan", "Elsa"): "shared",
        ("Karin", "Elsa"): "none",                      # Annan ansvarig
        ("Maria", "Vilgot"): "shared", ("Johan", "Vilgot"): "shared",
        ("Sofia", "Alva"): "sole",                      # one Vårdnadshavare
        ("Layla", "Omar"): "shared", ("Karim", "Omar"): "shared",
        ("Sofia", "Liam"): "shared", ("Peter", "Liam"): "shared"}
    assert roster.guardianships[2].where == "persons[0].responsibles[2]"
    assert [(s.username, s.first_name, s.last_name, s.where) for s in roster.staff] == [
        ("eva.sjoberg@edu.ekby.se", "Eva", "Sjöberg", "persons[12]"),
        ("anders.holm@edu.ekby.se", "Anders", "Holm", "persons[13]"),
        ("lina.ek@edu.ekby.se", "Lina", "Ek", "persons[14]")]  # no eduPersonPrincipalName
    assert [(r.username.split("@")[0], r.role, r.unit, r.group, r.where)
            for r in roster.roles] == [
        ("eva.sjoberg", "unit_leader", ids["skola"], None, "duties[0]"),
        ("eva.sjoberg", "unit_leader", ids["forskola"], None, "duties[1]"),
        ("lina.ek", "kindergarten_staff", ids["forskola"], None, "duties[3]"),
        ("anders.holm", "contact_teacher", ids["skola"], ids["1A"],
         "duties[2].assignmentRole[0]"),
        ("anders.holm", "contact_teacher", ids["skola"], ids["2B"],
         "groups[1]._embedded.assignmentRoles[0]")]
    assert ss12000() == roster


def test_ss12000_paged_form():
    document = sample_document()
    paged = {key: {"data": value, "pageToken": None} for key, value in document.items()}
    roster = ss12000(paged)
    assert roster.children[0].where == "persons.data[0]"
    assert links_of(roster) == links_of(ss12000())
    assert [g.name for g in roster.groups] == ["1A", "2B", "Ekorren"]
    paged["persons"]["pageToken"] = "page-2"
    assert ss12000_error(paged).where == "persons.pageToken"


@pytest.mark.parametrize("types, kind", [
    (["FS"], "kindergarten"), (["FTH"], "sfo"), (["OPPFTH"], "sfo"), (["FTH", "FS"],
                                                                      "kindergarten"),
    (["GR", "FTH"], "school"), (["GRS"], "school"), (["GY"], "school"), ([], "school")])
def test_ss12000_unit_kind_from_school_types(types, kind):
    document = sample_document()
    document["organisations"][SKOLA]["schoolTypes"] = types
    assert ss12000(document).units[0].kind == kind


def test_ss12000_only_school_units_are_units():
    document = sample_document()
    document["organisations"][FORSKOLA]["organisationType"] = "Skola"
    assert ss12000_error(document).where == "groups[2].organisation"


@pytest.mark.parametrize("group_type, imported", [
    ("Klass", True), ("Avdelning", True), ("Undervisning", True), ("Mentor", True),
    ("Schema", False), ("Personalgrupp", False), ("Övrigt", False)])
def test_ss12000_group_types(group_type, imported):
    document = sample_document()
    document["groups"][SCHEMA]["groupType"] = group_type
    names = [g.name for g in ss12000(document).groups]
    assert ("1A sv" in names) == imported
    assert (len(ss12000(document).children[ELSA].groups) == 2) == imported


def test_ss12000_membership_must_be_current():
    document = sample_document()
    document["groups"][EKORREN]["groupMemberships"][0]["startDate"] = FUTURE
    assert "Liam" not in by_name(ss12000(document).children)
    assert ("Peter", "Liam") not in links_of(ss12000(document))
    document["groups"][EKORREN]["groupMemberships"][0].update(startDate=PAST, endDate=PAST)
    assert "Liam" not in by_name(ss12000(document).children)
    document["groups"][EKORREN]["groupMemberships"][0]["endDate"] = "2030-13-01"
    assert ss12000_error(document).where == "groups[2].groupMemberships[0].endDate"


def test_ss12000_civic_no():
    document = sample_document()
    document["persons"][ELSA]["civicNo"]["value"] = "20190412-3824"
    assert ss12000(document).children[0].national_id == "201904123824"
    for value in ("20190412TF01", "1904123824", " "):
        document["persons"][ELSA]["civicNo"]["value"] = value
        error = ss12000_error(document)
        assert error.where == "persons[0].civicNo" and "190412" not in error.problem
    del document["persons"][ELSA]["civicNo"]
    assert ss12000_error(document).where == "persons[0].civicNo"
    document = sample_document()
    document["persons"][VILGOT]["civicNo"]["value"] = "201904123824"
    error = ss12000_error(document)
    assert (error.where, "persons[0]" in error.problem) == ("persons[1].civicNo", True)


def test_ss12000_birth_date():
    document = sample_document()
    document["persons"][ELSA]["civicNo"]["value"] = "201904723824"  # samordningsnummer
    document["persons"][OMAR]["birthDate"] = "2018-07-16"
    children = by_name(ss12000(document).children)
    assert children["Elsa"].birth_date == datetime.date(2019, 4, 12)
    assert children["Omar"].birth_date == datetime.date(2018, 7, 16)  # birthDate wins
    document["persons"][OMAR]["birthDate"] = "15/07/2018"
    assert ss12000_error(document).where == "persons[3].birthDate"
    document = sample_document()
    document["persons"][ELSA]["civicNo"]["value"] = "201913123824"
    assert ss12000_error(document).where == "persons[0].civicNo"


@pytest.mark.parametrize("relation, responsibility", [
    ("Vårdnadshavare", "shared"), ("Annan ansvarig", "none"), ("God man", "none"),
    ("Kontaktperson", "none"), (None, "none")])
def test_ss12000_relation_types(relation, responsibility):
    document = sample_document()
    document["persons"][ELSA]["responsibles"][1]["relationType"] = relation
    links = links_of(ss12000(document))
    assert links[("Johan", "Elsa")] == responsibility
    assert links[("Maria", "Elsa")] == ("shared" if relation == "Vårdnadshavare" else "sole")


def test_ss12000_custodian_listed_twice_stays_custodian():
    document = sample_document()
    document["persons"][ELSA]["responsibles"].append(
        {"person": {"id": document["persons"][MARIA]["id"]}, "relationType": "Kontaktperson"})
    document["persons"][VILGOT]["responsibles"].insert(
        0, {"person": {"id": document["persons"][MARIA]["id"]}, "relationType": "Kontaktperson"})
    roster = ss12000(document)
    assert links_of(roster) == links_of(ss12000())
    assert len(roster.guardianships) == len(ss12000().guardianships)


def test_ss12000_relations_must_be_current():
    document = sample_document()
    document["persons"][ALVA]["responsibles"].append(
        {"person": {"id": document["persons"][MARIA]["id"]}, "relationType": "Vårdnadshavare",
         "endDate": PAST})
    document["persons"][ALVA]["responsibles"].append(
        {"person": {"id": document["persons"][JOHAN]["id"]}, "relationType": "Vårdnadshavare",
         "startDate": FUTURE})
    links = links_of(ss12000(document))
    assert links[("Sofia", "Alva")] == "sole" and ("Maria", "Alva") not in links


def test_ss12000_responsible_without_civic_no():
    document = sample_document()
    del document["persons"][KARIN]["civicNo"]  # Annan ansvarig: left out
    assert "Karin" not in by_name(ss12000(document).guardians)
    assert ("Karin", "Elsa") not in links_of(ss12000(document))
    del document["persons"][SOFIA]["civicNo"]  # Vårdnadshavare: an error
    assert ss12000_error(document).where == "persons[8].civicNo"


def test_ss12000_security_marking():
    document = sample_document()
    del document["persons"][ALVA]["securityMarking"]
    assert ss12000(document).children[ALVA].address_protection is None  # not stated
    document["persons"][ALVA]["securityMarking"] = "Hemlig"
    assert ss12000_error(document).where == "persons[2].securityMarking"


def test_ss12000_contact_details():
    document = sample_document()
    document["persons"][MARIA]["addresses"].insert(0, {
        "type": "Särskild postadress", "streetAddress": " Box 7 ", "postalCode": "999 03",
        "locality": "Ekby"})
    document["persons"][MARIA]["emails"].append({"value": "maria@work.example.com"})
    maria = by_name(ss12000(document).guardians)["Maria"]
    assert (maria.address, maria.email) == ("Ekvägen 3, 999 02 Ekby", "maria.lind@example.com")
    del document["persons"][MARIA]["addresses"][1]
    assert by_name(ss12000(document).guardians)["Maria"].address == "Box 7, 999 03 Ekby"


def test_ss12000_teaching_duties():
    document = sample_document()
    lina = document["duties"][3]
    lina["dutyAt"] = document["duties"][2]["dutyAt"]  # Förskollärare at the school
    assert not [r for r in ss12000(document).roles if r.username.startswith("lina")]
    assert "lina.ek@edu.ekby.se" in [s.username for s in ss12000(document).staff]
    document["organisations"][SKOLA]["schoolTypes"] = ["FTH"]
    lina["dutyRole"] = "Fritidspedagog"
    assert [r.role for r in ss12000(document).roles if r.username.startswith("lina")] == [
        "sfo_staff"]
    lina["assignmentRole"] = [{"group": {"id": document["groups"][CLASS_2B]["id"]},
                               "assignmentRoleType": "Fritidspedagog"}]
    assert [(r.role, r.group) for r in ss12000(document).roles
            if r.username.startswith("lina")] == [
        ("sfo_staff", None), ("group_staff", document["groups"][CLASS_2B]["id"])]


def test_ss12000_mentor_assignments():
    document = sample_document()
    del document["groups"][CLASS_2B]["_embedded"]
    # Anders's mentorship of 2B through his duty ended in June 2026.
    assert [(r.role, r.group) for r in ss12000(document).roles if r.role != "unit_leader"
            and r.username.startswith("anders")] == [
        ("contact_teacher", document["groups"][CLASS_1A]["id"])]
    document["duties"][2]["assignmentRole"][0]["assignmentRoleType"] = "Specialpedagog"
    assert [r.role for r in ss12000(document).roles if r.username.startswith("anders")] == [
        "group_staff"]
    document["duties"][2]["dutyRole"] = "Kurator"
    assert not [r for r in ss12000(document).roles if r.username.startswith("anders")]
    assert "anders.holm@edu.ekby.se" not in [s.username for s in ss12000(document).staff]


def test_ss12000_duties_must_be_current_and_at_a_unit():
    document = sample_document()
    document["duties"][0]["endDate"] = PAST
    document["duties"][1]["dutyAt"] = {"id": document["organisations"][0]["id"]}  # kommun
    assert "eva.sjoberg@edu.ekby.se" not in [s.username for s in ss12000(document).staff]
    assert "unit_leader" not in [r.role for r in ss12000(document).roles]


def test_ss12000_username():
    document = sample_document()
    document["persons"][EVA]["eduPersonPrincipalNames"] = [{"value": "EVA@skolfed.example"}]
    assert ss12000(document).staff[0].username == "eva@skolfed.example"
    del document["persons"][LINA]["emails"]
    assert ss12000_error(document).where == "persons[14]"
    document = sample_document()
    document["persons"][LINA]["emails"] = [{"value": "Anders.Holm@edu.ekby.se"}]
    error = ss12000_error(document)
    assert (error.where, "persons[13]" in error.problem) == ("persons[14]", True)


def test_ss12000_a_person_is_not_child_and_guardian():
    document = sample_document()
    document["groups"][CLASS_1A]["groupMemberships"].append(
        {"person": {"id": document["persons"][MARIA]["id"]}})
    assert ss12000_error(document).where == "persons[5]"


def test_ss12000_names_are_required():
    document = sample_document()
    document["persons"][LIAM]["givenName"] = " "
    assert ss12000_error(document).where == "persons[4].givenName"
    document = sample_document()
    document["groups"][EKORREN]["displayName"] = ""
    assert ss12000_error(document).where == "groups[2].displayName"


@pytest.mark.parametrize("change, where", [
    (lambda d: d["groups"][CLASS_1A]["groupMemberships"][1]["person"].update(id="nobody"),
     "groups[0].groupMemberships[1]"),
    (lambda d: d["groups"][CLASS_2B]["organisation"].update(id="nowhere"), "groups[1]"),
    (lambda d: d["persons"][ELSA]["responsibles"][2]["person"].update(id="nobody"),
     "persons[0].responsibles[2]"),
    (lambda d: d["duties"][0]["person"].update(id="nobody"), "duties[0]"),
    (lambda d: d["duties"][1]["dutyAt"].update(id="nowhere"), "duties[1]"),
    (lambda d: d["duties"][2]["assignmentRole"][1]["group"].update(id="nothing"),
     "duties[2].assignmentRole[1]"),
    (lambda d: d["groups"][CLASS_2B]["_embedded"]["assignmentRoles"][0]["duty"].update(
        id="nothing"), "groups[1]._embedded.assignmentRoles[0]"),
    (lambda d: d["groups"][CLASS_2B].update(organisation="skola"),
     "groups[1].organisation"),
])
def test_ss12000_unknown_references(change, where):
    document = sample_document()
    change(document)
    error = ss12000_error(document)
    assert error.where == where, error


def test_ss12000_document_errors():
    assert raises(roster_ss12000.read, b'{"persons": [}', "x.json", 2026).where == (
        "line 1 column 14")
    assert raises(roster_ss12000.read, b"[]", "x.json", 2026).where == "x.json"
    assert raises(roster_ss12000.read, b"\xff{}", "x.json", 2026).where == "x.json"
    document = sample_document()
    del document["persons"]
    assert ss12000_error(document).where == "persons"
    document = sample_document()
    document["groups"] = {"items": []}
    assert ss12000_error(document).where == "groups.data"
    document = sample_document()
    document["persons"][OMAR]["id"] = document["persons"][ELSA]["id"]
    assert ss12000_error(document).where == "persons[3]"
    document = sample_document()
    document["persons"][OMAR] = "Omar"
    assert ss12000_error(document).where == "persons[3]"
    bom = b"\xef\xbb\xbf" + (DATA / "ss12000" / "ekby.json").read_bytes()
    assert roster_ss12000.read(bom, "ekby.json", 2026) == ss12000()


# Both --------------------------------------------------------------------------------------

def test_errors_are_shown_in_the_administrators_language():
    """The import page shows where and what in the user's language; a JSON path stays."""
    app = Flask(__name__, root_path=str(DATA.parents[2]))  # translations/
    Babel(app)
    files = edit(sample_files(), "users.csv", '"u-emma,u-noah"', '"u-emma,u-per"')
    error = oneroster_error(files)
    document = sample_document()
    document["persons"][0]["securityMarking"] = "Hemlig"
    marking = ss12000_error(document)
    with app.test_request_context(), force_locale("nb"):
        assert (str(error.where), str(error.problem)) == (
            "users.csv linje 7", "agenten «u-per» er ikke en elev")
        assert (marking.where, str(marking.problem)) == (
            "persons[0].securityMarking",
            "«Hemlig» må være en av: Ingen (ingen markering), Sekretessmarkering "
            "(sekretessmarkering, som fortrolig adresse), Skyddad folkbokföring (beskyttet "
            "folkeregistrering, som strengt fortrolig adresse)")
        # On the page, the allowed values are the file's words, in <code>.
        assert marking.problem.__html__().startswith(
            "«Hemlig» må være en av: <code>Ingen</code> (ingen markering), ")
    with app.test_request_context(), force_locale("sv"):
        assert str(error.where) == "users.csv rad 7"
        assert str(marking.problem) == (
            "”Hemlig” måste vara en av: Ingen (ingen markering), Sekretessmarkering "
            "(sekretessmarkering), Skyddad folkbokföring (skyddad folkbokföring)")



def test_the_samples_hold_no_real_national_ids():
    """Every id in the samples fails its check digits, so none can be a real person's."""
    def norwegian_valid(digits):
        d = [int(c) for c in digits]
        k1 = 11 - sum(w * x for w, x in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), d[:9], strict=True)) % 11
        k2 = 11 - sum(w * x for w, x in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), d[:10], strict=True)) % 11
        return (k1 % 11, k2 % 11) == (d[9], d[10])

    def swedish_valid(digits):
        total = 0
        for index, char in enumerate(digits[2:]):
            value = int(char) * (2 - index % 2)
            total += value - 9 if value > 9 else value
        return total % 10 == 0

    norwegian = oneroster()
    ids = [row.national_id for row in norwegian.children + norwegian.guardians]
    assert len(ids) == 12 and all(len(i) == 11 and not norwegian_valid(i) for i in ids)
    civic = [p["civicNo"]["value"] for p in sample_document()["persons"]]
    assert len(civic) == 15 and all(len(i) == 12 and not swedish_valid(i) for i in civic)
