"""OneRoster 1.1 CSV files → Roster (models/roster/rows.py).

Source: 1EdTech OneRoster 1.1 CSV Tables (v1.1.1, imsglobal.org/oneroster-v11-final-
csv-tables, and vendors' copies of its tables): UTF-8, a BOM to be tolerated, a header
row, metadata extension columns to the right of the defined ones; lists (orgSourcedIds,
agentSourcedIds, termSourcedIds) are comma-separated inside one quoted field; status
`tobedeleted` marks a row to remove; manifest.csv has propertyName,value rows
(oneroster.version 1.1, file.<name> bulk | delta | absent). Assumption: Kontaktbok's
own extension columns are named `metadata.kontaktbok.<field>`, after the spec's
metadata convention; other extension columns are ignored.
Columns read (the rest, race and ethnicity included, are never looked at):

orgs.csv             sourcedId, status, name, type, metadata.kontaktbok.kind
academicSessions.csv sourcedId, status, schoolYear
classes.csv          sourcedId, status, title, schoolSourcedId, termSourcedIds
users.csv            sourcedId, status, enabledUser, orgSourcedIds, role, username,
                     givenName, familyName, identifier, email, sms, phone,
                     agentSourcedIds, metadata.kontaktbok.responsibility,
                     metadata.kontaktbok.addressProtection
enrollments.csv      status, classSourcedId, userSourcedId, role, primary, beginDate,
                     endDate
demographics.csv     sourcedId (the user's), status, birthDate

Mapping:
- An org of type school is a unit of kind "school"; `metadata.kontaktbok.kind` (school,
  sfo, kindergarten) overrides the kind, and makes a unit of an org of another type.
  Other orgs (district, …) are only valid targets of references.
- A class is a group of its school. Its school year comes from the first of its terms
  with a schoolYear in academicSessions.csv; OneRoster's schoolYear is the year the
  school year ENDS (2027 for 2026/27), so 1 is subtracted. Without one: `school_year`.
- A student is a child: national_id is `identifier` (spaces and hyphens dropped, then 11
  or 12 digits), birth date from demographics.csv (YYYY-MM-DD, required), groups from
  today's enrollments with role student. givenName and familyName only: middleName is a
  US-style given name in some systems and a Norwegian mellomnavn in others.
- A guardian or parent is a guardian; linked to a student when either names the other
  in agentSourcedIds. Responsibility: `metadata.kontaktbok.responsibility` (shared,
  sole, none) when set, else "shared" when the child has two or more linked guardians
  not marked "none", "sole" otherwise. Phone: `phone`, else `sms`.
- Address protection: OneRoster has none, so not stated (the stored level stays) unless
  the extension column `metadata.kontaktbok.addressProtection` says (students and
  guardians).
- Teachers, aides and administrators are staff; username is `username` lowercased, else
  `email` lowercased. An enrollment of a teacher is contact_teacher when primary is
  true, else group_staff; an aide's is group_staff. An administrator is unit_leader of
  each of their orgs that is a unit (no Kontaktbok administrators are made from a file).
- Skipped: rows with status tobedeleted, users with enabledUser false, enrollments that
  have not begun or have ended today, and every reference to a skipped row. A
  reference to a row that is not in its file at all is an error.
- Refused: a manifest with another OneRoster version, a delta file (the import removes
  whatever is missing, so it needs a full export), a file the manifest lists as bulk but
  the zip lacks.
Output keeps the order of the files. Errors name the file and line (the header is line
1) and never repeat a national identity number.
"""
import csv
import datetime
import io
import re

from flask_babel import lazy_gettext as _l

from models import db
from models.roster.meanings import KINDS, PROTECTION, RESPONSIBILITY, choice_problem
from models.roster.rows import (ChildRow, Code, GroupRow, GuardianRow, GuardianshipRow, Problem,
                                RoleRow, Roster, RosterError, StaffRow, UnitRow, line)

