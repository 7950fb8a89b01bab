"""Who keeps a group's attendance register: the staff attached to the group (any role
given for that very group: contact teacher, subject teacher, assistant, department
staff) and the leaders of its unit. Everyone else, guardians included, gets None, so
the page answers 404: who is absent is never shown to other families (rule 11)."""
from models.school.tables import UNIT_LEADER, Group, StaffRole, Unit


def register_condition(user_id):
    """The group (outer query) is one whose register the user keeps."""
    attached = StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user_id) & StaffRole.group.is_null(False))
    leads = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user_id) & (StaffRole.role == UNIT_LEADER))
    return Group.id.in_(attached) | Group.unit.in_(leads)


def register_group_or_none(user, group_id):
    """The group, with its unit joined (`group.unit.kind`), or None."""
    try:
        group_id = int(group_id)
    except (TypeError, ValueError):
        return None
    return (Group.select(Group, Unit).join(Unit)
            .where((Group.id == group_id) & register_condition(user.id)).first())
