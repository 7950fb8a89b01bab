"""Absence reports and leave applications (rule 6): a guardian reports (and changes or
withdraws until the day has passed), a kindergarten child's "not coming today" and
"picked up early" in two taps, staff see the day per group and record what they notice,
leave is applied for and decided. Who sees a child's records is rule 1 and 3's: the
child's guardians and caregivers, and staff who reach the child; everyone else 404."""
import datetime

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access
from models.absence import absence
from models.absence.tables import GUARDIAN_REASONS, LEAVES_EARLY, OTHER, PARTS
from models.access.attendance import register_group_or_none
from models.calendar import days
from models.db import today, utcnow

from views import absence_forms as forms
from views.common import DATE_MAX, DATE_MIN, client_ip, date_from, render
from views.labels import ABSENCE_PARTS, ABSENCE_REASONS, LEAVE_STATUS, translated
from views.seen import personal_page, saw

bp = Blueprint("absence", __name__)
DECIDED_DAYS = 90  # how far back /leave/ shows decided applications


def _names():
    return translated(reason_names=ABSENCE_REASONS, part_names=ABSENCE_PARTS,
                      leave_names=LEAVE_STATUS)


def _policy():
    return current_app.config["MUNICIPALITY"]


def _viewer(child_id):
    """(child, "guardian" | "responsible" | "staff"); 404 for anyone else."""
    child, role = access.absence_viewer(current_user._get_current_object(), child_id)
    if child is None:
        abort(404)
    return child, role


def _page(child, role, form=None, errors=None, warnings=None, leave_form=None,
          leave_errors=None, status=200):
    records = absence.of_child(child.id)
    term = absence.term_of(today())
    leave = absence.leave_of_child(child.id)
    calendar = days.for_child(child.id, min([term[0]] + [a.start_date for a in leave]),
                              max([term[1]] + [a.end_date for a in leave]))
    return render("absence/child.html", status=status, child=child, role=role,
                  records=records, leave=leave,
                  leave_days=absence.leave_days(leave, {child.id: calendar}),
                  totals=absence.totals(records, term, calendar),
                  term=term, changeable=access.changeable_reports(current_user, records),
                  form=form or forms.empty_report(), errors=errors or {},
                  warnings=warnings or [],
                  leave_form=leave_form or {"start": "", "end": "", "reason": ""},
                  leave_errors=leave_errors or {}, reasons=GUARDIAN_REASONS, parts=PARTS,
                  report_ids=forms.REPORT_IDS, leave_ids=forms.LEAVE_IDS,
                  days_back=_policy().absence_days_back, **_names())


@bp.route("/children/<int:child_id>/absence")
@login_required
@personal_page("absence")
def child(child_id):
    return _page(*_viewer(child_id))


@bp.route("/children/<int:child_id>/absence", methods=["POST"])
@login_required
def report(child_id):
    found, role = _viewer(child_id)
    staff = role == "staff"
    form = forms.read_report(staff)
    earliest = today() - datetime.timedelta(days=365 if staff else _policy().absence_days_back)
    errors, warnings, values = forms.check_report(found.id, form, earliest, staff,
                                                  request.form.get("confirm") == "1")
    if staff and not errors and absence.guardian_reports_on(
            found.id, values["part"], values["start_date"], values["end_date"]):
        errors["start"] = _l("The guardians have already reported absence on these days. "
                             "Their report stands; you see it below.")
    if errors or warnings:
        return _page(found, role, form, errors, warnings, status=400 if errors else 200)
    _, status = absence.store_report(
        found.id, current_user._get_current_object(), values["start_date"],
        values["end_date"], values["reason"], part=values["part"], at_time=values["at_time"],
        picked_up_by=values["picked_up_by"], note=values["note"], by_staff=staff,
        ip=client_ip())
    flash(forms.reported_text(status == absence.UPDATED, values["start_date"],
                              values["end_date"], staff), "success")
    return redirect(url_for("absence.child", child_id=found.id), 303)


def _own_report(child, absence_id):
    row = access.own_report_or_none(current_user, child.id, absence_id)
    if row is None:
        abort(404)
    return row


