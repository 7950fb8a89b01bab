"""Reading and checking the weekly plan's forms (views/weekplan.py has the routes).
Every error names the field it belongs to; what was typed goes back into the form."""
import datetime
import re

from flask import request
from flask_babel import lazy_gettext as _l

from models.weekplan.plans import LIMITS, NOTE_MAX, EntryText
from models.weekplan.weeks import DAYS

from views.common import parse_date

WHOLE_WEEK = "week"
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")

TOO_LONG = {
    "subject": _l("Write the subject in at most %(max)d characters.", max=LIMITS["subject"]),
    "activity": _l("Write what happens in at most %(max)d characters.",
                   max=LIMITS["activity"]),
    "homework": _l("Write the homework in at most %(max)d characters.",
                   max=LIMITS["homework"]),
    "bring": _l("Write what to bring in at most %(max)d characters.", max=LIMITS["bring"]),
}
EMPTY_ENTRY = _l("Write a subject, what happens, homework or what to bring.")
NOT_THIS_WEEK = _l("Choose a day of this week, or the whole week.")
NOTE_TOO_LONG = _l("Write the week's message in at most %(max)d characters.", max=NOTE_MAX)
NO_DATE = _l("Write the date to publish on as YYYY-MM-DD.")
NO_TIME = _l("Write the time as HH:MM, for example 14:00.")
TOO_EARLY = _l("Choose a time from now on, or publish now.")
TOO_LATE = _l("Publish the plan before its week is over.")
CHOOSE_WHEN = _l("Choose when to publish.")


def day_key(day):
    """The name a day goes by in the form and in field ids: its date, or "week"."""
    return day.isoformat() if day is not None else WHOLE_WEEK


def read_day(text, monday, errors):
    """The day chosen in a form: None for the whole week; an error unless it is a day
    of the plan's week."""
    text = (text or "").strip()
    if text in ("", WHOLE_WEEK):
        return None
    day = parse_date(text)
    if day is None or not monday <= day < monday + datetime.timedelta(days=DAYS):
        errors["day"] = NOT_THIS_WEEK
        return None
    return day


def read_entry(monday):
    """(typed values, EntryText, day, errors) from an entry's form."""
    values = {name: (request.form.get(name) or "").strip().replace("\r\n", "\n")
              for name in (*LIMITS, "day")}
    errors = {}
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = TOO_LONG[name]
    if not any(values[name] for name in LIMITS) and "subject" not in errors:
        errors["subject"] = EMPTY_ENTRY
    day = read_day(values["day"], monday, errors)
    text = EntryText(**{name: values[name] for name in LIMITS})
    return values, text, day, errors


def read_note():
    note = (request.form.get("note") or "").strip().replace("\r\n", "\n")
    errors = {"note": NOTE_TOO_LONG} if len(note) > NOTE_MAX else {}
    return note, errors


def read_publication(monday, zone, now_utc, to_utc):
    """(typed values, the moment to publish at as naive UTC or None for now, errors)."""
    values = {"when": request.form.get("when", ""),
              "date": (request.form.get("date") or "").strip(),
              "time": (request.form.get("time") or "").strip()}
    errors = {}
    if values["when"] == "now":
        return values, now_utc, errors
    if values["when"] != "at":
        errors["when"] = CHOOSE_WHEN
        return values, None, errors
    day = parse_date(values["date"])
    found = _TIME.fullmatch(values["time"])
    if day is None:
        errors["date"] = NO_DATE
    if found is None:
        errors["time"] = NO_TIME
    if errors:
        return values, None, errors
    at = to_utc(day, datetime.time(int(found.group(1)), int(found.group(2))), zone)
    week_end = to_utc(monday + datetime.timedelta(days=DAYS), datetime.time(0, 0), zone)
    if at < now_utc - datetime.timedelta(minutes=1):
        errors["date"] = TOO_EARLY
    elif at >= week_end:
        errors["date"] = TOO_LATE
    return values, at, errors
