"""Reading the shared tablet's forms: pairing (department and name), a staff member's
PIN, and an action on the tablet (check in or out, who picks up, who confirms)."""
from flask_babel import lazy_gettext as _l

from models.devices import pins
from models.devices.tablet import CHECK_IN, CHECK_OUT, OTHER_CHOICE

from views.common import parse_number

NAME_MAX = 100
PIN_PROBLEMS = {
    pins.NOT_DIGITS: _l("The PIN can only have digits."),
    pins.TOO_SHORT: _l("The PIN must have from %(min)d to %(max)d digits.",
                       min=pins.PIN_MIN, max=pins.PIN_MAX),
    pins.GUESSABLE: _l("That PIN is too easy to guess (such as 0000, 1234 or 1212). "
                       "Choose another."),
}


def read_pairing(form, groups):
    """({"group": Group or None, "name": str}, typed, errors)."""
    typed = {"group": form.get("group", "").strip(), "name": form.get("name", "").strip()}
    errors = {}
    number = parse_number(typed["group"])
    group = next((g for g in groups if g.id == number), None)
    if group is None:
        errors["group"] = _l("Choose the department the tablet belongs to.")
    if not typed["name"]:
        errors["name"] = _l("Give the tablet a name, for example “Blåklokka's tablet”.")
    elif len(typed["name"]) > NAME_MAX:
        errors["name"] = _l("The name can be at most %(max)d characters.", max=NAME_MAX)
    return group, typed, errors


def read_new_pin(form):
    """(pin or None, errors): the PIN typed twice, acceptable."""
    pin, again = form.get("pin", "").strip(), form.get("again", "").strip()
    errors = {}
    if not pin:
        errors["pin"] = _l("Choose a PIN.")
    else:
        why = pins.problem(pin)
        if why:
            errors["pin"] = PIN_PROBLEMS[why]
        elif again != pin:
            errors["again"] = _l("The two PINs are not the same. Type it again.")
    return (None if errors else pin), errors


def read_action(form, staff_ids, pickup_values):
    """What an action on the tablet asks, as a dict (action, staff, pin, pickup,
    other_name), and errors. `pickup_values` are the choices offered for the child."""
    errors = {}
    typed = {"action": form.get("action", ""), "pickup": form.get("pickup", ""),
             "other_name": form.get("other_name", "").strip(),
             "staff": parse_number(form.get("staff", "")), "pin": form.get("pin", "").strip()}
    if typed["action"] not in (CHECK_IN, CHECK_OUT):
        errors["action"] = _l("Choose check in or check out.")
    if typed["staff"] not in staff_ids:
        errors["staff"] = _l("Choose who you are.")
    if not typed["pin"]:
        errors["pin"] = _l("Type your PIN.")
    elif (len(typed["pin"]) > pins.PIN_MAX or not typed["pin"].isascii()
          or not typed["pin"].isdigit()):
        errors["pin"] = _l("The PIN has %(min)d to %(max)d digits.", min=pins.PIN_MIN,
                           max=pins.PIN_MAX)
    if typed["action"] == CHECK_OUT:
        if typed["pickup"] not in ("", OTHER_CHOICE, *pickup_values):
            errors["pickup"] = _l("Choose who picks up from the list.")
        elif typed["pickup"] == OTHER_CHOICE and not typed["other_name"]:
            errors["other_name"] = _l("Write who picks up.")
        elif len(typed["other_name"]) > NAME_MAX:
            errors["other_name"] = _l("The name can be at most %(max)d characters.",
                                      max=NAME_MAX)
    return typed, errors
