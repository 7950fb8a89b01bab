"""Reading the attendance register's form: a status from a fixed set, an optional
HH:MM time and the staff's reason for an absence per child; the lesson and the
statistics' term from the address; a unit's attendance settings."""
import datetime
import re

from flask_babel import lazy_gettext as _l

from models.attendance.statistics import Term
from models.attendance.settings import Settings
from models.attendance.tables import (ABSENT, ACTIVITY, CALL_ME, ILL_TODAY, LATE, MAX_LESSONS,
                                      ON_THE_WAY, PHONED, PRESENT, SENT_HOME, STAFF_REASONS,
                                      STATUSES, UNKNOWN)
from models.calendar import days

from views.absence_forms import day_text
from views.common import DATE_MAX, DATE_MIN, parse_number, refuse

STATUS_NAMES = {
    PRESENT: _l("Present"),
    ABSENT: _l("Absent"),
    LATE: _l("Late"),
}
REASON_NAMES = {
    UNKNOWN: _l("Reason not known"),
    PHONED: _l("A guardian phoned the school"),
    ACTIVITY: _l("At a school activity elsewhere"),
    SENT_HOME: _l("Sent home by the school"),
}
ANSWER_NAMES = {
    ILL_TODAY: _l("Ill today"),
    ON_THE_WAY: _l("On the way"),
    CALL_ME: _l("I don't know where my child is — call me"),
}
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])(:00)?")
_TERM = re.compile(r"([0-9]{4})-(spring|autumn)")
BAD_STATUS = _l("Choose present, absent or late.")
BAD_TIME = _l("Write the time as HH:MM, for example 13:30.")
BAD_REASON = _l("Choose a reason from the list.")


def read_mark(form, child_id, errors):
    """(status, late time, reason) for one child, or None when nothing is chosen; a
    wrong value is an error under the child's field names."""
    status = form.get(f"status-{child_id}", "").strip()
    text = form.get(f"late-{child_id}", "").strip()
    reason = form.get(f"reason-{child_id}", "").strip() or UNKNOWN
    if not status:
        return None
    if status not in STATUSES:
        errors[f"status-{child_id}"] = BAD_STATUS
        return None
    if reason not in STAFF_REASONS:
        errors[f"reason-{child_id}"] = BAD_REASON
        return None
    late_at = None
    if text:
        found = _TIME.fullmatch(text)
        if found is None:
            errors[f"late-{child_id}"] = BAD_TIME
            return None
        late_at = datetime.time(int(found.group(1)), int(found.group(2)))
    return (status, late_at if status == LATE else None,
            reason if status == ABSENT else UNKNOWN)


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


def read_lesson(values, settings):
    """The lesson in the address: 1 when the unit registers per lesson and none is
    named, 0 (the day register) otherwise; one the unit does not have is refused."""
    text = values.get("lesson", "").strip()
    if not settings.per_lesson:
        if text not in ("", "0"):
            refuse(_l("This unit keeps one register a day, not one per lesson."))
        return 0
    if not text:
        return 1
    lesson = parse_number(text, 1, settings.lessons)
    if lesson is None:
        refuse(_l("Choose a lesson from 1 to %(num)d.", num=settings.lessons))
    return lesson


def read_settings(form):
    """(Settings, typed, errors) from the settings form."""
    typed = {"mode": form.get("mode", "").strip(), "lessons": form.get("lessons", "").strip(),
             "notice_after": form.get("notice_after", "").strip(),
             "exempt": [r for r in form.getlist("exempt")]}
    errors = {}
    lessons = 0
    if typed["mode"] not in ("day", "lesson"):
        errors["mode-day"] = _l("Choose one register a day or one per lesson.")
    elif typed["mode"] == "lesson":
        lessons = parse_number(typed["lessons"], 1, MAX_LESSONS)
        if lessons is None:
            errors["lessons"] = _l("Write the number of lessons a day, from 1 to %(max)d.",
                                   max=MAX_LESSONS)
            lessons = 0
    notice_after = None
    if typed["notice_after"]:
        found = _TIME.fullmatch(typed["notice_after"])
        if found is None:
            errors["notice_after"] = BAD_TIME
        else:
            notice_after = datetime.time(int(found.group(1)), int(found.group(2)))
    if any(r not in STAFF_REASONS or r == UNKNOWN for r in typed["exempt"]):
        errors["exempt-" + PHONED] = BAD_REASON
    exempt = tuple(r for r in STAFF_REASONS if r in typed["exempt"] and r != UNKNOWN)
    return Settings(lessons, notice_after, exempt), typed, errors
