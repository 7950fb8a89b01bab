"""The data-protection officer's view (DESIGN.md rule 12): read-only figures about the
installation's privacy, and the two documents generated from its configuration. The
officer's own, and no one else's (administrators have /admin): everyone else gets 404.
No child is named anywhere here; every read is written to the audit log."""
import datetime

from flask import Blueprint, abort, current_app, make_response, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import access, audit
from models.consent.tables import PHOTO_ITEMS
from models.db import today
from models.dpo import dpia as dpia_model
from models.dpo import documents, figures, processors, units

from views.common import client_ip, date_from, refuse, render, render_template
from views.labels import AUDIT_EVENT_NAMES, PHOTO_SHORT, UNIT_KIND_NAMES, translated

bp = Blueprint("dpo", __name__, url_prefix="/privacy-office")

PERIOD_DAYS = 30
LONGEST_PERIOD = 366
END_BEFORE_START = _l("The period's last day must not be before its first day.")
TOO_LONG = _l("Choose a period of at most %(days)d days.", days=LONGEST_PERIOD)
# A document opened from disk has no server: this policy travels with the download, so
# the browser that shows it inline still loads nothing and runs nothing.
DOCUMENT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; " \
                  "form-action 'none'; frame-ancestors 'none'"


@bp.before_request
def _officers_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not access.is_data_protection_officer(current_user):
        abort(404)
    return None


def _viewed(page, **detail):
    audit.record("dpo.viewed", actor=current_user, ip=client_ip(), page=page, **detail)


def _period():
    end = date_from(request.args, "end", today())
    start = date_from(request.args, "start", end - datetime.timedelta(days=PERIOD_DAYS - 1))
    if end < start:
        refuse(END_BEFORE_START)
    if (end - start).days >= LONGEST_PERIOD:
        refuse(TOO_LONG)
    return start, end


@bp.route("/")
def index():
    start, end = _period()
    found = figures.figures(start, end)
    _viewed("figures", start=start.isoformat(), end=end.isoformat())
    return render("dpo/index.html", figures=found, tab="figures",
                  **translated(event_names=AUDIT_EVENT_NAMES))


@bp.route("/units")
def unit_figures():
    lines = units.units()
    _viewed("units")
    return render("dpo/units.html", lines=lines, uses=PHOTO_ITEMS, tab="units",
                  **translated(use_names=PHOTO_SHORT, kind_names=UNIT_KIND_NAMES))


@bp.route("/processors")
def processor_list():
    found = processors.in_use(current_app.config, current_app.config["MUNICIPALITY"])
    officers = processors.officers()
    _viewed("processors")
    return render("dpo/processors.html", processors=found, officers=officers,
                  rows=documents.processor_rows(found), tab="processors")


def _download(document, action):
    audit.record("dpo.document", actor=current_user, ip=client_ip(), document=action)
    response = make_response(render_template("dpo/document.html", document=document))
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response.headers["Content-Security-Policy"] = DOCUMENT_POLICY
    return response


def _inputs():
    municipality = current_app.config["MUNICIPALITY"]
    return (municipality, processors.in_use(current_app.config, municipality),
            processors.officers(), today())


@bp.route("/record-of-processing")
def record():
    return _download(documents.record(*_inputs()), "record")


@bp.route("/dpia")
def dpia():
    return _download(dpia_model.dpia(*_inputs(), protected=units.protected_count()), "dpia")
