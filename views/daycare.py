"""The kindergarten and after-school day (issue 18): a department's day list with one
tap to check a child in and one tap (and who picked up) to check out, a mistake put
right within the day, and the head count of the children in the building now, per
department and for the unit. Staff attached to the department, staff working across the
unit and its leader only; everyone else gets 404 (models/access/daycare.py)."""
import datetime

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user, login_required

from models.access.daycare import day_group_or_none, headcount_unit_or_none
from models.daycare import day as day_model
from models.daycare import headcount as headcount_model
from models.daycare import presence
from models.db import today, utcnow
from models.pickup.names import RELATION_NAMES

from views.absence_forms import day_text
from views.common import client_ip, render
from views.daycare_forms import BAD_TIME, STATUS_NAMES, read_pickup, read_time, refusal
from views.labels import ABSENCE_PARTS, ABSENCE_REASONS, translated
from views.seen import personal_page, saw

bp = Blueprint("daycare", __name__)
NEAR_CLOSING = datetime.timedelta(hours=1)


def _group(group_id):
    group = day_group_or_none(current_user._get_current_object(), group_id)
    if group is None:
        abort(404)
    return group


def _now():
    return presence.local(utcnow())


def near_closing(now=None):
    """From an hour before the municipality's closing time ([daycare] closes)."""
    now = now or _now()
    closes = datetime.datetime.combine(now.date(), current_app.config["MUNICIPALITY"]
                                       .daycare_closes)
    return now.replace(tzinfo=None) >= closes - NEAR_CLOSING


def _names():
    return translated(status_names=STATUS_NAMES, relation_names=RELATION_NAMES,
                      reason_names=ABSENCE_REASONS, part_names=ABSENCE_PARTS)


def _hhmm(moment):
    return presence.local(moment).strftime("%H:%M") if moment else ""


def _page(group, errors=None, status=200, chosen=None):
    day = today()
    near = near_closing()
    rows = day_model.day_list(group, day, near_closing=near,
                              protected_lists=group.attached)
    saw([row.child_id for row in rows], unit=group.unit_id)
    return render("daycare/day.html", status=status, group=group, day=day, rows=rows,
                  day_name=day_text(day), counts=day_model.counts(rows), near=near,
                  errors=errors or {}, chosen=chosen or {}, hhmm=_hhmm, **_names())


def _row_response(group, child_id, errors=None):
    """The child's row for htmx (errors shown in it); the day list otherwise (303, or
    400 with the errors)."""
    if request.htmx:
        rows = day_model.day_list(group, today(), near_closing=near_closing(),
                                  protected_lists=group.attached)
        found = next(r for r in rows if r.child_id == child_id)
        return render("daycare/_tap.html", group=group, row=found, errors=errors or {},
                      counts=day_model.counts(rows), own_summary=True, hhmm=_hhmm,
                      chosen=request.form if errors else {}, **_names())
    if errors:
        return _page(group, errors=errors, status=400, chosen=request.form)
    return redirect(url_for("daycare.day", group_id=group.id) + f"#child-{child_id}", 303)


def _listed_row(group, child_id):
    found = day_model.row(group, today(), child_id, protected_lists=group.attached)
    if found is None:
        abort(404)
    return found


def _act(group, child_id, action):
    try:
        action()
    except presence.Refused as error:
        return _row_response(group, child_id, {f"child-{child_id}": refusal(error)})
    return _row_response(group, child_id)


@bp.route("/groups/<int:group_id>/day")
@login_required
@personal_page("day")
def day(group_id):
    return _page(_group(group_id))


@bp.route("/groups/<int:group_id>/day/<int:child_id>/in", methods=["POST"])
@login_required
def check_in(group_id, child_id):
    group = _group(group_id)
    _listed_row(group, child_id)
    return _act(group, child_id, lambda: presence.check_in(
        child_id, group.id, current_user._get_current_object(), ip=client_ip()))


@bp.route("/groups/<int:group_id>/day/<int:child_id>/out", methods=["POST"])
@login_required
def check_out(group_id, child_id):
    group = _group(group_id)
    row = _listed_row(group, child_id)
    errors = {}
    person_id, name = read_pickup(request.form, row, errors)
    if errors:
        return _row_response(group, child_id, errors)
    return _act(group, child_id, lambda: presence.check_out(
        child_id, group.id, current_user._get_current_object(),
        picked_up_by_person_id=person_id, picked_up_by_name=name, ip=client_ip()))


@bp.route("/groups/<int:group_id>/day/<int:child_id>/undo", methods=["POST"])
@login_required
def undo(group_id, child_id):
    group = _group(group_id)
    _listed_row(group, child_id)
    return _act(group, child_id, lambda: presence.undo(
        child_id, group.id, current_user._get_current_object(), ip=client_ip()))


def _correct_page(group, row, values, errors=None, status=200):
    return render("daycare/correct.html", status=status, group=group, row=row,
                  values=values, errors=errors or {}, day_name=day_text(today()))


@bp.route("/groups/<int:group_id>/day/<int:child_id>/correct")
@login_required
@personal_page("day")
def correct(group_id, child_id):
    group = _group(group_id)
    row = _listed_row(group, child_id)
    if row.checked_in_at is None:
        abort(404)
    return _correct_page(group, row, {"in": _hhmm(row.checked_in_at),
                                      "out": _hhmm(row.checked_out_at)})


@bp.route("/groups/<int:group_id>/day/<int:child_id>/correct", methods=["POST"])
@login_required
def save_correction(group_id, child_id):
    group = _group(group_id)
    row = _listed_row(group, child_id)
    if row.checked_in_at is None:
        abort(404)
    values = {key: request.form.get(key, "").strip()[:20] for key in ("in", "out")}
    errors, times = {}, {}
    for key in ("in", "out"):
        read = read_time(values[key])
        if read is None and (values[key] or key == "in"):
            errors[key] = BAD_TIME
        times[key] = presence.moment(today(), read) if read else None
    if not errors:
        try:
            presence.correct(child_id, group.id, current_user._get_current_object(),
                             checked_in_at=times["in"], checked_out_at=times["out"],
                             ip=client_ip())
        except presence.Refused as error:
            errors["out" if times["out"] and error.code == presence.ORDER else "in"] = (
                refusal(error))
    if errors:
        return _correct_page(group, row, values, errors, status=400)
    return redirect(url_for("daycare.day", group_id=group.id) + f"#child-{child_id}", 303)


def _headcount(title, unit, found, back):
    at = _now()
    saw([here.child_id for here in found])
    return render("daycare/headcount.html", title=title, unit=unit,
                  groups=headcount_model.by_group(found), total=len(found), at=at,
                  day_text=day_text(at.date()), back=back, here=request.path)


@bp.route("/groups/<int:group_id>/headcount")
@login_required
@personal_page("headcount")
def group_headcount(group_id):
    group = _group(group_id)
    return _headcount(group.name, group.unit.name,
                      headcount_model.in_building(group_ids=[group.id]),
                      url_for("daycare.day", group_id=group.id))


@bp.route("/units/<int:unit_id>/headcount")
@login_required
@personal_page("headcount")
def unit_headcount(unit_id):
    unit = headcount_unit_or_none(current_user._get_current_object(), unit_id)
    if unit is None:
        abort(404)
    return _headcount(unit.name, None, headcount_model.in_building(unit_id=unit.id), None)
