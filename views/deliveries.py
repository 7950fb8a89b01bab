"""For the administrator: whether notifications arrive (what failed, and why), and the
SMS cap of the month (seen and set here; the default comes from the municipality
file)."""
import datetime

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models.db import utcnow
from models.notifications import deliveries
from models.notifications.queue import local_zone
from models.notifications.tables import CHANNELS, STATUSES
from models.notifications.timing import month_start

from views.common import administrators_only, client_ip, parse_number, render
from views.labels import (NOTIFICATION_CHANNEL_NAMES, NOTIFICATION_EVENT_NAMES,
                          NOTIFICATION_STATUS_NAMES)

bp = Blueprint("deliveries", __name__, url_prefix="/admin/notifications")
administrators_only(bp)

DAYS = 30
CAP_MAX = 1_000_000


def _page(status=200, typed=None, error=None):
    now = utcnow()
    since = now.date() - datetime.timedelta(days=DAYS)
    settings = current_app.config["MUNICIPALITY"].sms
    cap = sent = None
    if settings is not None:
        cap = deliveries.sms_cap(settings.monthly_cap)
        sent = deliveries.sms_sent_since(month_start(now, local_zone()))
    summary = deliveries.delivery_summary(since)
    return render("admin/notifications.html", status=status, days=DAYS, summary=summary,
                  channels=CHANNELS, statuses=STATUSES,
                  failures=deliveries.failures(since), sms=settings, cap=cap, sent=sent,
                  typed=typed if typed is not None else cap, error=error,
                  channel_names=NOTIFICATION_CHANNEL_NAMES,
                  status_names=NOTIFICATION_STATUS_NAMES,
                  event_names=NOTIFICATION_EVENT_NAMES)


@bp.route("/")
def index():
    return _page()


@bp.route("/sms-cap", methods=["POST"])
def sms_cap():
    if current_app.config["MUNICIPALITY"].sms is None:
        return _page(400, error=_l("SMS is not set up in the municipality file."))
    typed = request.form.get("cap", "").strip()
    cap = parse_number(typed, 0, CAP_MAX)  # "²" is a digit to isdigit(), not to int()
    if cap is None:
        return _page(400, typed=typed[:20],
                     error=_l("Write a whole number from 0 to %(max)d.", max=CAP_MAX))
    deliveries.set_sms_cap(cap, current_user, client_ip())
    flash(_l("The monthly SMS cap is now %(num)d.", num=cap), "success")
    return redirect(url_for("deliveries.index"), 303)
