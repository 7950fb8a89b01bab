"""Roster import: read a roster file, show what it would change, then apply it all or
nothing (seeds 000 and 002: the population register and the school administration
system are the truth about who is a child's guardian).

- Formats (models/roster/reading.py tells them apart by content): the Kontaktbok CSV
  (models/roster/kontaktbok_csv.py), OneRoster 1.1 CSV (models/roster/oneroster.py),
  SS 12000 JSON (models/roster/ss12000.py).
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
- `plan()` (here) compares a roster with the database and reads only; `apply()`
  (models/roster/applying.py) runs in one transaction; running the same file again
  changes nothing.
"""
import datetime
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from models.db import today
from models.protect import index_of
from models.roster.rows import Code, Problem, Roster, RosterError
from models.school.tables import Child, Enrolment, Group, Guardianship, StaffRole, Unit, User

BATCH = 500


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
            raise RosterError(role.where, Problem(_l("the role %(role)s needs a group"),
                                                  role=Code(role.role)))
        if role.role not in ("contact_teacher", "group_staff") and role.unit is None:
            raise RosterError(role.where, Problem(_l("the role %(role)s needs a unit"),
                                                  role=Code(role.role)))


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


def by_index(model, numbers):
    """{national id: row} of `model` (Child or User) for `numbers`, found by the keyed
    hash of each, in batches."""
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
    result.children = by_index(Child, [c.national_id for c in roster.children])
    for row in roster.children:
        child = result.children.get(row.national_id)
        name = f"{row.first_name} {row.last_name}"
        if child is None:
            result.note("children", "added", name)
        elif child_values(row, child) != child_values(row, child, stored=True):
            result.note("children", "changed", name)
    result.adults = by_index(User, [g.national_id for g in roster.guardians])
    for row in roster.guardians:
        user = result.adults.get(row.national_id)
        name = f"{row.first_name} {row.last_name}"
        if user is None:
            result.note("guardians", "added", name)
        elif changed := adult_changes(user, row):
            result.note("guardians", "changed", f"{name}: {', '.join(changed)}")


CONTACT = ("email", "phone", "address")


def child_values(row, child, stored=False):
    """The values the import sets on a child (the stored ones, with stored=True); the
    protection level only when the file states it."""
    fields = ["first_name", "last_name", "birth_date", "address"]
    if row.address_protection is not None:
        fields.append("address_protection")
    source = child if stored else row
    return {f: getattr(source, f) for f in fields}


def adult_changes(user, row):
    """The fields of a guardian's account that the roster's row changes."""
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
        StaffRole.unit.in_(unit_ids)
        & StaffRole.role.not_in(("administrator", "data_protection_officer"))))
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

