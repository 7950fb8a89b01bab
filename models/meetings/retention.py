"""Meeting rounds with their slots, bookings and agendas are kept for
`retention.meetings_months` (default 12) after the round's last meeting (its deadline,
for a round without slots), then deleted by the retention purge
(models/retention/kinds.py's protocol: counts only)."""
from peewee import fn

from models import audit
from models.db import database
from models.meetings.tables import MeetingRound, MeetingSlot
from models.retention.common import day_start, months_before


def _ended_before(settings, day):
    before = day_start(months_before(day, settings["meetings_months"]))
    last = (MeetingSlot.select(fn.MAX(MeetingSlot.ends_at))
            .where(MeetingSlot.round == MeetingRound.id))
    return fn.COALESCE(last, MeetingRound.deadline) < before


def due(settings, day):
    return MeetingRound.select().where(_ended_before(settings, day)).count()


def purge(settings, day):
    """Delete the rounds past the period (slots, children, agendas and bookings go
    with them); one audit event. Returns the number of rounds deleted."""
    with database.atomic():
        ids = [i for (i,) in MeetingRound.select(MeetingRound.id)
               .where(_ended_before(settings, day)).tuples()]
        if not ids:
            return 0
        count = MeetingRound.delete().where(MeetingRound.id.in_(ids)).execute()
        audit.record("meetings.purged", count=count)
    return count
