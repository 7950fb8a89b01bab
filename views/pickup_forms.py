"""The pick-up page's two forms read and checked (views/pickup.py): a person for the
list, and who picks up on a day. Errors keep what was typed."""
import re

from flask import request
from flask_babel import lazy_gettext as _l

from models.pickup.tables import NAME_MAX, PHONE_MAX, PICKUP_RELATIONS

from views.common import format_day, parse_date, parse_number

# As the guardian's own phone number (views/notifications.py): any phone the staff can
# call, not only a mobile.
PHONE = re.compile(r"\+?[0-9 ()-]{5,20}")
PERSON_FIELDS = ("first_name", "last_name", "relation", "phone")
EMPTY_PERSON = {"first_name": "", "last_name": "", "relation": "grandparent", "phone": ""}
OTHER = "other"  # "who" for a one-off name and phone
# The day form's inputs have ids of their own: both forms are on one page.
DAY_IDS = {"day": "day", "who": "who", "once_name": "once_name",
           "once_phone": "once_phone"}


def _name(form, key, errors, message):
    if not form[key]:
        errors[key] = message
    elif len(form[key]) > NAME_MAX:
        errors[key] = _l("The name can be at most %(max)d characters.", max=NAME_MAX)


def _phone(form, key, errors):
    if not form[key]:
        errors[key] = _l("Write the phone number: the staff call it if they need to.")
    elif len(form[key]) > PHONE_MAX or not PHONE.fullmatch(form[key]):
        errors[key] = _l("Write the phone number with digits only, for example "
                         "+47 912 34 567.")


def read_person():
    """(form as typed, errors) for a person to put on the list."""
    form = {name: request.form.get(name, "").strip() for name in PERSON_FIELDS}
    errors = {}
    _name(form, "first_name", errors, _l("Write the first name."))
    _name(form, "last_name", errors, _l("Write the last name."))
    if form["relation"] not in PICKUP_RELATIONS:
        errors["relation"] = _l("Choose how the person is related to the child.")
        form["relation"] = EMPTY_PERSON["relation"]
    _phone(form, "phone", errors)
    return form, errors


def empty_day(day):
    return {"day": day.isoformat(), "who": "", "once_name": "", "once_phone": ""}


def read_day(first, last, approved_ids):
    """(form as typed, errors, day, person id or None) for who picks up on a day:
    `first`..`last` are the days open; `approved_ids` the persons one may choose."""
    form = {name: request.form.get(name, "").strip() for name in DAY_IDS}
    errors = {}
    day = parse_date(form["day"])
    if day is None or not first <= day <= last:
        errors["day"] = _l("Choose a day from %(first)s to %(last)s.",
                           first=format_day(first), last=format_day(last))
    person_id = None
    if form["who"] == OTHER:
        _name(form, "once_name", errors, _l("Write the name of the person who picks up."))
        _phone(form, "once_phone", errors)
    else:
        person_id = parse_number(form["who"])
        if person_id not in approved_ids:
            errors["who"] = _l("Choose a person from the list, or someone else.")
            person_id = None
    return form, errors, day, person_id


def read_withdrawn_day(first, last):
    """The day to withdraw what was said for, or None when it is not one still open."""
    day = parse_date(request.form.get("day", ""))
    return day if day is not None and first <= day <= last else None
