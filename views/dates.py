"""Dates and times as the page's language writes them, on the municipality's clock."""
import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import current_app
from flask_babel import get_locale

TIME_ZONES = {"NO": ZoneInfo("Europe/Oslo"), "SE": ZoneInfo("Europe/Stockholm")}


# The patterns templates use, as Babel skeletons for the languages whose own way of
# writing dates differs from the Nordic "06.12.2026" (a month's name, never an ambiguous
# 12/6): (date skeleton or None, with the time).
_SKELETONS = {"%d.%m.%Y %H:%M": ("yMMMd", True), "%d.%m.%Y": ("yMMMd", False),
              "%d.%m. %H:%M": ("MMMd", True), "%H:%M": (None, True)}
NORDIC = ("nb", "nn", "sv")


def format_day(day, year=True):
    """A date (no time) the way the page's language writes it: "06.12.2026" in the
    Nordic languages, with the month's name elsewhere ("6 gru 2026", "Dec 6")."""
    locale = str(get_locale() or "nb")
    if locale in NORDIC:
        return day.strftime("%d.%m.%Y" if year else "%d.%m.")
    return format_skeleton("yMMMd" if year else "MMMd", day, locale=locale)


def local_time(moment, pattern="%d.%m.%Y %H:%M"):
    """A stored moment (UTC) as the municipality's clock shows it, written the way the
    page's language writes dates (Babel's CLDR data outside the Nordic languages)."""
    zone = TIME_ZONES[current_app.config["MUNICIPALITY"].country]
    moment = moment.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
    locale = str(get_locale() or "nb")
    if locale in NORDIC or pattern not in _SKELETONS:
        return moment.strftime(pattern)
    skeleton, with_time = _SKELETONS[pattern]
    parts = [format_skeleton(skeleton, moment, locale=locale)] if skeleton else []
    return " ".join(parts + ([moment.strftime("%H:%M")] if with_time else []))
