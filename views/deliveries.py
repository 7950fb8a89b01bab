"""For the administrator: whether notifications arrive (what failed, and why), and the
SMS cap of the month (seen and set here; the default comes from the municipality
file)."""
import datetime

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import audit
from models.db import database, utcnow
from models.notifications import notify
from models.notifications.queue import local_zone

from views.admin import _administrator_only
from views.common import client_ip, parse_number, render
from views.notices import CHANNEL_NAMES, EVENT_NAMES, STATUS_NAMES
from models.notifications.tables import CHANNELS, STATUSES

bp = Blueprint("deliveries", __name__, url_prefix="/admin/notifications")

DAYS = 30
CAP_MAX = 1_000_000


def _page(status=200, typed=None, error=None):
    now = utcnow()
    since = now.date() - datetime.timedelta(days=DAYS)
    settings = current_app.config["MUNICIPALITY"].sms
    cap = sent = None
    if settings is not None:
        cap = notify.sms_cap(settings.monthly_cap)
        sent = notify.sms_sent_since(notify.month_start(now, local_zone()))
    summary = notify.delivery_summary(since)
    return render("admin/notifications.html", status=status, days=DAYS, summary=summary,
                  channels=CHANNELS, statuses=STATUSES,
                  failures=notify.failures(since), sms=settings, cap=cap, sent=sent,
                  typed=typed if typed is not None else cap, error=error,
                  channel_names=CHANNEL_NAMES, status_names=STATUS_NAMES,
                  event_names=EVENT_NAMES)


@bp.route("/")
@login_required
def index():
    _administrator_only()
    return _page()


@bp.route("/sms-cap", methods=["POST"])
@login_required
def sms_cap():
    _administrator_only()
    if current_app.config["MUNICIPALITY"].sms is None:
        return _page(400, error=_l("SMS is not set up in the municipality file."))
    typed = request.form.get("cap", "").strip()
    cap = parse_number(typed, 0, CAP_MAX)  # "²" is a digit to isdigit(), not to int()
    if cap is None:
        return _page(400, typed=typed[:20],
                     error=_l("Write a whole number from 0 to %(max)d.", max=CAP_MAX))
    with database.atomic():
        notify.set_sms_cap(cap)
        audit.record("sms.cap_set", actor=current_user, ip=client_ip(), cap=cap)
    flash(_l("The monthly SMS cap is now %(num)d.", num=cap), "success")
    return redirect(url_for("deliveries.index"), 303)
