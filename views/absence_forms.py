"""Reading and checking the absence and leave forms, and the words that confirm them.

Kept apart from views/absence.py (the routes) so each stays short. Dates come from a
date field (YYYY-MM-DD); an empty one asks for the date, a wrong one says how to write
it, and what was typed goes back into the form either way.
"""
import datetime

from flask import request
from flask_babel import format_date, get_locale, gettext
from flask_babel import lazy_gettext as _l

from models.absence.tables import (ARRIVES_LATE, GUARDIAN_REASONS, LEAVES_EARLY, MAX_DAYS,
                                   NOTE_MAX, NOTICED, PARTS)
from models.calendar import days
from models.db import today
from models.messaging.sensitive import concerns

from views.common import parse_date

LEAVE_REASON_MAX = 500
NAME_MAX = 100
REPORT_FIELDS = ("start", "end", "part", "time", "picked_up_by", "reason", "note")
# Where the error summary's link for each field leads: a group of choices to its first.
REPORT_IDS = {"part": "part-whole", "reason": "reason-ill"}
LEAVE_IDS = {"start": "leave-start", "end": "leave-end", "reason": "leave-reason"}


def day_text(day):
    """"tirsdag 8. desember" / "tisdag 8 december": how a confirmation names a day."""
    pattern = "EEEE d. MMMM" if str(get_locale()) in ("nb", "nn") else "EEEE d MMMM"
    return format_date(day, pattern)


def days_text(start, end):
    return day_text(start) if start == end else f"{day_text(start)}–{day_text(end)}"


def read_date(value, errors, key, missing):
    """The date in a date field, or None with an error: `missing` when it is empty, the
    format with an example when it is not a date."""
    if not value:
        errors[key] = missing
        return None
    day = parse_date(value)
    if day is None:
        errors[key] = _l("Write the date as YYYY-MM-DD, for example %(example)s.",
                         example=today().isoformat())
    return day


def read_time(value, errors, key):
    try:
        # HH:MM, or HH:MM:SS from a browser's time field; no fractions or time zone
        if len(value) in (5, 8):
            return datetime.time.fromisoformat(value)
    except ValueError:
        pass
    errors[key] = (_l("Choose the time.") if not value
                   else _l("Write the time as HH:MM, for example 13:30."))
    return None


def read_report(staff=False):
    form = {name: request.form.get(name, "").strip() for name in REPORT_FIELDS}
    if staff:
        form["reason"] = NOTICED
    return form


def empty_report():
    return {"start": today().isoformat(), "end": "", "part": "whole", "time": "",
            "picked_up_by": "", "reason": "", "note": ""}


def no_school(child_id, start, end):
    """Why a school child cannot be absent from start to end (a weekend day, a
    holiday of the school's calendar, or only such days), or None."""
    calendar = days.for_child(child_id, start, end)
    if not calendar.school:
        return None
    if start == end:
        closed = calendar.closed(start)
        if closed is None:
            return None
        if closed[0] == days.HOLIDAY:
            return _l("%(day)s is a holiday (%(name)s): there is no school that day.",
                      day=day_text(start), name=closed[1])
        return _l("There is no school on %(day)s. Absence is reported for school days.",
                  day=day_text(start))
    if calendar.school_days(start, end):
        return None
    return _l("There is no school from %(first)s to %(last)s: only weekends and holidays.",
              first=day_text(start), last=day_text(end))