GUARDIANS = ("guardian", "parent")
STAFF = ("teacher", "aide", "administrator")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read(files, source, school_year):
    """A Roster from OneRoster 1.1 CSV files ({file name: bytes}). Raises RosterError."""
    _check_manifest(files)
    orgs, gone_orgs = _table(files, "orgs.csv", ("sourcedId", "name", "type"))
    units = {}
    for where, row in orgs:
        kind = _choice(where, row, "metadata.kontaktbok.kind", KINDS)
        if row["type"] == "school" or kind:
            units[row["sourcedId"]] = UnitRow(key=row["sourcedId"], kind=kind or "school",
                                              name=_required(where, row, "name"), where=where)
    known_orgs = {row["sourcedId"] for _, row in orgs}
    groups, gone_classes = _groups(files, units, known_orgs, gone_orgs, school_year)
    births = {row["sourcedId"]: (where, row["birthDate"]) for where, row in _table(
        files, "demographics.csv", ("sourcedId", "birthDate"), optional=True)[0]}

    rows, gone_users = _table(files, "users.csv",
                              ("sourcedId", "role", "givenName", "familyName"))
    users = []
    for where, row in rows:
        if row.get("enabledUser", "").lower() == "false":
            gone_users.add(row["sourcedId"])
        else:
            users.append((where, row))
    children, guardians, staff, roles = {}, {}, {}, []
    national, usernames, overrides = {}, {}, {}
    for where, row in users:
        uid, role = row["sourcedId"], row["role"].lower()
        names = dict(first_name=_required(where, row, "givenName"),
                     last_name=_required(where, row, "familyName"), where=where)
        user_orgs = [org for org in _list(row.get("orgSourcedIds", ""))
                     if _known(where, org, known_orgs, gone_orgs, "orgSourcedIds", "orgs.csv")]
        if role == "student" or role in GUARDIANS:
            nid = _national_id(where, row.get("identifier", ""))
            if nid in national:
                raise RosterError(where, _l("has the same national identity number as "
                                            "%(other)s (one person cannot be two users, "
                                            "nor both a student and a guardian)",
                                            other=national[nid]))
            national[nid] = where
            protection = _choice(where, row, "metadata.kontaktbok.addressProtection",
                                 PROTECTION) or None  # not stated
        if role == "student":
            children[uid] = ChildRow(national_id=nid, birth_date=_birth_date(where, uid, births),
                                     groups=[], address_protection=protection, **names)
        elif role in GUARDIANS:
            guardians[uid] = GuardianRow(national_id=nid, email=row.get("email", ""),
                                         phone=row.get("phone") or row.get("sms", ""),
                                         address_protection=protection, **names)
            overrides[uid] = _choice(where, row, "metadata.kontaktbok.responsibility",
                                     RESPONSIBILITY)
        elif role in STAFF:
            username = (row.get("username") or row.get("email", "")).lower()
            if not username:
                raise RosterError(where, _l("has neither a username nor an email"))
            if username in usernames:
                raise RosterError(where, _l("username “%(username)s” is also on %(other)s",
                                            username=username, other=usernames[username]))
            usernames[username] = where
            staff[uid] = StaffRow(username=username, email=row.get("email", ""), **names)
            if role == "administrator":
                roles += [RoleRow(username, "unit_leader", org, None, where)
                          for org in user_orgs if org in units]

    everyone = {row["sourcedId"] for _, row in users}
    roles += _enrollments(files, groups, gone_classes, everyone, gone_users, children, staff)
    unique = {}
    for role in roles:
        unique.setdefault((role.username, role.role, role.unit, role.group), role)
    return Roster(source=source, units=list(units.values()), groups=list(groups.values()),
                  children=list(children.values()), guardians=list(guardians.values()),
                  guardianships=_guardianships(users, everyone, gone_users, children,
                                               guardians, overrides),
                  staff=list(staff.values()), roles=list(unique.values()))


