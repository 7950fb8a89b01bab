"""Small, valid sample files of each roster format, for the administrator to download
from the import page: a made-up school and kindergarten (or Swedish school) with a few
families that show each case (shared and sole parental responsibility, a parent without
it, a protected address, staff with roles). Each zip holds a README.txt; the JSON holds
an "_about" text, which the reader ignores.

The national identity numbers are made up and fail their check digits, so none can be
a real person's (the readers do not check the digits). The groups are in `school_year`,
so a sample downloaded in any year imports into that year."""
import csv
import io
import json
import zipfile

from models.roster.kontaktbok_csv import COLUMNS

# Kontaktbok CSV --------------------------------------------------------------------------

NORWEGIAN_IDS = {  # made up: 11 digits whose check digits are wrong
    "ella": "15032099900", "tobias": "02061999900", "mia": "23112099900",
    "anna": "12048599900", "jon": "30098699900", "siri": "05079099900",
    "per": "17118799900", "lena": "28028499900"}
N = NORWEGIAN_IDS

KONTAKTBOK_README = """\
Kontaktbok CSV: a sample with made-up people
============================================

A zip of UTF-8 CSV files with a header row. Columns may come in any order; a column
Kontaktbok does not know is refused. The national identity numbers here are made up
(their check digits are wrong): use this file to see the format, or to try an import
on a demo or test installation, never on real data.

units.csv          id, name, kind (school | sfo | kindergarten)[, phone, email, address]
groups.csv         id, unit, name, school_year (the year it starts: 2026 for 2026/27)
children.csv       national_id, first_name, last_name, birth_date (YYYY-MM-DD),
                   groups (group ids separated by spaces)[, address, address_protection]
guardians.csv      national_id, first_name, last_name[, email, phone, address,
                   address_protection]
guardianships.csv  guardian, child (national ids), responsibility[, fixed_residence,
                   main_addressee]
staff.csv          username, first_name, last_name, role[, email, unit, group]
                   (one line per role; optional: without it, staff roles stay)

responsibility     shared | sole | none (a parent without parental responsibility),
                   or the register's words felles, alene, ingen / gemensam, ensam
address_protection ugradert, klientadresse, fortrolig (former code 7),
                   strengtFortrolig (former code 6); empty: not stated
role               unit_leader, contact_teacher (needs group), group_staff (needs
                   group), sfo_staff, kindergarten_staff
yes/no columns     yes/no, ja/nei, true/false, 1/0

What an import does: pupils of the units in the file who are not in it leave their
groups, and guardianships of the children in the file that are not in it end. Nothing
is deleted. Matching: people by national identity number, staff by username, units and
groups by id.
"""


def _csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _zip(files):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _kontaktbok_csv(name, rows, leave_out=()):
    """A file of the Kontaktbok CSV with its columns in kontaktbok_csv.COLUMNS's order,
    but for those the sample leaves out."""
    required, optional = COLUMNS[name]
    return _csv([c for c in required + optional if c not in leave_out], rows)


