"""Reading the day list's forms: who picked a child up, and corrected times (HH:MM on the
municipality's clock), with the sentences for what the model refuses."""
import datetime
import re

from flask_babel import lazy_gettext as _l

from models.daycare import presence
from models.daycare.day import GUARDIAN, PERSON
from models.pickup.tables import NAME_MAX

from views.common import parse_number

_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])(:00)?")
EXPECTED, ALONE, OTHER = "expected", "alone", "other"

STATUS_NAMES = {
    "expected": _l("Expected"),
    "here": _l("Here"),
    "gone": _l("Gone home"),
    "absent": _l("Reported absent"),
}
REFUSALS = {
    presence.NOT_ENROLLED: _l("The child is not in this department today."),
    presence.NOT_HERE: _l("The child is not checked in here today."),
    presence.OTHER_DAY: _l("The time must be within today."),
    presence.FUTURE: _l("The time cannot be later than now."),
    presence.ORDER: _l("The child must be checked in before being picked up."),
    presence.BAD_PERSON: _l("Choose a person from the child's pick-up list."),
    presence.BAD_NAME: _l("Write at most %(max)d characters.", max=NAME_MAX),
}
CHOOSE_WHO = _l("Choose who picked the child up, or write a name.")
WRITE_NAME = _l("Write the name of the person who picked the child up.")
BAD_TIME = _l("Write the time as HH:MM, for example 15:40.")


def refusal(error):
    return REFUSALS.get(error.code, REFUSALS[presence.NOT_HERE])


def read_time(text):
    """A time of day written HH:MM, or None."""
    found = _TIME.fullmatch((text or "").strip())
    if found is None:
        return None
    return datetime.time(int(found.group(1)), int(found.group(2)))


def read_pickup(form, row, errors):
    """(person id or None, name) for check_out from the row's choice `by-<child>`:
    a person on the list, a guardian (by name), today's one-off name, nobody (went
    home alone), or a typed name. Errors go under the child's field names."""
    cid = row.child_id
    choice = form.get(f"by-{cid}", "").strip()
    typed = form.get(f"name-{cid}", "").strip()
    if not choice and typed:
        choice = OTHER
    if choice == ALONE:
        return None, ""
    if choice == EXPECTED and row.expected is not None and row.expected.person is None:
        return None, row.expected.name
    if choice == OTHER:
        if not typed:
            errors[f"name-{cid}"] = WRITE_NAME
        elif len(typed) > NAME_MAX:
            errors[f"name-{cid}"] = REFUSALS[presence.BAD_NAME]
        return None, typed
    kind, _, number = choice.partition("-")
    number = parse_number(number)
    for person in row.people:
        if kind in (GUARDIAN, PERSON) and person.kind == kind and person.id == number:
            return (person.id, "") if kind == PERSON else (None, person.name)
    errors[f"by-{cid}"] = CHOOSE_WHO
    return None, ""
