"""Rule 12: "who has seen my child's data".

Staff side: a view that shows a child's personal data is marked `@personal_page(kind)`;
the child in its URL (`child_id`) counts at once, and the view names any other children
it shows with `saw(ids)` (a register: every child on it). After a 200 response the
`after_request` hook hands the ids to models/access_log/record.py, which writes them
once the response has gone: no query the person waits for. `registry(app)` lists the
marked endpoints (tests/test_seen.py checks that each writes its rows, and that every
route about a child, a thread or a group is either marked or said to be not personal).

Family side: `/children/<id>/seen`, for the child's guardians with parental
responsibility: who opened what, when, over the last 12 months.
"""
import datetime
import functools
from dataclasses import dataclass, field
from itertools import groupby

from flask import Blueprint, abort, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access
from models.access_log import history, record
from models.db import today, utcnow

from views.common import ID_MAX, TIME_ZONES, number_from, render
from views.labels import ROLE_NAMES

bp = Blueprint("seen", __name__)

PAGE_NAMES = {
    "absence": _l("Absence and leave"),
    "consents": _l("Consents"),
    "pickup": _l("Pick-up list"),
    "thread": _l("A conversation about the child"),
    "thread_inspection": _l("A conversation, opened by the administrator with a stated "
                            "reason"),
    "register": _l("The group's attendance register"),
    "attendance": _l("The group's absence statistics"),
    "day": _l("The day list (arrival and pick-up)"),
    "group_absence": _l("The group's absence for a day"),
    "group_consents": _l("The group's consent overview"),
    "guardians": _l("Guardians' login with a code"),
    "leave": _l("Leave applications"),
    "headcount": _l("Head count of who is in the building"),
    "rectification": _l("A request for correction about the child"),
    "audit_log": _l("The access log about the child, read by the administrator with a "
                    "stated reason"),
    "event": _l("An event's replies"),
    "meetings": _l("Parent–teacher meeting schedule"),
}


@dataclass
class Pending:
    page: str
    children: list = field(default_factory=list)
    unit: int | None = None


def personal_page(kind, child_arg="child_id"):
    """Mark a view as showing a child's personal data: opening it (a 200 response) by
    staff or an administrator is logged for each child it shows."""
    if kind not in PAGE_NAMES:
        raise ValueError(f"unknown page kind {kind!r}")

    def decorate(view):
        @functools.wraps(view)
        def marked(*args, **kwargs):
            g.seen_pending = Pending(kind, [kwargs[child_arg]] if child_arg in kwargs else [])
            return view(*args, **kwargs)
        marked.personal_page = kind
        return marked
    return decorate


def saw(child_ids, unit=None):
    """The children (ids) the page shows besides the one in its URL; `unit` when the page
    belongs to one (a thread, a group's register). Nothing in a view that is not marked
    (a helper shared with a form's POST may call it)."""
    pending = g.get("seen_pending")
    if pending is None:
        return
    pending.children.extend(child_ids)
    if unit is not None:
        pending.unit = unit


def registry(app):
    """{endpoint: page kind} of every marked view."""
    return {endpoint: view.personal_page for endpoint, view in app.view_functions.items()
            if getattr(view, "personal_page", None)}


def after_request(response):
    pending = g.pop("seen_pending", None)
    if pending is None or response.status_code != 200 or not pending.children:
        return response
    user = current_user._get_current_object()
    if not user.is_authenticated or not user.holds_role:
        return response  # nobody, or a guardian, a caregiver, a pupil: nothing to log
    # Read now (the request's data); written when the response has been sent.
    response.call_on_close(functools.partial(
        record.later, current_app.config.get("ACCESS_LOG_FLUSH_SECONDS", 0),
        (user.id, user.name, pending.page, list(pending.children), pending.unit, utcnow(),
         today())))
    return response


# The family's page ------------------------------------------------------------------------

@dataclass(frozen=True)
class Day:
    day: datetime.date
    lines: list


def _by_day(lines):
    zone = TIME_ZONES[current_app.config["MUNICIPALITY"].country]

    def local(line):
        return line.at.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
    def roles(line):
        return ", ".join(str(ROLE_NAMES.get(role, role)) for role in line.roles)
    return [Day(day, [(local(line), line, roles(line)) for line in group])
            for day, group in groupby(lines, key=lambda line: local(line).date())]


def _shows_names(child):
    return (not child.is_protected
            or not current_app.config["MUNICIPALITY"].staff_by_role_for_protected)


@bp.route("/children/<int:child_id>/seen")
@login_required
def child(child_id):
    """The child's access rows of the last 12 months, grouped by day, newest first. Only
    the guardians with parental responsibility: everyone else 404 (staff included: the
    data-protection officer and the administrator have their own views)."""
    found, role = access.absence_viewer(current_user._get_current_object(), child_id)
    if found is None or role != "responsible":
        abort(404)
    page = number_from(request.args, "page", 0, high=ID_MAX // history.PER_PAGE)
    names = _shows_names(found)
    lines, total = history.for_child(found.id, page, names=names)
    if page and not lines:
        abort(404)
    return render("seen/child.html", child=found, days=_by_day(lines), total=total,
                  page=page, more=(page + 1) * history.PER_PAGE < total, names=names,
                  page_names=PAGE_NAMES)
