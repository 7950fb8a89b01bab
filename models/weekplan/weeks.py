"""ISO 8601 weeks as the plan's addresses name them ("2026-W53"), and the local clock
that says which week is "this week" and when a scheduled publication falls."""
import datetime
import re

from models.db import now_local, today

# Plans are for weeks near now; a link far outside these years is no week a plan can
# have (404), and keeps date arithmetic far from date.min/max.
YEAR_MIN, YEAR_MAX = 2000, 2099
_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")
WEEK_PATTERN = r"[0-9]{4}-W[0-9]{2}"
DAYS = 7
SCHOOL_DAYS = 5


def weeks_in_year(year):
    """52 or 53: 28 December always lies in the year's last ISO week."""
    return datetime.date(year, 12, 28).isocalendar().week


def parse_week(text):
    """The Monday of the ISO week written "YYYY-Www", or None when there is no such week
    (week 53 of a 52-week year, week 00) or the year is outside YEAR_MIN..YEAR_MAX."""
    found = _WEEK.fullmatch(text or "")
    if not found:
        return None
    year, week = int(found.group(1)), int(found.group(2))
    if not YEAR_MIN <= year <= YEAR_MAX or not 1 <= week <= weeks_in_year(year):
        return None
    return datetime.date.fromisocalendar(year, week, 1)


def week_name(day):
    """"2026-W53" for any day of that ISO week (the ISO year may differ from the
    calendar year around New Year)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_number(day):
    return day.isocalendar().week


def monday_of(day):
    return day - datetime.timedelta(days=day.weekday())


def this_monday(day=None):
    return monday_of(day or today())


def in_range(monday):
    """Whether a week's Monday is one a plan may have (its neighbours too stay inside)."""
    return (datetime.date.fromisocalendar(YEAR_MIN, 1, 1) <= monday
            <= datetime.date.fromisocalendar(YEAR_MAX, weeks_in_year(YEAR_MAX), 1))


def days_of(monday, count=DAYS):
    return [monday + datetime.timedelta(days=n) for n in range(count)]


def to_utc(day, at, zone):
    """A local date and time in `zone` as naive UTC, as the tables store moments. A time
    the clock skips (02:30 on the night summer time starts) counts as the same moment an
    hour later by the new reckoning (03:30); one it shows twice (02:30 in late October)
    as its first occurrence, before the clock goes back (fold=0 gives both)."""
    local = datetime.datetime.combine(day, at).replace(tzinfo=zone)
    return local.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def to_local(moment, zone):
    """A stored moment (naive UTC) in `zone`, aware."""
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(zone)


def default_publication(monday):
    """When a plan is usually published: the Friday before its week at 14:00, local."""
    return monday - datetime.timedelta(days=3), datetime.time(14, 0)


def local_today(zone):
    return now_local(zone).date()

