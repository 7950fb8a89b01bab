"""A unit's attendance settings (issue 18): one register a day or one per lesson, when
the notice of an unexplained absence goes, and which reasons staff give need no notice.
The unit's leaders and the administrator keep them; everyone else gets 404."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models.access.attendance import settings_unit_or_none
from models.attendance import settings as settings_model
from models.attendance.tables import MAX_LESSONS, STAFF_REASONS, UNKNOWN

from views.attendance_forms import REASON_NAMES, read_settings
from views.common import client_ip, render
from views.labels import translated

bp = Blueprint("attendance_settings", __name__)


def _unit(unit_id):
    unit = settings_unit_or_none(current_user._get_current_object(), unit_id)
    if unit is None:
        abort(404)
    return unit


def _typed(settings):
    return {"mode": "lesson" if settings.per_lesson else "day",
            "lessons": str(settings.lessons) if settings.lessons else "",
            "notice_after": (settings.notice_after.strftime("%H:%M")
                             if settings.notice_after else ""),
            "exempt": list(settings.exempt)}


def _page(unit, typed, errors=None, status=200):
    return render("attendance/settings.html", status=status, unit=unit, typed=typed,
                  errors=errors or {}, max_lessons=MAX_LESSONS,
                  reasons=[r for r in STAFF_REASONS if r != UNKNOWN],
                  **translated(staff_reason_names=REASON_NAMES))


@bp.route("/units/<int:unit_id>/attendance-settings")
@login_required
def edit(unit_id):
    unit = _unit(unit_id)
    return _page(unit, _typed(settings_model.of_unit(unit.id)))


@bp.route("/units/<int:unit_id>/attendance-settings", methods=["POST"])
@login_required
def save(unit_id):
    unit = _unit(unit_id)
    settings, typed, errors = read_settings(request.form)
    if errors:
        return _page(unit, typed, errors, status=400)
    settings_model.store(unit, settings, current_user._get_current_object(), ip=client_ip())
    flash(_l("The attendance settings of %(unit)s are saved.", unit=unit.name), "success")
    return redirect(url_for("attendance_settings.edit", unit_id=unit.id), 303)
