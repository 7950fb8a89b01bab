"""What a notification says, per channel, in the recipient's language, and the senders
the queue calls (models/notifications/sending.dispatch). A notification names the kind
of event and the sender's unit and links to Kontaktbok: never a message's text, a
child's name, or any other personal detail, because e-mail, SMS and push leave the
secure channel.
"""
import json
import logging

from flask import current_app
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from models.db import utcnow
from models.links import absolute
from models.notifications import sms, webpush
from models.notifications.deliveries import sms_cap, sms_sent_since
from models.notifications.mail import Unavailable
from models.notifications.queue import local_zone
from models.notifications.sending import SENSITIVE_MESSAGE, Transient, Undeliverable
from models.notifications.tables import (ABSENCE_CALL, ABSENCE_NOTICE, CONSENT, EMAIL,
                                         GUARDIAN_MESSAGE, LEAVE, LEAVE_APPLICATION, MESSAGE,
                                         PICKUP, POST, PUSH, REPLY, SMS, PushSubscription)
from models.notifications.tables import RECTIFICATION, RECTIFIED
from models.notifications.tables import ANNOUNCEMENT_NOT_SENT, EXPORT_READY
from models.notifications.tables import (EVENT, EVENT_CHANGED, EVENT_REMINDER, MEETING_SOON,
                                         MEETINGS)
from models.notifications.timing import month_start

log = logging.getLogger("kontaktbok.notify")

TITLES = {
    MESSAGE: _l("New message from %(unit)s"),
    REPLY: _l("New reply from %(unit)s"),
    CONSENT: _l("%(unit)s asks for your consent"),
    LEAVE: _l("%(unit)s has answered a leave application"),
    POST: _l("New post from %(unit)s"),
    GUARDIAN_MESSAGE: _l("New message from a guardian at %(unit)s"),
    LEAVE_APPLICATION: _l("New leave application at %(unit)s"),
    ABSENCE_NOTICE: _l("%(unit)s: your child is absent without a report"),
    ABSENCE_CALL: _l("%(unit)s: a guardian asks to be called about an absence"),
    PICKUP: _l("%(unit)s: a person on a pick-up list waits for your approval"),
    RECTIFICATION: _l("%(unit)s: a request to correct personal data waits for your answer"),
    RECTIFIED: _l("%(unit)s has replied to your request to correct personal data"),
    EXPORT_READY: _l("Your copy of your data is ready"),
    EVENT: _l("%(unit)s invites you to an event"),
    EVENT_CHANGED: _l("%(unit)s has changed or cancelled an event"),
    EVENT_REMINDER: _l("%(unit)s is waiting for your reply to an event"),
    MEETINGS: _l("%(unit)s: book a time for a parent–teacher meeting"),
    MEETING_SOON: _l("%(unit)s: a reminder of your meeting"),
    SENSITIVE_MESSAGE: _l("New message in a sensitive thread at %(unit)s"),
    ANNOUNCEMENT_NOT_SENT: _l("%(unit)s: an announcement of yours was not sent"),
}
# Without a unit (an event of the whole municipality).
PLAIN_TITLES = {
    MESSAGE: _l("New message in Kontaktbok"),
    REPLY: _l("New reply in Kontaktbok"),
    CONSENT: _l("A consent waits for your answer"),
    LEAVE: _l("A leave application has been answered"),
    POST: _l("New post in Kontaktbok"),
    GUARDIAN_MESSAGE: _l("New message from a guardian"),
    LEAVE_APPLICATION: _l("New leave application"),
    ABSENCE_NOTICE: _l("Your child is absent without a report"),
    ABSENCE_CALL: _l("A guardian asks to be called about an absence"),
    PICKUP: _l("A person on a pick-up list waits for your approval"),
    RECTIFICATION: _l("A request to correct personal data waits for your answer"),
    RECTIFIED: _l("Your request to correct personal data has a reply"),
    EXPORT_READY: _l("Your copy of your data is ready"),
    EVENT: _l("You are invited to an event"),
    EVENT_CHANGED: _l("An event has been changed or cancelled"),
    EVENT_REMINDER: _l("An event is waiting for your reply"),
    MEETINGS: _l("Book a time for a parent–teacher meeting"),
    MEETING_SOON: _l("A reminder of your meeting"),
    SENSITIVE_MESSAGE: _l("New message in a sensitive thread"),
    ANNOUNCEMENT_NOT_SENT: _l("An announcement of yours was not sent"),
}


