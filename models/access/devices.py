"""Who manages a department's shared tablet, and who may act on one.

A unit's leader pairs, unpairs and unlocks the tablets of the departments of their
kindergarten or after-school unit; nobody else does (404). On a tablet, an action is
confirmed by a member of the department's staff: a role given for that very group, a
unit-wide staff role at its unit (after-school staff work across groups), or the unit's
leader. The tablet itself reaches only its own group."""
from models.devices.tables import Device, StaffPin
from models.school.tables import (KINDERGARTEN_STAFF, SFO_STAFF, UNIT_LEADER, Group, StaffRole,
                                  Unit, User)

DEVICE_UNIT_KINDS = ("kindergarten", "sfo")


def led_unit_ids(user_id):
    """The units (a subquery) the user leads that may have shared tablets."""
    return (StaffRole.select(StaffRole.unit).join(Unit, on=(StaffRole.unit == Unit.id))
            .where((StaffRole.user == user_id) & (StaffRole.role == UNIT_LEADER)
                   & Unit.kind.in_(DEVICE_UNIT_KINDS)))


def pairable_groups(user, school_year):
    """[Group] (unit joined) of the units the user leads, for the school year."""
    return list(Group.select(Group, Unit).join(Unit)
                .where(Group.unit.in_(led_unit_ids(user.id))
                       & (Group.school_year == school_year))
                .order_by(Unit.name, Group.name))


def managed_device_or_none(user, device_id):
    """A paired device (group and unit joined) of a unit the user leads, or None."""
    return (Device.select(Device, Group, Unit).join(Group).join(Unit)
            .where((Device.id == device_id) & Device.unpaired_at.is_null()
                   & Group.unit.in_(led_unit_ids(user.id))).first())


def is_unit_leader(user):
    """Any unit's leader: the list of tablets is theirs (empty for a school's)."""
    return (StaffRole.select(StaffRole.id)
            .where((StaffRole.user == user.id) & (StaffRole.role == UNIT_LEADER)).exists())


def _staff_condition(group_id, unit_id):
    attached = StaffRole.select(StaffRole.user).where(
        (StaffRole.group == group_id)
        | ((StaffRole.unit == unit_id) & StaffRole.group.is_null()
           & StaffRole.role.in_((UNIT_LEADER, KINDERGARTEN_STAFF, SFO_STAFF))))
    return User.id.in_(attached) & (User.is_active == True)  # noqa: E712


def device_staff(group_id, unit_id):
    """[(user id, first name, last name)] of the department's staff who have a PIN, by
    first name: whom the tablet offers to confirm an action."""
    return list(User.select(User.id, User.first_name, User.last_name)
                .join(StaffPin, on=(StaffPin.user == User.id))
                .where(_staff_condition(group_id, unit_id))
                .order_by(User.first_name, User.last_name, User.id).tuples())


def device_staff_with_pin(user_id, group_id, unit_id):
    """The department's staff member (a User, with `pin_hash`) or None."""
    return (User.select(User, StaffPin.pin_hash).join(StaffPin, on=(StaffPin.user == User.id))
            .where((User.id == user_id) & _staff_condition(group_id, unit_id))
            .objects().first())
