"""Events fall under the retention purge (models/retention/kinds.py's protocol): an
event, its texts, who was invited and every reply go `events_months` after its last
day. Counts only."""
from models import audit
from models.db import database
from models.events.tables import Event
from models.retention.common import months_before


def _expired(settings, day):
    return Event.last_day < months_before(day, settings["events_months"])


def due(settings, day):
    """How many events a purge on `day` would delete."""
    return Event.select().where(_expired(settings, day)).count()


def purge(settings, day):
    """Delete the expired events with their texts, audience and replies (cascade); one
    audit event. Returns the number of events deleted."""
    with database.atomic():
        count = Event.delete().where(_expired(settings, day)).execute()
        if count:
            audit.record("events.purged", count=count,
                         before=months_before(day, settings["events_months"]).isoformat())
    return count
