"""Who keeps a unit's calendar (its holidays and other days off): a municipal
administrator for every unit, a unit leader for the units they lead. Anyone else gets
None, so the page answers 404."""
from models.access.roles import is_administrator
from models.calendar.tables import DayOff
from models.school.tables import UNIT_LEADER, StaffRole, Unit


def calendar_units(user):
    """The units whose calendar the user keeps, by name."""
    query = Unit.select().order_by(Unit.name, Unit.id)
    if is_administrator(user):
        return list(query)
    led = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user.id) & (StaffRole.role == UNIT_LEADER))
    return list(query.where(Unit.id.in_(led)))


def calendar_unit_or_none(user, unit_id):
    query = Unit.select().where(Unit.id == unit_id)
    if not is_administrator(user):
        query = query.where(Unit.id.in_(StaffRole.select(StaffRole.unit).where(
            (StaffRole.user == user.id) & (StaffRole.role == UNIT_LEADER))))
    return query.first()


def day_off_or_none(unit, day_off_id):
    """A days-off period of a unit already found by `calendar_unit_or_none`."""
    return DayOff.get_or_none((DayOff.id == day_off_id) & (DayOff.unit == unit.id))
