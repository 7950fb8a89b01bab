"""Who sets which office hours (issue 22): every member of staff their own; a unit's
the unit's leader and the administrator."""
from peewee import fn

from models.school.tables import ADMINISTRATOR, UNIT_LEADER, StaffRole, Unit


def units_to_manage(user):
    """The units whose hours and urgent phone the user sets, by name: the units they
    lead, or every unit for an administrator. One query."""
    led = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user.id) & (StaffRole.role == UNIT_LEADER))
    administrator = StaffRole.select(StaffRole.id).where(
        (StaffRole.user == user.id) & (StaffRole.role == ADMINISTRATOR))
    return list(Unit.select().where(Unit.id.in_(led) | fn.EXISTS(administrator))
                .order_by(Unit.name))


def unit_to_manage(user, unit_id):
    """The unit, if the user leads it or is an administrator; else None (a 404)."""
    leads = StaffRole.select(StaffRole.id).where(
        (StaffRole.user == user.id)
        & (((StaffRole.role == UNIT_LEADER) & (StaffRole.unit == Unit.id))
           | (StaffRole.role == ADMINISTRATOR)))
    return Unit.get_or_none((Unit.id == unit_id) & fn.EXISTS(leads))
