"""Announcements sent safely (issue 22): the form with the reach before sending and the
confirmation above a number of families, the undo window, scheduled sending and the
outbox. The form's route stays `messages.announce` (views/messages.py calls `page`);
the outbox's are here. Nothing waiting exists as a thread until it is sent
(models/messaging/outbox.py)."""
import datetime
import math

from flask import Blueprint, abort, current_app, redirect, request, url_for
from babel.lists import format_list
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext  # lazy; the name is what extraction knows
from flask_login import current_user, login_required

from models import access, storage
from models.db import today, utcnow
from models.messaging import inbox, message_templates, outbox, outbox_send
from models.messaging.reach import reach

from views.common import number_from, render
from views.dates import TIME_ZONES, format_day
from views.messages_forms import (check_text, form_token, in_form_order,
                                  keep_for_next_round, kept_token, stored, uploads)

bp = Blueprint("outbox", __name__, url_prefix="/messages")

MAX_DAYS_AHEAD = 60
MAX_TARGETS = 100


def undo_seconds():
    """The undo window ([messaging] undo_seconds); ANNOUNCE_UNDO_SECONDS overrides it
    (the test suite sends at once unless a test is about the window)."""
    config = current_app.config
    seconds = config.get("ANNOUNCE_UNDO_SECONDS")
    return config["MUNICIPALITY"].undo_seconds if seconds is None else seconds


def _zone():
    return TIME_ZONES[current_app.config["MUNICIPALITY"].country]


def _targets_or_404():
    targets = access.announcement_targets(current_user)
    if not targets:
        abort(404)
    return targets


def _chosen(targets, keys):
    return [t for t in targets if t[0] in keys]


def _read_form(values, targets, posted):
    keys = values.getlist("to")[:MAX_TARGETS]
    return {"to": keys if keys or posted else [targets[0][0]],
            "subject": values.get("subject", "").strip(),
            "body": values.get("body", "").strip(),
            "replies": values.get("replies") == "1" if posted else True,
            "per_child": values.get("per_child") == "1",
            "urgent": values.get("urgent") == "1",
            "when": "later" if values.get("when") == "later" else "now",
            "send_date": values.get("send_date", "").strip()[:10],
            "send_time": values.get("send_time", "").strip()[:5],
            "template": values.get("template", ""),
            "confirm_reach": values.get("confirm_reach", "")}


def local_due(day_text, time_text, zone, now):
    """The moment (naive UTC) of a local date and time the sender chose, or (None, the
    error): not a real date or time, a time the night of the spring clock change
    skips, in the past, or more than MAX_DAYS_AHEAD days ahead. A time the autumn
    night has twice is its first."""
    try:
        day = datetime.date.fromisoformat(day_text)
        at = datetime.time.fromisoformat(time_text)
    except ValueError:
        return None, _l("Write the date as YYYY-MM-DD and the time as HH:MM.")
    if len(time_text) != 5 or len(day_text) != 10 or not 2000 <= day.year <= 2999:
        return None, _l("Write the date as YYYY-MM-DD and the time as HH:MM.")
    local = datetime.datetime.combine(day, at, tzinfo=zone)
    moment = local.astimezone(datetime.timezone.utc)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None, _l("%(time)s does not exist that night: the clocks go forward. "
                        "Choose another time.", time=time_text)
    moment = moment.replace(tzinfo=None)
    if moment <= now:
        return None, _l("Choose a time later than now.")
    if moment > now + datetime.timedelta(days=MAX_DAYS_AHEAD):
        return None, ngettext("Choose a time at most %(num)d day ahead.",
                         "Choose a time at most %(num)d days ahead.", MAX_DAYS_AHEAD)
    return moment, None


def _template_values(targets, form):
    chosen = _chosen(targets, form["to"])
    names = [group.name if group else unit.name for _, unit, group in chosen]
    day = today()
    return {"group": ", ".join(names), "date": format_day(day),
            "weekday": format_date(day, "EEEE")}  # CLDR's name in the reader's language


def _apply_template(targets, form, warnings):
    """Fill the form from a chosen template (?template=id, GET: works without JS)."""
    template_id = number_from(request.args, "template")
    if template_id is None:
        return
    template = message_templates.usable_one(current_user, template_id)
    if template is None:
        abort(404)
    values = _template_values(targets, form)
    form["subject"], unknown = message_templates.fill(template.subject, values)
    form["body"], more = message_templates.fill(template.body, values)
    unknown += [name for name in more if name not in unknown]
    if unknown:
        warnings.append(_l("The template has placeholders this form does not know, left "
                           "as written: %(names)s. Change them before you send.",
                           names=", ".join("{" + n + "}" for n in unknown)))


