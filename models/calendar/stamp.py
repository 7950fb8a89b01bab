"""When a unit's calendar last changed, for the calendar feed's ETag.

Every change that the month view or a feed shows (a day off, an event, a meeting
booking, a published week plan) calls `touch` with the units it concerns, in the same
transaction as the change; a feed then answers 304 only while none of its units moved.
"""
import peewee

from models.calendar.tables import CalendarStamp
from models.db import utcnow


def touch(unit_ids):
    """Bump the stamp of each unit (ids or model instances): one upsert statement."""
    ids = sorted({getattr(unit, "id", unit) for unit in unit_ids if unit is not None})
    if not ids:
        return
    now = utcnow()
    (CalendarStamp.insert_many([{"unit": unit_id, "changed_at": now, "version": 1}
                                for unit_id in ids])
     .on_conflict(conflict_target=[CalendarStamp.unit],
                  update={CalendarStamp.changed_at: peewee.EXCLUDED.changed_at,
                          CalendarStamp.version: CalendarStamp.version + 1})
     .execute())
