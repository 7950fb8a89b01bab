"""The caregiver request form read and checked, and the invitation sent by e-mail and
SMS (views/caregivers.py): neither names the child or the family, as both leave the
secure channel."""
import logging
import re

from flask import current_app, request
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from models.db import today
from models.notifications import mail, sending, sms
from models.school.national_ids import checked
from models.school.tables import CAREGIVER_RELATIONS

log = logging.getLogger(__name__)

NAME_MAX = 100
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIELDS = ("first_name", "last_name", "national_id", "email", "phone", "relation")
EMPTY = {"first_name": "", "last_name": "", "national_id": "", "email": "", "phone": "",
         "relation": "grandparent"}


def read_request():
    """(form as typed, errors, phone in E.164, national id as stored). The national
    identity number is never put back into the form: it is not shown again."""
    form = {name: request.form.get(name, "").strip() for name in FIELDS}
    errors = {}
    for name in ("first_name", "last_name"):
        if not form[name]:
            errors[name] = _l("Write the name.")
        elif len(form[name]) > NAME_MAX:
            errors[name] = _l("The name can be at most %(max)d characters.", max=NAME_MAX)
    national_id = None
    if form["national_id"]:
        national_id = checked(form["national_id"], today())
        if national_id is None:
            errors["national_id"] = _l("This is not a valid national identity number. "
                                       "Check the digits, or leave the field empty.")
    phone = None
    if form["phone"]:
        phone = sms.normalize_phone(form["phone"], current_app.config["MUNICIPALITY"].country)
        if phone is None:
            errors["phone"] = _l("Write a Norwegian or Swedish mobile number, for example "
                                 "+47 900 00 000.")
    if form["email"] and not EMAIL.match(form["email"]):
        errors["email"] = _l("Write an e-mail address like name@example.org.")
    elif not form["email"] and not form["phone"]:
        errors["email"] = _l("Write the person's e-mail address or mobile number (or "
                             "both): the invitation goes there.")
    if form["relation"] not in CAREGIVER_RELATIONS:
        errors["relation"] = _l("Choose how the person is related to the child.")
    form["had_national_id"] = bool(form.pop("national_id"))
    return form, errors, phone, national_id


def _mail_body(town, link, by_eid, codes):
    how = []
    if by_eid:
        how.append(gettext("Log in with BankID or another national eID when you open the "
                           "link."))
    if codes:
        how.append(gettext("You can also log in with a one-time code that we send to "
                           "this address.") if by_eid else
                   gettext("You log in with a one-time code that we send to this "
                           "address."))
    return "\n".join([
        gettext("A family has asked that you get access to their child's information "
                "in Kontaktbok, and the school or kindergarten has confirmed it."),
        "", gettext("Open the link to accept: %(link)s", link=link), "", *how, "",
        gettext("If you do not know what this is about, you can ignore this e-mail."),
        "", town.name])


def _sms_text(town, link, by_eid):
    how = (gettext("Log in with BankID or another national eID.") if by_eid else
           gettext("You log in with a code we send to this phone."))
    return " ".join([gettext("You are invited to Kontaktbok by %(municipality)s.",
                             municipality=town.name),
                     gettext("Open the link to accept: %(link)s", link=link), how])


def send_invitation(grant, link):
    """Send the invitation to the grant's e-mail address and mobile number, whichever
    it has; returns the channels it went by ("email", "sms")."""
    town = current_app.config["MUNICIPALITY"]
    by_eid = grant.national_id_index is not None
    sent = []
    with force_locale(town.default_language):
        subject = gettext("An invitation to Kontaktbok")
        body = _mail_body(town, link, by_eid, grant.code_login)
        text = _sms_text(town, link, by_eid)
    mailer = current_app.extensions["mailer"]
    if grant.email:
        try:
            if not mailer.configured:
                raise mail.Unavailable("no mail server")
            mailer.send(grant.email, subject, body)
            sent.append("email")
        except mail.Unavailable as error:
            log.warning("a caregiver invitation could not be sent by e-mail: %s", error)
    gateway = current_app.extensions.get("sms_gateway")
    if grant.phone:
        try:
            if gateway is None:
                raise sending.Undeliverable("sms not enabled")
            gateway.send(grant.phone, text)
            sent.append("sms")
        except (sending.Undeliverable, sending.Transient) as error:
            log.warning("a caregiver invitation could not be sent by SMS to %s: %s",
                        sms.tail(grant.phone), error)
    return sent
