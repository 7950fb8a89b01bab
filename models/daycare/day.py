"""The day list of a department: every child enrolled that day, with where they are —
expected, here now, gone home, or reported absent — who is expected to pick them up
today, who may (the approved pick-up list and the guardians), and near closing time the
guardians' phones of those still here. Three queries whatever the group's size."""
import datetime
from dataclasses import dataclass, field

from peewee import JOIN, Value

from models.absence.tables import WHOLE_DAY, Absence
from models.daycare.tables import Presence
from models.pickup.lists import all_approved
from models.pickup.tables import PickupPerson, PickupToday
from models.school.tables import (UNPROTECTED, WITH_RESPONSIBILITY, Child, Enrolment,
                                  Guardianship, User)

EXPECTED, HERE, GONE, ABSENT = "expected", "here", "gone", "absent"
STATUSES = (EXPECTED, HERE, GONE, ABSENT)
GUARDIAN, PERSON = "guardian", "person"


@dataclass(frozen=True)
class Person:
    """Someone who may fetch the child: a guardian or an approved person on the list."""
    kind: str                   # GUARDIAN or PERSON
    id: int
    name: str
    relation: str               # a pick-up relation (PERSON), "" for a guardian
    phone: str

    @property
    def value(self):
        """The check-out form's value for this person."""
        return f"{self.kind}-{self.id}"


@dataclass(frozen=True)
class Report:
    """What the guardians (or staff) reported for the day. `reason` is None where the
    viewer is not to see it (the shared tablet)."""
    part: str
    at_time: datetime.time | None
    picked_up_by: str
    reason: str | None


@dataclass(frozen=True)
class Expected:
    """Who the guardians said picks up today: a person on the list, or a one-off name."""
    person: Person | None
    name: str
    phone: str

    @property
    def label(self):
        return self.person.name if self.person else self.name


@dataclass
class Row:
    child_id: int
    first_name: str
    last_name: str
    status: str
    checked_in_at: datetime.datetime | None = None     # naive UTC
    checked_in_by: str = ""
    checked_out_at: datetime.datetime | None = None
    checked_out_by: str = ""
    picked_up_by: str = ""
    corrected: bool = False
    report: Report | None = None
    expected: Expected | None = None
    people: list = field(default_factory=list)        # [Person]: guardians, then the list
    phones: list = field(default_factory=list)        # [Person]: near closing, if still here

    @property
    def name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def guardians(self):
        return [p for p in self.people if p.kind == GUARDIAN]

    @property
    def pickup_list(self):
        return [p for p in self.people if p.kind == PERSON]

    @property
    def preselected(self):
        """The check-out form's value chosen beforehand: today's expected person (or
        their one-off name), else nothing."""
        if self.expected is None:
            return ""
        return self.expected.person.value if self.expected.person else "expected"


def enrolled_ids(group_id, day):
    return (Enrolment.select(Enrolment.child)
            .where((Enrolment.group == group_id) & Enrolment.active(day)))


def _name(first, last):
    return f"{first or ''} {last or ''}".strip()


def _listed(child, protected_lists):
    """The child's pick-up list may be shown: always to the department's own staff (and
    its tablet), otherwise only for a child without a protected address."""
    return True if protected_lists else child.address_protection.in_(UNPROTECTED)


def _children(group_id, day, protected_lists):
    checked_in_by, checked_out_by = User.alias("in_by"), User.alias("out_by")
    fetched_by = PickupPerson.alias("fetched_by")
    return (Child.select(
        Child.id, Child.first_name, Child.last_name, Presence.checked_in_at,
        checked_in_by.first_name, checked_in_by.last_name, Presence.checked_out_at,
        checked_out_by.first_name, checked_out_by.last_name, Presence.picked_up_by_name,
        fetched_by.first_name, fetched_by.last_name, Presence.corrected_at,
        PickupToday.name, PickupToday.phone, PickupPerson.id, PickupPerson.first_name,
        PickupPerson.last_name, PickupPerson.relation, PickupPerson.phone)
        .join(Enrolment, on=(Enrolment.child == Child.id))
        .join(Presence, JOIN.LEFT_OUTER,
              on=((Presence.child == Child.id) & (Presence.day == day)))
        .join(checked_in_by, JOIN.LEFT_OUTER, on=(Presence.checked_in_by == checked_in_by.id))
        .join(checked_out_by, JOIN.LEFT_OUTER,
              on=(Presence.checked_out_by == checked_out_by.id))
        .join(fetched_by, JOIN.LEFT_OUTER, on=(Presence.picked_up_by_person == fetched_by.id))
        .join(PickupToday, JOIN.LEFT_OUTER,
              on=((PickupToday.child == Child.id) & (PickupToday.day == day)
                  & _listed(Child, protected_lists)))
        # A person since removed from the list, or no longer approved, no longer counts.
        .join(PickupPerson, JOIN.LEFT_OUTER,
              on=((PickupToday.person == PickupPerson.id) & PickupPerson.removed_at.is_null()
                  & all_approved()))
        .where((Enrolment.group == group_id) & Enrolment.active(day))
        .distinct()
        .order_by(Child.first_name, Child.last_name, Child.id).tuples())