def _groups(files, units, known_orgs, gone_orgs, school_year):
    """({sourcedId: GroupRow}, ids of classes skipped) from classes.csv."""
    sessions, gone_sessions = _table(files, "academicSessions.csv",
                                     ("sourcedId", "schoolYear"), optional=True)
    years = {}
    for where, row in sessions:
        if row["schoolYear"] and not re.fullmatch(r"\d{4}", row["schoolYear"]):
            raise RosterError(where, _l("schoolYear must be a year such as 2027"))
        years[row["sourcedId"]] = int(row["schoolYear"]) - 1 if row["schoolYear"] else None
    classes, gone_classes = _table(files, "classes.csv",
                                   ("sourcedId", "title", "schoolSourcedId"), optional=True)
    groups = {}
    for where, row in classes:
        school = row["schoolSourcedId"]
        if school in gone_orgs:
            gone_classes.add(row["sourcedId"])
            continue
        if school not in units:
            raise RosterError(where, _l("school “%(id)s” is not a school in orgs.csv", id=school)
                              if school in known_orgs
                              else _l("school “%(id)s” is not in orgs.csv", id=school))
        year = school_year
        for term in _list(row.get("termSourcedIds", "")):
            if "academicSessions.csv" in files and not _known(
                    where, term, years, gone_sessions, "termSourcedIds", "academicSessions.csv"):
                continue
            if years.get(term):
                year = years[term]
                break
        groups[row["sourcedId"]] = GroupRow(key=row["sourcedId"], unit=school, where=where,
                                            name=_required(where, row, "title"),
                                            school_year=year)
    return groups, gone_classes


def _guardianships(users, everyone, gone_users, children, guardians, overrides):
    """[GuardianshipRow] from agentSourcedIds, read from either side."""
    links = {}  # (guardian, student) -> where, in the order they are first named
    for where, row in users:
        uid = row["sourcedId"]
        for agent in _list(row.get("agentSourcedIds", "")):
            if not _known(where, agent, everyone, gone_users, "agentSourcedIds",
                          "users.csv"):
                continue
            if uid in guardians:
                if agent not in children:
                    raise RosterError(where, _l("agent “%(id)s” is not a student", id=agent))
                links.setdefault((uid, agent), where)
            elif uid in children and agent in guardians:
                links.setdefault((agent, uid), where)
    holders = {}
    for guardian, child in links:
        if overrides[guardian] != "none":
            holders[child] = holders.get(child, 0) + 1
    return [GuardianshipRow(guardian=guardians[guardian].national_id,
                            child=children[child].national_id, where=where,
                            responsibility=overrides[guardian] or (
                                "shared" if holders.get(child, 0) >= 2 else "sole"))
            for (guardian, child), where in links.items()]


def _enrollments(files, groups, gone_classes, everyone, gone_users, children, staff):
    """Adds today's classes to the children; returns the teachers' and aides' roles."""
    today = db.today()
    rows, _ = _table(files, "enrollments.csv", ("classSourcedId", "userSourcedId", "role"),
                     optional=True)
    roles = []
    for where, row in rows:
        class_id, uid, role = row["classSourcedId"], row["userSourcedId"], row["role"].lower()
        if not (_known(where, class_id, groups, gone_classes, "classSourcedId", "classes.csv")
                and _known(where, uid, everyone, gone_users, "userSourcedId", "users.csv")
                and _current(where, row, today)):
            continue
        if role == "student":
            if uid not in children:
                raise RosterError(where, _l("user “%(id)s” is enrolled as a student but is "
                                            "not one", id=uid))
            if class_id not in children[uid].groups:
                children[uid].groups.append(class_id)
        elif role in ("teacher", "aide"):
            if uid not in staff:
                raise RosterError(where, _l("user “%(id)s” is enrolled as %(role)s but is "
                                            "not staff", id=uid, role=role))
            primary = role == "teacher" and row.get("primary", "").lower() == "true"
            roles.append(RoleRow(staff[uid].username, "contact_teacher" if primary
                                 else "group_staff", groups[class_id].unit, class_id, where))
    return roles


