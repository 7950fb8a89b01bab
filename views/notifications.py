"""The person's notification settings: per kind of event the channels and at once or
in the daily digest; the digest's time; quiet hours; where notifications go. A new
e-mail address is used once its owner has opened the link sent to it."""
import logging
import re

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access
from models.links import absolute
from models.login import email_change
from models.notifications import mail, preferences, sms
from models.notifications.tables import (CHANNELS, DEFAULT_DIGEST_MINUTE, DEFAULT_QUIET, DIGEST,
                                         NOW, Choice, Schedule)
from models.school import own_settings

from views.common import client_ip, parse_number, render
from views.labels import NOTIFICATION_CHANNEL_NAMES, NOTIFICATION_EVENT_NAMES

bp = Blueprint("notifications", __name__, url_prefix="/account")
log = logging.getLogger(__name__)

EMAIL_MAX, PHONE_MAX = 200, 40
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+?[0-9 ()-]{5,20}")
HOURS = [h * 60 for h in range(24)]
HOUR_OPTIONS = [(minute, f"{minute // 60:02d}:00") for minute in HOURS]


def _channels():
    return CHANNELS if current_app.config["MUNICIPALITY"].sms else CHANNELS[:2]


def _minute(name, default, errors):
    minute = parse_number(request.form.get(name, ""))
    if minute not in HOURS:
        errors[name] = _l("Choose a time from the list.")
        return default
    return minute


def _contact(user, form, errors):
    """Rule 8: the person's own e-mail and mobile number (the register wins at the
    next import). Errors keep what was typed. Whether someone else uses the address is
    never checked here (the answer would tell): a new address waits for its link."""
    email = form.get("email", "").strip().lower()[:EMAIL_MAX]
    phone = form.get("phone", "").strip()[:PHONE_MAX]
    if email and not EMAIL.fullmatch(email):
        errors["email"] = _l("Write the e-mail address as name@example.no.")
    if phone and not PHONE.fullmatch(phone):
        errors["phone"] = _l("Write the phone number with digits only, for example "
                             "+47 912 34 567.")
    return email, phone


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def settings():
    user = current_user._get_current_object()
    events, staff = access.events_heard(user)
    channels = _channels()
    errors = {}
    if request.method == "POST":
        form = request.form
        choices = {}
        for event in events:
            picked = frozenset(c for c in channels if form.get(f"{event}-{c}"))
            choices[event] = Choice(picked, DIGEST if form.get(f"{event}-mode") == DIGEST
                                    else NOW)
        schedule = Schedule(
            digest_minute=_minute("digest", DEFAULT_DIGEST_MINUTE, errors),
            quiet=bool(form.get("quiet")),
            quiet_from=_minute("quiet_from", DEFAULT_QUIET[0], errors),
            quiet_until=_minute("quiet_until", DEFAULT_QUIET[1], errors))
        # Staff's addresses come from the administrator or the roster (staff login may
        # match on the e-mail address): only guardians change their own here (rule 8).
        # A code-login session may not change where its own codes could go.
        email, phone = ((user.email, user.phone) if staff or user.lower_assurance
                        else _contact(user, form, errors))
        if not errors:
            token = own_settings.save_notification_settings(user, choices, schedule, email, phone,
                                                       ip=client_ip())
            new_email = email if token is not None else None
            flash(_l("Your notification settings are saved."), "success")
            if token is not None and _send_link(new_email, token):
                flash(_l("We have sent a link to %(address)s. Your e-mail address changes "
                         "when you open it.", address=new_email), "success")
            return redirect(url_for("notifications.settings"), 303)
        typed = {"email": email, "phone": phone}
    else:
        choices = preferences.choices_of(user)
        schedule = preferences.schedule_of(user)
        typed = {"email": user.email, "phone": user.phone}
    return render(
        "notifications/settings.html", status=400 if errors else 200,
        pending_email=email_change.pending(user),
        events=events, channels=channels, choices=choices, schedule=schedule,
        errors=errors, typed=typed, hours=HOUR_OPTIONS, event_names=NOTIFICATION_EVENT_NAMES,
        channel_names=NOTIFICATION_CHANNEL_NAMES, paper=user.paper_letters, staff=staff,
        locked=staff or user.lower_assurance,
        sms_number_ok=sms.normalize_phone(typed["phone"],
                                          current_app.config["MUNICIPALITY"].country),
        push_devices=preferences.devices_of(user),
        vapid_public_key=_vapid_public_key())


def _send_link(address, token):
    """The confirmation link, to the new address only. False (with a message) when it
    could not be sent."""
    mailer = current_app.extensions["mailer"]
    town = current_app.config["MUNICIPALITY"]
    link = absolute(url_for("notifications.confirm_email", token=token))
    user = current_user._get_current_object()
    with force_locale(user.locale or town.default_language):
        subject = gettext("Confirm your e-mail address for Kontaktbok")
        body = "\n".join([
            gettext("Open the link to use this address in Kontaktbok: %(link)s", link=link),
            gettext("It works for %(hours)d hours, when you are logged in.",
                    hours=email_change.LINK_HOURS), "",
            gettext("If you did not ask for it, you can ignore this e-mail."), "", town.name])
    try:
        if not mailer.configured:
            raise mail.Unavailable("no mail server")
        mailer.send(address, subject, body)
    except mail.Unavailable as error:
        log.warning("an address confirmation could not be sent: %s", error)
        flash(_l("The link to confirm your new e-mail address could not be sent. Try "
                 "again later."), "error")
        return False
    return True


@bp.route("/email/<token>")
@login_required
def confirm_email(token):
    """The link from the e-mail: the address is the person's from now on."""
    address = email_change.confirm(current_user._get_current_object(), token[:100],
                                   ip=client_ip())
    if address is None:
        return render("errors/error.html", "errors/_error.html", status=404,
                      title=_l("This link is no longer valid"),
                      text=_l("Links to confirm an e-mail address work once, for "
                              "%(hours)d hours, for the person who asked. Change the "
                              "address again on the notification settings page.",
                              hours=email_change.LINK_HOURS))
    flash(_l("Your e-mail address is now %(address)s.", address=address), "success")
    return redirect(url_for("notifications.settings"), 303)


def _vapid_public_key():
    keys = current_app.extensions.get("vapid")
    if keys is None:
        return ""
    return getattr(keys, "public_key_b64", "") or getattr(keys, "application_server_key", "")
