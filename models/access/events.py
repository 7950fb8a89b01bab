"""Who sees, answers and keeps an event (issue 20).

- Families: a guardian with parental responsibility, an approved caregiver (rule 1) or
  a pupil with their own login sees an event when one of the children they may see is
  invited: through the whole unit of the child's enrolment, a group the child is enrolled
  in, or by name, always from the enrolments of the day asked (a child who joins later
  is invited too; one who left is not). Only guardians with parental responsibility
  answer. A parent without parental responsibility sees nothing.
- Staff see the events of units where they hold a role. The unit leader keeps (edits,
  cancels, reminds) any of the unit's events; other staff keep an event whose every
  invited group or child is in the groups they reach (a contact teacher for their class,
  SFO and kindergarten staff for their unit's groups), never a whole-unit one.
- Replies are named only to staff, and only for the children they reach (a protected
  child is named only to staff with access to that child); other children count in the
  totals. The administrator and the data-protection officer see no event (404).
"""
import datetime

import peewee
from peewee import JOIN, fn

from models.access.children import (enrolled, guarded_child_ids, responsible_child_ids,
                                    staff_group_ids)
from models.access.roles import NOT_STAFF
from models.db import Prepared, today
from models.events.tables import Event, EventAudience, EventReply, EventText
from models.school.tables import (UNIT_LEADER, Child, Enrolment, Group, StaffRole, Unit,
                                  eighteenth_birthday_cutoff)
from models.translation.tables import cached, columns, joined

FAMILY, STAFF, KEEPER = "family", "staff", "keeper"


def staff_unit_ids(user):
    """Units where the user holds a staff role (through the unit or one of its groups)."""
    direct = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & StaffRole.role.not_in(NOT_STAFF)
        & StaffRole.unit.is_null(False))
    through = (Group.select(Group.unit).join(StaffRole, on=(StaffRole.group == Group.id))
               .where((StaffRole.user == user) & StaffRole.role.not_in(NOT_STAFF)))
    return Unit.select(Unit.id).where(Unit.id.in_(direct) | Unit.id.in_(through))


def led_unit_ids(user):
    return StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & (StaffRole.role == UNIT_LEADER))


def invited(day, event=Event, child=Child):
    """The child (outer `child`) is invited to the event (outer `event`) on `day`."""
    enrolment = Enrolment.alias("inv_enrolment")
    group = Group.alias("inv_group")
    audience = EventAudience.alias("inv_audience")
    by_group = (audience.select(audience.id)
                .where((audience.event == event.id) & (audience.group == group.id)))
    named = (audience.select(audience.id)
             .where((audience.event == event.id) & (audience.child == child.id)))
    through = (enrolment.select(enrolment.id)
               .join(group, on=(enrolment.group == group.id))
               .where((enrolment.child == child.id)
                      & (enrolment.start_date <= day)
                      & (enrolment.end_date.is_null() | (enrolment.end_date >= day))
                      & (group.unit == event.unit)
                      & (event.whole_unit | fn.EXISTS(by_group) | fn.EXISTS(named))))
    return fn.EXISTS(through)


def family_child_ids(user, day, adult_cutoff):
    """Children whose events the user sees: as a guardian or caregiver (rule 1), or
    the pupil's own record while enrolled."""
    own = Child.select(Child.id).where((Child.account == user) & enrolled(day))
    return Child.select(Child.id).where(
        Child.id.in_(guarded_child_ids(user, day, adult_cutoff)) | Child.id.in_(own))


def replier_child_ids(user, day, adult_cutoff):
    """Children the user answers for: a guardian with parental responsibility."""
    return guarded_child_ids(user, day, adult_cutoff).where(
        Child.id.in_(responsible_child_ids(user)))


def family_rows(user, day=None):
    """(Event, Child) pairs of the user's invited children: a query to narrow and order.
    Each row carries `child_id` and `child_first_name`."""
    day = day or today()
    return _family_rows(user, day, eighteenth_birthday_cutoff(day))


def staff_events(user):
    """Events of the units where the user is staff."""
    return Event.select().where(Event.unit.in_(staff_unit_ids(user)))


