"""A group's attendance over a term, per child: school days absent (lessons, when the
unit registers per lesson), split by what explains them, and times late. Weekends, the
school's holidays and days still to come are not counted. What a day (or a lesson)
counts as:

- leave: approved leave covers it;
- reported: a guardian reported the whole day before it was marked (or it has no mark);
- noticed: staff recorded it, or it was marked absent and a report came after the mark;
- unexplained: marked absent, and no report at all;
- a day marked present counts as present whatever was reported.
"""
import csv
import datetime
import io
from dataclasses import dataclass

from models.absence.absence import term_of
from models.absence.tables import ARRIVES_LATE, GUARDIAN_REASONS, LEAVE, WHOLE_DAY, Absence
from models.attendance.tables import ABSENT, DAY_REGISTER, LATE, PRESENT, AttendanceMark
from models.calendar import days
from models.db import today
from models.school.tables import Child, Enrolment

REPORTED, NOTICED, UNEXPLAINED = "reported", "noticed", "unexplained"
CATEGORIES = (REPORTED, NOTICED, UNEXPLAINED, LEAVE)
TERMS = ("spring", "autumn")
CSV_COLUMNS = ("first_name", "last_name", "term", "school_days", "absent_days",
               "reported_days", "noticed_days", "unexplained_days", "leave_days", "late")
# A unit that registers per lesson counts lessons (hours) absent.
LESSON_CSV_COLUMNS = ("first_name", "last_name", "term", "school_days", "lessons_per_day",
                      "absent_lessons", "reported_lessons", "noticed_lessons",
                      "unexplained_lessons", "leave_lessons", "late")


@dataclass(frozen=True)
class ChildLine:
    child_id: int
    first_name: str
    last_name: str
    counts: dict        # {category: days}
    late: int

    @property
    def name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def absent(self):
        return sum(self.counts.values())


@dataclass(frozen=True)
class Term:
    year: int
    season: str          # "spring" or "autumn"

    @property
    def key(self):
        return f"{self.year}-{self.season}"

    @property
    def bounds(self):
        return term_of(datetime.date(self.year, 9 if self.season == "autumn" else 3, 1))

    def neighbours(self):
        """(previous, next) term."""
        if self.season == "autumn":
            return Term(self.year, "spring"), Term(self.year + 1, "spring")
        return Term(self.year - 1, "autumn"), Term(self.year, "autumn")


def term_at(day):
    return Term(day.year, "autumn" if day.month >= 8 else "spring")


@dataclass(frozen=True)
class Statistics:
    term: Term
    school_days: int     # school days of the term so far
    lines: list
    lessons: int = 0     # lessons a day counted; 0: days are counted


def _each_day(first, last):
    for n in range((last - first).days + 1):
        yield first + datetime.timedelta(days=n)


def _category(mark, reports):
    """The category of one child's school day, or None when not absent."""
    status, marked_at = mark or (None, None)
    if status in (PRESENT, LATE):
        return None
    whole = [r for r in reports if r[1] == WHOLE_DAY]
    if any(r[0] == LEAVE for r in whole):
        return LEAVE
    guardian = [r for r in whole if r[0] in GUARDIAN_REASONS and not r[2]]
    if status == ABSENT:
        if guardian and guardian[0][3] <= marked_at:
            return REPORTED
        return NOTICED if whole else UNEXPLAINED
    if guardian:
        return REPORTED
    return NOTICED if whole else None


def statistics(unit, group_id, term, lessons=0):
    """Statistics for the group over the term: the children enrolled in it at some time
    in the term, by name; with `lessons` (a day), the marks of each lesson are counted
    instead of the day register's. Four queries whatever the group's size (three for a
    unit that is not a school)."""
    first, last = term.bounds
    last = min(last, today())
    enrolled = (Enrolment.select(Enrolment.child)
                .where((Enrolment.group == group_id) & (Enrolment.start_date <= last)
                       & (Enrolment.end_date.is_null() | (Enrolment.end_date >= first))))
    children = list(Child.select(Child.id, Child.first_name, Child.last_name)
                    .where(Child.id.in_(enrolled))
                    .order_by(Child.first_name, Child.last_name, Child.id).tuples())
    off = (days.days_off([unit.id], first, last)
           if unit.kind == days.SCHOOL and first <= last else {})
    school = [d for d in _each_day(first, last) if not days.is_weekend(d) and d not in off]
    school_set = set(school)
    marks = {}
    counted = list(range(1, lessons + 1)) if lessons else [DAY_REGISTER]
    for child, day, lesson, status, marked_at in (
            AttendanceMark.select(AttendanceMark.child, AttendanceMark.day,
                                  AttendanceMark.lesson, AttendanceMark.status,
                                  AttendanceMark.marked_at)
            .where(AttendanceMark.child.in_(enrolled) & (AttendanceMark.day >= first)
                   & (AttendanceMark.day <= last)
                   & AttendanceMark.lesson.in_(counted)).tuples()):
        marks[(child, day, lesson)] = (status, marked_at)
    reports = {}
    for child, start, end, reason, part, by_staff, at in (
            Absence.select(Absence.child, Absence.start_date, Absence.end_date,
                           Absence.reason, Absence.part, Absence.by_staff,
                           Absence.reported_at)
            .where(Absence.child.in_(enrolled) & (Absence.start_date <= last)
                   & (Absence.end_date >= first) & Absence.withdrawn_at.is_null())
            .order_by(Absence.reported_at, Absence.id).tuples()):
        for day in _each_day(max(start, first), min(end, last)):
            if day in school_set:
                reports.setdefault((child, day), []).append((reason, part, by_staff, at))
    lines = []
    for child_id, first_name, last_name in children:
        counts = dict.fromkeys(CATEGORIES, 0)
        late = 0
        for day in school:
            found = reports.get((child_id, day), [])
            for lesson in counted:
                mark = marks.get((child_id, day, lesson))
                category = _category(mark, found)
                if category:
                    counts[category] += 1
                if (mark and mark[0] == LATE) or (
                        mark is None and lesson == counted[0]
                        and any(r[1] == ARRIVES_LATE for r in found)):
                    late += 1
        lines.append(ChildLine(child_id, first_name, last_name, counts, late))
    return Statistics(term, len(school), lines, lessons)



def _safe(value):
    """A cell a spreadsheet will not run as a formula (a name cannot start with =)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_csv(found):
    """The statistics as CSV for the school's records (README: "Attendance register and
    its export"): UTF-8 with a byte order mark and ";" between cells, as a Nordic Excel
    opens it; one row per child; lessons instead of days for a unit that registers per
    lesson."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(LESSON_CSV_COLUMNS if found.lessons else CSV_COLUMNS)
    per_day = [found.lessons] if found.lessons else []
    for line in found.lines:
        writer.writerow([_safe(line.first_name), _safe(line.last_name), found.term.key,
                         found.school_days, *per_day, line.absent, line.counts[REPORTED],
                         line.counts[NOTICED], line.counts[UNEXPLAINED], line.counts[LEAVE],
                         line.late])
    return out.getvalue()
