"""SS 12000 JSON → Roster (models/roster/rows.py).

Sources (the SIS OpenAPI file itself was not at hand): Skolverket's reference API
schemas (github.com/skolverket/dnp-ss12000-reference-api, src/main/resources/schema:
person with securityMarking Ingen | Sekretessmarkering | Skyddad folkbokföring,
civicNo {value}, eduPersonPrincipalNames; group with groupType and schoolType enums,
organisation, groupMemberships {person}; duty {person, dutyAt, dutyRole}); a client
generated from the SS 12000 v2 OpenAPI (persons filtered on civicNo,
eduPersonPrincipalName, responsibles, groupMemberships, duties); the SS 12000 v2.1
test server John-Hammer/ss12000-demo-sis (Person.responsibles {person, relationType},
birthDate, Organisation organisationType "Skolenhet" and schoolTypes, Duty.assignmentRole
{group, assignmentRoleType}, the dutyRole and assignmentRole code lists). Shapes read:

organisations[]  id, displayName, organisationType, schoolTypes[], email, phoneNumber,
                 address {streetAddress, postalCode, locality}
persons[]        id, givenName, familyName, civicNo {value}, birthDate, securityMarking,
                 emails[] {value}, phoneNumbers[] {value}, addresses[] {type,
                 streetAddress, postalCode, locality}, eduPersonPrincipalNames[],
                 responsibles[] {person {id}, relationType, startDate, endDate}
groups[]         id, displayName, groupType, organisation {id}, groupMemberships[]
                 {person {id}, startDate, endDate}, _embedded.assignmentRoles[]
                 {duty {id}, assignmentRoleType, startDate, endDate}
duties[]         id, person {id}, dutyAt {id}, dutyRole, startDate, endDate,
                 assignmentRole[] {group {id}, assignmentRoleType, startDate, endDate}

Each top-level key is a list, or the API's page {"data": [...], "pageToken": …}; a
page with a pageToken is refused, since it is not the whole roster and the import
removes whatever is missing. organisations and persons are required.

Mapping:
- An organisation of organisationType "Skolenhet" is a unit: "school" if its
  schoolTypes include any school form (GR, GRS, FKLASS, GY, …) or are empty, else
  "kindergarten" if they include FS (förskola), else "sfo" (FTH, OPPFTH: fritidshem).
  A school with a fritidshem (GR + FTH) stays one unit, of kind school.
- Groups of groupType Klass, Avdelning, Undervisning and Mentor are groups (a mentor's
  pupils are a mentor group); school_year is the `school_year` argument (a group's
  dates do not say which school year it belongs to).
- A person with a membership current today in such a group is a child: national_id
  from civicNo.value (hyphen dropped, 12 digits YYYYMMDDNNNN: personnummer or
  samordningsnummer; temporary numbers with letters are refused), birth date from
  birthDate, else from the civicNo (day minus 60 for a samordningsnummer).
- A child's current responsibles are guardians: relationType "Vårdnadshavare" gives
  "shared" when the child has two or more, "sole" for one; any other relationType
  ("Annan ansvarig", "God man", "Kontaktperson", …) gives "none". A responsible without
  a civicNo is skipped unless they are a Vårdnadshavare (then it is an error).
- securityMarking "Ingen" → "ugradert", "Sekretessmarkering" → "fortrolig",
  "Skyddad folkbokföring" → "strengtFortrolig" (absent: not stated, the stored level
  stays); a person with
  "Skyddad folkbokföring" gets no address (the registered one is not where they live).
- Address: the first of type "Folkbokföring" ("Folkbokföringsadress" in drafts), else
  the first; e-mail and phone: the
  first given; all trimmed.
- Duties current today: "Rektor" → unit_leader of dutyAt; "Lärare", "Förskollärare",
  "Barnskötare", "Fritidspedagog" → kindergarten_staff at a kindergarten unit,
  sfo_staff at an sfo unit, and at a school only the group roles below (Kontaktbok's
  group roles need a group; teaching groups come from SS 12000 activities, not read).
  An assignment (Duty.assignmentRole or Group._embedded.assignmentRoles) current today
  to an imported group: "Mentor" → contact_teacher, any other type, for one of those
  four duty roles → group_staff. dutyAt that is not a unit gives no role.
- Staff are the persons with a Rektor or teaching duty at a unit, or an assignment
  that gives them a role. Username: the first eduPersonPrincipalName, lowercased (SS 12000's
  identifier for logging in to e-services, what Skolfederation login asserts), else
  the first e-mail, lowercased. externalIdentifiers are not used: their meaning
  depends on a context that differs between suppliers.
Output keeps the order of the document. Errors name the JSON path ("persons[3].civicNo",
"groups[1].groupMemberships[0]") and never repeat a civic number.
"""
import datetime
import itertools
import json
import re
from array import array