@bp.route("/children/<int:child_id>/absence/<int:absence_id>/edit", methods=["GET", "POST"])
@login_required
def edit(child_id, absence_id):
    found, role = _viewer(child_id)
    if role == "staff":
        abort(404)
    row = _own_report(found, absence_id)
    errors, warnings = {}, []
    if request.method == "POST":
        form = forms.read_report()
        earliest = min(row.start_date, today() - datetime.timedelta(
            days=_policy().absence_days_back))
        errors, warnings, values = forms.check_report(
            found.id, form, earliest, confirmed=request.form.get("confirm") == "1")
        if not errors and not warnings:
            absence.change(row, current_user._get_current_object(), ip=client_ip(), **values)
            flash(_l("The absence is changed."), "success")
            return redirect(url_for("absence.child", child_id=found.id), 303)
    else:
        form = {"start": row.start_date.isoformat(),
                "end": row.end_date.isoformat() if row.end_date != row.start_date else "",
                "part": row.part, "time": row.at_time.strftime("%H:%M") if row.at_time else "",
                "picked_up_by": row.picked_up_by, "reason": row.reason, "note": row.note}
    return render("absence/edit.html", status=400 if errors else 200, child=found, row=row,
                  form=form, errors=errors, warnings=warnings, reasons=GUARDIAN_REASONS,
                  parts=PARTS, report_ids=forms.REPORT_IDS, **_names())


@bp.route("/children/<int:child_id>/absence/<int:absence_id>/withdraw", methods=["POST"])
@login_required
def withdraw(child_id, absence_id):
    found, role = _viewer(child_id)
    if role == "staff":
        abort(404)
    absence.withdraw(_own_report(found, absence_id), current_user._get_current_object(),
                     ip=client_ip())
    flash(_l("The absence report is withdrawn."), "success")
    return redirect(url_for("absence.child", child_id=found.id), 303)


# Kindergarten: two taps -------------------------------------------------------------------

@bp.route("/children/<int:child_id>/absence/today", methods=["GET", "POST"])
@login_required
def not_coming(child_id):
    """"Not coming today": the first tap opens this page, the second picks the reason."""
    found, role = _viewer(child_id)
    if role == "staff":
        abort(404)
    closed = forms.no_school(found.id, today(), today())
    if request.method == "POST":
        reason = request.form.get("reason")
        if reason not in GUARDIAN_REASONS:
            abort(400)
        if closed is None:
            _, status = absence.store_report(found.id, current_user._get_current_object(),
                                             today(), today(), reason, ip=client_ip())
            names = _names()["reason_names"]
            flash(forms.today_text(status == absence.UPDATED, gettext(
                "%(name)s is not coming today (%(reason)s).", name=found.first_name,
                reason=names[reason])), "success")
            return redirect(url_for("home.index"), 303)
    return render("absence/today.html", status=400 if closed and request.method == "POST"
                  else 200, child=found, reasons=GUARDIAN_REASONS, closed=closed, **_names())


@bp.route("/children/<int:child_id>/absence/pickup", methods=["GET", "POST"])
@login_required
def pickup(child_id):
    """"Picked up early by …": the time and who comes, then one tap to send."""
    found, role = _viewer(child_id)
    if role == "staff":
        abort(404)
    form = {"time": request.form.get("time", "").strip(),
            "picked_up_by": request.form.get("picked_up_by", "").strip()}
    errors = {}
    if request.method == "POST":
        errors, at_time = forms.check_pickup(form)
        closed = forms.no_school(found.id, today(), today())
        if closed is not None:
            errors = {"time": closed, **errors}
        if not errors:
            _, status = absence.store_report(
                found.id, current_user._get_current_object(), today(), today(), OTHER,
                part=LEAVES_EARLY, at_time=at_time, picked_up_by=form["picked_up_by"],
                ip=client_ip())
            flash(forms.today_text(status == absence.UPDATED, gettext(
                "%(name)s is picked up at %(time)s by %(by)s.", name=found.first_name,
                time=at_time.strftime("%H:%M"), by=form["picked_up_by"])), "success")
            return redirect(url_for("home.index"), 303)
    return render("absence/pickup.html", status=400 if errors else 200, child=found,
                  form=form, errors=errors)


# Staff: the day per group ---------------------------------------------------------------

@bp.route("/groups/<int:group_id>/absence")
@login_required
@personal_page("group_absence")
def group_day(group_id):
    user = current_user._get_current_object()
    found = access.staff_group_children(user, group_id)
    if found is None:
        abort(404)
    name, _, children = found
    day = date_from(request.args, "day", today())
    lines = absence.on_day_in_group(group_id, day)
    saw([row[0] for row in children] + [line.child_id for line in lines], unit=found[1])
    return render("absence/group.html", group_id=group_id, group_name=name, day=day,
                  lines=lines, children=children,
                  register_link=register_group_or_none(user, group_id) is not None,
                  previous=max(day - datetime.timedelta(days=1), DATE_MIN),
                  following=min(day + datetime.timedelta(days=1), DATE_MAX), **_names())


# Leave ------------------------------------------------------------------------------------

