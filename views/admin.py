"""The administration entry: what the installation holds, and the audit log.

Counts only: reading a child's or guardian's data is a separate, stated and logged act
(DESIGN.md rule 3), not something this page does.
"""
from flask import Blueprint, abort
from flask_login import current_user, login_required
from models import access
from models.audit import AuditEvent
from models.people import installation_counts

from .common import render
from .labels import EVENT_NAMES

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@login_required
def index():
    if not access.is_administrator(current_user):
        abort(404)
    events = AuditEvent.recent(30)
    # Each kind of event translated once, not once per row.
    names = {action: str(EVENT_NAMES.get(action, action))
             for action in {event.action for event in events}}
    return render("admin/index.html", counts=installation_counts(), events=events,
                  event_names=names)
