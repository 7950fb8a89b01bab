"""A unit's attendance settings: one register a day or one per lesson (how many lessons
a day), the local time before which the notice of an unexplained absence waits, and
which reasons staff give for an absence need no notice. No row: the defaults."""
import datetime
from dataclasses import dataclass

from models import audit
from models.attendance.tables import DEFAULT_EXEMPT, STAFF_REASONS, AttendanceSetting
from models.db import database, utcnow


@dataclass(frozen=True)
class Settings:
    lessons: int = 0                         # 0: one register a day
    notice_after: datetime.time | None = None
    exempt: tuple = DEFAULT_EXEMPT

    @property
    def per_lesson(self):
        return self.lessons > 0


def from_row(row):
    """Settings from a row (or None, the defaults)."""
    if row is None or row.id is None:
        return Settings()
    return Settings(row.lessons, row.notice_after, row.exempt_reasons)


def of_unit(unit_id):
    return from_row(AttendanceSetting.get_or_none(AttendanceSetting.unit == unit_id))


def store(unit, settings, by, ip=""):
    """Store the unit's settings with their audit event, in one transaction."""
    exempt = [r for r in STAFF_REASONS if r in settings.exempt]
    values = {"lessons": settings.lessons, "notice_after": settings.notice_after,
              "exempt": ",".join(exempt), "changed_by": by.id, "changed_at": utcnow()}
    with database.atomic():
        (AttendanceSetting.insert(unit=unit.id, **values)
         .on_conflict(conflict_target=[AttendanceSetting.unit],
                      preserve=[getattr(AttendanceSetting, name) for name in values])
         .execute())
        audit.record("attendance.settings_changed", actor=by, obj=unit, ip=ip,
                     lessons=settings.lessons,
                     notice_after=(settings.notice_after.strftime("%H:%M")
                                   if settings.notice_after else ""),
                     exempt=exempt)
