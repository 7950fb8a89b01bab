"""The units' calendars: the holidays and other days a unit is closed, kept by a
municipal administrator (every unit) or a unit leader (their own units). Absence
reports and leave read them (models/calendar/days.py); anyone else gets 404."""
from flask import (Blueprint, abort, current_app, flash, redirect, request, session,
                   url_for)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models.access.calendar import calendar_unit_or_none, calendar_units, day_off_or_none
from models.calendar import agenda, days, feed
from models.calendar.tables import NAME_MAX
from models.db import today
from models.links import absolute

from views import calendar_items as items
from views.absence_forms import read_date
from views.calendar_feed import feed_content
from views.common import client_ip, refuse, render
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


# Everyone's month, and the personal calendar feed (issue 20) ---------------------------

@bp.route("/month")
@login_required
def month():
    """A month as a list of days that have something: events, meetings, homework and the
    days off of the person's units. Reads well on a phone: no seven-column grid."""
    first = items.parse_month(request.args.get("month"))
    if first is None:
        refuse(_l("Choose a month as YYYY-MM, at most %(num)d months from now.",
                  num=items.MONTHS_AROUND))
    last = items.last_of(first)
    found = agenda.agenda_for(current_user._get_current_object(), first, last,
                              str(get_locale()))
    before, after = items.shift(first, -1), items.shift(first, 1)
    return render("calendar/month.html", "calendar/_month.html", first=first, last=last,
                  days=found.by_day(first, last), agenda=found, today=today(),
                  title=items.month_title(first),
                  previous=before and before.strftime("%Y-%m"),
                  previous_title=before and items.month_title(before),
                  next=after and after.strftime("%Y-%m"),
                  next_title=after and items.month_title(after),
                  link=items.link, time_text=items.time_text, heading=items.day_heading,
                  kind_names=items.KIND_NAMES, may_subscribe=found.anything)


def _subscriber():
    user = current_user._get_current_object()
    if not feed.may_subscribe(user):
        abort(404)
    return user


@bp.route("/subscribe")
@login_required
def subscribe():
    user = _subscriber()
    secret = session.pop(_FRESH, None)
    address = (absolute(url_for("calendar.feed", secret=secret)) if secret else None)
    return render("calendar/subscribe.html", address=address,
                  webcal=address and "webcal://" + address.split("://", 1)[1],
                  subscription=feed.of_user(user))


_FRESH = "calendar_feed_fresh"  # the new address, shown once on the next page


@bp.route("/subscribe/renew", methods=["POST"])
@login_required
def renew():
    user = _subscriber()
    renewed = feed.of_user(user) is not None
    session[_FRESH] = feed.renew(user, ip=client_ip())
    flash(_l("A new address for your calendar. The old one no longer works: change it in "
             "your calendar app.") if renewed else
          _l("Your calendar address is ready. Add it to your calendar app now: it is "
             "shown only this once."), "success")
    return redirect(url_for("calendar.subscribe"), 303)


@bp.route("/subscribe/stop", methods=["POST"])
@login_required
def stop():
    user = _subscriber()
    if feed.stop(user, ip=client_ip()):
        flash(_l("The calendar subscription is stopped: the address no longer works."),
              "success")
    return redirect(url_for("calendar.subscribe"), 303)


@bp.route("/feed/<secret>.ics", endpoint="feed")
def feed_file(secret):
    """The feed itself, without login: the secret in the address is the key. An
    unchanged feed is a 304 after one query."""
    found = feed.look_up(secret)
    if found is None:
        abort(404)
    etag = found.etag
    if request.if_none_match.contains(etag):
        response = current_app.response_class(status=304)
    else:
        body = feed_content(found)
        response = current_app.response_class(body, mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