def _page(targets, form, errors=None, notes=(), status=200, kept=(), replaces=None,
          warnings=()):
    chosen = _chosen(targets, form["to"])
    shown = reach([(unit, group) for _, unit, group in chosen]) if chosen else None
    names = [group.name if group else unit.name for _, unit, group in chosen]
    led = access.urgent_units(targets)
    return render("messages/announce.html", "messages/_reach.html", status=status,
                  targets=targets, form=form, errors=in_form_order(
                      errors or {}, "to", "subject", "body", "files", "send_at", "reach",
                      "urgent"),
                  warnings=list(warnings), notes=list(notes), kept=kept,
                  token=inbox.new_form_token(), may_mark_urgent=bool(led), reach=shown,
                  chosen=chosen, confirm_above=current_app.config["MUNICIPALITY"]
                  .confirm_above, replaces=replaces,
                  templates=message_templates.usable(current_user),
                  undo=undo_seconds(), max_days=MAX_DAYS_AHEAD, thread=None,
                  groups_text=_listed(names))


def _listed(names):
    """"1A, 1B and SFO 1–2" in the page's language."""
    try:
        return format_list(names, locale=str(get_locale()))
    except (ValueError, LookupError):  # a language CLDR has no list pattern for
        return ", ".join(names)


def page():
    """messages.announce: GET the form (a template chosen: filled); POST "check" shows
    the reach; POST sends (held for the undo window) or schedules."""
    targets = _targets_or_404()
    posted = request.method == "POST"
    form = _read_form(request.form if posted else request.args, targets, posted)
    if not posted:
        notes = []
        _apply_template(targets, form, notes)
        return _page(targets, form, notes=notes)
    errors, warnings = check_text(form["body"], request.form.get("confirm") == "1",
                                  subject=form["subject"])
    files = uploads(errors)
    chosen = _chosen(targets, form["to"])
    if not chosen or len(chosen) != len(set(form["to"])):
        errors["to"] = _l("Choose who to write to.")
    elif form["urgent"] and any(unit.id not in access.urgent_units(targets)
                                for _, unit, _ in chosen):
        errors["urgent"] = _l("Only a unit leader can mark an announcement urgent.")
    replaces = number_from(request.form, "replaces")
    if request.form.get("action") == "check":
        errors.pop("subject", None)
        errors.pop("body", None)
        return _page(targets, form, errors, status=400 if "to" in errors else 200,
                     kept=keep_for_next_round(files), replaces=replaces)
    now = utcnow()
    due_at = now + datetime.timedelta(seconds=undo_seconds())
    if form["when"] == "later":
        due_at, problem = local_due(form["send_date"], form["send_time"], _zone(), now)
        if problem:
            errors["send_at"] = problem
    if chosen and not errors:
        families = reach([(unit, group) for _, unit, group in chosen]).families
        limit = current_app.config["MUNICIPALITY"].confirm_above
        if families > limit and request.form.get("confirm_reach") != str(families):
            errors["reach"] = ngettext(
                "It reaches %(num)d family: tick the box to confirm you mean to send it.",
                "It reaches %(num)d families: tick the box to confirm you mean all of them.",
                families)
    if errors or warnings:
        return _page(targets, form, errors, status=400 if errors else 200,
                     kept=keep_for_next_round(files), replaces=replaces, warnings=warnings)
    scheduled = form["when"] == "later"
    try:
        with stored(files):
            row = outbox.hold(current_user, [key for key, _, _ in chosen], form, due_at,
                              scheduled, form_token(), files, replaces=replaces)
    except outbox.Duplicate:
        return redirect(url_for("outbox.index"), 303)
    except outbox.Gone:
        return _page(targets, form, {"to": _l(
            "The announcement you were changing has already been sent.")}, status=409,
            kept=keep_for_next_round(files))
    if scheduled:
        return redirect(url_for("outbox.index"), 303)
    if not undo_seconds():
        threads = outbox_send.send(row.id, storage.current())
        if threads == []:  # kept as not sent (nobody to send it to): the outbox says why
            return redirect(url_for("outbox.index"), 303)
        if threads and len(threads) == 1:
            return redirect(url_for("messages.thread", thread_id=threads[0].id), 303)
        return redirect(url_for("messages.index"), 303)
    current_app.extensions["queue"].announce_at(due_at)
    return redirect(url_for("outbox.held", outgoing_id=row.id), 303)