def _reports(children, day, show_reasons):
    reports = {}
    for child, part, at_time, picked_up_by, reason in (
            Absence.select(Absence.child, Absence.part, Absence.at_time,
                           Absence.picked_up_by, Absence.reason)
            .where(Absence.child.in_(children) & (Absence.start_date <= day)
                   & (Absence.end_date >= day) & Absence.withdrawn_at.is_null())
            .order_by(Absence.reported_at, Absence.id).tuples()):
        found = reports.get(child)
        # A whole day away says more than "arrives late" or "leaves early".
        if found is None or found.part != WHOLE_DAY:
            reports[child] = Report(part, at_time, picked_up_by,
                                    reason if show_reasons else None)
    return reports


def _people(children, protected_lists):
    """{child id: [Person]}: guardians with parental responsibility, then the approved
    pick-up list (of a protected child only with `protected_lists`), by name. One query
    (a union)."""
    guardians = (Guardianship.select(Guardianship.child, Value(GUARDIAN), User.id,
                                     User.first_name, User.last_name, Value(""), User.phone)
                 .join(User, on=(Guardianship.guardian == User.id))
                 .where(Guardianship.child.in_(children)
                        & Guardianship.responsibility.in_(WITH_RESPONSIBILITY)))
    listed = (PickupPerson.select(PickupPerson.child, Value(PERSON), PickupPerson.id,
                                  PickupPerson.first_name, PickupPerson.last_name,
                                  PickupPerson.relation, PickupPerson.phone)
              .join(Child, on=(PickupPerson.child == Child.id))
              .where(PickupPerson.child.in_(children) & PickupPerson.removed_at.is_null()
                     & all_approved() & _listed(Child, protected_lists)))
    found = {}
    for child, kind, person_id, first, last, relation, phone in (guardians + listed).tuples():
        found.setdefault(child, []).append(
            Person(kind, person_id, _name(first, last), relation or "", phone or ""))
    for people in found.values():
        people.sort(key=lambda p: (p.kind != GUARDIAN, p.name, p.id))
    return found


def _status(checked_in_at, checked_out_at, report):
    if checked_out_at is not None:
        return GONE
    if checked_in_at is not None:
        return HERE
    if report is not None and report.part == WHOLE_DAY:
        return ABSENT
    return EXPECTED


def day_list(group, day, show_reasons=True, near_closing=False, protected_lists=False):
    """[Row] of every child enrolled in the group (a Group or its id) on `day`, by
    first name. `show_reasons`: the absence reason is shown (staff; not the shared
    tablet). `near_closing`: rows of the children still here carry their guardians'
    phones. `protected_lists`: the viewer is the department's own (its staff, its
    tablet), who alone see a protected child's pick-up list and who is to fetch them.
    Three queries whatever the group's size."""
    group_id = getattr(group, "id", group)
    children = enrolled_ids(group_id, day)
    reports = _reports(children, day, show_reasons)
    people = _people(children, protected_lists)
    rows = []
    for (child_id, first, last, in_at, in_first, in_last, out_at, out_first, out_last,
         fetched_name, fetched_first, fetched_last, corrected_at, today_name, today_phone,
         person_id, person_first, person_last, relation, person_phone) in _children(
            group_id, day, protected_lists):
        report = reports.get(child_id)
        status = _status(in_at, out_at, report)
        expected = None
        if person_id is not None:
            expected = Expected(Person(PERSON, person_id, _name(person_first, person_last),
                                       relation or "", person_phone or ""), "", "")
        elif today_name:
            expected = Expected(None, today_name, today_phone or "")
        own = people.get(child_id, [])
        rows.append(Row(
            child_id, first, last, status, in_at, _name(in_first, in_last), out_at,
            _name(out_first, out_last),
            _name(fetched_first, fetched_last) or (fetched_name or ""),
            corrected_at is not None, report, expected, own,
            [p for p in own if p.kind == GUARDIAN and p.phone]
            if near_closing and status == HERE else []))
    return rows


def row(group, day, child_id, **options):
    """One child's Row (for the fragment a tap returns), or None."""
    return next((r for r in day_list(group, day, **options) if r.child_id == child_id),
                None)


def counts(rows):
    """{status: number of children} over the rows."""
    found = dict.fromkeys(STATUSES, 0)
    for line in rows:
        found[line.status] += 1
    return found
