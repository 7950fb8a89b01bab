"""Staff's folders for a thread (issue 22; models/messaging/folders.py): marking it done
for everyone of staff who reads it, and one's own flag to follow it up.

Each is a self-swapping toggle: for htmx the same fragment comes back (on the thread's
page and on an inbox line alike); without JavaScript the form posts and the browser is
sent back to the page it came from. The thread is found as every thread route finds it
(404 to a stranger, a fresh strong login for a sensitive one); a guardian who reads it
gets 403 (models/access/folders.py).
"""
from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access
from models.access.folders import may_file
from models.db import today
from models.messaging import folders

from views.common import parse_date, render, wants_fragment
from views.login_common import safe_next
from views.messages import _thread_or_404

bp = Blueprint("message_folders", __name__, url_prefix="/messages")

DUE_ERROR = _l("Choose a day from today and up to a year ahead, or leave the day empty.")


def _thread_to_file(thread_id):
    found = _thread_or_404(thread_id)
    user = current_user._get_current_object()
    if not may_file(user, found):
        abort(403)
    return found, user


def _back(found):
    """Where the form came from (a path on this site), else the thread's page."""
    return (safe_next(request.form.get("next"))
            or url_for("messages.thread", thread_id=found.id))


def _answer(found, user, fragment, errors=None, typed=""):
    """The toggle again for htmx; without it, back to the page the form was on (or, for
    a mistake, a page with the form and what was wrong)."""
    fragment_wanted = wants_fragment()
    if not (fragment_wanted or errors):
        return redirect(_back(found), 303)
    found = access.thread_or_none(user, found.id) or found  # as it is now
    return render(fragment if fragment_wanted else "messages/follow_up.html",
                  status=400 if errors else 200, thread=found,
                  filing=folders.filing(found, user),
                  compact=(fragment_wanted and not errors
                           and request.form.get("compact") == "1"),
                  next_url=_back(found), follow_up_errors=errors or {},
                  follow_up_typed=typed)


@bp.route("/<int:thread_id>/done", methods=["POST"])
@login_required
def done(thread_id):
    """Mark the thread done, or not done (`done=0`), for the staff who read it."""
    found, user = _thread_to_file(thread_id)
    folders.set_done(found, user, request.form.get("done") != "0")
    return _answer(found, user, "messages/_done.html")


@bp.route("/<int:thread_id>/follow-up", methods=["POST"])
@login_required
def follow_up(thread_id):
    """Flag the thread to follow up, by a day (`due`, optional) or not; `follow_up=0`
    takes the flag away. Only the user's own flag."""
    found, user = _thread_to_file(thread_id)
    if request.form.get("follow_up") == "0":
        folders.set_follow_up(found, user, False)
        return _answer(found, user, "messages/_follow_up.html")
    typed = request.form.get("due", "").strip()[:20]
    due = parse_date(typed) if typed else None
    if typed and (due is None or not folders.due_in_range(due, today())):
        return _answer(found, user, "messages/_follow_up.html", errors={"due": DUE_ERROR},
                       typed=typed)
    folders.set_follow_up(found, user, True, due)
    return _answer(found, user, "messages/_follow_up.html")
