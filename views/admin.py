"""The administration entry: what the installation holds, and the access log.

The entry page shows numbers only. The access log names people and their addresses, so
reading it is a stated and logged act (DESIGN.md rule 3): the administrator gives a
reason, and the read itself goes into the log.
"""
import datetime

from flask import Blueprint, abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access, audit, inbox
from models.audit import AuditEvent
from models.db import today
from models.people import installation_counts

from .common import client_ip, render
from .labels import EVENT_NAMES, OBJECT_NAMES

bp = Blueprint("admin", __name__, url_prefix="/admin")

SUMMARY_DAYS = 7
REASON_MIN, REASON_MAX = 10, 500


def _administrator_only():
    if not access.is_administrator(current_user):
        abort(404)


def _names(actions):
    # Each kind of event translated once, not once per row.
    return {action: str(EVENT_NAMES.get(action, action)) for action in actions}


def _entry_page(reason="", error=None, status=200, inspect=None):
    since = today() - datetime.timedelta(days=SUMMARY_DAYS)
    summary = AuditEvent.summary(since)
    return render("admin/index.html", status=status, counts=installation_counts(),
                  summary=summary, event_names=_names(action for action, _ in summary),
                  days=SUMMARY_DAYS, reason=reason, error=error,
                  inspect=inspect or {"thread": "", "reason": "", "errors": {}})


def _reason_ok(reason):
    return REASON_MIN <= len(reason) <= REASON_MAX


@bp.route("/")
@login_required
def index():
    _administrator_only()
    return _entry_page()


@bp.route("/log", methods=["POST"])
@login_required
def log():
    _administrator_only()
    reason = request.form.get("reason", "").strip()
    if not _reason_ok(reason):
        return _entry_page(reason, _l("Write why you need to read the access log "
                                      "(%(low)d to %(high)d characters).",
                                      low=REASON_MIN, high=REASON_MAX), status=400)
    audit.record("audit_log.read", actor=current_user, ip=client_ip(), reason=reason)
    events = AuditEvent.recent(100)
    return render("admin/log.html", events=events, reason=reason,
                  event_names=_names({event.action for event in events}),
                  object_names=OBJECT_NAMES)


@bp.route("/thread", methods=["POST"])
@login_required
def thread():
    """Open one conversation, read-only: only with a stated reason, which goes to the
    audit log before anything is shown (rule 3). Nothing is marked as read, and files
    are named but not opened."""
    _administrator_only()
    form = {"thread": request.form.get("thread", "").strip().lstrip("#"),
            "reason": request.form.get("reason", "").strip(), "errors": {}}
    found = (access.thread_for_inspection(form["thread"])
             if form["thread"].isdigit() else None)
    if found is None:
        form["errors"]["thread"] = _l("No conversation has that number. The number is "
                                      "shown at the bottom of the conversation.")
    if not _reason_ok(form["reason"]):
        form["errors"]["reason"] = _l("Write why you need to open the conversation "
                                      "(%(low)d to %(high)d characters).",
                                      low=REASON_MIN, high=REASON_MAX)
    if form["errors"]:
        return _entry_page(status=400, inspect=form)
    audit.record("thread.inspected", actor=current_user, obj=found, ip=client_ip(),
                 reason=form["reason"])
    return render("admin/thread.html", thread=found, reason=form["reason"],
                  people=inbox.participants(found), lines=inbox.messages(found),
                  files=inbox.attachments_by_message(found))
