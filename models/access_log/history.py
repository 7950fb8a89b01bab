"""What a child's guardians read on "Who has seen my child's data": the access rows of
the last 12 months, newest first, a page at a time, in two queries whatever their
number."""
import datetime
from dataclasses import dataclass

import peewee

from models.db import utcnow
from models.school.tables import Unit

from models.access_log.tables import AccessRecord

PER_PAGE = 50
WINDOW = datetime.timedelta(days=365)


@dataclass(frozen=True)
class Line:
    at: datetime.datetime
    viewer_name: str  # "" when the page may show roles only
    roles: tuple
    page: str
    unit: str


def since():
    """The oldest moment the guardians' page shows."""
    return utcnow() - WINDOW


def _where(child_id, start):
    return (AccessRecord.child == child_id) & (AccessRecord.at >= start)


def for_child(child_id, page=0, names=True):
    """(lines of page `page`, total count) for the last 12 months; `names=False` leaves
    the viewers' names out (a protected child's page, unless the municipality says
    otherwise)."""
    start = since()
    total = AccessRecord.select().where(_where(child_id, start)).count()
    rows = (AccessRecord.select(AccessRecord.at, AccessRecord.viewer_name,
                                AccessRecord.roles, AccessRecord.page, Unit.name)
            .join(Unit, peewee.JOIN.LEFT_OUTER, on=(AccessRecord.unit == Unit.id))
            .where(_where(child_id, start))
            .order_by(AccessRecord.at.desc(), AccessRecord.id.desc())
            .limit(PER_PAGE).offset(page * PER_PAGE).tuples()) if total else []
    return [Line(at, name if names else "", tuple(r for r in roles.split(",") if r), kind,
                 unit or "") for at, name, roles, kind, unit in rows], total