def kontaktbok_zip(school_year):
    year = str(school_year)
    return _zip({
        "README.txt": KONTAKTBOK_README,
        "units.csv": _kontaktbok_csv("units.csv", leave_out={"address"}, rows=[
            ["eks-skole", "Eksempelby skole", "school", "+47 00 00 00 01",
             "skole@eksempelby.example"],
            ["eks-bhg", "Eksempelby barnehage", "kindergarten", "", ""]]),
        "groups.csv": _kontaktbok_csv("groups.csv", [
            ["eks-1a", "eks-skole", "1A", year], ["eks-2a", "eks-skole", "2A", year],
            ["eks-blabaer", "eks-bhg", "Blåbær", year]]),
        "children.csv": _kontaktbok_csv("children.csv", [
            [N["ella"], "Ella", "Eksempel", "2020-03-15", "eks-1a", "Prøvevegen 1", ""],
            [N["tobias"], "Tobias", "Testesen", "2019-06-02", "eks-2a", "Prøvevegen 2", ""],
            [N["mia"], "Mia", "Prøvesen", "2020-11-23", "eks-blabaer", "", "fortrolig"]]),
        "guardians.csv": _kontaktbok_csv("guardians.csv", leave_out={"address"}, rows=[
            [N["anna"], "Anna", "Eksempel", "anna@eksempel.example", "+47 00 00 00 11", ""],
            [N["jon"], "Jon", "Eksempel", "jon@eksempel.example", "", ""],
            [N["siri"], "Siri", "Testesen", "siri@eksempel.example", "", ""],
            [N["per"], "Per", "Testesen", "", "", ""],
            [N["lena"], "Lena", "Prøvesen", "", "", "fortrolig"]]),
        "guardianships.csv": _kontaktbok_csv("guardianships.csv", [
            [N["anna"], N["ella"], "shared", "yes", "yes"],
            [N["jon"], N["ella"], "shared", "no", "no"],
            [N["siri"], N["tobias"], "sole", "yes", "yes"],
            [N["per"], N["tobias"], "none", "no", "no"],
            [N["lena"], N["mia"], "sole", "yes", "yes"]]),
        "staff.csv": _kontaktbok_csv("staff.csv", [
            ["eksempel.rektor", "Rune", "Rektorsen", "unit_leader", "rune@eksempel.example",
             "eks-skole", ""],
            ["eksempel.laerer", "Lise", "Lærersen", "contact_teacher",
             "lise@eksempel.example", "", "eks-1a"],
            ["eksempel.laerer", "Lise", "Lærersen", "group_staff", "lise@eksempel.example",
             "", "eks-2a"],
            ["eksempel.styrer", "Stine", "Styrersen", "unit_leader", "", "eks-bhg", ""],
            ["eksempel.assistent", "Aksel", "Assistentsen", "kindergarten_staff", "",
             "eks-bhg", ""]]),
    })


# OneRoster 1.1 CSV --------------------------------------------------------------------------

ONEROSTER_README = """\
OneRoster 1.1 CSV: a sample with made-up people
===============================================

A zip of the OneRoster 1.1 CSV tables (bulk). Kontaktbok reads orgs, academicSessions,
classes, users, enrollments and demographics, and never looks at the other columns
(race and ethnicity included). The national identity numbers (users.csv, identifier) are
made up and their check digits are wrong: use this file to see the format, or to try an
import on a demo or test installation, never on real data.

- orgs of type school are units; the extension column metadata.kontaktbok.kind
  (school | sfo | kindergarten) gives another kind.
- classes are groups; academicSessions' schoolYear is the year the school year ENDS.
- students are children (birthDate from demographics.csv); guardians and parents are
  linked to a student by agentSourcedIds. metadata.kontaktbok.responsibility (shared |
  sole | none) says who has parental responsibility: without it, two linked guardians
  share it and one has it alone. metadata.kontaktbok.addressProtection (ugradert,
  klientadresse, fortrolig, strengtFortrolig) states a protected address.
- teachers with primary=true in a class are its contact teacher, other teachers and
  aides are staff of the group, administrators lead their school.
- a delta export is refused: the import needs the whole roster.
"""


