"""The weekly plan (ukeplan / veckobrev, issue 20): the group's writers keep a plan per
ISO week (/week-plans/<group>/2026-W50), families read the published ones, and anyone
who reads a week can print it on one A4 page. Who may do what is
models/access/weekplan.py: strangers get 404, a reader or a subject teacher trying to
change what is not theirs 403."""
import datetime

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_babel import format_date, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models.access import weekplan as access
from models.db import today, utcnow
from models.weekplan import plans, read
from models.weekplan.weeks import (default_publication, in_range, parse_week, this_monday,
                                   to_utc, week_name, week_number)

from views import weekplan_forms as forms
from views.absence_forms import day_text
from views.common import TIME_ZONES, client_ip, local_time, refuse, render

bp = Blueprint("weekplan", __name__)

REFUSALS = {
    "seen": _l("Families may already have read this plan, so it stays published. Change "
               "what is wrong: families see that it was changed after publication."),
    "not_empty": _l("This week already has entries: copying last week would mix the "
                    "two. Delete them first, or write this week by hand."),
    "nothing": _l("Last week has no plan to copy."),
    "full": _l("This plan has as many entries as it can hold."),
}
ONLY_EDITORS = _l("The contact teacher and the unit leader change the whole plan, its "
                  "message and when it is published. Subject teachers add and change "
                  "their own entries.")
NOT_YOURS = _l("Another teacher wrote this entry. Ask them or the contact teacher to "
               "change it.")
READ_ONLY = _l("Families read the weekly plan; the school writes it.")


def _zone():
    return TIME_ZONES[current_app.config["MUNICIPALITY"].country]


def _user():
    return current_user._get_current_object()


def _viewer(group_id, week):
    """(group, role, Monday) of a week whose plan the user may read; 404 for a stranger
    and for a week that does not exist (week 53 of a 52-week year, years far out)."""
    monday = parse_week(week)
    if monday is None:
        abort(404)
    group, role = access.plan_viewer(_user(), group_id)
    if group is None:
        abort(404)
    return group, role, monday


def _forbidden(text):
    abort(render("errors/error.html", "errors/_error.html", status=403,
                 title=_l("You cannot change this"), text=text))


def _writer(group_id, week, editor=False):
    group, role, monday = _viewer(group_id, week)
    if role not in access.WRITERS:
        _forbidden(READ_ONLY)
    if editor and role != access.EDITOR:
        _forbidden(ONLY_EDITORS)
    return group, role, monday


def _neighbours(monday):
    weeks = {}
    for name, delta in (("previous", -7), ("next", 7)):
        other = monday + datetime.timedelta(days=delta)
        weeks[name] = week_name(other) if in_range(other) else None
    return weeks


def week_title(monday):
    sunday = monday + datetime.timedelta(days=6)
    return _l("Week %(number)d (%(first)s–%(last)s)", number=week_number(monday),
              first=format_date(monday, "d.M."), last=format_date(sunday, "d.M.yyyy"))


def _publication_defaults(monday):
    day, at = default_publication(monday)
    if to_utc(day, at, _zone()) <= utcnow():
        return {"when": "now", "date": today().isoformat(), "time": at.strftime("%H:%M")}
    return {"when": "at", "date": day.isoformat(), "time": at.strftime("%H:%M")}


def _edit_page(group, role, monday, failed=None, status=200):
    plan = read.staff_week(group.id, monday)
    user = _user()
    return render("weekplan/week.html", "weekplan/_week.html", status=status,
                  group=group, role=role, monday=monday, plan=plan, week=week_name(monday),
                  title=week_title(monday), weeks=_neighbours(monday),
                  is_editor=role == access.EDITOR, printable=True,
                  may_edit=lambda entry: access.may_edit_entry(role, user, entry),
                  failed=failed or {}, day_key=forms.day_key, day_text=day_text,
                  day_choices=[(None, _l("Whole week"))] + [
                      (day, day_text(day)) for day, _ in plan.days(always=7)],
                  publication=(failed or {}).get("publish") or _publication_defaults(monday),
                  when=lambda moment: local_time(moment))


def _family_page(group, monday):
    plan = read.published_week(group.id, monday)
    return render("weekplan/family_week.html", "weekplan/_family_week.html", group=group,
                  monday=monday, plan=plan, week=week_name(monday), title=week_title(monday),
                  weeks=_neighbours(monday), day_text=day_text, printable=plan is not None)


def _back(group, monday, anchor=""):
    return redirect(url_for("weekplan.week", group_id=group.id, week=week_name(monday))
                    + anchor, 303)


@bp.route("/week-plans")
@login_required
def index():
    """This week's and next week's published plan of each of the user's children's
    groups, and, for staff, the groups whose plans they write."""
    user = _user()
    families = access.family_groups(user)
    writable = access.writable_groups(user)
    if not families and not writable:
        abort(404)
    monday = this_monday()
    mondays = [monday, monday + datetime.timedelta(days=7)]
    published = read.published_weeks({row[0] for row in families}, mondays)
    children = {}
    for group_id, group_name, _, child_name in families:
        names = children.setdefault((group_id, group_name), [])
        names.append(child_name)
    return render("weekplan/index.html", "weekplan/_index.html", children=children,
                  writable=writable, mondays=mondays, published=published,
                  week_name=week_name, week_title=week_title, day_text=day_text)


@bp.route("/week-plans/<int:group_id>/<week>")
@login_required
def week(group_id, week):
    group, role, monday = _viewer(group_id, week)
    if role in access.WRITERS:
        return _edit_page(group, role, monday)
    return _family_page(group, monday)