from flask_babel import lazy_gettext as _l

from models import db
from models.roster.meanings import SECURITY_MARKINGS
from models.roster.rows import (ChildRow, GroupRow, GuardianRow, GuardianshipRow, Problem, RoleRow,
                                Roster, RosterError, StaffRow, UnitRow)
from models.roster.ss12000_fields import current, date, items, objects, reference, strings, text

GROUP_TYPES = ("Klass", "Avdelning", "Undervisning", "Mentor")
NOT_SCHOOL = {"FS", "FTH", "OPPFTH"}
SECURITY = {"Ingen": "ugradert", "Sekretessmarkering": "fortrolig",
            "Skyddad folkbokföring": "strengtFortrolig"}
CUSTODIAN = "Vårdnadshavare"
REGISTERED = ("Folkbokföring", "Folkbokföringsadress")  # address types, v2.1 and draft
TEACHING = ("Lärare", "Förskollärare", "Barnskötare", "Fritidspedagog")
UNIT_STAFF = {"kindergarten": "kindergarten_staff", "sfo": "sfo_staff"}
# SS 12000 nests six deep (groups[].groupMemberships[].person.id); a deeper file is
# refused before json.loads, whose recursion would otherwise end in a RecursionError.
MAX_DEPTH = 64
ESCAPE = re.compile(rb"\\.", re.S)
STRING = re.compile(rb'"[^"]*"')
NOT_BRACKET = bytes(set(range(256)) - set(b'[]{}"'))
STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes


def too_deep(data, limit=MAX_DEPTH):
    """Whether the arrays and objects of a JSON text nest deeper than `limit`, found
    without parsing and at C speed (about 0.5 s for 30 MB): escapes, everything but
    brackets and quotes, then strings are dropped, and the depth is the running sum."""
    brackets = STRING.sub(b"", ESCAPE.sub(b"", data).translate(None, NOT_BRACKET))
    steps = array("b", brackets.translate(STEP, b'"'))
    return max(itertools.accumulate(steps), default=0) > limit


def read(data, source, school_year):
    """A Roster from one SS 12000 JSON document. Raises RosterError."""
    today = db.today()
    if too_deep(data):
        raise RosterError(source, _l("nests arrays and objects more than %(max)d deep",
                                     max=MAX_DEPTH))
    try:
        document = json.loads(data)
    except UnicodeDecodeError:
        raise RosterError(source, _l("is not UTF-8 text")) from None
    except json.JSONDecodeError as error:
        raise RosterError(_l("line %(line)d column %(column)d", line=error.lineno,
                             column=error.colno),
                          _l("is not valid JSON (%(error)s)", error=error.msg)) from None
    except ValueError:  # a number of more than 4,300 digits: Python will not read it
        raise RosterError(source, _l("holds a number too long to read")) from None
    if not isinstance(document, dict):
        raise RosterError(source, _l("must be a JSON object with organisations, persons, "
                                     "groups and duties"))
    organisations = items(document, "organisations")
    people = {person["id"]: (where, person) for where, person in items(document, "persons")}
    all_groups = items(document, "groups", required=False)
    units = _units(organisations)
    groups, members, assignments = _groups(all_groups, units, organisations, people,
                                           school_year, today)
    children, guardians, guardianships = _families(people, members, today)
    staff, roles = _staff_roles(items(document, "duties", required=False), assignments,
                                people, units, organisations, groups, all_groups, today)
    return Roster(source=source, units=list(units.values()), groups=list(groups.values()),
                  children=list(children.values()), guardians=list(guardians.values()),
                  guardianships=guardianships, staff=staff, roles=roles)


