"""The attendance register (issue 18): the staff attached to a group and its unit's
leader mark each school day who is present, absent or late, with the guardians' reports
already filled in; and see each child's absence over a term, on screen and as CSV.
Everyone else gets 404 (models/access/attendance.py)."""
from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models.access.attendance import register_group_or_none
from models.attendance import register as register_model
from models.attendance import statistics as stats_model
from models.attendance.register import save as save_marks
from models.attendance.settings import from_row
from models.attendance.tables import ABSENT, STAFF_REASONS, STATUSES
from models.db import today

from views.absence_forms import day_text
from views.attendance_forms import (ANSWER_NAMES, REASON_NAMES, STATUS_NAMES, closed_text,
                                    read_lesson, read_mark, read_marks, read_term)
from views.common import client_ip, date_from, refuse, render
from views.labels import ABSENCE_PARTS, ABSENCE_REASONS, translated
from views.seen import personal_page, saw

bp = Blueprint("attendance", __name__)


def _group(group_id):
    group = register_group_or_none(current_user._get_current_object(), group_id)
    if group is None:
        abort(404)
    return group


def _names():
    return translated(status_names=STATUS_NAMES, reason_names=ABSENCE_REASONS,
                      part_names=ABSENCE_PARTS, staff_reason_names=REASON_NAMES,
                      answer_names=ANSWER_NAMES)


def _settings(group):
    return from_row(getattr(group.unit, "setting", None))


def _row_context(group, day, lesson):
    return {"group": group, "day": day, "lesson": lesson, "statuses": STATUSES,
            "staff_reasons": STAFF_REASONS, "absent": ABSENT, **_names()}


def _page(group, day, lesson, rows=None, errors=None, status=200):
    why, previous, following = register_model.around(group.unit, day)
    if rows is None:
        rows = [] if why else register_model.register(group.id, day, lesson)
    saw([row.child_id for row in rows], unit=group.unit_id)
    return render("attendance/register.html", status=status,
                  day_name=day_text(day), closed=closed_text(why, day) if why else None,
                  rows=rows, errors=errors or {}, lessons=_settings(group).lessons,
                  error_ids={name: f"{name}-present" if name.startswith("status-") else name
                             for name in errors or {}}, previous=previous,
                  following=following, **_row_context(group, day, lesson))


def _open_day(group, day):
    why = register_model.closed(group.unit, day)
    if why:
        refuse(closed_text(why, day))


@bp.route("/groups/<int:group_id>/register")
@login_required
@personal_page("register")
def register(group_id):
    group = _group(group_id)
    return _page(group, date_from(request.args, "day", today()),
                 read_lesson(request.args, _settings(group)))


@bp.route("/groups/<int:group_id>/register", methods=["POST"])
@login_required
def save(group_id):
    """The whole register in one request: one transaction, nothing saved on an error."""
    group = _group(group_id)
    day = date_from(request.args, "day", None) or date_from(request.form, "day", today())
    settings = _settings(group)
    lesson = read_lesson(request.args, settings)
    _open_day(group, day)
    rows = register_model.register(group.id, day, lesson)
    marks, errors = read_marks(request.form, rows)
    if errors:
        return _page(group, day, lesson, rows, errors, status=400)
    save_marks(group, day, marks, current_user._get_current_object(), ip=client_ip(),
               lesson=lesson, settings=settings)
    flash(_l("The register for %(day)s is saved.", day=day_text(day)), "success")
    return redirect(url_for("attendance.register", group_id=group.id, day=day.isoformat(),
                            lesson=lesson or None), 303)


@bp.route("/groups/<int:group_id>/register/<int:child_id>", methods=["POST"])
@login_required
def save_one(group_id, child_id):
    """One tap: one child's mark; htmx gets the child's row back."""
    group = _group(group_id)
    day = date_from(request.args, "day", None) or date_from(request.form, "day", today())
    settings = _settings(group)
    lesson = read_lesson(request.args, settings)
    _open_day(group, day)
    if register_model.row(group.id, day, child_id, lesson) is None:
        abort(404)
    errors = {}
    mark = read_mark(request.form, child_id, errors)
    if errors:
        refuse(next(iter(errors.values())))
    if mark is not None:
        save_marks(group, day, {child_id: mark}, current_user._get_current_object(),
                   ip=client_ip(), lesson=lesson, settings=settings)
    row = register_model.row(group.id, day, child_id, lesson)
    if not request.htmx:
        return redirect(url_for("attendance.register", group_id=group.id,
                                day=day.isoformat(), lesson=lesson or None), 303)
    return render("attendance/_row.html", row=row, errors={},
                  **_row_context(group, day, lesson))


@bp.route("/groups/<int:group_id>/attendance")
@login_required
@personal_page("attendance")
def statistics(group_id):
    group = _group(group_id)
    term = read_term(request.args, stats_model.term_at(today()))
    found = stats_model.statistics(group.unit, group.id, term, _settings(group).lessons)
    saw([line.child_id for line in found.lines], unit=group.unit_id)
    previous, following = term.neighbours()
    return render("attendance/statistics.html", group=group, found=found,
                  previous=previous, following=following,
                  first=day_text(term.bounds[0]), last=day_text(term.bounds[1]))


@bp.route("/groups/<int:group_id>/attendance.csv")
@login_required
@personal_page("attendance")
def statistics_csv(group_id):
    group = _group(group_id)
    term = read_term(request.args, stats_model.term_at(today()))
    found = stats_model.statistics(group.unit, group.id, term, _settings(group).lessons)
    saw([line.child_id for line in found.lines], unit=group.unit_id)
    filename = f"attendance-{group.id}-{term.key}.csv"
    return Response(stats_model.as_csv(found).encode("utf-8"),
                    mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