def oneroster_zip(school_year):
    ends = str(school_year + 1)  # OneRoster's schoolYear: the year it ends
    users = [
        ["u-ella", "true", "org-skole", "student", "", "Ella", "Eksempel", N["ella"], "",
         "", "", "", "", ""],
        ["u-tobias", "true", "org-skole", "student", "", "Tobias", "Testesen", N["tobias"],
         "", "", "", "u-siri,u-per", "", ""],
        ["u-anna", "true", "org-skole", "guardian", "", "Anna", "Eksempel", N["anna"],
         "anna@eksempel.example", "+47 00 00 00 11", "", "u-ella", "", ""],
        ["u-jon", "true", "org-skole", "parent", "", "Jon", "Eksempel", N["jon"],
         "jon@eksempel.example", "", "", "u-ella", "", ""],
        ["u-siri", "true", "org-skole", "guardian", "", "Siri", "Testesen", N["siri"],
         "siri@eksempel.example", "", "", "", "", ""],
        ["u-per", "true", "org-skole", "parent", "", "Per", "Testesen", N["per"], "", "",
         "", "", "none", ""],
        ["u-lise", "true", "org-skole", "teacher", "eksempel.laerer", "Lise", "Lærersen",
         "", "lise@eksempel.example", "", "", "", "", ""],
        ["u-rune", "true", "org-skole", "administrator", "eksempel.rektor", "Rune",
         "Rektorsen", "", "rune@eksempel.example", "", "", "", "", ""],
    ]
    return _zip({
        "README.txt": ONEROSTER_README,
        "manifest.csv": _csv(["propertyName", "value"], [
            ["manifest.version", "1.0"], ["oneroster.version", "1.1"],
            ["file.academicSessions", "bulk"], ["file.classes", "bulk"],
            ["file.demographics", "bulk"], ["file.enrollments", "bulk"],
            ["file.orgs", "bulk"], ["file.users", "bulk"],
            ["source.systemName", "Eksempelby SIS (made-up sample)"]]),
        "orgs.csv": _csv(["sourcedId", "status", "dateLastModified", "name", "type",
                          "identifier", "parentSourcedId", "metadata.kontaktbok.kind"], [
            ["org-kommune", "", "", "Eksempelby kommune", "district", "", "", ""],
            ["org-skole", "", "", "Eksempelby skole", "school", "", "org-kommune", ""]]),
        "academicSessions.csv": _csv(["sourcedId", "status", "dateLastModified", "title",
                                      "type", "startDate", "endDate", "parentSourcedId",
                                      "schoolYear"], [
            ["as-year", "", "", f"Skoleåret {school_year}/{str(school_year + 1)[2:]}",
             "schoolYear", f"{school_year}-08-15", f"{ends}-06-20", "", ends]]),
        "classes.csv": _csv(["sourcedId", "status", "dateLastModified", "title",
                             "classType", "schoolSourcedId", "termSourcedIds"], [
            ["cl-1a", "", "", "1A", "homeroom", "org-skole", "as-year"],
            ["cl-2a", "", "", "2A", "homeroom", "org-skole", "as-year"]]),
        "users.csv": _csv(["sourcedId", "status", "dateLastModified", "enabledUser",
                           "orgSourcedIds", "role", "username", "givenName", "familyName",
                           "identifier", "email", "phone", "sms", "agentSourcedIds",
                           "metadata.kontaktbok.responsibility",
                           "metadata.kontaktbok.addressProtection"],
                          [[u[0], "", "", *u[1:]] for u in users]),
        "enrollments.csv": _csv(["sourcedId", "status", "dateLastModified", "classSourcedId",
                                 "schoolSourcedId", "userSourcedId", "role", "primary",
                                 "beginDate", "endDate"], [
            ["en-1", "", "", "cl-1a", "org-skole", "u-ella", "student", "false", "", ""],
            ["en-2", "", "", "cl-2a", "org-skole", "u-tobias", "student", "false", "", ""],
            ["en-3", "", "", "cl-1a", "org-skole", "u-lise", "teacher", "true", "", ""],
            ["en-4", "", "", "cl-2a", "org-skole", "u-lise", "teacher", "false", "", ""]]),
        "demographics.csv": _csv(["sourcedId", "status", "dateLastModified", "birthDate"], [
            ["u-ella", "", "", "2020-03-15"], ["u-tobias", "", "", "2019-06-02"]]),
    })


# SS 12000 JSON ----------------------------------------------------------------------------

SWEDISH_IDS = {  # made up: 12 digits whose check digit is wrong
    "alva": "202003149991", "elis": "201906029990", "maja": "202011239990",
    "sanna": "198504129990", "omar": "198609309990", "eva": "199007059990"}
S = SWEDISH_IDS


def _person(key, given, family, civic, **more):
    return {"id": key, "givenName": given, "familyName": family,
            **({"civicNo": {"value": civic}} if civic else {}), **more}