@bp.route("/children/<int:child_id>/leave", methods=["POST"])
@login_required
def apply_leave(child_id):
    found, role = _viewer(child_id)
    if role != "responsible":
        abort(404)  # leave is for guardians with parental responsibility to ask
    form = {name: request.form.get(name, "").strip() for name in ("start", "end", "reason")}
    errors, start, end = forms.check_leave(found.id, form)
    if errors:
        return _page(found, role, leave_form=form, leave_errors=errors, status=400)
    user = current_user._get_current_object()
    # The conversation is written in the municipality's language, and kept as written in
    # it (models/translation/: what a reader of another language may have translated).
    with force_locale(_policy().default_language):
        absence.apply_for_leave(found.id, user, start, end, form["reason"], ip=client_ip(),
                                telling=_leave_texts(found, user, start, end, form["reason"]))
    flash(_l("The application is sent. You see the decision here."), "success")
    return redirect(url_for("absence.child", child_id=found.id), 303)


def _leave_texts(child, applicant, start, end, reason):
    """The subject and first message of the conversation in which every guardian with
    parental responsibility hears of a leave application, in the municipality's
    language."""
    with force_locale(_policy().default_language):
        subject = gettext("Leave application for %(name)s, %(start)s–%(end)s",
                          name=child.first_name, start=start.strftime("%d.%m."),
                          end=end.strftime("%d.%m.%Y"))
        count = days.for_child(child.id, start, end).school_days(start, end)
        body = gettext("%(who)s applies for leave for %(name)s from %(start)s to %(end)s "
                       "(%(days)s). Reason: %(reason)s",
                       who=applicant.name, name=child.name,
                       start=start.strftime("%d.%m.%Y"), end=end.strftime("%d.%m.%Y"),
                       days=ngettext("%(num)d school day", "%(num)d school days", count),
                       reason=reason)
    return subject, body


@bp.route("/children/<int:child_id>/leave/<int:leave_id>/withdraw", methods=["POST"])
@login_required
def withdraw_leave(child_id, leave_id):
    found, role = _viewer(child_id)
    if role != "responsible":
        abort(404)
    application = absence.leave_application_of(found.id, leave_id)
    if application is None or not absence.withdraw_leave(
            application, current_user._get_current_object(), ip=client_ip()):
        abort(404)
    flash(_l("The application is withdrawn."), "success")
    return redirect(url_for("absence.child", child_id=found.id), 303)


def _pending_for(user):
    return access.leave_to_decide_all(user, _policy().teacher_leave_days)


@bp.route("/leave/")
@login_required
@personal_page("leave")
def pending():
    """The applications waiting for the user's decision, and those decided lately in
    their units and groups, with the decision and its reason."""
    applications, may_decide, decided = access.leave_page(
        current_user._get_current_object(), _policy().teacher_leave_days,
        utcnow() - datetime.timedelta(days=DECIDED_DAYS))
    if applications is None:
        abort(404)
    saw([a.child_id for a in list(applications) + list(decided)])
    return render("absence/leave.html", applications=applications, may_decide=may_decide,
                  limit=_policy().teacher_leave_days, errors={}, decided=decided,
                  leave_days=absence.leave_days(list(applications) + list(decided)),
                  decided_days=DECIDED_DAYS, **_names())


@bp.route("/leave/<int:leave_id>", methods=["POST"])
@login_required
def decide(leave_id):
    user = current_user._get_current_object()
    application, may_decide = access.leave_to_decide(user, leave_id,
                                                     _policy().teacher_leave_days)
    if application is None:
        abort(404)
    if not may_decide:
        abort(403)  # longer leave is the unit leader's to decide
    approve = request.form.get("decision") == "approve"
    reason = request.form.get("reason", "").strip()
    if request.form.get("decision") not in ("approve", "decline") or (
            not approve and not reason) or len(reason) > forms.LEAVE_REASON_MAX:
        applications = _pending_for(user)[0] or []
        return render("absence/leave.html", status=400, applications=applications,
                      leave_days=absence.leave_days(applications),
                      may_decide={application.id}, limit=_policy().teacher_leave_days,
                      errors={application.id: _l("Give a reason when you decline.")
                              if request.form.get("decision") == "decline"
                              else _l("Choose approve or decline.")},
                      typed={application.id: reason}, **_names())
    with force_locale(_policy().default_language):  # as the application's conversation
        decided = absence.decide(application, user, approve, reason, ip=client_ip(),
                                 telling=_decision_text(approve, reason))
    if not decided:
        abort(409)
    flash(_l("The decision is sent to the guardians."), "success")
    return redirect(url_for("absence.pending"), 303)


def _decision_text(approve, reason):
    """The decision as it is written into the application's conversation."""
    with force_locale(_policy().default_language):
        body = (gettext("The leave is approved.") if approve
                else gettext("The leave is declined."))
        if reason:
            body += " " + gettext("Reason: %(reason)s", reason=reason)
    return body
