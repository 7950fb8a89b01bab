"""Roster import: read a roster file, show what it would change, then apply it all or
nothing (seeds 000 and 002: the population register and the school administration
system are the truth about who is a child's guardian).

- Formats: the Kontaktbok CSV (below), OneRoster 1.1 CSV (models/roster_oneroster.py),
  SS 12000 JSON (models/roster_ss12000.py). `read()` tells them apart by content.
- Matching: children and guardians by national identity number (its keyed hash), staff
  by username, units and groups by the source system's id (on the first import, a unit
  or group made by hand is matched by name and takes the id).
- Scope: only the units in the file. A pupil of a unit in the file who is not in the
  file has left: their enrolments there end. Guardianships of the children in the file
  are exactly those in the file: the others end (kept in `EndedGuardianship`, access
  ends at once). Staff roles in the units of the file likewise, when the file has
  staff at all (without staff.csv they stay). Nothing is deleted
  that holds history: children, accounts, messages stay.
- Contact details come from the register: an import overwrites a guardian's e-mail,
  phone and address, and the guardian is told (`User.contact_updated_at`).
- `apply()` runs in one transaction; running the same file again changes nothing.

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
import json
import secrets
import zipfile
import zlib
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _nl

from models import audit
from models.db import database, today, utcnow
from models.protect import index_of
from models.roster.rows import (ChildRow, GroupRow, GuardianRow, GuardianshipRow, RoleRow, Roster,
                                RosterError, StaffRow, UnitRow)
from models.roster.tables import ImportRun
from models.school.tables import (ROLES, UNIT_KINDS, Child, EndedGuardianship, Enrolment, Group,
                                  Guardianship, StaffRole, Unit, User)

PROTECTION = ("ugradert", "klientadresse", "fortrolig", "strengtFortrolig")
RESPONSIBILITY_WORDS = {"shared": "shared", "sole": "sole", "none": "none",
                        "felles": "shared", "alene": "sole", "ingen": "none",
                        "gemensam": "shared", "ensam": "sole"}
TRUE, FALSE = {"yes", "ja", "true", "1"}, {"no", "nei", "nej", "false", "0", ""}
BATCH = 500
# A roster zip holds a handful of CSV files, perhaps in a folder or two. Unpacked, a
# municipality of 10,000 children and 18,000 guardians is about 5 MB as Kontaktbok CSV
# and 30 MB as OneRoster (an enrolment a line): 100 MB leaves room and bounds memory.
ZIP_MAX_MEMBERS = 100
ZIP_MAX_FOLDERS = 3
ZIP_MAX_BYTES = 100 * 1024 * 1024
ZIP_CHUNK = 1024 * 1024


# Reading ----------------------------------------------------------------------------------

def read(name, data, school_year):
    """A roster from an uploaded file: a zip of Kontaktbok or OneRoster CSV files, or
    an SS 12000 JSON document. Returns (format, Roster); raises RosterError."""
    if data[:4] == b"PK\x03\x04":
        return read_files(unzipped(name, data), name, school_year)
    if data.lstrip()[:1] == b"{":
        from models.roster import ss12000 as roster_ss12000
        return "ss12000", roster_ss12000.read(data, name, school_year)
    raise RosterError(name, _l("is neither a zip of CSV files nor an SS 12000 JSON "
                                "file"))


def unzipped(name, data):
    """{file name: contents} of a zip's files, folders left out, within the ZIP_ limits:
    the sizes the zip declares are checked first, and the bytes it unpacks are counted
    too, since a crafted zip can declare less than it holds. Raises RosterError."""
    too_many = RosterError(name, _nl("holds more than %(num)d file",
                                     "holds more than %(num)d files", ZIP_MAX_MEMBERS))
    # zipfile reads the whole central directory before anything can be counted: its
    # size, from the end record, bounds the work (a few hundred bytes a file).
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if end >= 0 and int.from_bytes(data[end + 12:end + 16], "little") > (
            ZIP_MAX_MEMBERS * 1024):
        raise too_many
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_MEMBERS:
                raise too_many
            too_large = RosterError(name, _l("unpacks to more than %(max)d MB",
                                             max=ZIP_MAX_BYTES // (1024 * 1024)))
            if sum(info.file_size for info in members) > ZIP_MAX_BYTES:
                raise too_large
            files, unpacked = {}, 0
            for info in members:
                if info.is_dir():
                    continue
                *folders, base = info.filename.split("/")
                if len(folders) > ZIP_MAX_FOLDERS:
                    raise RosterError(name, _nl(
                        "holds a file inside more than %(num)d folder",
                        "holds a file inside more than %(num)d folders", ZIP_MAX_FOLDERS))
                if base.lower().endswith(".csv") and base in files:
                    raise RosterError(name, _l("holds %(file)s twice", file=base[:100]))
                chunks = []
                with archive.open(info) as member:
                    while chunk := member.read(ZIP_CHUNK):
                        unpacked += len(chunk)
                        if unpacked > ZIP_MAX_BYTES:
                            raise too_large
                        chunks.append(chunk)
                files[base] = b"".join(chunks)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
            ValueError, zlib.error):  # broken, encrypted, or compressed in an unknown way
        raise RosterError(name, _l("is not a readable zip file")) from None
    return files


def read_files(files, source, school_year):
    if "units.csv" in files:
        return "kontaktbok", read_kontaktbok(files, source)
    if "orgs.csv" in files or "manifest.csv" in files:
        from models.roster import oneroster as roster_oneroster
        return "oneroster", roster_oneroster.read(files, source, school_year)
    raise RosterError(source, _l("holds neither units.csv (Kontaktbok CSV) nor orgs.csv "
                                 "(OneRoster)"))


COLUMNS = {
    "units.csv": ({"id", "name", "kind"}, {"phone", "email", "address"}),
    "groups.csv": ({"id", "unit", "name", "school_year"}, set()),
    "children.csv": ({"national_id", "first_name", "last_name", "birth_date", "groups"},
                     {"address", "address_protection"}),
    "guardians.csv": ({"national_id", "first_name", "last_name"},
                      {"email", "phone", "address", "address_protection"}),
    "guardianships.csv": ({"guardian", "child", "responsibility"},
                          {"fixed_residence", "main_addressee"}),
    "staff.csv": ({"username", "first_name", "last_name", "role"},
                  {"email", "unit", "group"}),
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
    required, allowed = COLUMNS[name]
    if missing := sorted(required - header):
        raise RosterError(line(name, 1), _l("missing column %(names)s",
                                              names=", ".join(missing)))
    if unknown := sorted(header - required - allowed):
        raise RosterError(line(name, 1), _l("unknown column %(names)s",
                                              names=", ".join(unknown)))
    rows = []
    for row in reader:
        where = line(name, reader.line_num)
        if None in row:
            raise RosterError(where, _l("has more values than the header has columns"))
        rows.append((where, {k: (v or "").strip() for k, v in row.items()}))
    return rows


def line(name, number):
    """Where in a file: "children.csv line 3" (the header is line 1)."""
    return _l("%(file)s line %(line)d", file=name, line=number)


def _required(where, row, key):
    if not row.get(key):
        raise RosterError(where, _l("%(column)s is empty", column=key))
    return row[key]


def national_id(where, value):
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) not in (11, 12) or len(digits) != len(value.replace(" ", "").replace(
            "-", "")):
        raise RosterError(where, _l("the national identity number must have 11 digits "
                                    "(Norway) or 12 (Sweden)"))
    return digits


def _choice(where, key, value, allowed, default=None):
    if not value and default is not None:
        return default
    found = next((a for a in allowed if a.lower() == value.lower()), None)
    if found is None:
        raise RosterError(where, _l("%(column)s “%(value)s” must be one of %(allowed)s",
                                    column=key, value=value, allowed=", ".join(allowed)))
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
    raise RosterError(where, _l("%(column)s “%(value)s” must be yes or no", column=key,
                                value=value))


def read_kontaktbok(files, source):
    roster = Roster(source=source)
    for where, row in _rows(files, "units.csv"):
        roster.units.append(UnitRow(
            key=_required(where, row, "id"), name=_required(where, row, "name"),
            kind=_choice(where, "kind", row["kind"], UNIT_KINDS), where=where,
            phone=row.get("phone", ""), email=row.get("email", ""),
            address=row.get("address", "")))
    for where, row in _rows(files, "groups.csv"):
        try:
            year = int(row["school_year"])
        except ValueError:
            raise RosterError(where, _l("school_year must be a year such as 2026")) from None
        roster.groups.append(GroupRow(key=_required(where, row, "id"),
                                      unit=_required(where, row, "unit"),
                                      name=_required(where, row, "name"), school_year=year,
                                      where=where))
    for where, row in _rows(files, "children.csv"):
        try:
            born = datetime.date.fromisoformat(row["birth_date"])
        except ValueError:
            raise RosterError(where, _l("birth_date must be written YYYY-MM-DD")) from None
        roster.children.append(ChildRow(
            national_id=national_id(where, _required(where, row, "national_id")),
            first_name=_required(where, row, "first_name"),
            last_name=_required(where, row, "last_name"), birth_date=born,
            groups=row["groups"].split(), where=where, address=row.get("address", ""),
            address_protection=_protection(where, row)))
    for where, row in _rows(files, "guardians.csv"):
        roster.guardians.append(GuardianRow(
            national_id=national_id(where, _required(where, row, "national_id")),
            first_name=_required(where, row, "first_name"),
            last_name=_required(where, row, "last_name"), where=where,
            email=row.get("email", ""), phone=row.get("phone", ""),
            address=row.get("address", ""),
            address_protection=_protection(where, row)))
    for where, row in _rows(files, "guardianships.csv"):
        word = row["responsibility"].lower()
        if word not in RESPONSIBILITY_WORDS:
            raise RosterError(where, _l("responsibility “%(value)s” must be shared, sole or "
                                        "none (felles, alene, ingen)",
                                        value=row["responsibility"]))
        roster.guardianships.append(GuardianshipRow(
            guardian=national_id(where, _required(where, row, "guardian")),
            child=national_id(where, _required(where, row, "child")),
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


# Checking the whole roster ------------------------------------------------------------------

def check(roster):
    """References between the files, and duplicates. Raises RosterError."""
    def unique(rows, key, what):
        seen = set()
        for row in rows:
            value = key(row)
            if value in seen:
                raise RosterError(row.where, _l("%(what)s appears twice", what=what))
            seen.add(value)
        return seen

    units = unique(roster.units, lambda r: r.key, _l("the unit id"))
    groups = {g.key: g for g in roster.groups}
    unique(roster.groups, lambda r: r.key, _l("the group id"))
    for group in roster.groups:
        if group.unit not in units:
            raise RosterError(group.where, _l("unit “%(id)s” is not in units.csv",
                                              id=group.unit))
    children = unique(roster.children, lambda r: r.national_id, _l("the child"))
    guardians = unique(roster.guardians, lambda r: r.national_id, _l("the guardian"))
    for child in roster.children:
        for key in child.groups:
            if key not in groups:
                raise RosterError(child.where, _l("group “%(id)s” is not in groups.csv",
                                                  id=key))
        if child.national_id in guardians:
            raise RosterError(child.where, _l("the same person is a child and a guardian"))
    unique(roster.guardianships, lambda r: (r.guardian, r.child), _l("the guardianship"))
    for link in roster.guardianships:
        if link.guardian not in guardians:
            raise RosterError(link.where, _l("the guardian is not in guardians.csv"))
        if link.child not in children:
            raise RosterError(link.where, _l("the child is not in children.csv"))
    staff = unique(roster.staff, lambda r: r.username, _l("the username"))
    unique(roster.roles, lambda r: (r.username, r.role, r.unit, r.group), _l("the role"))
    for role in roster.roles:
        if role.username not in staff:
            raise RosterError(role.where, _l("“%(username)s” is not among the staff",
                                             username=role.username))
        if role.group is not None:
            if role.group not in groups:
                raise RosterError(role.where, _l("group “%(id)s” is not in groups.csv",
                                                 id=role.group))
            role.unit = groups[role.group].unit
        elif role.unit is not None and role.unit not in units:
            raise RosterError(role.where, _l("unit “%(id)s” is not in units.csv",
                                             id=role.unit))
        if role.role == "administrator":
            raise RosterError(role.where, _l("administrators are made with “flask "
                                             "create-admin”, not imported"))
        if role.role in ("contact_teacher", "group_staff") and role.group is None:
            raise RosterError(role.where, _l("the role %(role)s needs a group",
                                             role=role.role))
        if role.role not in ("contact_teacher", "group_staff") and role.unit is None:
            raise RosterError(role.where, _l("the role %(role)s needs a unit",
                                             role=role.role))


# Planning ---------------------------------------------------------------------------------

@dataclass
class Plan:
    """What an import would do. `lines` are (kind, action, description) for people to
    read; the rest is what `apply` needs."""
    roster: Roster
    format: str
    day: datetime.date
    lines: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)       # key -> existing Unit or None
    groups: dict = field(default_factory=dict)      # key -> existing Group or None
    children: dict = field(default_factory=dict)    # national id -> existing Child or None
    adults: dict = field(default_factory=dict)      # national id -> existing User or None
    staff: dict = field(default_factory=dict)       # username -> existing User or None
    enrolments: list = field(default_factory=list)  # existing active Enrolments in scope
    links: dict = field(default_factory=dict)       # (guardian id, child id) -> Guardianship
    roles: list = field(default_factory=list)       # existing StaffRoles in scope

    @property
    def changes(self):
        return sum(self.counts.values())

    def note(self, kind, action, text):
        self.lines.append((kind, action, text))
        self.counts[f"{kind}.{action}"] = self.counts.get(f"{kind}.{action}", 0) + 1


def _by_index(model, numbers):
    found = {}
    indexes = {index_of(n): n for n in numbers}
    keys = list(indexes)
    for start in range(0, len(keys), BATCH):
        for row in model.select().where(model.national_id_index.in_(keys[start:start + BATCH])):
            found[indexes[row.national_id_index]] = row
    return found


def plan(roster, fmt, day=None):
    """Compare the roster with the database; reads only."""
    check(roster)
    day = day or today()
    result = Plan(roster, fmt, day)
    _plan_units_and_groups(result)
    _plan_people(result)
    _plan_enrolments(result)
    _plan_guardianships(result)
    _plan_staff(result)
    return result


def _plan_units_and_groups(result):
    roster = result.roster
    existing = {u.source_id: u for u in Unit.select().where(
        Unit.source_id.in_([u.key for u in roster.units]))}
    by_name = {(u.name, u.kind): u for u in Unit.select().where(Unit.source_id.is_null())}
    for row in roster.units:
        unit = existing.get(row.key) or by_name.get((row.name, row.kind))
        result.units[row.key] = unit
        if unit is None:
            result.note("units", "added", row.name)
        elif (unit.name, unit.kind, unit.source_id) != (row.name, row.kind, row.key):
            result.note("units", "changed", row.name)
    existing = {g.source_id: g for g in Group.select().where(
        Group.source_id.in_([g.key for g in roster.groups]))}
    unmatched = {(g.unit_id, g.name, g.school_year): g
                 for g in Group.select().where(Group.source_id.is_null())}
    names = {u.key: u.name for u in roster.units}
    for row in roster.groups:
        unit = result.units[row.unit]
        group = existing.get(row.key) or (
            unmatched.get((unit.id, row.name, row.school_year)) if unit else None)
        result.groups[row.key] = group
        label = f"{row.name} ({names[row.unit]})"
        if group is None:
            result.note("groups", "added", label)
        elif (group.name, group.school_year, group.source_id) != (row.name, row.school_year,
                                                                   row.key):
            result.note("groups", "changed", label)


def _plan_people(result):
    roster = result.roster
    result.children = _by_index(Child, [c.national_id for c in roster.children])
    for row in roster.children:
        child = result.children.get(row.national_id)
        name = f"{row.first_name} {row.last_name}"
        if child is None:
            result.note("children", "added", name)
        elif _child_values(row, child) != _child_values(row, child, stored=True):
            result.note("children", "changed", name)
    result.adults = _by_index(User, [g.national_id for g in roster.guardians])
    for row in roster.guardians:
        user = result.adults.get(row.national_id)
        name = f"{row.first_name} {row.last_name}"
        if user is None:
            result.note("guardians", "added", name)
        elif changed := _adult_changes(user, row):
            result.note("guardians", "changed", f"{name}: {', '.join(changed)}")


CONTACT = ("email", "phone", "address")


def _child_values(row, child, stored=False):
    """The values the import sets on a child (the stored ones, with stored=True); the
    protection level only when the file states it."""
    fields = ["first_name", "last_name", "birth_date", "address"]
    if row.address_protection is not None:
        fields.append("address_protection")
    source = child if stored else row
    return {f: getattr(source, f) for f in fields}


def _adult_changes(user, row):
    fields = ["first_name", "last_name", *CONTACT]
    if row.address_protection is not None:
        fields.append("address_protection")
    return [f for f in fields if getattr(user, f) != getattr(row, f)]


def _plan_enrolments(result):
    roster = result.roster
    unit_ids = [u.id for u in result.units.values() if u is not None]
    result.enrolments = list(
        Enrolment.select(Enrolment, Group, Child).join(Group).switch(Enrolment).join(Child)
        .where(Group.unit.in_(unit_ids) & Enrolment.active(result.day)))
    numbers = {index_of(row.national_id): row.national_id for row in roster.children}
    wanted = {(row.national_id, key) for row in roster.children for key in row.groups}
    group_keys = {g.id: key for key, g in result.groups.items() if g is not None}
    have = set()
    for enrolment in result.enrolments:
        child = enrolment.child
        number = numbers.get(child.national_id_index)
        key = group_keys.get(enrolment.group_id)
        if number is not None and (number, key) in wanted:
            have.add((number, key))
        else:
            result.note("enrolments", "ended",
                        f"{child.first_name} {child.last_name} – {enrolment.group.name}")
    names = {g.key: g.name for g in roster.groups}
    for row in roster.children:
        for key in row.groups:
            if (row.national_id, key) not in have:
                result.note("enrolments", "added",
                            f"{row.first_name} {row.last_name} – {names[key]}")


def _plan_guardianships(result):
    roster = result.roster
    child_ids = [c.id for c in result.children.values()]
    existing = {}
    for start in range(0, len(child_ids), BATCH):
        for link in Guardianship.select().where(
                Guardianship.child.in_(child_ids[start:start + BATCH])):
            existing[(link.guardian_id, link.child_id)] = link
    result.links = existing
    children = {c.national_id: c for c in roster.children}
    adults = {g.national_id: g for g in roster.guardians}
    kept = set()
    for row in roster.guardianships:
        child, adult = result.children.get(row.child), result.adults.get(row.guardian)
        link = existing.get((adult.id, child.id)) if child and adult else None
        label = (f"{adults[row.guardian].first_name} {adults[row.guardian].last_name} – "
                 f"{children[row.child].first_name} {children[row.child].last_name}")
        if link is None:
            result.note("guardianships", "added", label)
            continue
        kept.add((link.guardian_id, link.child_id))
        if (link.responsibility, link.fixed_residence, link.main_addressee) != (
                row.responsibility, row.fixed_residence, row.main_addressee):
            result.note("guardianships", "changed", label)
    gone = sorted({g for g, c in existing if (g, c) not in kept})
    people = {}
    for start in range(0, len(gone), BATCH):
        people.update({u.id: u for u in User.select().where(
            User.id.in_(gone[start:start + BATCH]))})
    child_names = {c.id: c for c in result.children.values()}
    for key, link in existing.items():
        if key not in kept:
            adult, child = people[link.guardian_id], child_names[link.child_id]
            result.note("guardianships", "ended", f"{adult.first_name} {adult.last_name} – "
                                                  f"{child.first_name} {child.last_name}")


def _plan_staff(result):
    roster = result.roster
    result.staff = {u.username: u for u in User.select().where(
        User.username.in_([s.username for s in roster.staff]))} if roster.staff else {}
    for row in roster.staff:
        if row.username not in result.staff:
            result.note("staff", "added", f"{row.first_name} {row.last_name}")
    if not roster.staff and not roster.roles:
        return  # the file says nothing about staff (no staff.csv): their roles stay
    unit_ids = [u.id for u in result.units.values() if u is not None]
    result.roles = list(StaffRole.select(StaffRole, User).join(User).where(
        StaffRole.unit.in_(unit_ids) & (StaffRole.role != "administrator")))
    wanted = {_role_key(result, r) for r in roster.roles}
    have = set()
    for role in result.roles:
        key = (role.user.username, role.role, role.unit_id, role.group_id)
        if key in wanted:
            have.add(key)
        else:
            result.note("roles", "ended", f"{role.user.first_name} {role.user.last_name}: "
                                          f"{role.role}")
    staff = {s.username: s for s in roster.staff}
    for row in roster.roles:
        if _role_key(result, row) not in have:
            person = staff[row.username]
            result.note("roles", "added", f"{person.first_name} {person.last_name}: {row.role}")


def _role_key(result, row):
    unit = result.units.get(row.unit) if row.unit else None
    group = result.groups.get(row.group) if row.group else None
    return (row.username, row.role, unit.id if unit else None, group.id if group else None)


# Applying ---------------------------------------------------------------------------------

def apply(result, by=None, ip=""):
    """Make the database say what the roster says, in one transaction. Returns the
    ImportRun."""
    roster, day = result.roster, result.day
    with database.atomic():
        units = _apply_units(result)
        groups = _apply_groups(result, units)
        children = _apply_children(result)
        adults = _apply_adults(result)
        _apply_enrolments(result, groups, children)
        _apply_guardianships(result, children, adults)
        _apply_staff(result, units, groups)
        run = ImportRun.create(by=by, source=roster.source[:200], format=result.format,
                               counts=json.dumps(result.counts, sort_keys=True))
        audit.record("roster.imported", actor=by, obj=run, ip=ip, source=roster.source,
                     format=result.format, day=day.isoformat(), **result.counts)
    return run


def _apply_units(result):
    units = {}
    for row in result.roster.units:
        unit = result.units[row.key]
        if unit is None:
            unit = Unit.create(name=row.name, kind=row.kind, phone=row.phone, email=row.email,
                               address=row.address, source_id=row.key)
        elif (unit.name, unit.kind, unit.source_id) != (row.name, row.kind, row.key):
            unit.name, unit.kind, unit.source_id = row.name, row.kind, row.key
            unit.save()
        units[row.key] = unit
    return units


def _apply_groups(result, units):
    groups = {}
    for row in result.roster.groups:
        group = result.groups[row.key]
        if group is None:
            group = Group.create(unit=units[row.unit], name=row.name,
                                 school_year=row.school_year, source_id=row.key)
        elif (group.name, group.school_year, group.source_id) != (row.name, row.school_year,
                                                                   row.key):
            group.name, group.school_year, group.source_id = (row.name, row.school_year,
                                                              row.key)
            group.save()
        groups[row.key] = group.id
    return groups


def _apply_children(result):
    ids, new = {}, []
    for row in result.roster.children:
        child = result.children.get(row.national_id)
        if child is None:
            new.append({**_child_values(row, None), "national_id": row.national_id,
                        "address_protection": row.address_protection or "ugradert",
                        "national_id_index": index_of(row.national_id)})
            continue
        values = _child_values(row, child)
        if values != _child_values(row, child, stored=True):
            Child.update(**values).where(Child.id == child.id).execute()
        ids[row.national_id] = child.id
    _insert(Child, new)
    ids.update(_ids_of(Child, [r["national_id"] for r in new]))
    return ids


def _apply_adults(result):
    ids, new = {}, []
    now = utcnow()
    for row in result.roster.guardians:
        user = result.adults.get(row.national_id)
        values = {"first_name": row.first_name, "last_name": row.last_name,
                  "email": row.email, "phone": row.phone, "address": row.address,
                  "address_protection": row.address_protection or "ugradert"}
        if user is None:
            # Guardians log in with the national eID: no password, a username that says
            # nothing about them.
            new.append({**values, "username": f"eid-{secrets.token_hex(8)}",
                        "national_id": row.national_id,
                        "national_id_index": index_of(row.national_id)})
            continue
        changed = _adult_changes(user, row)
        if row.address_protection is None:
            values.pop("address_protection")  # not stated: the stored level stays
        if changed:
            if any(f in CONTACT for f in changed):
                values["contact_updated_at"] = now  # the guardian is told
            User.update(**values).where(User.id == user.id).execute()
        ids[row.national_id] = user.id
    _insert(User, new)
    ids.update(_ids_of(User, [r["national_id"] for r in new]))
    return ids


def _insert(model, rows):
    for start in range(0, len(rows), BATCH):
        model.insert_many(rows[start:start + BATCH]).execute()


def _ids_of(model, numbers):
    return {n: row.id for n, row in _by_index(model, numbers).items()}


def _apply_enrolments(result, groups, children):
    wanted = {(children[row.national_id], groups[key])
              for row in result.roster.children for key in row.groups}
    yesterday = result.day - datetime.timedelta(days=1)
    have, ended = set(), []
    for enrolment in result.enrolments:
        key = (enrolment.child_id, enrolment.group_id)
        if key in wanted and key not in have:
            have.add(key)
        else:
            ended.append(enrolment.id)
    for start in range(0, len(ended), BATCH):
        Enrolment.update(end_date=yesterday).where(
            Enrolment.id.in_(ended[start:start + BATCH])).execute()
    _insert(Enrolment, [{"child": child, "group": group, "start_date": result.day}
                        for child, group in sorted(wanted - have)])


def _apply_guardianships(result, children, adults):
    kept, new = set(), []
    for row in result.roster.guardianships:
        key = (adults[row.guardian], children[row.child])
        values = {"responsibility": row.responsibility,
                  "fixed_residence": row.fixed_residence,
                  "main_addressee": row.main_addressee}
        link = result.links.get(key)
        if link is None:
            new.append({"guardian": key[0], "child": key[1], **values})
            continue
        kept.add(key)
        if any(getattr(link, k) != v for k, v in values.items()):
            Guardianship.update(**values).where(Guardianship.id == link.id).execute()
    ended = [link for key, link in result.links.items() if key not in kept]
    _insert(EndedGuardianship, [{"guardian": link.guardian_id, "child": link.child_id,
                                 "responsibility": link.responsibility, "reason": "import"}
                                for link in ended])
    ids = [link.id for link in ended]
    for start in range(0, len(ids), BATCH):
        Guardianship.delete().where(Guardianship.id.in_(ids[start:start + BATCH])).execute()
    _insert(Guardianship, new)


def _apply_staff(result, units, groups):
    for row in result.roster.staff:
        user = result.staff.get(row.username)
        if user is None:
            result.staff[row.username] = User.create(
                username=row.username, first_name=row.first_name, last_name=row.last_name,
                email=row.email)
    wanted = {}
    for row in result.roster.roles:
        unit = units[row.unit].id if row.unit else None
        group = groups[row.group] if row.group else None
        wanted[(row.username, row.role, unit, group)] = row
    have = set()
    for role in result.roles:
        key = (role.user.username, role.role, role.unit_id, role.group_id)
        if key in wanted:
            have.add(key)
        else:
            StaffRole.delete().where(StaffRole.id == role.id).execute()
    for key in wanted:
        if key not in have:
            username, role, unit, group = key
            StaffRole.create(user=result.staff[username], role=role, unit=unit, group=group)
