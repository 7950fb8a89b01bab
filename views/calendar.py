"""The units' calendars: the holidays and other days a unit is closed, kept by a
municipal administrator (every unit) or a unit leader (their own units). Absence
reports and leave read them (models/calendar/days.py); anyone else gets 404."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models.access.calendar import calendar_unit_or_none, calendar_units, day_off_or_none
from models.calendar import days
from models.calendar.tables import NAME_MAX
from models.db import today

from views.absence_forms import read_date
from views.common import client_ip, render
from views.labels import UNIT_KIND_NAMES, translated

bp = Blueprint("calendar", __name__, url_prefix="/calendar")
MAX_DAYS_OFF = 120  # a summer holiday is about eight weeks


def _unit(unit_id):
    unit = calendar_unit_or_none(current_user._get_current_object(), unit_id)
    if unit is None:
        abort(404)
    return unit


@bp.route("/")
@login_required
def index():
    units = calendar_units(current_user._get_current_object())
    if not units:
        abort(404)
    if len(units) == 1:
        return redirect(url_for("calendar.unit", unit_id=units[0].id), 303)
    return render("calendar/index.html", units=units, **translated(kind_names=UNIT_KIND_NAMES))


def _page(unit, form=None, errors=None, status=200):
    return render("calendar/unit.html", status=status, unit=unit,
                  periods=days.unit_periods(unit.id), today=today(),
                  form=form or {"first_day": "", "last_day": "", "name": ""},
                  errors=errors or {}, **translated(kind_names=UNIT_KIND_NAMES))


@bp.route("/<int:unit_id>")
@login_required
def unit(unit_id):
    return _page(_unit(unit_id))


@bp.route("/<int:unit_id>", methods=["POST"])
@login_required
def add(unit_id):
    found = _unit(unit_id)
    form = {name: request.form.get(name, "").strip()
            for name in ("first_day", "last_day", "name")}
    errors = {}
    first = read_date(form["first_day"], errors, "first_day", _l("Choose the first day."))
    last = (read_date(form["last_day"], errors, "last_day", None) if form["last_day"]
            else first)
    if first and last:
        if last < first:
            errors["last_day"] = _l("The last day cannot be before the first.")
        elif (last - first).days >= MAX_DAYS_OFF:
            errors["last_day"] = _l("One period is at most %(num)d days.", num=MAX_DAYS_OFF)
    if not form["name"]:
        errors["name"] = _l("Write what the days are called, for example “Christmas "
                            "holiday”.")
    elif len(form["name"]) > NAME_MAX:
        errors["name"] = _l("The name can be at most %(max)d characters.", max=NAME_MAX)
    if errors:
        return _page(found, form, errors, status=400)
    days.add(found.id, current_user._get_current_object(), first, last, form["name"],
             ip=client_ip())
    flash(_l("Added: %(name)s. Absence cannot be reported for these days, and leave does "
             "not count them.", name=form["name"]), "success")
    return redirect(url_for("calendar.unit", unit_id=found.id), 303)


@bp.route("/<int:unit_id>/<int:day_off_id>/remove", methods=["GET", "POST"])
@login_required
def remove(unit_id, day_off_id):
    """Removing asks first: the GET shows what goes, only the POST removes it."""
    found = _unit(unit_id)
    period = day_off_or_none(found, day_off_id)
    if period is None:
        abort(404)
    if request.method == "POST":
        days.remove(period, current_user._get_current_object(), ip=client_ip())
        flash(_l("Removed: %(name)s.", name=period.name), "success")
        return redirect(url_for("calendar.unit", unit_id=found.id), 303)
    return render("calendar/remove.html", unit=found, period=period)
