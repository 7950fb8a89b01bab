"""Reading the attendance register's form: a status from a fixed set and an optional
HH:MM time per child, and the statistics' term from the address."""
import datetime
import re

from flask_babel import lazy_gettext as _l

from models.attendance.statistics import Term
from models.attendance.tables import ABSENT, LATE, PRESENT, STATUSES
from models.calendar import days

from views.absence_forms import day_text
from views.common import DATE_MAX, DATE_MIN, refuse

STATUS_NAMES = {
    PRESENT: _l("Present"),
    ABSENT: _l("Absent"),
    LATE: _l("Late"),
}
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])(:00)?")
_TERM = re.compile(r"([0-9]{4})-(spring|autumn)")
BAD_STATUS = _l("Choose present, absent or late.")
BAD_TIME = _l("Write the time as HH:MM, for example 13:30.")


def read_mark(form, child_id, errors):
    """(status, late time) for one child, or None when nothing is chosen; a wrong
    value is an error under the child's field names."""
    status = form.get(f"status-{child_id}", "").strip()
    text = form.get(f"late-{child_id}", "").strip()
    if not status:
        return None
    if status not in STATUSES:
        errors[f"status-{child_id}"] = BAD_STATUS
        return None
    late_at = None
    if text:
        found = _TIME.fullmatch(text)
        if found is None:
            errors[f"late-{child_id}"] = BAD_TIME
            return None
        late_at = datetime.time(int(found.group(1)), int(found.group(2)))
    return status, late_at if status == LATE else None


def read_marks(form, rows):
    """({child id: (status, time)}, errors) for the children on the register."""
    errors, marks = {}, {}
    for row in rows:
        mark = read_mark(form, row.child_id, errors)
        if mark is not None:
            marks[row.child_id] = mark
    return marks, errors


def closed_text(why, day):
    if why[0] == days.HOLIDAY:
        return _l("%(day)s is a holiday (%(name)s): there is no school that day.",
                  day=day_text(day), name=why[1])
    return _l("There is no school on %(day)s: it is a weekend.", day=day_text(day))


def read_term(values, default):
    """The term named `2026-autumn` / `2027-spring` in the address, or `default`."""
    text = values.get("term", "").strip()
    if not text:
        return default
    found = _TERM.fullmatch(text)
    if found is None or not DATE_MIN.year <= int(found.group(1)) <= DATE_MAX.year - 1:
        refuse(_l("Choose a term such as %(example)s.", example=default.key))
    return Term(int(found.group(1)), found.group(2))