def keeper_condition(user, day):
    """The user keeps the event (outer Event): its unit's leader, or staff reaching
    every invited group and child of a group or children event."""
    scope = staff_group_ids(user)
    audience = EventAudience.alias("keep_audience")
    reached_child = (Enrolment.select(Enrolment.id)
                     .where((Enrolment.child == audience.child) & Enrolment.active(day)
                            & Enrolment.group.in_(scope)))
    outside = (audience.select(audience.id)
               .where((audience.event == Event.id)
                      & ((audience.group.is_null(False) & audience.group.not_in(scope))
                         | (audience.child.is_null(False) & ~fn.EXISTS(reached_child)))))
    any_audience = audience.select(audience.id).where(audience.event == Event.id)
    return (Event.unit.in_(led_unit_ids(user))
            | (~Event.whole_unit & fn.EXISTS(any_audience) & ~fn.EXISTS(outside)
               & Event.unit.in_(Group.select(Group.unit).where(Group.id.in_(scope)))))


def _one_id(event_id):
    try:
        event_id = int(event_id)
    except (TypeError, ValueError):
        return None
    return event_id


def _event_view_query(user, event, language, day, cutoff):
    family = fn.EXISTS(Child.select(Child.id).where(
        invited(day) & Child.id.in_(family_child_ids(user, day, cutoff))))
    staff = Event.unit.in_(staff_unit_ids(user))
    role = peewee.Case(None, [(staff & keeper_condition(user, day), KEEPER),
                              (staff, STAFF), (family, FAMILY)], "")
    translation, on = joined("event", Event.id, language)
    return (Event.select(Event, role.alias("viewer_role"),
                         EventText.title.alias("text_title"),
                         EventText.body.alias("text_body"),
                         EventText.bring.alias("text_bring"),
                         *(column.alias(name)
                           for column, name in zip(columns(translation), _TRANSLATION)))
            .join(EventText, JOIN.LEFT_OUTER,
                  on=((EventText.event == Event.id) & (EventText.language == language)))
            .join_from(Event, translation, JOIN.LEFT_OUTER, on=on)
            .where((Event.id == event) & (staff | family))
            .limit(1).objects())


_TRANSLATION = ("tr_state", "tr_hash", "tr_text", "tr_source", "tr_updated")
# The rule is a large expression: its SQL is built once, not on every page (it cost
# 30 ms a request; models/db.py, Prepared).
_RULE_KINDS = {"user": int, "event": int, "day": datetime.date, "cutoff": datetime.date}
_event_view = Prepared(_event_view_query, language=str, **_RULE_KINDS)


def event_view(user, event_id, language, day=None):
    """(event, role) for the user — KEEPER, STAFF or FAMILY — or (None, None). The
    event carries `text_title`, `text_body`, `text_bring` in `language` when written
    in it (else None), and `translation`: the cached machine translation of its own
    text into `language` when it is not written in it (models/translation/). One query."""
    event_id = _one_id(event_id)
    if event_id is None:
        return None, None
    day = day or today()
    rows = _event_view(user=user.id, event=event_id, language=language, day=day,
                       cutoff=eighteenth_birthday_cutoff(day))
    row = rows[0] if rows else None
    if row is None or not row.viewer_role:
        return None, None
    row.translation = None if row.text_title else cached(
        [getattr(row, name) for name in _TRANSLATION],
        {"title": row.title, "body": row.body, "bring": row.bring})
    return row, row.viewer_role


def _family_children_query(user, event, day, cutoff):
    answers = Child.id.in_(replier_child_ids(user, day, cutoff))
    return (Child.select(Child.id, Child.first_name, Child.last_name,
                         answers.alias("may_answer"), EventReply.id.alias("reply_id"),
                         EventReply.answer, EventReply.children, EventReply.adults,
                         EventReply.answered_at)
            .join(EventReply, JOIN.LEFT_OUTER,
                  on=((EventReply.child == Child.id) & (EventReply.event == event)))
            .join_from(Child, Event, on=(Event.id == event))
            .where(invited(day) & Child.id.in_(family_child_ids(user, day, cutoff)))
            .order_by(Child.first_name, Child.id).objects())


_family_children = Prepared(_family_children_query, **_RULE_KINDS)


def family_children(user, event, day=None):
    """The user's own invited children with their replies: [(child, reply or None,
    may answer)], by first name. One query."""
    day = day or today()
    rows = _family_children(user=user.id, event=event.id, day=day,
                            cutoff=eighteenth_birthday_cutoff(day))
    found = []
    for row in rows:
        reply = None
        if row.reply_id is not None:
            reply = EventReply(id=row.reply_id, event=event.id, child=row.id,
                               answer=row.answer, children=row.children, adults=row.adults,
                               answered_at=row.answered_at)
        found.append((row, reply, bool(row.may_answer)))
    return found


