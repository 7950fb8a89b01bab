"""Announcement templates (issue 22): a unit's (made by its leader or an administrator,
used by all its staff) and a person's own; "the trip reminder", "the lice notice".
Placeholders {group}, {date} and {weekday} are filled when a template is chosen;
anything else in braces is left as written, and the form says so."""
import re

import peewee
from peewee import fn

from models.db import BaseModel, utcnow
from models.school.tables import (ADMINISTRATOR, DATA_PROTECTION_OFFICER, UNIT_LEADER, Group,
                                  StaffRole, Unit, User)

NAME_MAX, SUBJECT_MAX, BODY_MAX = 100, 200, 5000
PLACEHOLDERS = ("group", "date", "weekday")
_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,40})\}")


class MessageTemplate(BaseModel):
    # Exactly one of unit (the unit's, for all its staff) and owner (the person's own).
    unit = peewee.ForeignKeyField(Unit, null=True, backref="+", on_delete="CASCADE")
    owner = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="CASCADE")
    name = peewee.CharField(max_length=NAME_MAX)
    subject = peewee.CharField(max_length=SUBJECT_MAX)
    body = peewee.TextField()
    created_by = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    updated_at = peewee.DateTimeField(default=utcnow)


def _roles(user):
    """[(role, unit id)] of the user's staff roles; a group's role at the group's
    unit. One query."""
    return list(StaffRole.select(StaffRole.role, fn.COALESCE(StaffRole.unit, Group.unit))
                .join(Group, peewee.JOIN.LEFT_OUTER, on=(StaffRole.group == Group.id))
                .where((StaffRole.user == user.id)
                       & (StaffRole.role != DATA_PROTECTION_OFFICER)).tuples())


def may_use(user):
    """Staff of a unit and administrators keep templates; guardians and the
    data-protection officer do not."""
    return bool(_roles(user))


def managed_unit_ids(user, roles=None):
    """Units whose templates the user makes: those they lead; every unit for an
    administrator."""
    roles = roles if roles is not None else _roles(user)
    if any(role == ADMINISTRATOR for role, _ in roles):
        return {unit for (unit,) in Unit.select(Unit.id).tuples()}
    return {unit for role, unit in roles if role == UNIT_LEADER and unit is not None}


def managed_units(user):
    """[(id, name)] of the units whose templates the user makes, by name."""
    ids = managed_unit_ids(user)
    return list(Unit.select(Unit.id, Unit.name).where(Unit.id.in_(sorted(ids)))
                .order_by(Unit.name).tuples()) if ids else []


def usable(user):
    """The templates the user may use: their own, those of the units they work at,
    and for an administrator every unit's; by name. One query."""
    staff_units = (StaffRole.select(fn.COALESCE(StaffRole.unit, Group.unit))
                   .join(Group, peewee.JOIN.LEFT_OUTER, on=(StaffRole.group == Group.id))
                   .where((StaffRole.user == user.id)
                          & StaffRole.role.not_in([DATA_PROTECTION_OFFICER, ADMINISTRATOR])))
    administrator = fn.EXISTS(StaffRole.select(StaffRole.id).where(
        (StaffRole.user == user.id) & (StaffRole.role == ADMINISTRATOR)))
    return list(MessageTemplate.select(MessageTemplate, Unit)
                .join(Unit, peewee.JOIN.LEFT_OUTER, on=(MessageTemplate.unit == Unit.id))
                .where((MessageTemplate.owner == user.id)
                       | (MessageTemplate.unit.is_null(False)
                          & (MessageTemplate.unit.in_(staff_units) | administrator)))
                .order_by(MessageTemplate.name, MessageTemplate.id))


def listing(user):
    """(the templates the user may use, the ids of those they may change): three
    queries at most, whatever the number of templates."""
    managed = managed_unit_ids(user)
    found = usable(user)
    return found, {t.id for t in found
                   if (t.owner_id == user.id if t.owner_id is not None
                       else t.unit_id in managed)}


def usable_one(user, template_id):
    return next((t for t in usable(user) if t.id == template_id), None)


def may_change(user, template, roles=None):
    """Its owner changes a personal one; the unit's leader or an administrator a
    unit's."""
    if template.owner_id is not None:
        return template.owner_id == user.id
    return template.unit_id in managed_unit_ids(user, roles)


def changeable_one(user, template_id):
    """A template the user may edit or delete, or None (absent or not theirs to
    change: a 404 either way for who cannot see it)."""
    template = usable_one(user, template_id)
    return template if template is not None and may_change(user, template) else None


def write(user, fields, template=None):
    """Create or update a template from checked fields (name, subject, body, unit id or
    None for the user's own)."""
    values = {"name": fields["name"], "subject": fields["subject"], "body": fields["body"],
              "unit": fields["unit"], "owner": None if fields["unit"] else user.id,
              "updated_at": utcnow()}
    if template is None:
        return MessageTemplate.create(created_by=user.id, **values)
    MessageTemplate.update(**values).where(MessageTemplate.id == template.id).execute()
    return template


def delete(template):
    MessageTemplate.delete().where(MessageTemplate.id == template.id).execute()


def fill(text, values):
    """The text with {group}, {date} and {weekday} filled from `values`; other braces
    left as they are. Returns (text, the unknown placeholders in order)."""
    unknown = []

    def one(found):
        name = found.group(1)
        if name in values:
            return values[name]
        if name not in unknown:
            unknown.append(name)
        return found.group(0)

    return _PLACEHOLDER.sub(one, text), unknown
