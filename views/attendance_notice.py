"""The guardians' side of a notice of unexplained absence (issue 18): the page the
notification links to, with three one-tap answers. Only the child's guardians with
parental responsibility who see the child (rule 1) find it; everyone else gets 404."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models.access.attendance import notice_or_none
from models.attendance import notice as notice_model
from models.attendance.tables import ANSWERS, CALL_ME
from models.db import today

from views.absence_forms import day_text
from views.attendance_forms import ANSWER_NAMES
from views.common import client_ip, date_from, refuse, render
from views.labels import translated

bp = Blueprint("attendance_notice", __name__)

DONE = {
    "ill": _l("Thank you. The school now has your report that your child is ill today."),
    "on_the_way": _l("Thank you. The school knows your child is on the way."),
    CALL_ME: _l("The school has been told to call you at once."),
}


def _notice(child_id, day):
    notice = notice_or_none(current_user._get_current_object(), child_id, day)
    if notice is None:
        abort(404)
    return notice


def _page(notice, status=200, refused=False):
    return render("attendance/notice.html", status=status, notice=notice,
                  day_name=day_text(notice.day), answers=ANSWERS, call_me=CALL_ME,
                  refused=refused, **translated(answer_names=ANSWER_NAMES))


@bp.route("/children/<int:child_id>/notice")
@login_required
def show(child_id):
    return _page(_notice(child_id, date_from(request.args, "day", today())))


@bp.route("/children/<int:child_id>/notice", methods=["POST"])
@login_required
def answer(child_id):
    day = date_from(request.args, "day", None) or date_from(request.form, "day", today())
    notice = _notice(child_id, day)
    value = request.form.get("answer", "").strip()
    if value not in ANSWERS:
        refuse(_l("Choose one of the answers."))
    try:
        notice_model.answer(notice, value, current_user._get_current_object(),
                            ip=client_ip())
    except notice_model.AlreadyAnswered:
        # The first answer counts; this one is shown the page as it is now.
        return _page(_notice(child_id, day), status=409, refused=True)
    flash(DONE[value], "success")
    return redirect(url_for("attendance_notice.show", child_id=child_id,
                            day=day.isoformat()), 303)
