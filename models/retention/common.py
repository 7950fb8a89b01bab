"""What the kinds of retention share: the settings they read, the days periods end on,
and holding records back for the archive per unit (models/archive/gate.py)."""
import datetime
from dataclasses import dataclass

from models.archive import gate

CHUNK = 500  # ids per DELETE: below SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class Settings:
    """The municipality's [retention] periods and where files are kept (the app's
    storage, models/storage.py)."""
    retention: dict
    storage: object

    def __getitem__(self, key):
        return self.retention[key]


def settings_of(app):
    return Settings(dict(app.config["MUNICIPALITY"].retention), app.extensions["storage"])


def years_before(day, years):
    """The same calendar day `years` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def months_before(day, months):
    """The same day of the month `months` earlier (the month's last day if shorter)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def school_year_cutoff(day, school_years):
    """The first day kept when `school_years` school years are kept: 1 August of the
    oldest one (school_years=1 keeps the current school year only)."""
    year = day.year if day.month >= 8 else day.year - 1
    return datetime.date(year - school_years + 1, 8, 1)


def day_start(day):
    return datetime.datetime.combine(day, datetime.time.min)


def chunks(ids):
    ids = list(ids)
    for n in range(0, len(ids), CHUNK):
        yield ids[n:n + CHUNK]


def split_by_archive(kind, rows, cutoff):
    """Which rows past the period may go now. `rows`: (id, unit ids, last day) of rows
    whose last day is before `cutoff`. A row of an archivable kind waits until every unit
    it belongs to has a confirmed archive package covering its last day (no unit: the
    period alone decides). Returns (ids that may go, how many are held back)."""
    limits = {}

    def limit(unit_id):
        if unit_id not in limits:
            limits[unit_id] = gate.deletable_before(kind, unit_id, cutoff)
        return limits[unit_id]

    free, held = [], 0
    for row_id, units, last_day in rows:
        if all(last_day < limit(unit) for unit in units):
            free.append(row_id)
        else:
            held += 1
    return free, held
