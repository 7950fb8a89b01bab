"""The Kontaktbok CSV roster format, read into a Roster (models/roster/rows.py).

The Kontaktbok CSV is a zip (or a folder, for the command line) of UTF-8 files with a
header row; columns in any order, unknown columns refused:

units.csv          id, name, kind (school | sfo | kindergarten)[, phone, email, address]
groups.csv         id, unit, name, school_year (the year it starts: 2026 for 2026/27)
children.csv       national_id, first_name, last_name, birth_date (YYYY-MM-DD),
                   groups (group ids separated by spaces)[, address, address_protection]
guardians.csv      national_id, first_name, last_name[, email, phone, address,
                   address_protection]
guardianships.csv  guardian, child (national ids), responsibility[, fixed_residence,
                   main_addressee]
staff.csv          username, first_name, last_name, role[, email, unit, group]
                   (one line per role; optional file)

responsibility: shared | sole | none, or the register's words: felles, alene, ingen
(nb), gemensam, ensam, ingen (sv). address_protection: ugradert, klientadresse,
fortrolig, strengtFortrolig. Booleans: yes/no, ja/nei, true/false, 1/0.
"""
import csv
import datetime
import io

from flask_babel import lazy_gettext as _l

from models.roster.meanings import (BOOLEANS, KINDS, PROTECTION, RESPONSIBILITIES, ROLES,
                                    choice_problem)
from models.roster.rows import (ChildRow, Code, GroupRow, GuardianRow, GuardianshipRow, Problem,
                                RoleRow, Roster, RosterError, StaffRow, UnitRow, line)

RESPONSIBILITY_WORDS = {"shared": "shared", "sole": "sole", "none": "none",
                        "felles": "shared", "alene": "sole", "ingen": "none",
                        "gemensam": "shared", "ensam": "sole"}
TRUE, FALSE = {"yes", "ja", "true", "1"}, {"no", "nei", "nej", "false", "0", ""}

# file: (required columns, optional columns). A file may list them in any order; the
# sample files (models/roster/samples.py) list them in this one.
COLUMNS = {
    "units.csv": (("id", "name", "kind"), ("phone", "email", "address")),
    "groups.csv": (("id", "unit", "name", "school_year"), ()),
    "children.csv": (("national_id", "first_name", "last_name", "birth_date", "groups"),
                     ("address", "address_protection")),
    "guardians.csv": (("national_id", "first_name", "last_name"),
                      ("email", "phone", "address", "address_protection")),
    "guardianships.csv": (("guardian", "child", "responsibility"),
                          ("fixed_residence", "main_addressee")),
    "staff.csv": (("username", "first_name", "last_name", "role"),
                  ("email", "unit", "group")),
}


def _rows(files, name, optional=False):
    """(where, row) for each line of a CSV file, its columns checked."""
    if name not in files:
        if optional:
            return []
        raise RosterError(name, _l("is missing"))
    try:
        text = files[name].decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(name, _l("is not UTF-8 text")) from None
    reader = csv.DictReader(io.StringIO(text))
    header = set(reader.fieldnames or [])
    required, allowed = map(set, COLUMNS[name])
    if missing := sorted(required - header):
        raise RosterError(line(name, 1), Problem(_l("missing column %(names)s"),
                                                   names=Code(", ".join(missing))))
    if unknown := sorted(header - required - allowed):
        raise RosterError(line(name, 1), Problem(_l("unknown column %(names)s"),
                                                   names=Code(", ".join(unknown))))
    rows = []
    for row in reader:
        where = line(name, reader.line_num)
        if None in row:
            raise RosterError(where, _l("has more values than the header has columns"))
        rows.append((where, {k: (v or "").strip() for k, v in row.items()}))
    return rows



def _required(where, row, key):
    if not row.get(key):
        raise RosterError(where, Problem(_l("%(column)s is empty"), column=Code(key)))
    return row[key]


def national_id(where, value, column):
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) not in (11, 12) or len(digits) != len(value.replace(" ", "").replace(
            "-", "")):
        raise RosterError(where, Problem(_l("%(column)s: the national identity number must "
                                            "have 11 digits (Norway) or 12 (Sweden)"),
                                         column=Code(column)))
    return digits


