"""Filing, answering, commenting on and withdrawing rectification requests, and the
lists each side sees. Every change is one transaction with its audit row and its
notifications (which name the kind of event and the unit, never what the request says
or whom it is about)."""
import datetime
from dataclasses import dataclass

import peewee
from peewee import Case, fn

from models import audit
from models.db import database, utcnow
from models.messaging.sensitive import NATIONAL_ID
from models.notifications import notify
from models.notifications.tables import RECTIFICATION, RECTIFIED
from models.rectification import access as rules
from models.rectification.tables import (ABSENCE, COMMENT, CONTACT, CORRECTED, DECLINED,
                                         MARK, OPEN, REGISTER_FIELDS, REQUESTED, STATUSES,
                                         TEXT_MAX, WITHDRAWN, Rectification, RectificationEntry,
                                         RectificationUnit)
from models.school.tables import Child, User

LIST_LIMIT = 200


def text_problem(text):
    """What is wrong with an explanation, answer or comment: "empty", "long",
    "national_id" (a number that looks like one: the school finds the person without
    it, and it must not sit in free text), or None."""
    if not text:
        return "empty"
    if len(text) > TEXT_MAX:
        return "long"
    # An international phone number written without spaces (+4790000020) is not one.
    if any(not text[:found.start()].endswith("+") for found in NATIONAL_ID.finditer(text)):
        return "national_id"
    return None


class AlreadyClosed(Exception):
    """The request was answered or withdrawn meanwhile."""


def _path(row):
    return f"/rectifications/{row.id}"


def _entry(row, kind, author, text, now):
    return RectificationEntry.create(rectification=row, kind=kind, author=author, text=text,
                                     at=now)


def _handlers(row):
    """Ids of the people who answer the request."""
    if row.register:
        return rules.administrators()
    units = [u for (u,) in RectificationUnit.select(RectificationUnit.unit)
             .where(RectificationUnit.rectification == row.id).tuples()]
    return rules.leaders_of(units)


def _first_unit(row):
    return (RectificationUnit.select(RectificationUnit.unit)
            .where(RectificationUnit.rectification == row.id)
            .order_by(RectificationUnit.unit).scalar())


def _tell(kind, row, source, recipients, author):
    recipients = {user: None for user in recipients if user != author.id}
    notify.publish(notify.Event(kind=kind, source=f"{row.id}:{source}", path=_path(row),
                                unit_id=_first_unit(row), recipients=recipients))


def file(user, about, field, text, child_id=None, record=None, ip="", day=None):
    """A new request from `user`; returns it. `record` is the Absence or AttendanceMark
    it is about (about ABSENCE or MARK). It goes to the leaders of the units concerned
    (those that have one); register data (name, birth date, address, national identity
    number) to the administrator, and so does anything with no unit leader to answer."""
    now = utcnow()
    if record is not None:
        child_id = record.child_id
    units = ([] if field in REGISTER_FIELDS else
             rules.with_leaders(rules.units_for(about, user, child_id=child_id,
                                                mark=record if about == MARK else None,
                                                day=day)))
    register = not units
    with database.atomic():
        row = Rectification.create(
            requester=user, about=about, field=field,
            child=child_id if about != CONTACT else None,
            absence=record.id if about == ABSENCE else None,
            mark=record.id if about == MARK else None,
            register=register, status=OPEN, created_at=now)
        if not register:
            RectificationUnit.insert_many([(row.id, unit) for unit in units],
                                          fields=[RectificationUnit.rectification,
                                                  RectificationUnit.unit]).execute()
        _entry(row, REQUESTED, user, text, now)
        audit.record("rectification.requested", actor=user, obj=row, ip=ip,
                     children=[row.child_id], about=about, field=field,
                     to="administrator" if register else "unit_leader")
        _tell(RECTIFICATION, row, "new", _handlers(row), user)
    return row


def answer(row, user, outcome, text, ip=""):
    """Close the request as corrected or declined, with what was done or why not."""
    if outcome not in (CORRECTED, DECLINED):
        raise ValueError(outcome)
    now = utcnow()
    with database.atomic():
        changed = (Rectification.update(status=outcome, closed_at=now, closed_by=user)
                   .where((Rectification.id == row.id) & (Rectification.status == OPEN))
                   .execute())
        if not changed:
            raise AlreadyClosed()
        _entry(row, outcome, user, text, now)
        audit.record("rectification.answered", actor=user, obj=row, ip=ip,
                     children=[row.child_id], outcome=outcome)
        _tell(RECTIFIED, row, "answer", [row.requester_id], user)


