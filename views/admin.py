"""The administration entry: what the installation holds, and the access log.

The entry page shows numbers only. The access log names people and their addresses, so
reading it is a stated and logged act (DESIGN.md rule 3): the administrator gives a
reason, and the read itself goes into the log.
"""
import datetime
import hmac

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from models import access, audit, storage
from models.audit import AuditEvent
from models.db import today
from models.messaging import thread_page
from models.roster import imports, samples, uploads
from models.roster.rows import RosterError, as_html
from models.school import people
from models.school.organisation import FIRST_SCHOOL_YEAR, LAST_SCHOOL_YEAR
from models.school.tables import installation_counts, school_year_of

from views.common import administrators_only, client_ip, number_from, parse_number, render
from views.labels import (AUDIT_EVENT_NAMES, IMPORT_ACTIONS, IMPORT_KINDS, OBJECT_NAMES,
                          translated)
from views.seen import personal_page, saw

bp = Blueprint("admin", __name__, url_prefix="/admin")
administrators_only(bp)

SUMMARY_DAYS = 7
REASON_MIN, REASON_MAX = 10, 500


def _names(actions):
    """Event names in the page's language (translated once per language), with any
    unknown action as itself."""
    names = translated(event_names=AUDIT_EVENT_NAMES)["event_names"]
    return {action: names.get(action, action) for action in actions}


def _entry_page(status=200, inspect=None, log_form=None):
    since = today() - datetime.timedelta(days=SUMMARY_DAYS)
    summary = AuditEvent.summary(since)
    return render("admin/index.html", status=status, counts=installation_counts(),
                  summary=summary, event_names=_names(action for action, _ in summary),
                  days=SUMMARY_DAYS,
                  kinds=translated(event_names=AUDIT_EVENT_NAMES)["event_names"],
                  log_form=log_form or {"reason": "", "kind": "", "person": "",
                                        "child": "", "errors": {}},
                  inspect=inspect or {"thread": "", "reason": "", "errors": {}})


def _reason_ok(reason):
    return REASON_MIN <= len(reason) <= REASON_MAX


@bp.route("/")
def index():
    return _entry_page()


@bp.route("/log", methods=["POST"])
@personal_page("audit_log", child_arg=None)
def log():
    """The access log, optionally only one person's acts, one kind of event, or what
    concerns one child (found by national identity number). Reading it is logged with
    the reason and the filters (as account and child ids, never the numbers)."""
    form = {key: request.form.get(key, "").strip() for key in ("reason", "kind", "person",
                                                              "child")}
    form["errors"] = errors = {}
    if not _reason_ok(form["reason"]):
        errors["reason"] = _l("Write why you need to read the access log (%(low)d to "
                              "%(high)d characters).", low=REASON_MIN, high=REASON_MAX)
    if form["kind"] and form["kind"] not in AUDIT_EVENT_NAMES:
        form["kind"] = ""
    person = people.account_named(form["person"]) if form["person"] else None
    if form["person"] and person is None:
        errors["person"] = _l("No account has that username or national identity number.")
    child = None
    if form["child"]:
        child = people.child_numbered(form["child"])
        if child is None:
            errors["child"] = _l("No child has that national identity number.")
    if errors:
        return _entry_page(400, log_form=form)
    filters = {k: v for k, v in (("person", person and person.id), ("child", child and child.id),
                                 ("kind", form["kind"])) if v}
    audit.record("audit_log.read", actor=current_user, ip=client_ip(), reason=form["reason"],
                 **filters)
    if child is not None:
        saw([child.id])  # the child's family sees that the administrator read its log
    if filters:
        events = AuditEvent.filtered(actor_id=person and person.id, action=form["kind"],
                                     child_id=child and child.id)
    else:
        events = AuditEvent.recent(100)
    return render("admin/log.html", events=events, reason=form["reason"],
                  filtered=bool(filters), event_names=_names({e.action for e in events}),
                  object_names=OBJECT_NAMES)