def _choice(where, key, value, allowed, default=None):
    """The value as the format spells it; `allowed` is one of models/roster/meanings.py's
    choices, so that an error says what each value means."""
    if not value and default is not None:
        return default
    found = next((t for t, _ in allowed if t.lower() == value.lower()), None)
    if found is None:
        raise RosterError(where, choice_problem(key, value, allowed))
    return found


def _protection(where, row):
    """The stated level, or None when the column is missing or empty (not stated)."""
    value = row.get("address_protection", "")
    return _choice(where, "address_protection", value, PROTECTION) if value else None


def _boolean(where, key, value):
    lowered = value.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise RosterError(where, choice_problem(key, value, BOOLEANS))


def read(files, source):
    roster = Roster(source=source)
    for where, row in _rows(files, "units.csv"):
        roster.units.append(UnitRow(
            key=_required(where, row, "id"), name=_required(where, row, "name"),
            kind=_choice(where, "kind", row["kind"], KINDS), where=where,
            phone=row.get("phone", ""), email=row.get("email", ""),
            address=row.get("address", "")))
    for where, row in _rows(files, "groups.csv"):
        try:
            year = int(row["school_year"])
        except ValueError:
            raise RosterError(where, Problem(_l("%(column)s must be a year such as 2026"),
                                             column=Code("school_year"))) from None
        roster.groups.append(GroupRow(key=_required(where, row, "id"),
                                      unit=_required(where, row, "unit"),
                                      name=_required(where, row, "name"), school_year=year,
                                      where=where))
    for where, row in _rows(files, "children.csv"):
        try:
            born = datetime.date.fromisoformat(row["birth_date"])
        except ValueError:
            raise RosterError(where, Problem(_l("%(column)s must be a date written "
                                                "YYYY-MM-DD"),
                                             column=Code("birth_date"))) from None
        roster.children.append(ChildRow(
            national_id=national_id(where, _required(where, row, "national_id"),
                                    "national_id"),
            first_name=_required(where, row, "first_name"),
            last_name=_required(where, row, "last_name"), birth_date=born,
            groups=row["groups"].split(), where=where, address=row.get("address", ""),
            address_protection=_protection(where, row)))
    for where, row in _rows(files, "guardians.csv"):
        roster.guardians.append(GuardianRow(
            national_id=national_id(where, _required(where, row, "national_id"),
                                    "national_id"),
            first_name=_required(where, row, "first_name"),
            last_name=_required(where, row, "last_name"), where=where,
            email=row.get("email", ""), phone=row.get("phone", ""),
            address=row.get("address", ""),
            address_protection=_protection(where, row)))
    for where, row in _rows(files, "guardianships.csv"):
        word = row["responsibility"].lower()
        if word not in RESPONSIBILITY_WORDS:
            raise RosterError(where, choice_problem("responsibility", row["responsibility"],
                                                    RESPONSIBILITIES))
        roster.guardianships.append(GuardianshipRow(
            guardian=national_id(where, _required(where, row, "guardian"), "guardian"),
            child=national_id(where, _required(where, row, "child"), "child"),
            responsibility=RESPONSIBILITY_WORDS[word], where=where,
            fixed_residence=_boolean(where, "fixed_residence",
                                     row.get("fixed_residence", "")),
            main_addressee=_boolean(where, "main_addressee", row.get("main_addressee", ""))))
    seen_staff = {}
    for where, row in _rows(files, "staff.csv", optional=True):
        username = _required(where, row, "username").lower()
        if username not in seen_staff:
            seen_staff[username] = StaffRow(
                username=username, first_name=_required(where, row, "first_name"),
                last_name=_required(where, row, "last_name"), where=where,
                email=row.get("email", ""))
            roster.staff.append(seen_staff[username])
        roster.roles.append(RoleRow(username=username,
                                    role=_choice(where, "role", row["role"], ROLES),
                                    unit=row.get("unit") or None,
                                    group=row.get("group") or None, where=where))
    return roster