def reached_replies(user, event, day=None):
    """The invited children the member of staff reaches (the only ones named to them),
    with their replies: [(child id, first, last, answer, children, adults, answered at)],
    by name. One query."""
    day = day or today()
    reached = fn.EXISTS(Enrolment.select(Enrolment.id).where(
        (Enrolment.child == Child.id) & Enrolment.active(day)
        & Enrolment.group.in_(staff_group_ids(user))))
    return list(Child.select(Child.id, Child.first_name, Child.last_name, EventReply.answer,
                             EventReply.children, EventReply.adults, EventReply.answered_at)
                .join(EventReply, JOIN.LEFT_OUTER,
                      on=((EventReply.child == Child.id) & (EventReply.event == event.id)))
                .join_from(Child, Event, on=(Event.id == event.id))
                .where(invited(day) & reached)
                .order_by(Child.first_name, Child.last_name, Child.id).tuples())


def invited_child_ids(event, day=None):
    """Ids of the children invited to the event on `day`, as a subquery."""
    day = day or today()
    return (Child.select(Child.id).join(Event, on=(Event.id == event.id))
            .where(invited(day)))


def creation_scope(user, day=None):
    """What the user may invite: (units they lead [(id, name)], groups they reach
    [(id, name, unit id, unit name)], children of those groups [(child id, first, last,
    group id)]). Two queries."""
    day = day or today()
    scope = staff_group_ids(user)
    groups = list(Group.select(Group.id, Group.name, Unit.id, Unit.name, Child.id,
                               Child.first_name, Child.last_name)
                  .join(Unit, on=(Group.unit == Unit.id))
                  .join_from(Group, Enrolment, JOIN.LEFT_OUTER,
                             on=((Enrolment.group == Group.id) & Enrolment.active(day)))
                  .join_from(Enrolment, Child, JOIN.LEFT_OUTER,
                             on=(Enrolment.child == Child.id))
                  .where(Group.id.in_(scope) & (Group.school_year == _school_year(day)))
                  .order_by(Unit.name, Group.name, Child.first_name, Child.last_name)
                  .tuples())
    led = list(Unit.select(Unit.id, Unit.name).where(Unit.id.in_(led_unit_ids(user)))
               .order_by(Unit.name).tuples())
    seen, group_rows, children = set(), [], []
    for group_id, name, unit_id, unit_name, child_id, first, last in groups:
        if group_id not in seen:
            seen.add(group_id)
            group_rows.append((group_id, name, unit_id, unit_name))
        if child_id is not None:
            children.append((child_id, first, last, group_id))
    return led, group_rows, children


def _school_year(day):
    return day.year if day.month >= 8 else day.year - 1


def _titled(query, language):
    text = EventText.alias("list_text")
    return (query.join_from(Event, text, JOIN.LEFT_OUTER,
                            on=((text.event == Event.id) & (text.language == language)))
            .select_extend(text.title.alias("text_title")))


LIST_LIMIT = 200
_upcoming_for_staff = Prepared(
    lambda user, day, language: _titled(
        Event.select(Event, Unit.name.alias("unit_name"))
        .join(Unit, on=(Event.unit == Unit.id))
        .where(Event.unit.in_(staff_unit_ids(user)) & (Event.last_day >= day)), language)
    .order_by(Event.starts_at, Event.id).limit(LIST_LIMIT).objects(),
    user=int, day=datetime.date, language=str)


def upcoming_for_staff(user, day, language):
    """The events of the user's units that have not ended before `day`, with the unit's
    name, soonest first (at most LIST_LIMIT). One query."""
    return _upcoming_for_staff(user=user.id, day=day, language=language)


def _family_rows(user, day, cutoff):
    return (Event.select(Event, Child.id.alias("child_id"),
                         Child.first_name.alias("child_first_name"))
            .join(Child, on=invited(day))
            .where(Child.id.in_(family_child_ids(user, day, cutoff))))


_upcoming_for_family = Prepared(
    lambda user, day, cutoff, language: _titled(
        _family_rows(user, day, cutoff).where(Event.last_day >= day), language)
    .order_by(Event.starts_at, Event.id, Child.first_name).limit(LIST_LIMIT).objects(),
    user=int, day=datetime.date, cutoff=datetime.date, language=str)


def upcoming_for_family(user, day, language):
    """The events the user's children are invited to that have not ended before `day`:
    [(event, [child first names])], soonest first (at most LIST_LIMIT rows). One query."""
    rows = _upcoming_for_family(user=user.id, day=day, language=language,
                                cutoff=eighteenth_birthday_cutoff(day))
    found = {}
    for row in rows:
        found.setdefault(row.id, (row, []))[1].append(row.child_first_name)
    return list(found.values())
