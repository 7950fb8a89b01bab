"""The calendar feed's content, in the person's language: their agenda from a month back
to a year ahead as iCalendar (models/calendar/ics.py), with absolute links to each
item's page (PUBLIC_URL, never the Host a calendar app sends)."""
import datetime
from urllib.parse import urlparse

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from models.calendar import agenda, feed, ics
from models.db import today, utcnow
from models.links import DEVELOPMENT_URL, absolute

from views import calendar_items as items

BACK, AHEAD = 31, 366  # days the feed holds before and after today


def _language(found):
    config = current_app.config["MUNICIPALITY"]
    return found.locale if found.locale in config.languages else config.default_language


def feed_content(found):
    """The feed's bytes for a Found feed (models/calendar/feed.look_up)."""
    language = _language(found)
    user = feed.owner(found)
    day = today()
    found_agenda = agenda.agenda_for(user, day - datetime.timedelta(days=BACK),
                                     day + datetime.timedelta(days=AHEAD), language,
                                     longest=BACK + AHEAD)
    meta = ics.event_meta({item.item_id for item in found_agenda.items
                           if item.kind == agenda.EVENT})
    host = urlparse(current_app.config["PUBLIC_URL"] or DEVELOPMENT_URL).hostname
    with force_locale(language):
        words = {"name": _("Kontaktbok – %(municipality)s",
                           municipality=current_app.config["MUNICIPALITY"].name),
                 "cancelled": _("Cancelled: %(title)s", title="%(title)s"),
                 "for": _("For: %(names)s", names="%(names)s")}

        def link(item):
            if item.kind == agenda.MEETING and not item.children and not item.staff:
                return None
            address = items.link(item)
            return absolute(address) if address else None

        return ics.calendar(found_agenda.items, found_agenda.days_off, meta, host or
                            "kontaktbok", words, link, utcnow())
