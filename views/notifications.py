"""The person's notification settings: per kind of event the channels and at once or
in the daily digest; the digest's time; quiet hours; where notifications go."""
import re

import peewee
from peewee import fn

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import audit, notify, sms
from models.db import Prepared, database
from models.notify import CHANNELS, DIGEST, NOW, Choice, Schedule
from models.people import ADMINISTRATOR, CaregiverGrant, Guardianship, StaffRole, User

from .common import client_ip, render
from .notices import CHANNEL_NAMES, EVENT_NAMES

bp = Blueprint("notifications", __name__, url_prefix="/account")

EMAIL_MAX, PHONE_MAX = 200, 40
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+?[0-9 ()-]{5,20}")
HOURS = [h * 60 for h in range(24)]
HOUR_OPTIONS = [(minute, f"{minute // 60:02d}:00") for minute in HOURS]


_roles_query = Prepared(lambda user: peewee.Select(columns=[
    fn.EXISTS(Guardianship.select(Guardianship.id).where(Guardianship.guardian == user)),
    fn.EXISTS(CaregiverGrant.select(CaregiverGrant.id)
              .where(CaregiverGrant.caregiver == user)),
    fn.EXISTS(StaffRole.select(StaffRole.id)
              .where((StaffRole.user == user) & (StaffRole.role != ADMINISTRATOR))),
    fn.EXISTS(StaffRole.select(StaffRole.id).where(StaffRole.user == user)),
]).bind(database).tuples(), user=int)


def _roles(user):
    """(the kinds of event the person can hear about: a guardian's, staff's, or both;
    whether they hold any staff role), asked in one query."""
    guardian, caregiver, staff, any_role = _roles_query(user=user.id)[0]
    return ((notify.GUARDIAN_EVENTS if guardian or caregiver or not staff else ())
            + (notify.STAFF_EVENTS if staff else ())), bool(any_role)


def _channels():
    return CHANNELS if current_app.config["MUNICIPALITY"].sms else CHANNELS[:2]


def _minute(name, default, errors):
    value = request.form.get(name, "")
    try:
        minute = int(value)
    except ValueError:
        minute = -1
    if minute not in HOURS:
        errors[name] = _l("Choose a time from the list.")
        return default
    return minute


def _contact(user, form, errors):
    """Rule 8: the person's own e-mail and mobile number (the register wins at the
    next import). Errors keep what was typed. Another person's address is refused: an
    address finds an account elsewhere (a caregiver asked for by e-mail)."""
    email = form.get("email", "").strip().lower()[:EMAIL_MAX]
    phone = form.get("phone", "").strip()[:PHONE_MAX]
    if email and not EMAIL.fullmatch(email):
        errors["email"] = _l("Write the e-mail address as name@example.no.")
    elif email and email != (user.email or "").lower() and User.select().where(
            (fn.LOWER(User.email) == email) & (User.id != user.id)).exists():
        errors["email"] = _l("This address belongs to someone else in Kontaktbok. Use "
                             "your own, or ask the school or kindergarten.")
    if phone and not PHONE.fullmatch(phone):
        errors["phone"] = _l("Write the phone number with digits only, for example "
                             "+47 912 34 567.")
    return email, phone


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def settings():
    user = current_user._get_current_object()
    events, staff = _roles(user)
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
            digest_minute=_minute("digest", notify.DEFAULT_DIGEST_MINUTE, errors),
            quiet=bool(form.get("quiet")),
            quiet_from=_minute("quiet_from", notify.DEFAULT_QUIET[0], errors),
            quiet_until=_minute("quiet_until", notify.DEFAULT_QUIET[1], errors))
        # Staff's addresses come from the administrator or the roster (staff login may
        # match on the e-mail address): only guardians change their own here (rule 8).
        # A code-login session may not change where its own codes could go.
        email, phone = ((user.email, user.phone) if staff or user.lower_assurance
                        else _contact(user, form, errors))
        if not errors:
            with database.atomic():
                notify.save_choices(user, choices, schedule)
                changed = {}
                if email != user.email:
                    changed["email"] = True
                if phone != user.phone:
                    changed["phone"] = True
                if changed:
                    User.update(email=email, phone=phone).where(User.id == user.id).execute()
                audit.record("notifications.chosen", actor=user, obj=user, ip=client_ip(),
                             **changed)
            flash(_l("Your notification settings are saved."), "success")
            return redirect(url_for("notifications.settings"), 303)
        typed = {"email": email, "phone": phone}
    else:
        choices = notify.choices_of(user)
        schedule = notify.schedule_of(user)
        typed = {"email": user.email, "phone": user.phone}
    return render(
        "notifications/settings.html", status=400 if errors else 200,
        events=events, channels=channels, choices=choices, schedule=schedule,
        errors=errors, typed=typed, hours=HOUR_OPTIONS, event_names=EVENT_NAMES,
        channel_names=CHANNEL_NAMES, paper=user.paper_letters, staff=staff,
        locked=staff or user.lower_assurance,
        sms_number_ok=sms.normalize_phone(typed["phone"],
                                          current_app.config["MUNICIPALITY"].country),
        push_devices=notify.devices_of(user),
        vapid_public_key=_vapid_public_key())


def _vapid_public_key():
    keys = current_app.extensions.get("vapid")
    if keys is None:
        return ""
    return getattr(keys, "public_key_b64", "") or getattr(keys, "application_server_key", "")