def _check_manifest(files):
    for where, row in _table(files, "manifest.csv", ("propertyName", "value"),
                             optional=True)[0]:
        name, value = row["propertyName"], row["value"].lower()
        if name == "oneroster.version" and value != "1.1":
            raise RosterError(where, _l("OneRoster %(version)s is not supported: export "
                                        "OneRoster 1.1", version=row["value"]))
        if name.startswith("file.") and value == "delta":
            raise RosterError(where, _l("%(file)s is a delta export: Kontaktbok needs a "
                                        "full (bulk) export", file=f"{name[5:]}.csv"))
        if name.startswith("file.") and value == "bulk" and f"{name[5:]}.csv" not in files:
            raise RosterError(where, _l("%(file)s is listed but missing",
                                        file=f"{name[5:]}.csv"))


def _table(files, name, required, optional=False):
    """([(where, row)], ids of rows to be deleted) for one CSV file, values trimmed."""
    if name not in files:
        if optional:
            return [], set()
        raise RosterError(name, _l("is missing"))
    try:
        text = files[name].decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(name, _l("is not UTF-8 text")) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, gone, lines = [], set(), {}
    try:
        header = [column.strip() for column in next(reader, [])]
        if missing := [column for column in required if column not in header]:
            raise RosterError(line(name, 1), Problem(_l("missing column %(names)s"),
                                                     names=Code(", ".join(missing))))
        for values in reader:
            where = line(name, reader.line_num)
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(header):
                raise RosterError(where, _l("the number of values (%(values)d) differs from "
                                            "the number of columns in the header "
                                            "(%(columns)d)", values=len(values),
                                            columns=len(header)))
            row = {column: value.strip() for column, value in zip(header, values, strict=True)}
            if key := row.get("sourcedId"):
                if key in lines:
                    raise RosterError(where, _l("sourcedId “%(id)s” is also on %(other)s",
                                                id=key, other=lines[key]))
                lines[key] = where
            if row.get("status", "").lower() == "tobedeleted":
                gone.add(key or where)
            else:
                rows.append((where, row))
    except csv.Error as error:
        raise RosterError(line(name, reader.line_num), _l("is not valid CSV (%(error)s)",
                                                          error=str(error))) from None
    return rows, gone


def _known(where, key, present, gone, column, file):
    """True for a reference to a row that is there, False for one to a skipped row."""
    if key in present:
        return True
    if key in gone:
        return False
    raise RosterError(where, _l("“%(id)s” in %(column)s is not in %(file)s", id=key,
                                column=column, file=file))


def _list(value):
    return [item.strip() for item in value.split(",") if item.strip()]


def _required(where, row, key):
    if not row.get(key):
        raise RosterError(where, Problem(_l("%(column)s is empty"), column=Code(key)))
    return row[key]


def _choice(where, row, key, allowed):
    """The value of an extension column as the format spells it; `allowed` is one of
    models/roster/meanings.py's choices."""
    value = row.get(key, "")
    found = next((t for t, _ in allowed if t.lower() == value.lower()), None)
    if value and found is None:
        raise RosterError(where, choice_problem(key, value, allowed))
    return found


def _national_id(where, value):
    compact = re.sub(r"[\s-]", "", value)
    if not compact:
        raise RosterError(where, _l("identifier is empty: it must be the national identity "
                                    "number"))
    if not compact.isdigit() or len(compact) not in (11, 12):
        raise RosterError(where, _l("identifier must be a national identity number of 11 "
                                    "digits (Norway) or 12 (Sweden)"))
    return compact


def _date(where, key, text):
    """A YYYY-MM-DD date, or None for a blank."""
    if not text:
        return None
    try:
        if DATE.fullmatch(text):
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise RosterError(where, _l("%(column)s “%(value)s” must be a date written YYYY-MM-DD",
                                column=key, value=text))


def _birth_date(where, uid, births):
    if uid not in births or not births[uid][1]:
        raise RosterError(where, _l("the student has no birthDate in demographics.csv"))
    at, text = births[uid]
    return _date(at, "birthDate", text)


def _current(where, row, today):
    """Whether an enrollment holds today (a blank beginDate or endDate is open)."""
    begin = _date(where, "beginDate", row.get("beginDate", ""))
    end = _date(where, "endDate", row.get("endDate", ""))
    return (begin is None or begin <= today) and (end is None or today <= end)
