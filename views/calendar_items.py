"""How the agenda's items read on a page and in the feed: the link to each item's own
page (events, meeting bookings, week plans), its kind and time in words, and the month
view's month from the address."""
import datetime
import re

from babel.dates import format_skeleton
from flask import current_app, url_for
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l

from models.calendar.agenda import DAY_OFF, EVENT, HOMEWORK, MEETING
from models.db import today
from models.weekplan.weeks import monday_of, week_name

from views.common import TIME_ZONES

KIND_NAMES = {EVENT: _l("Event"), MEETING: _l("Meeting"), HOMEWORK: _l("Homework"),
              DAY_OFF: _l("Day off")}
MONTHS_AROUND = 36  # how far from this month the month view goes either way
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


def link(item, child_id=None):
    """The address of the item's page, or None (a day off has none)."""
    if item.kind == EVENT:
        return url_for("events.show", event_id=item.link_id)
    if item.kind == MEETING:
        if item.staff and not item.children:
            return url_for("meetings.schedule", round_id=item.link_id)
        child = child_id or item.children[0][0]
        return url_for("meetings.booking_page", round_id=item.link_id, child_id=child)
    if item.kind == HOMEWORK:
        return url_for("weekplan.week", group_id=item.link_id,
                       week=week_name(monday_of(item.first_day)))
    return None


def local(moment):
    zone = TIME_ZONES[current_app.config["MUNICIPALITY"].country]
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(zone)


def day_heading(day):
    """"onsdag 18. november" / "onsdag 18 november"."""
    pattern = "EEEE d. MMMM" if str(get_locale()) in ("nb", "nn") else "EEEE d MMMM"
    return format_date(day, pattern)


def short_day(day):
    locale = str(get_locale())
    if locale in ("nb", "nn", "sv"):
        return format_date(day, "d.M." if locale != "sv" else "d/M")
    return format_skeleton("MMMd", day, locale=locale)  # never an ambiguous 6/12


def month_title(first):
    return format_date(first, "LLLL y")


def time_text(item, day):
    """The item's time as the day's line shows it: "14:00–14:20", "from 09:00", "until
    12:00", or "" for an all-day item."""
    if item.all_day or item.starts_at is None:
        return ""
    start, end = local(item.starts_at), local(item.ends_at or item.starts_at)
    if item.owed and item.kind == MEETING:
        return start.strftime("%H:%M")
    if start.date() == day and end.date() == day:
        return (start.strftime("%H:%M") if end <= start
                else f"{start:%H:%M}–{end:%H:%M}")
    if start.date() == day:
        return str(_l("from %(time)s", time=start.strftime("%H:%M")))
    if end.date() == day:
        return str(_l("until %(time)s", time=end.strftime("%H:%M")))
    return ""


def parse_month(value):
    """The first day of the month in ?month=YYYY-MM, this month when absent, or None
    when it is no month or further than MONTHS_AROUND months from this one."""
    now = today().replace(day=1)
    if value is None or value == "":
        return now
    if not isinstance(value, str) or not _MONTH.fullmatch(value):
        return None
    year, month = int(value[:4]), int(value[5:])
    if not 1 <= month <= 12:
        return None
    if abs((year - now.year) * 12 + month - now.month) > MONTHS_AROUND:
        return None
    return datetime.date(year, month, 1)


def shift(first, months):
    """The first day of the month `months` away, or None beyond the range."""
    index = first.year * 12 + first.month - 1 + months
    other = datetime.date(index // 12, index % 12 + 1, 1)
    now = today().replace(day=1)
    if abs((other.year - now.year) * 12 + other.month - now.month) > MONTHS_AROUND:
        return None
    return other


def last_of(first):
    return (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