def ss12000_json():
    def child(key, given, family, born, responsibles, **more):
        return _person(key, given, family, S[key], birthDate=born, responsibles=[
            {"person": {"id": p}, "relationType": relation} for p, relation in responsibles],
            **more)

    document = {
        "_about": (
            "Kontaktbok: a sample SS 12000 document with made-up people. The civic "
            "numbers' check digits are wrong, so none is a real person's: use it to see "
            "the format, or to try an import on a demo or test installation, never on "
            "real data. Read: organisations (organisationType Skolenhet, schoolTypes), "
            "persons (civicNo, securityMarking, responsibles with relationType "
            "Vårdnadshavare), groups (Klass, Avdelning, Undervisning, Mentor, with "
            "groupMemberships) and duties (Rektor, Lärare … with assignmentRole Mentor). "
            "The school year is the one chosen on the import page."),
        "organisations": [
            {"id": "org-kommun", "displayName": "Exempelby kommun",
             "organisationType": "Huvudman"},
            {"id": "org-skola", "displayName": "Exempelskolan", "organisationType":
             "Skolenhet", "schoolTypes": ["GR", "FTH"], "email": "skola@exempelby.example"},
            {"id": "org-forskola", "displayName": "Exempelby förskola",
             "organisationType": "Skolenhet", "schoolTypes": ["FS"]}],
        "persons": [
            child("alva", "Alva", "Exempelsson", "2020-03-14",
                  [("sanna", "Vårdnadshavare"), ("omar", "Vårdnadshavare")]),
            child("elis", "Elis", "Testsson", "2019-06-02", [("eva", "Vårdnadshavare")]),
            child("maja", "Maja", "Provsson", "2020-11-23", [("eva", "Vårdnadshavare")],
                  securityMarking="Sekretessmarkering"),
            _person("sanna", "Sanna", "Exempelsson", S["sanna"],
                    emails=[{"value": "sanna@exempel.example"}],
                    phoneNumbers=[{"value": "+46 00 000 00 01"}]),
            _person("omar", "Omar", "Exempelsson", S["omar"]),
            _person("eva", "Eva", "Testsson", S["eva"],
                    emails=[{"value": "eva@exempel.example"}]),
            _person("rektor", "Rut", "Rektorsson", None,
                    eduPersonPrincipalNames=["rut.rektorsson@exempelby.example"]),
            _person("larare", "Lars", "Lärarsson", None,
                    eduPersonPrincipalNames=["lars.lararsson@exempelby.example"]),
            _person("forskollarare", "Frida", "Förskollärarsson", None,
                    emails=[{"value": "frida@exempelby.example"}])],
        "groups": [
            {"id": "grp-1a", "displayName": "1A", "groupType": "Klass",
             "organisation": {"id": "org-skola"},
             "groupMemberships": [{"person": {"id": "alva"}}, {"person": {"id": "elis"}}]},
            {"id": "grp-lingon", "displayName": "Lingon", "groupType": "Avdelning",
             "organisation": {"id": "org-forskola"},
             "groupMemberships": [{"person": {"id": "maja"}}]}],
        "duties": [
            {"id": "d-rektor", "person": {"id": "rektor"}, "dutyAt": {"id": "org-skola"},
             "dutyRole": "Rektor"},
            {"id": "d-larare", "person": {"id": "larare"}, "dutyAt": {"id": "org-skola"},
             "dutyRole": "Lärare",
             "assignmentRole": [{"group": {"id": "grp-1a"}, "assignmentRoleType": "Mentor"}]},
            {"id": "d-forskola", "person": {"id": "forskollarare"},
             "dutyAt": {"id": "org-forskola"}, "dutyRole": "Förskollärare"}],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


SAMPLES = {  # format: (file name, content type, maker(school_year))
    "kontaktbok": ("kontaktbok-sample.zip", "application/zip", kontaktbok_zip),
    "oneroster": ("oneroster-sample.zip", "application/zip", oneroster_zip),
    "ss12000": ("ss12000-sample.json", "application/json", lambda _year: ss12000_json()),
}