def _units(organisations):
    """{id: UnitRow} of the school units."""
    units = {}
    for where, org in organisations:
        if org.get("organisationType") != "Skolenhet":
            continue
        types = set(strings(where, org, "schoolTypes"))
        kind = ("school" if types - NOT_SCHOOL or not types
                else "kindergarten" if "FS" in types else "sfo")
        units[org["id"]] = UnitRow(key=org["id"], name=text(where, org, "displayName", True),
                                   kind=kind, where=where, email=text(where, org, "email"),
                                   phone=text(where, org, "phoneNumber"),
                                   address=_address(org.get("address")))
    return units


def _groups(all_groups, units, organisations, people, school_year, today):
    """({id: GroupRow}, {person id: [group ids now]}, [the groups' assignment roles])."""
    org_ids = {org["id"] for _, org in organisations}
    groups, members, assignments = {}, {}, []
    for where, group in all_groups:
        if group.get("groupType") not in GROUP_TYPES:
            continue
        unit = reference(where, group, "organisation", org_ids, "organisations")
        if unit not in units:
            raise RosterError(f"{where}.organisation",
                              _l("“%(id)s” is not a school unit (Skolenhet)", id=unit))
        groups[group["id"]] = GroupRow(key=group["id"], unit=unit, school_year=school_year,
                                       name=text(where, group, "displayName", True),
                                       where=where)
        for at, membership in objects(where, group, "groupMemberships"):
            person = reference(at, membership, "person", people, "persons")
            if current(at, membership, today) and group["id"] not in members.get(person, []):
                members.setdefault(person, []).append(group["id"])
        embedded = group.get("_embedded") if isinstance(group.get("_embedded"), dict) else {}
        assignments += [(at, assignment, group["id"], None) for at, assignment
                        in objects(f"{where}._embedded", embedded, "assignmentRoles")]
    return groups, members, assignments


def _families(people, members, today):
    """({id: ChildRow}, {id: GuardianRow}, [GuardianshipRow])."""
    civic_nos, children = {}, {}
    for person_id, (where, person) in people.items():
        if person_id in members:
            national_id = _civic_no(where, person, civic_nos)
            children[person_id] = ChildRow(
                national_id=national_id, birth_date=_birth_date(where, person, national_id),
                groups=members[person_id], **_personal(where, person))
    relations = {}  # (guardian id, child id) -> (custodian?, where)
    for child in children:
        where, person = people[child]
        for at, responsible in objects(where, person, "responsibles"):
            guardian = reference(at, responsible, "person", people, "persons")
            custodian = responsible.get("relationType") == CUSTODIAN
            if current(at, responsible, today) and (
                    custodian or (guardian, child) not in relations):
                relations[(guardian, child)] = (custodian, at)
    responsible = {guardian for guardian, _ in relations}
    custodians = {guardian for (guardian, _), (custodian, _) in relations.items() if custodian}
    guardians = {}
    for person_id, (where, person) in people.items():
        if person_id not in responsible:
            continue
        if person_id in children:
            raise RosterError(where, _l("is both a child in a group and responsible for a "
                                        "child"))
        if person.get("civicNo") or person_id in custodians:
            guardians[person_id] = GuardianRow(
                national_id=_civic_no(where, person, civic_nos),
                email=_first(where, person, "emails"),
                phone=_first(where, person, "phoneNumbers"), **_personal(where, person))
    count = {}
    for (_, child), (custodian, _) in relations.items():
        count[child] = count.get(child, 0) + custodian
    guardianships = [
        GuardianshipRow(guardian=guardians[guardian].national_id,
                        child=children[child].national_id, where=where,
                        responsibility=("none" if not custodian
                                        else "shared" if count[child] >= 2 else "sole"))
        for (guardian, child), (custodian, where) in relations.items() if guardian in guardians]
    return children, guardians, guardianships


