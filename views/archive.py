"""The administrator's archive page: what is due for the municipality's archive before
the purge, making a package per unit and period, downloading it, and confirming that the
archive took it (DESIGN.md rule 9)."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models.archive import overview, package
from models.archive.records import KINDS
from models.db import today
from models.retention import jobs

from views.common import administrators_only, client_ip, parse_date, parse_number, render
from views.stored import send_stored

bp = Blueprint("archive", __name__, url_prefix="/admin/archive")
administrators_only(bp)

PERIOD_ERRORS = {
    "too_early": _l("The period cannot start before 1 January 2000."),
    "order": _l("The last day must not be before the first day."),
    "not_ended": _l("The period must have ended: choose a last day before today."),
    "too_long": _l("A package covers at most ten years."),
}


def _page(status=200, form=None):
    units = overview.units_named()
    return render("archive/index.html", status=status,
                  due=overview.due(unit_names=dict(units)),
                  exports=overview.exports(), units=units, kinds=KINDS,
                  form=form or {"unit": "", "start": "", "end": "", "errors": {}})


@bp.route("/")
def index():
    return _page()


@bp.route("/build", methods=["POST"])
def build():
    """Make a package now (a unit's period takes seconds to a few minutes)."""
    form = {key: request.form.get(key, "").strip() for key in ("unit", "start", "end")}
    form["errors"] = errors = {}
    unit_id = parse_number(form["unit"], low=1)
    unit = overview.unit_or_none(unit_id) if unit_id is not None else None
    if unit is None:
        errors["unit"] = _l("Choose a unit.")
    start, end = parse_date(form["start"]), parse_date(form["end"])
    if start is None:
        errors["start"] = _l("Write the first day as YYYY-MM-DD.")
    if end is None:
        errors["end"] = _l("Write the last day as YYYY-MM-DD.")
    if start is not None and end is not None:
        problem = package.period_problem(start, end, today())
        if problem:
            errors["end"] = PERIOD_ERRORS[problem]
    if errors:
        return _page(400, form)
    try:
        export = package.build(unit, start, end, by=current_user._get_current_object(),
                               ip=client_ip())
    except jobs.Busy:
        errors["unit"] = _l("The purge is running just now. Try again in a while.")
        return _page(409, form)
    flash(_l("The package is made. Download it, hand it to the archive, and confirm when "
             "the archive has taken it."), "success")
    return redirect(url_for("archive.index", _anchor=f"package-{export.id}"), 303)


@bp.route("/<int:export_id>/download")
def download(export_id):
    export = overview.get(export_id)
    if export is None or not export.stored_name:
        abort(404)
    response = send_stored(package.name_of(export.stored_name), "application/zip",
                           export.stored_name, as_attachment=True, ranges=True)
    overview.downloaded(export, current_user._get_current_object(), ip=client_ip())
    return response


@bp.route("/<int:export_id>/confirm", methods=["POST"])
def confirm(export_id):
    export = overview.confirm(export_id, current_user._get_current_object(), ip=client_ip())
    if export is None:
        abort(404)
    flash(_l("The package is confirmed as taken by the archive. The purge may now delete "
             "what it covers."), "success")
    return redirect(url_for("archive.index", _anchor=f"package-{export.id}"), 303)
