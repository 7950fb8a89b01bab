"""Creating, changing and cancelling an event. Each is one transaction with its audit
row, its notifications and the unit's calendar stamp. A change of time or place (or a
cancellation) raises the iCalendar SEQUENCE, remembers what it changed from, and tells
everyone invited once; nothing in a notification names a child or repeats the text."""
import datetime
import json
import secrets
from dataclasses import dataclass, field

from models import audit
from models.access.events import invited_child_ids
from models.calendar.stamp import touch
from models.db import database, utcnow
from models.events.tables import Event, EventAudience, EventReply, EventText
from models.notifications import notify
from models.notifications.tables import EVENT, EVENT_CHANGED
from models.notifications.timing import municipality_zone
from models.school.tables import WITH_RESPONSIBILITY, CaregiverGrant, Child, Guardianship
from models.translation.tables import Translation


@dataclass
class Draft:
    """What the new-event form says, checked (views/events_forms.py)."""
    unit_id: int
    title: str
    language: str
    first_day: datetime.date
    last_day: datetime.date
    all_day: bool = True
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None
    body: str = ""
    place: str = ""
    bring: str = ""
    texts: dict = field(default_factory=dict)  # other language -> {title, body, bring}
    whole_unit: bool = False
    group_ids: list = field(default_factory=list)
    child_ids: list = field(default_factory=list)
    reply_wanted: bool = False
    asks_counts: bool = False
    reply_deadline: datetime.datetime | None = None  # UTC


def utc(day, time, zone=None):
    """A local day and time as naive UTC."""
    zone = zone or municipality_zone()
    local = datetime.datetime.combine(day, time, tzinfo=zone)
    return local.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def moments(draft, zone=None):
    """(starts_at, ends_at) in UTC: local midnights around the days of an all-day event."""
    if draft.all_day:
        return (utc(draft.first_day, datetime.time(0), zone),
                utc(draft.last_day + datetime.timedelta(days=1), datetime.time(0), zone))
    return (utc(draft.first_day, draft.start_time, zone),
            utc(draft.last_day, draft.end_time, zone))


def _fields(draft):
    starts_at, ends_at = moments(draft)
    return {"unit": draft.unit_id, "title": draft.title, "body": draft.body,
            "place": draft.place, "bring": draft.bring, "language": draft.language,
            "all_day": draft.all_day, "starts_at": starts_at, "ends_at": ends_at,
            "first_day": draft.first_day, "last_day": draft.last_day,
            "whole_unit": draft.whole_unit, "reply_wanted": draft.reply_wanted,
            "asks_counts": draft.reply_wanted and draft.asks_counts,
            "reply_deadline": draft.reply_deadline if draft.reply_wanted else None}


def _write_parts(event, draft):
    EventText.delete().where(EventText.event == event.id).execute()
    EventAudience.delete().where(EventAudience.event == event.id).execute()
    texts = [{"event": event.id, "language": code, "title": text["title"],
              "body": text.get("body", ""), "bring": text.get("bring", "")}
             for code, text in draft.texts.items() if code != draft.language]
    if texts:
        EventText.insert_many(texts).execute()
    audience = ([{"event": event.id, "group": g, "child": None} for g in draft.group_ids]
                + [{"event": event.id, "group": None, "child": c} for c in draft.child_ids])
    if audience and not draft.whole_unit:
        EventAudience.insert_many(audience).execute()


def invited_people(event, only_unanswered=False):
    """{user id: child id} of the guardians with parental responsibility (and approved
    caregivers, unless only those who owe a reply are asked) of the invited children:
    one entry per person, whatever number of their children are invited. Whether they
    still see the child is checked again when the notification is sent."""
    children = invited_child_ids(event)
    if only_unanswered:
        answered = EventReply.select(EventReply.child).where(EventReply.event == event.id)
        children = children.where(Child.id.not_in(answered))
    people = {}
    rows = (Guardianship.select(Guardianship.guardian, Guardianship.child)
            .where(Guardianship.child.in_(children)
                   & Guardianship.responsibility.in_(WITH_RESPONSIBILITY))
            .order_by(Guardianship.child).tuples())
    for guardian_id, child_id in rows:
        people.setdefault(guardian_id, child_id)
    if not only_unanswered:
        for caregiver_id, child_id in (
                CaregiverGrant.select(CaregiverGrant.caregiver, CaregiverGrant.child)
                .where(CaregiverGrant.child.in_(children)
                       & CaregiverGrant.caregiver.is_null(False)
                       & CaregiverGrant.revoked_at.is_null()
                       & CaregiverGrant.confirmed_at.is_null(False))
                .order_by(CaregiverGrant.child).tuples()):
            people.setdefault(caregiver_id, child_id)
    return people