def _staff_roles(all_duties, assignments, people, units, organisations, groups, all_groups,
                 today):
    """([StaffRow], [RoleRow]) from the duties and the assignment roles."""
    org_ids = {org["id"] for _, org in organisations}
    group_ids = {group["id"] for _, group in all_groups}
    duty_ids = {duty["id"] for _, duty in all_duties}
    staff, roles, seen, duties, from_duties = {}, [], set(), {}, []

    def add(person_id, role, unit, group, where):
        if person_id not in staff:
            staff[person_id] = _staff_row(person_id, people, staff)
        key = (staff[person_id].username, role, unit, group)
        if role and key not in seen:
            seen.add(key)
            roles.append(RoleRow(*key, where=where))

    for where, duty in all_duties:
        person = reference(where, duty, "person", people, "persons")
        at = reference(where, duty, "dutyAt", org_ids, "organisations")
        if not current(where, duty, today):
            continue
        duties[duty["id"]] = (person, duty.get("dutyRole"))
        unit = units.get(at)
        if unit and duty.get("dutyRole") == "Rektor":
            add(person, "unit_leader", at, None, where)
        elif unit and duty.get("dutyRole") in TEACHING:
            add(person, UNIT_STAFF.get(unit.kind), at, None, where)
        from_duties += [(at, assignment, None, duty["id"])
                        for at, assignment in objects(where, duty, "assignmentRole")]
    for where, assignment, group, duty in from_duties + assignments:
        group = group or reference(where, assignment, "group", group_ids, "groups")
        duty = duty or reference(where, assignment, "duty", duty_ids, "duties")
        if group in groups and duty in duties and current(where, assignment, today):
            person, duty_role = duties[duty]
            if assignment.get("assignmentRoleType") == "Mentor":
                add(person, "contact_teacher", groups[group].unit, group, where)
            elif duty_role in TEACHING:
                add(person, "group_staff", groups[group].unit, group, where)
    return [staff[person_id] for person_id in people if person_id in staff], roles


def _civic_no(where, person, seen):
    """The 12 digits of a person's civicNo, unique in the document."""
    civic = person.get("civicNo")
    value = civic.get("value") if isinstance(civic, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise RosterError(f"{where}.civicNo", _l("is missing"))
    digits = value.strip().replace("-", "")
    if not (digits.isdigit() and len(digits) == 12):
        raise RosterError(f"{where}.civicNo", _l("must be a personal identity number of 12 "
                                                 "digits (YYYYMMDDNNNN)"))
    if digits in seen:
        raise RosterError(f"{where}.civicNo", _l("is the same as %(other)s",
                                                 other=f"{seen[digits]}.civicNo"))
    seen[digits] = where
    return digits


def _birth_date(where, person, digits):
    """birthDate, else the date a civic number begins with (day + 60: samordningsnummer)."""
    if person.get("birthDate") is not None:
        return date(f"{where}.birthDate", person["birthDate"])
    day = int(digits[6:8])
    try:
        return datetime.date(int(digits[:4]), int(digits[4:6]), day - 60 if day > 60 else day)
    except ValueError:
        raise RosterError(f"{where}.civicNo", _l("does not begin with a birth date")) \
            from None


def _personal(where, person):
    """Names, address and address protection, as ChildRow and GuardianRow take them."""
    marking = person.get("securityMarking")
    if marking is not None and marking not in SECURITY:
        raise RosterError(f"{where}.securityMarking",
                          Problem(_l("“%(value)s” must be one of: %(allowed)s"), value=marking,
                                  allowed=SECURITY_MARKINGS))
    addresses = [a for _, a in objects(where, person, "addresses")]
    address = next((a for a in addresses if a.get("type") in REGISTERED),
                   addresses[0] if addresses else None)
    return dict(first_name=text(where, person, "givenName", True),
                last_name=text(where, person, "familyName", True), where=where,
                address=_address(address) if marking != "Skyddad folkbokföring" else "",
                address_protection=SECURITY.get(marking))  # None: not stated


def _first(where, person, key):
    return next(iter(strings(where, person, key)), "")


def _address(address):
    if not isinstance(address, dict):
        return ""
    part = {key: address[key].strip() for key in ("streetAddress", "postalCode", "locality")
            if isinstance(address.get(key), str)}
    town = " ".join(filter(None, (part.get("postalCode"), part.get("locality"))))
    return ", ".join(filter(None, (part.get("streetAddress"), town)))


def _staff_row(person_id, people, staff):
    where, person = people[person_id]
    username = next(iter(strings(where, person, "eduPersonPrincipalNames")
                         + strings(where, person, "emails")), "").lower()
    if not username:
        raise RosterError(where, _l("has a duty but neither eduPersonPrincipalNames nor "
                                    "emails to make a username of"))
    if other := next((s.where for s in staff.values() if s.username == username), None):
        raise RosterError(where, _l("has the same username as %(other)s", other=other))
    return StaffRow(username=username, first_name=text(where, person, "givenName", True),
                    last_name=text(where, person, "familyName", True), where=where,
                    email=_first(where, person, "emails"))
