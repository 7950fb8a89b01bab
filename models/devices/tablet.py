"""What a paired tablet shows and does: its department's day (first names and where
each child is, nothing else), and a check-in or check-out confirmed by a member of the
department's staff with their PIN, recorded under that person with the tablet named.

A child id from the tablet counts only when the child is on its department's day list:
any other answers None (the page says 404)."""
from dataclasses import dataclass

from models import audit
from models.access.devices import device_staff
from models.daycare import day as day_model
from models.daycare import presence
from models.db import database, today
from models.devices.devices import confirm

CHECK_IN, CHECK_OUT = "in", "out"
EXPECTED_CHOICE, OTHER_CHOICE = "expected", "other"


def first_word(name):
    """A first name from a name as written (the tablet shows no last names)."""
    return (name or "").strip().split(" ")[0] if name else ""


@dataclass(frozen=True)
class Card:
    child_id: int
    first_name: str
    status: str


def day_cards(device, on=None):
    """[Card] of every child of the tablet's department today. Three queries."""
    return [Card(row.child_id, row.first_name, row.status) for row in
            day_model.day_list(device.group_id, on or today(), show_reasons=False,
                               protected_lists=True)]


@dataclass(frozen=True)
class Choice:
    """Someone the tablet offers as picking the child up, by first name."""
    value: str
    first_name: str
    kind: str        # "expected", "guardian" or "person"
    relation: str


@dataclass(frozen=True)
class ChildCard:
    child_id: int
    first_name: str
    status: str
    expected: str             # the first name of who is expected to pick up, or ""
    choices: list             # [Choice]
    preselected: str


def child_card(device, child_id, on=None):
    """(ChildCard, the day list's Row) for the action form, or (None, None) when the
    child is not on the department's day list (the tablet reaches no one else)."""
    row = day_model.row(device.group_id, on or today(), child_id, show_reasons=False,
                        protected_lists=True)
    if row is None:
        return None, None
    choices = []
    if row.expected is not None and row.expected.person is None:
        choices.append(Choice(EXPECTED_CHOICE, first_word(row.expected.name), "expected",
                              ""))
    choices += [Choice(p.value, first_word(p.name), p.kind, p.relation) for p in row.people]
    expected = first_word(row.expected.label) if row.expected else ""
    return ChildCard(row.child_id, row.first_name, row.status, expected, choices,
                     row.preselected), row


def staff_choices(device):
    """[(user id, "Bente B.")] of the department's staff who have a PIN."""
    return [(user_id, f"{first} {last[:1]}." if last else first)
            for user_id, first, last in device_staff(device.group_id, device.unit_id)]


def act(device, row, action, staff_id, pin, pickup="", other_name="", ip=""):
    """Check the child of `row` (from child_card) in or out, confirmed by the staff
    member's PIN. Returns the staff member (a User). Raises devices.WrongPin or
    devices.Locked for the PIN, presence.Refused when the step cannot be taken."""
    staff = confirm(device, staff_id, pin, ip=ip)
    with database.atomic():
        if action == CHECK_IN:
            presence.check_in(row.child_id, device.group_id, staff, ip=ip)
        else:
            person_id, name = _picked_up_by(row, pickup, other_name)
            presence.check_out(row.child_id, device.group_id, staff,
                               picked_up_by_person_id=person_id, picked_up_by_name=name,
                               ip=ip)
        audit.record("device.used", actor=staff, obj=device, ip=ip, child=row.child_id,
                     device=device.name, group=device.group_id,
                     step="checked_in" if action == CHECK_IN else "checked_out")
    return staff


def _picked_up_by(row, pickup, other_name):
    """(pick-up person id, name) for check_out from the form's choice."""
    if pickup == EXPECTED_CHOICE and row.expected is not None:
        return None, row.expected.name
    if pickup == OTHER_CHOICE:
        return None, other_name
    person = next((p for p in row.people if p.value == pickup), None)
    if person is None:
        return None, ""
    if person.kind == day_model.PERSON:
        return person.id, ""
    return None, person.name