@bp.route("/week-plans/<int:group_id>/<week>/print")
@login_required
def printable(group_id, week):
    group, role, monday = _viewer(group_id, week)
    if role in access.WRITERS:
        plan = read.staff_week(group.id, monday)
    else:
        plan = read.published_week(group.id, monday)
        if plan is None:
            abort(404)
    return render("weekplan/print.html", group=group, plan=plan, monday=monday,
                  week=week_name(monday), title=week_title(monday), day_text=day_text,
                  staff=role in access.WRITERS)


@bp.route("/week-plans/<int:group_id>/<week>/entries", methods=["POST"])
@login_required
def add(group_id, week):
    group, role, monday = _writer(group_id, week)
    values, text, day, errors = forms.read_entry(monday)
    if "day" in errors:  # the add form's day is fixed: only a doctored form gets here
        refuse(errors["day"])
    key = "new-" + forms.day_key(day)
    if not errors:
        try:
            plans.add_entry(group, monday, _user(), day, text, ip=client_ip())
        except plans.Refused as refused:
            errors["subject"] = REFUSALS[refused.reason]
    if errors:
        return _edit_page(group, role, monday, {"form": key, "values": values,
                                                "errors": errors}, status=400)
    flash(_l("Saved."), "success")
    return _back(group, monday, "#day-" + forms.day_key(day))


def _entry(group, role, monday, entry_id):
    plan = access.plan_of(group.id, monday)
    entry = access.entry_or_none(plan.id, entry_id) if plan is not None else None
    if entry is None:
        abort(404)
    if not access.may_edit_entry(role, _user(), entry):
        _forbidden(NOT_YOURS)
    return plan, entry


@bp.route("/week-plans/<int:group_id>/<week>/entries/<int:entry_id>", methods=["POST"])
@login_required
def update(group_id, week, entry_id):
    group, role, monday = _writer(group_id, week)
    plan, entry = _entry(group, role, monday, entry_id)
    values, text, day, errors = forms.read_entry(monday)
    if errors:
        return _edit_page(group, role, monday, {"form": f"e{entry.id}", "values": values,
                                                "errors": errors}, status=400)
    plans.update_entry(group, plan, entry, _user(), day, text, ip=client_ip())
    flash(_l("Saved."), "success")
    return _back(group, monday, "#day-" + forms.day_key(day))


@bp.route("/week-plans/<int:group_id>/<week>/entries/<int:entry_id>/delete",
          methods=["POST"])
@login_required
def delete(group_id, week, entry_id):
    group, role, monday = _writer(group_id, week)
    plan, entry = _entry(group, role, monday, entry_id)
    plans.delete_entry(group, plan, entry, _user(), ip=client_ip())
    flash(_l("Deleted."), "success")
    return _back(group, monday, "#day-" + forms.day_key(entry.day))


@bp.route("/week-plans/<int:group_id>/<week>/note", methods=["POST"])
@login_required
def note(group_id, week):
    group, role, monday = _writer(group_id, week, editor=True)
    text, errors = forms.read_note()
    if errors:
        return _edit_page(group, role, monday, {"form": "note", "values": {"note": text},
                                                "errors": errors}, status=400)
    plans.set_note(group, monday, _user(), text, ip=client_ip())
    flash(_l("Saved."), "success")
    return _back(group, monday)


@bp.route("/week-plans/<int:group_id>/<week>/copy", methods=["POST"])
@login_required
def copy(group_id, week):
    group, role, monday = _writer(group_id, week, editor=True)
    try:
        count = plans.copy_last_week(group, monday, _user(), ip=client_ip())
    except plans.Refused as refused:
        return _edit_page(group, role, monday, {"form": "copy", "values": {},
                                                "errors": {"source": REFUSALS[refused.reason]}},
                          status=400)
    flash(ngettext("%(num)d entry is copied from last week. Check the homework and the "
                   "days before you publish.",
                   "%(num)d entries are copied from last week. Check the homework and the "
                   "days before you publish.", count), "success")
    return _back(group, monday)


@bp.route("/week-plans/<int:group_id>/<week>/publish", methods=["POST"])
@login_required
def publish(group_id, week):
    group, role, monday = _writer(group_id, week, editor=True)
    now = utcnow()
    values, at, errors = forms.read_publication(monday, _zone(), now, to_utc)
    if not errors:
        try:
            at = plans.publish(group, monday, _user(), at, ip=client_ip())
        except plans.Refused as refused:  # already out: the form is not on the page
            _forbidden(REFUSALS[refused.reason])
    if errors:
        return _edit_page(group, role, monday, {"form": "publish", "values": values,
                                                "errors": errors, "publish": values},
                          status=400)
    if at <= now:
        flash(_l("Published: the families of the group see the plan now."), "success")
    else:
        flash(_l("The plan will be published %(when)s.", when=local_time(at)), "success")
    return _back(group, monday)


@bp.route("/week-plans/<int:group_id>/<week>/unpublish", methods=["POST"])
@login_required
def unpublish(group_id, week):
    group, role, monday = _writer(group_id, week, editor=True)
    plan = access.plan_of(group.id, monday)
    if plan is None:
        abort(404)
    try:
        plans.unpublish(group, plan, _user(), ip=client_ip())
    except plans.Refused as refused:
        _forbidden(REFUSALS[refused.reason])
    flash(_l("The plan is a draft again: families do not see it."), "success")
    return _back(group, monday)
