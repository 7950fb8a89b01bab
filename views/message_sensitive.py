"""Marking a conversation sensitive (issue 22; models/messaging/sensitive_threads.py):
a participant, guardian or staff, after the confirmation on the thread's page. Never
undone. The thread is found through the access rule like every thread route (404 to a
stranger); someone who reads it without taking part (a unit leader), or an
announcement, gets 403."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access
from models.messaging import sensitive_threads, thread_page

from views.common import client_ip

bp = Blueprint("message_sensitive", __name__, url_prefix="/messages")


@bp.route("/<int:thread_id>/sensitive", methods=["POST"])
@login_required
def mark(thread_id):
    user = current_user._get_current_object()
    found = access.thread_or_none(user, thread_id)
    if found is None:
        abort(404)
    me = next((p for p in thread_page.participants(found, user.id) if p.user_id == user.id),
              None)
    if found.sensitive:
        return redirect(url_for("messages.thread", thread_id=found.id), 303)
    if not sensitive_threads.may_mark(found, me):
        abort(403)
    sensitive_threads.mark(found, user, client_ip())
    flash(_l("The conversation is now sensitive. Confirm it is you to open it."), "info")
    return redirect(url_for("messages.thread", thread_id=found.id), 303)