@bp.route("/thread", methods=["POST"])
@personal_page("thread_inspection")
def thread():
    """Open one conversation, read-only: only with a stated reason, which goes to the
    audit log before anything is shown (rule 3). Nothing is marked as read, and files
    are named but not opened."""
    form = {"thread": request.form.get("thread", "").strip().lstrip("#"),
            "reason": request.form.get("reason", "").strip(), "errors": {}}
    number = parse_number(form["thread"])
    found = access.thread_for_inspection(number) if number is not None else None
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
                 reason=form["reason"], child=found.child_id)
    saw([found.child_id] if found.child_id else [], unit=found.unit_id)
    return render("admin/thread.html", thread=found, reason=form["reason"],
                  people=thread_page.participants(found), lines=thread_page.messages(found),
                  files=thread_page.attachments_by_message(found))


# Roster import ----------------------------------------------------------------------------

PREVIEW_LINES = 200


def _import_page(status=200, error=None, plan=None, token="", school_year=None):
    return render("admin/import.html", status=status, error=error, plan=plan, token=token,
                  runs=imports.recent_runs(), school_year=school_year or school_year_of(today()),
                  preview_lines=PREVIEW_LINES, kind_names=IMPORT_KINDS,
                  action_names=IMPORT_ACTIONS)


@bp.route("/import", methods=["GET", "POST"])
def roster_import():
    """Upload a roster file and see what it would change; nothing is saved yet. The
    file waits under a random name until it is applied (or the next upload)."""
    if request.method == "GET":
        return _import_page()
    upload = request.files.get("file")
    school_year = number_from(request.form, "school_year", school_year_of(today()),
                              FIRST_SCHOOL_YEAR, LAST_SCHOOL_YEAR)
    if not upload or not upload.filename:
        return _import_page(400, _l("Choose a roster file."), school_year=school_year)
    data = upload.read()
    try:
        plan = imports.planned(data, upload.filename, school_year)
    except RosterError as error:
        # The problem is HTML (the file's words in <code>, what the file held escaped).
        return _import_page(400, Markup(escape(gettext("Nothing was imported. %(where)s: "
                                                        "%(problem)s")))
                            % {"where": as_html(error.where), "problem": as_html(error.problem)},
                            school_year=school_year)
    # The file waits encrypted with the data key, under a random name, for at most an
    # hour (each administrator's preview its own).
    uploads.remove_stale(storage.current())
    token = uploads.keep(storage.current(), data)
    session["roster_import"] = {"token": token, "name": upload.filename[:200],
                                "school_year": school_year, "plan": imports.digest(plan)}
    audit.record("roster.previewed", actor=current_user, ip=client_ip(),
                 source=upload.filename[:200], **plan.counts)
    return _import_page(plan=plan, token=token, school_year=school_year)


@bp.route("/import/samples/kontaktbok.zip", defaults={"fmt": "kontaktbok"})
@bp.route("/import/samples/oneroster.zip", defaults={"fmt": "oneroster"})
@bp.route("/import/samples/ss12000.json", defaults={"fmt": "ss12000"})
def roster_sample(fmt):
    """A small valid file of one format, with made-up people, to see the format by (or
    to try an import on a demo). Its groups are in this school year."""
    name, content_type, make = samples.SAMPLES[fmt]
    response = current_app.response_class(make(school_year_of(today())),
                                          mimetype=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/import/apply", methods=["POST"])
def roster_apply():
    """Apply the file previewed — only if it still makes the same changes (somebody may
    have changed the data in between: then the new preview is shown instead)."""
    pending = session.get("roster_import")
    token = request.form.get("token", "")
    if not pending or not hmac.compare_digest(pending["token"].encode(), token.encode()):
        return _import_page(409, _l("That preview is no longer waiting. Upload the file "
                                    "again."))
    uploads.remove_stale(storage.current())  # an hour's wait at most
    try:
        data = uploads.read(storage.current(), pending["token"])
    except FileNotFoundError:
        session.pop("roster_import", None)
        return _import_page(409, _l("That preview is no longer waiting. Upload the file "
                                    "again."))
    plan, applied = imports.apply_unchanged(data, pending["name"], pending["school_year"],
                                            pending["plan"],
                                            by=current_user._get_current_object(),
                                            ip=client_ip())
    if not applied:
        session["roster_import"] = {**pending, "plan": imports.digest(plan)}
        return _import_page(409, _l("The data changed since the preview. Check the "
                                    "changes again."), plan=plan, token=token,
                            school_year=pending["school_year"])
    uploads.forget(storage.current(), pending["token"])
    session.pop("roster_import", None)
    flash(_l("The roster is imported."), "success")
    return redirect(url_for("admin.roster_import"), 303)
