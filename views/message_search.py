"""Message search (issue 22): a GET form over everything the user may read in messages
(models/messaging/search.py), working without JavaScript; with htmx the results are
swapped in as one types and the address follows.

Like the inbox it lists the user's own threads and is not logged as a personal page
(views/seen.py): opening a thread from it is.
"""
import datetime

from flask import Blueprint, abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access
from models.messaging import search
from models.messaging.tables import GUARDIAN, STAFF

from views.common import (ID_MAX, NOT_A_DATE, TIME_ZONES, number_from, parse_date,
                          render)

bp = Blueprint("message_search", __name__, url_prefix="/messages")

MAX_QUERY = 200
DATES_REVERSED = _l("The first day must be on or before the last day.")


def _utc(day, zone):
    """The start of a local day, as the naive UTC the tables store."""
    start = datetime.datetime.combine(day, datetime.time.min, zone)
    return start.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _dates(form, errors):
    """The days from the form, checked: (first day, last day), None where empty."""
    days = {}
    for name in ("from", "to"):
        text = form[name]
        days[name] = parse_date(text) if text else None
        if text and days[name] is None:
            errors[name] = NOT_A_DATE
    if days["from"] and days["to"] and days["from"] > days["to"]:
        errors["to"] = DATES_REVERSED
    return days["from"], days["to"]


@bp.route("/search")
@login_required
def index():
    args = request.args
    form = {"q": args.get("q", "")[:MAX_QUERY], "from": args.get("from", "").strip()[:20],
            "to": args.get("to", "").strip()[:20],
            "sender": args.get("sender") if args.get("sender") in (GUARDIAN, STAFF) else "",
            "unread": args.get("unread") == "1", "files": args.get("files") == "1"}
    page = number_from(args, "page", 0, high=ID_MAX // search.PAGE_SIZE)
    child = number_from(args, "child")
    group = number_from(args, "group")
    user = current_user._get_current_object()
    staff = access.is_staff(user)
    children = search.children(user, staff)
    staff_groups = access.staff_groups(user) if staff else []
    if child is not None and child not in {c.id for c in children}:
        abort(404)  # only a child the user may see
    if group is not None and group not in {gid for gid, _ in staff_groups}:
        abort(404)  # only a group the user works with
    errors = {}
    first, last = _dates(form, errors)
    results = search.Results([], 0, False)
    if not errors and form["q"].strip():
        zone = TIME_ZONES[current_app.config["MUNICIPALITY"].country]
        filters = search.Filters(
            child=child, group=group, sender=form["sender"] or None,
            unread=form["unread"], files=form["files"],
            after=_utc(first, zone) if first else None,
            before=_utc(last + datetime.timedelta(days=1), zone) if last else None)
        results = search.search(user, form["q"], filters, page=page, staff=staff)
    return render("messages/search.html", "messages/_search_results.html",
                  status=400 if errors else 200, form=form, errors=errors, page=page,
                  child=child, group=group, children=children, staff=staff,
                  staff_groups=staff_groups, results=results,
                  searched=bool(form["q"].strip()) and not errors,
                  args={k: v for k, v in args.items() if k != "page"})
