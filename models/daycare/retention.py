"""Check-in times, and who the guardians said would pick up on a day, are personal data:
kept for the municipality's number of school years (retention.check_in_school_years; 2
keeps the current and the previous one), then deleted by `flask purge`."""
import datetime

from models import audit
from models.daycare.tables import Presence
from models.db import database, today
from models.pickup.tables import PickupToday
from models.school.tables import school_year_of


def cutoff(school_years, day=None):
    """The first day kept: 1 August of the oldest school year kept."""
    return datetime.date(school_year_of(day or today()) - school_years + 1, 8, 1)


def due(school_years, day=None):
    """How many days of check-ins and of who picks up are older than the period kept."""
    first = cutoff(school_years, day)
    return (Presence.select().where(Presence.day < first).count()
            + PickupToday.select().where(PickupToday.day < first).count())


def purge(school_years, day=None):
    """Delete the check-ins and the days' pick-up words older than the period kept;
    one audit event. Returns the number deleted."""
    first = cutoff(school_years, day)
    with database.atomic():
        checks = Presence.delete().where(Presence.day < first).execute()
        said = PickupToday.delete().where(PickupToday.day < first).execute()
        if checks or said:
            audit.record("presence.purged", count=checks, pickups=said,
                         before=first.isoformat())
    return checks + said
