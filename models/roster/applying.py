"""Applying a planned roster import (models/roster/roster.py): the database is made to
say what the roster says, all or nothing, in one transaction."""
import datetime
import json
import secrets

from models import audit
from models.db import database, utcnow
from models.protect import index_of
from models.roster.roster import BATCH, CONTACT, adult_changes, by_index, child_values
from models.roster.tables import ImportRun
from models.school.tables import (Child, EndedGuardianship, Enrolment, Group, Guardianship,
                                  StaffRole, Unit, User)


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
            new.append({**child_values(row, None), "national_id": row.national_id,
                        "address_protection": row.address_protection or "ugradert",
                        "national_id_index": index_of(row.national_id)})
            continue
        values = child_values(row, child)
        if values != child_values(row, child, stored=True):
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
        changed = adult_changes(user, row)
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
    return {n: row.id for n, row in by_index(model, numbers).items()}


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