def comment(row, user, text, ip=""):
    """A comment on an open request: from the requester to those who answer it, or from
    them to the requester."""
    now = utcnow()
    with database.atomic():
        if not Rectification.select().where((Rectification.id == row.id)
                                            & (Rectification.status == OPEN)).exists():
            raise AlreadyClosed()
        entry = _entry(row, COMMENT, user, text, now)
        audit.record("rectification.commented", actor=user, obj=row, ip=ip,
                     children=[row.child_id])
        if user.id == row.requester_id:
            _tell(RECTIFICATION, row, f"c{entry.id}", _handlers(row), user)
        else:
            _tell(RECTIFIED, row, f"c{entry.id}", [row.requester_id], user)


def withdraw(row, user, ip=""):
    """The requester takes back an open request."""
    now = utcnow()
    with database.atomic():
        changed = (Rectification.update(status=WITHDRAWN, closed_at=now, closed_by=user)
                   .where((Rectification.id == row.id) & (Rectification.status == OPEN)
                          & (Rectification.requester == user)).execute())
        if not changed:
            raise AlreadyClosed()
        _entry(row, WITHDRAWN, user, "", now)
        audit.record("rectification.withdrawn", actor=user, obj=row, ip=ip,
                     children=[row.child_id])


@dataclass(frozen=True)
class Line:
    """A line of a request's history."""
    kind: str
    author: str
    text: str
    at: datetime.datetime


def history(row):
    """The request's history, oldest first, with each author's name. One query."""
    author = User.alias("author")
    return [Line(kind, f"{first} {last}" if first is not None else "", text, at)
            for kind, first, last, text, at in
            RectificationEntry.select(RectificationEntry.kind, author.first_name,
                                      author.last_name, RectificationEntry.text,
                                      RectificationEntry.at)
            .join(author, peewee.JOIN.LEFT_OUTER,
                  on=(RectificationEntry.author == author.id))
            .where(RectificationEntry.rectification == row.id)
            .order_by(RectificationEntry.at, RectificationEntry.id).tuples()]


@dataclass(frozen=True)
class Item:
    """A request as a list shows it."""
    id: int
    about: str
    field: str
    status: str
    created_at: datetime.datetime
    closed_at: datetime.datetime | None
    requester: str
    child: str
    register: bool
    shown: bool  # the viewer may open it (else: numbers only, no names)


def _items(condition, named):
    """The requests, with who asked and about which child where `named` holds (the
    others, in the administrator's overview, without anyone's name)."""
    requester = User.alias("requester_user")
    query = (Rectification.select(Rectification.id, Rectification.about, Rectification.field,
                                  Rectification.status, Rectification.created_at,
                                  Rectification.closed_at, requester.first_name,
                                  requester.last_name, Child.first_name, Child.last_name,
                                  Rectification.register,
                                  Case(None, [(named, True)], False))
             .join(requester, on=(Rectification.requester == requester.id))
             .switch(Rectification)
             .join(Child, peewee.JOIN.LEFT_OUTER, on=(Rectification.child == Child.id))
             .where(condition)
             .order_by((Rectification.status == OPEN).desc(), Rectification.created_at.desc(),
                       Rectification.id.desc())
             .limit(LIST_LIMIT).tuples())
    return [Item(id_, about, field, status, created, closed,
                 f"{rf} {rl}" if shown else "",
                 f"{cf} {cl}" if cf is not None and shown else "", register, bool(shown))
            for (id_, about, field, status, created, closed, rf, rl, cf, cl, register, shown)
            in query]


def own(user):
    """The user's own requests, open ones first. One query."""
    mine = Rectification.requester == user
    return _items(mine, mine)


def to_answer(user, everything=False):
    """The requests the user answers (a unit leader: their units'; the administrator:
    theirs), open ones first; with `everything`, for the administrator, every request of
    the installation, those of the units without names (reading them is not the
    administrator's by default, rule 3). One query."""
    answers = rules.to_answer_condition(user)
    condition = answers | rules.admin_condition(user) if everything else answers
    return _items(condition, answers)


def counts():
    """{status: how many requests}, for the data-protection officer: numbers, no names."""
    found = dict.fromkeys(STATUSES, 0)
    found.update(Rectification.select(Rectification.status, fn.COUNT(Rectification.id))
                 .group_by(Rectification.status).tuples())
    return found

