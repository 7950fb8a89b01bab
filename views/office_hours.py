"""Office hours (issue 22): a member of staff's own, and a unit's with its phone for
urgent matters; and the notice a guardian writing outside them sees before sending
(views/messages.py asks `message_notice` and `thread_notice`).

The hours are kept in models/messaging/office_hours.py; here they are read from the form
and written the way the page's language writes days and times.
"""
import re

from babel.dates import get_day_names
from babel.lists import format_list
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access, audit
from models.access.office_hours import unit_to_manage, units_to_manage
from models.messaging import office_hours
from models.messaging.tables import STAFF

from views.common import client_ip, format_day, render

bp = Blueprint("office_hours", __name__)

TIME = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")
PHONE = re.compile(r"\+?[0-9 ()-]{5,20}")
PHONE_MAX = 40
# Within this many days, "Monday 08:00" says which day; further, the date is added.
WEEK_AHEAD = 6


# Days and times in the page's language ------------------------------------------------

def _locale():
    return str(get_locale() or "nb")


def day_names(context="format"):
    """The weekdays' names, Monday first."""
    names = get_day_names("wide", context=context, locale=_locale())
    return [names[day] for day in office_hours.WEEKDAYS]


def clock_text(minute):
    return f"{minute // 60:02d}:{minute % 60:02d}"


def span_text(span):
    return f"{clock_text(span[0])}–{clock_text(span[1])}"


def week_text(week):
    """"Monday–Friday 08:00–16:00", runs of days with the same hours together."""
    names = day_names()
    runs = []  # [first day, last day, span]
    for day in office_hours.WEEKDAYS:
        span = week.get(day)
        if span is None:
            continue
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == span:
            runs[-1][1] = day
        else:
            runs.append([day, day, span])
    parts = [(names[first] if first == last else f"{names[first]}–{names[last]}")
             + " " + span_text(span) for first, last, span in runs]
    return format_list(parts, locale=_locale()) if parts else ""


def when_text(moment, now):
    """When an answer can be expected: "Monday 08:00"; with the date beyond a week."""
    name = day_names()[moment.weekday()]
    if (moment.date() - now.date()).days > WEEK_AHEAD:
        name = f"{name} {format_day(moment.date(), year=moment.year != now.year)}"
    return f"{name} {clock_text(moment.hour * 60 + moment.minute)}"


def rows_of(week):
    """[(day name, "08:00–16:00" or None)] for a table of the week."""
    return [(name, span_text(week[day]) if day in week else None)
            for day, name in enumerate(day_names("stand-alone"))]


# The notice on the message forms ----------------------------------------------------------

def _shown(notice):
    if notice is None:
        return None
    return {"holders": [(name, week_text(week)) for name, week in notice.holders],
            "when": when_text(notice.opens_at, notice.now) if notice.opens_at else None,
            "phone": notice.phone}


def message_notice(option):
    """The notice for a new conversation to one of recipients.write_options' options,
    or None. One query."""
    if option is None:
        return None
    people = [(member.id, member.name) for member in option["staff"]]
    return _shown(office_hours.notice_for(option["unit"].id, people))


def thread_notice(thread, people):
    """The notice for a guardian's reply in a thread (its staff, or the unit as a
    whole when none takes part), or None. One query."""
    staff = [(p.user_id, p.name) for p in people if p.role == STAFF]
    return _shown(office_hours.notice_for(thread.unit_id, staff))


# The settings pages ---------------------------------------------------------------------------

def _read_week(form, errors):
    """The week from the form: per weekday a start and an end, both or neither."""
    names = day_names("stand-alone")
    week, typed = {}, {}
    for day in office_hours.WEEKDAYS:
        values = []
        for part in ("opens", "closes"):
            key = f"{part}-{day}"
            text = typed[key] = form.get(key, "").strip()[:10]
            match = TIME.fullmatch(text)
            minute = None
            if match and int(match[1]) <= 23 and int(match[2]) <= 59:
                minute = int(match[1]) * 60 + int(match[2])
            elif text:
                errors[key] = _l("Write the time as hh:mm, for example 08:00 (%(day)s).",
                                 day=names[day])
            values.append((key, text, minute))
        (_, opens_text, opens), (closes_key, closes_text, closes) = values
        if any(key in errors for key, _, _ in values):
            continue
        if bool(opens_text) != bool(closes_text):
            errors[closes_key if opens_text else f"opens-{day}"] = _l(
                "Write both when answering starts and when it ends on %(day)s, or leave "
                "both empty.", day=names[day])
        elif opens_text and opens >= closes:
            errors[closes_key] = _l("The end must be after the start (%(day)s).",
                                    day=names[day])
        elif opens_text:
            week[day] = (opens, closes)
    return week, typed


def _typed(week):
    typed = {}
    for day in office_hours.WEEKDAYS:
        span = week.get(day)
        typed[f"opens-{day}"] = clock_text(span[0]) if span else ""
        typed[f"closes-{day}"] = clock_text(span[1]) if span else ""
    return typed


def _in_order(errors):
    order = [f"{part}-{day}" for day in office_hours.WEEKDAYS for part in ("opens", "closes")]
    return {key: errors[key] for key in order + ["phone"] if key in errors}


@bp.route("/account/office-hours", methods=["GET", "POST"])
@login_required
def own():
    """A member of staff's own hours; empty, they follow their unit's."""
    user = current_user._get_current_object()
    if not access.is_staff(user):
        abort(404)
    errors = {}
    if request.method == "POST":
        week, typed = _read_week(request.form, errors)
        if not errors:
            office_hours.save_own(user, week)
            flash(_l("Your office hours are saved."), "success")
            return redirect(url_for("office_hours.own"), 303)
    week = office_hours.own_week(user)
    units = office_hours.units_weeks(user) if not week else []
    return render("office_hours/own.html", status=400 if errors else 200,
                  rows=rows_of(week), has_own=bool(week),
                  units=[(name, rows_of(unit_week), bool(unit_week))
                         for _, name, unit_week in units],
                  managed=units_to_manage(user), errors=_in_order(errors),
                  typed=typed if errors else _typed(week), days=day_names("stand-alone"))


@bp.route("/units/<int:unit_id>/office-hours", methods=["GET", "POST"])
@login_required
def unit(unit_id):
    """A unit's hours and its phone for urgent matters: its leader and the
    administrator."""
    user = current_user._get_current_object()
    found = unit_to_manage(user, unit_id)
    if found is None:
        abort(404)
    errors = {}
    if request.method == "POST":
        week, typed = _read_week(request.form, errors)
        phone = typed["phone"] = request.form.get("phone", "").strip()[:PHONE_MAX]
        if phone and not PHONE.fullmatch(phone):
            errors["phone"] = _l("Write the phone number with digits only, for example "
                                 "+47 912 34 567.")
        if not errors:
            office_hours.save_unit(found, week, phone)
            audit.record("unit.office_hours", actor=user, obj=found, ip=client_ip(),
                         days=len(week))
            flash(_l("The office hours of %(unit)s are saved.", unit=found.name), "success")
            return redirect(url_for("office_hours.unit", unit_id=found.id), 303)
    week = office_hours.unit_week(found)
    if not errors:
        typed = {**_typed(week), "phone": found.phone}
    return render("office_hours/unit.html", status=400 if errors else 200, unit=found,
                  rows=rows_of(week), has_hours=bool(week), errors=_in_order(errors),
                  typed=typed, days=day_names("stand-alone"),
                  back=url_for("office_hours.own") if access.is_staff(user)
                  else url_for("organisation.index"))
