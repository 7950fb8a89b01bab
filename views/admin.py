"""The administration entry: what the installation holds, and the access log.

The entry page shows numbers only. The access log names people and their addresses, so
reading it is a stated and logged act (DESIGN.md rule 3): the administrator gives a
reason, and the read itself goes into the log.
"""
import datetime

from flask import Blueprint, abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access, audit
from models.audit import AuditEvent
from models.db import today
from models.people import installation_counts

from .common import client_ip, render
from .labels import EVENT_NAMES

bp = Blueprint("admin", __name__, url_prefix="/admin")

SUMMARY_DAYS = 7
REASON_MIN, REASON_MAX = 10, 500


def _administrator_only():
    if not access.is_administrator(current_user):
        abort(404)


def _names(actions):
    # Each kind of event translated once, not once per row.
    return {action: str(EVENT_NAMES.get(action, action)) for action in actions}


def _entry_page(reason="", error=None, status=200):
    since = today() - datetime.timedelta(days=SUMMARY_DAYS)
    summary = AuditEvent.summary(since)
    return render("admin/index.html", status=status, counts=installation_counts(),
                  summary=summary, event_names=_names(action for action, _ in summary),
                  days=SUMMARY_DAYS, reason=reason, error=error)


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
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        return _entry_page(reason, _l("Write why you need to read the access log "
                                      "(%(low)d to %(high)d characters).",
                                      low=REASON_MIN, high=REASON_MAX), status=400)
    audit.record("audit_log.read", actor=current_user, ip=client_ip(), reason=reason)
    events = AuditEvent.recent(100)
    return render("admin/log.html", events=events, reason=reason,
                  event_names=_names({event.action for event in events}))