@bp.route("/announce/reach")
@login_required
def reach_fragment():
    """The reach of the ticked targets, as they are ticked (htmx: the fragment); without
    JavaScript the form's "Check reach" button posts the whole form instead."""
    targets = _targets_or_404()
    form = _read_form(request.args, targets, posted=True)
    return _page(targets, form)


# Why the worker kept an announcement as not sent (outbox.NOT_SENT), for its sender.
NOT_SENT_REASONS = {
    outbox.LOST_TARGET: _l("Not sent: you may no longer send to one of its groups or "
                           "units. Change it and send it again, or cancel it."),
    outbox.NOBODY: _l("Not sent: nobody was left in its groups to send it to. Change it "
                      "and send it again, or cancel it."),
}


@bp.route("/outbox")
@login_required
def index():
    """The sender's announcements not sent yet: held for undo, scheduled, or kept as not
    sent. Someone who may no longer send anywhere still sees and cancels their own."""
    rows = outbox.waiting(current_user)
    targets = access.announcement_targets(current_user)
    if not rows and not targets:
        abort(404)
    names = outbox.target_names(rows)
    allowed = {key for key, _, _ in targets}
    for row in rows:
        row.labels = [names[key][0] for key in row.target_keys if key in names]
        row.reason = NOT_SENT_REASONS.get(row.not_sent)
        row.changeable = bool(allowed) and (row.scheduled or row.not_sent)
    return render("messages/outbox.html", rows=rows, may_announce=bool(targets))


@bp.route("/outbox/<int:outgoing_id>")
@login_required
def held(outgoing_id):
    """"Sending in 30 s — Undo"; with htmx the count is fetched again every few
    seconds. Sent (or someone else's): it is no longer waiting. Kept as not sent: why.
    Its sender who may no longer send anywhere cancels it instead of undoing it."""
    row = outbox.own(current_user, outgoing_id)
    targets = access.announcement_targets(current_user)
    if row is None and not targets:
        abort(404)
    left = max(0, math.ceil((row.due_at - utcnow()).total_seconds())) if row else 0
    return render("messages/held.html", "messages/_held.html", row=row, left=left,
                  may_announce=bool(targets),
                  reason=NOT_SENT_REASONS.get(row.not_sent) if row else None)


def _restored(row):
    """The announce form again with everything the waiting announcement had."""
    targets = _targets_or_404()
    form = {"to": row.target_keys, "subject": row.subject, "body": row.body,
            "replies": row.replies_allowed, "per_child": row.per_child,
            "urgent": row.urgent, "when": "now", "send_date": "", "send_time": "",
            "template": "", "confirm_reach": ""}
    if row.scheduled and not row.not_sent:  # not sent: its time has passed
        local = row.due_at.replace(tzinfo=datetime.timezone.utc).astimezone(_zone())
        form.update(when="later", send_date=local.date().isoformat(),
                    send_time=local.strftime("%H:%M"))
    return targets, form


@bp.route("/outbox/<int:outgoing_id>/undo", methods=["POST"])
@login_required
def undo(outgoing_id):
    """Take a held or scheduled announcement back: the form again, as it was typed,
    its files attached. Too late: it has been sent."""
    _targets_or_404()
    try:
        row = outbox.take_back(current_user, outgoing_id)
    except outbox.Gone:
        return render("messages/held.html", "messages/_held.html", row=None, left=0,
                      status=409)
    for f in row.kept:
        f.token = kept_token(f)
    targets, form = _restored(row)
    return _page(targets, form, kept=row.kept,
                 notes=[_l("Not sent. Change it and send it again, or leave it.")])


@bp.route("/outbox/<int:outgoing_id>/edit")
@login_required
def edit(outgoing_id):
    """A scheduled announcement (or one kept as not sent) in the form, to change until
    it goes: sending the form puts the new version in its place (or says that it has
    gone meanwhile)."""
    _targets_or_404()
    row = outbox.own(current_user, outgoing_id)
    if row is None:
        abort(404)
    kept = outbox.kept_copies(current_user, row)
    for f in kept:
        f.token = kept_token(f)
    targets, form = _restored(row)
    reason = NOT_SENT_REASONS.get(row.not_sent)
    return _page(targets, form, kept=kept, replaces=row.id, notes=[reason] if reason else [])


@bp.route("/outbox/<int:outgoing_id>/cancel", methods=["POST"])
@login_required
def cancel(outgoing_id):
    """Cancel one's own waiting (or not sent) announcement; it needs no target today."""
    try:
        outbox.take_back(current_user, outgoing_id, keep=False)
    except outbox.Gone:
        abort(404)
    return redirect(url_for("outbox.index"), 303)