def _publish(kind, event, source, recipients):
    notify.publish(notify.Event(kind=kind, source=source, path=f"/events/{event.id}",
                                unit_id=event.unit_id, recipients=recipients))


def create(user, draft, ip=""):
    with database.atomic():
        now = utcnow()
        event = Event.create(uid=f"{secrets.token_hex(16)}", created_by=user,
                             created_at=now, updated_at=now, **_fields(draft))
        _write_parts(event, draft)
        audit.record("event.created", user, event, ip=ip, unit=draft.unit_id,
                     children=draft.child_ids)
        _publish(EVENT, event, str(event.id), invited_people(event))
        touch([draft.unit_id])
    return event


def _time_of(event):
    return [event.starts_at.isoformat(), event.ends_at.isoformat(), bool(event.all_day)]


def edit(user, event, draft, ip=""):
    """Save the changed event; returns what changed of its time and place (empty when
    neither did, and nobody is told)."""
    with database.atomic():
        old_time, old_place, old_unit = _time_of(event), event.place, event.unit_id
        for name, value in _fields(draft).items():
            setattr(event, name, value)
        changed = {}
        if _time_of(event) != old_time:
            changed["time"] = old_time
        if event.place != old_place:
            changed["place"] = old_place
        now = utcnow()
        event.updated_at = now
        if changed:
            event.sequence += 1
            event.changed_at = now
            event.previous = json.dumps(changed)
        event.save()
        # Translations of the old words go with them (an edit may take a name out).
        Translation.delete().where(Translation.event == event.id).execute()
        _write_parts(event, draft)
        audit.record("event.changed", user, event, ip=ip, changed=sorted(changed),
                     children=draft.child_ids)
        if changed:
            _publish(EVENT_CHANGED, event, f"{event.id}:{event.sequence}",
                     invited_people(event))
        touch([old_unit, event.unit_id])
    return changed


def cancel(user, event, ip=""):
    with database.atomic():
        now = utcnow()
        event.cancelled_at = event.updated_at = now
        event.sequence += 1
        event.save()
        audit.record("event.cancelled", user, event, ip=ip)
        _publish(EVENT_CHANGED, event, f"{event.id}:cancelled", invited_people(event))
        touch([event.unit_id])


def what_changed(event):
    """{"time": (old starts_at, old ends_at, old all_day)?, "place": old place?} of the
    last change of time or place, or {}."""
    if not event.previous:
        return {}
    try:
        found = json.loads(event.previous)
    except ValueError:
        return {}
    changed = {}
    if "time" in found:
        starts, ends, all_day = found["time"]
        changed["time"] = (datetime.datetime.fromisoformat(starts),
                           datetime.datetime.fromisoformat(ends), bool(all_day))
    if "place" in found:
        changed["place"] = found["place"]
    return changed


def audience_of(event):
    """(group ids, child ids) invited by name (none for a whole-unit event)."""
    groups, children = [], []
    for group_id, child_id in (EventAudience.select(EventAudience.group, EventAudience.child)
                               .where(EventAudience.event == event.id).tuples()):
        (groups.append(group_id) if group_id else children.append(child_id))
    return groups, children


def texts_of(event):
    """{language: {title, body, bring}} of every language the event is written in."""
    found = {event.language: {"title": event.title, "body": event.body, "bring": event.bring}}
    for row in EventText.select().where(EventText.event == event.id):
        found[row.language] = {"title": row.title, "body": row.body, "bring": row.bring}
    return found