def _language(user):
    config = current_app.config
    languages = config["MUNICIPALITY"].languages
    return user.locale if user.locale in languages else config["MUNICIPALITY"].default_language


def title(event, unit):
    return str(TITLES[event] % {"unit": unit}) if unit else str(PLAIN_TITLES[event])


def texts(note):
    """(title, lines, link) for a note, in the current language."""
    if len(note.events) == 1 and note.count == 1:
        (event, unit), = note.events
        heading = title(event, unit)
        if note.urgent:
            heading = gettext("Urgent: %(title)s", title=heading)
        return heading, [], absolute(note.path)
    heading = ngettext("%(num)d new notification in Kontaktbok",
                       "%(num)d new notifications in Kontaktbok", note.count)
    lines = [f"{title(event, unit)} ({count})" if count > 1 else title(event, unit)
             for (event, unit), count in sorted(note.events.items())]
    return heading, lines, absolute("/")


def send_email(note):
    user = note.user
    if not user.email:
        raise Undeliverable("no e-mail address")
    mailer = current_app.extensions["mailer"]
    if not mailer.configured:
        raise Undeliverable("no mail server")
    with force_locale(_language(user)):
        heading, lines, link = texts(note)
        body = "\n".join([
            heading, "", *(f"- {line}" for line in lines), *([""] if lines else []),
            gettext("Open Kontaktbok to read it: %(link)s", link=link), "",
            gettext("For your privacy this e-mail never says more. You choose what you are "
                    "told about, and how, here: %(link)s",
                    link=absolute("/account/notifications")),
            "", current_app.config["MUNICIPALITY"].name,
        ])
    domain = mailer.sender.rpartition("@")[2] or "localhost"
    try:
        # The same Message-ID on a retry: a mail server or client that got it already
        # drops the copy.
        mailer.send(user.email, heading, body,
                    message_id=f"<notification-{note.id}@{domain}>")
    except Unavailable as error:
        raise Transient(f"smtp: {error}") from None


def send_push(note):
    devices = list(PushSubscription.select().where(PushSubscription.user == note.user.id))
    if not devices:
        raise Undeliverable("no push device")
    with force_locale(_language(note.user)):
        heading, lines, link = texts(note)
        body = gettext("Open Kontaktbok to read it.")
    payload = json.dumps({"title": heading, "body": body, "url": link,
                          "tag": f"n{note.id}"}, ensure_ascii=False).encode()
    keys = current_app.extensions.get("vapid") or webpush.vapid_keys(current_app.instance_path)
    subject = current_app.config["PUBLIC_URL"] or f"mailto:{current_app.config['MAIL_FROM']}"
    delivered, transient = 0, None
    for device in devices:
        try:
            webpush.send(device.endpoint, device.p256dh, device.auth, payload, keys,
                         subject, topic=f"n{note.id}",
                         urgency="high" if note.urgent else "normal")
            delivered += 1
        except webpush.Gone:
            device.delete_instance()
        except Transient as error:
            transient = error
        except Undeliverable as error:
            log.warning("push refused by %s: %s", _host(device.endpoint), error)
    if delivered:
        (PushSubscription.update(last_sent_at=utcnow())
         .where(PushSubscription.user == note.user.id).execute())
        return
    if transient is not None:
        raise transient
    raise Undeliverable("no push device")


def _host(url):
    return url.split("/")[2] if "//" in url else "?"


def send_sms(note):
    settings = current_app.config["MUNICIPALITY"].sms
    gateway = current_app.extensions.get("sms_gateway")
    if settings is None or gateway is None:
        raise Undeliverable("sms not enabled")
    number = sms.normalize_phone(note.user.phone, current_app.config["MUNICIPALITY"].country)
    if number is None:
        raise Undeliverable("no mobile number")
    cap = sms_cap(settings.monthly_cap)
    # The month of the sending (note.at, the dispatch's now): a row is marked sent then.
    if sms_sent_since(month_start(note.at or utcnow(), local_zone())) >= cap:
        raise Undeliverable("monthly SMS cap reached")
    with force_locale(_language(note.user)):
        heading, _lines, link = texts(note)
    gateway.send(number, f"{heading}: {link}")


def senders():
    """The sender of each channel, for the queue (app.extensions["notice_senders"])."""
    return {EMAIL: send_email, PUSH: send_push, SMS: send_sms}