def check_report(child_id, form, earliest, staff=False, confirmed=False):
    """Errors and warnings by field; the cleaned values when there are no errors."""
    errors = {}
    start = read_date(form["start"], errors, "start", _l("Choose the date."))
    end = (read_date(form["end"], errors, "end", None) if form["end"] else start)
    if start and end:
        if end < start:
            errors["end"] = _l("The last day cannot be before the first.")
        elif (end - start).days >= MAX_DAYS:
            errors["end"] = _l("One report covers at most %(num)d days.", num=MAX_DAYS)
        if start < earliest:
            errors["start"] = _l("Absence can be reported at most %(num)d days back. For "
                                 "older days, contact the school or kindergarten.",
                                 num=(today() - earliest).days)
        if start > today() + datetime.timedelta(days=365):
            errors["start"] = _l("Report absence at most a year ahead.")
        if "start" not in errors and "end" not in errors:
            closed = no_school(child_id, start, end)
            if closed is not None:
                errors["start"] = closed
    if form["part"] not in PARTS:
        errors["part"] = _l("Choose whole day, arrives late or leaves early.")
    at_time = None
    if form["part"] in (ARRIVES_LATE, LEAVES_EARLY):
        at_time = read_time(form["time"], errors, "time")
        if start and end and start != end:
            errors["end"] = _l("Arriving late or leaving early is for one day at a time.")
    if not staff and form["reason"] not in GUARDIAN_REASONS:
        errors["reason"] = _l("Choose a reason.")
    if len(form["note"]) > NOTE_MAX:
        errors["note"] = _l("The note can be at most %(max)d characters.", max=NOTE_MAX)
    if len(form["picked_up_by"]) > NAME_MAX:
        errors["picked_up_by"] = _l("The name can be at most %(max)d characters.",
                                    max=NAME_MAX)
    warnings = [] if confirmed or errors or not form["note"] else sorted(concerns(form["note"]))
    values = {"start_date": start, "end_date": end, "part": form["part"],
              "at_time": at_time, "picked_up_by": form["picked_up_by"]
              if form["part"] == LEAVES_EARLY else "", "reason": form["reason"],
              "note": form["note"]}
    return errors, warnings, values


def check_pickup(form):
    errors = {}
    at_time = read_time(form["time"], errors, "time")
    if not form["picked_up_by"]:
        errors["picked_up_by"] = _l("Write who picks up.")
    elif len(form["picked_up_by"]) > NAME_MAX:
        errors["picked_up_by"] = _l("The name can be at most %(max)d characters.",
                                    max=NAME_MAX)
    return errors, at_time


def check_leave(child_id, form):
    """Errors by field, and (first day, last day) when there are none."""
    errors = {}
    start = read_date(form["start"], errors, "start", _l("Choose the first day of the leave."))
    end = read_date(form["end"], errors, "end", None) if form["end"] else start
    if start and end:
        if end < start:
            errors["end"] = _l("The last day cannot be before the first.")
        elif (end - start).days >= MAX_DAYS:
            errors["end"] = _l("One application covers at most %(num)d days.",
                               num=MAX_DAYS)
        if start < today():
            errors["start"] = _l("Apply for leave before it starts.")
        if not errors and not days.for_child(child_id, start, end).school_days(start, end):
            errors["start"] = _l("There is no school on these days (weekends and "
                                 "holidays), so no leave is needed.")
    if not form["reason"]:
        errors["reason"] = _l("Write why you apply for leave.")
    elif len(form["reason"]) > LEAVE_REASON_MAX:
        errors["reason"] = _l("The reason can be at most %(max)d characters.",
                              max=LEAVE_REASON_MAX)
    return errors, start, end


def reported_text(updated, start, end, staff):
    """What the confirmation says happens next. Staff records are not sent to the
    guardians (models/absence/absence.report notifies nobody); guardians see them on
    the child's absence page."""
    when = days_text(start, end)
    if staff:
        first = (gettext("Your earlier record for %(days)s was updated.", days=when)
                 if updated else gettext("Recorded: absent on %(days)s.", days=when))
        return first + " " + gettext(
            "The guardians see it on the child's absence page, but are not sent a "
            "message about it: contact them if you need to.")
    first = (gettext("The report for %(days)s was updated.", days=when) if updated
             else gettext("The absence on %(days)s is reported.", days=when))
    return first + " " + gettext(
        "The school or kindergarten sees it now. You can change or withdraw it on this "
        "page until the end of %(last)s.", last=day_text(end))


def today_text(updated, done):
    """The confirmation of a two-tap report for today: `done` says what was sent."""
    first = gettext("The report for today was updated: %(what)s", what=done) if updated \
        else done
    return first + " " + gettext(
        "Staff see it now. You can change or withdraw it under “Absence and leave” until "
        "the end of the day.")
