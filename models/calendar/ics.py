"""A person's calendar feed as iCalendar (RFC 5545): their children's events (cancelled
ones with STATUS:CANCELLED, so a subscribed calendar strikes them), their booked
meetings and the days off of their units.

What it never holds: a national identity number, an address, another family's anything,
and, for a child whose address is protected, the child's name (the feed's address can
be copied to a shared calendar; the protected child's events then say only what they
are). Titles and words come translated from the caller (the person's language).
"""
import datetime
import hashlib

import icalendar

from models.calendar.agenda import DAY_OFF, EVENT, MEETING
from models.events.tables import Event

PRODUCT = "-//Kontaktbok//Kontaktbok//EN"


def event_meta(event_ids):
    """{event id: (uid, sequence, created_at, updated_at)}. One query (none for no ids)."""
    if not event_ids:
        return {}
    return {row[0]: row[1:] for row in Event.select(
        Event.id, Event.uid, Event.sequence, Event.created_at, Event.updated_at)
        .where(Event.id.in_(sorted(event_ids))).tuples()}


def _utc(moment):
    return moment.replace(tzinfo=datetime.timezone.utc)


def named(item):
    """The first names of the item's children that may be written in a feed: never a
    protected child's."""
    return [name for _, name, protected in item.children if not protected]


def _when(component, item):
    if item.all_day or item.kind == DAY_OFF or item.starts_at is None:
        component.add("dtstart", item.first_day)
        component.add("dtend", item.last_day + datetime.timedelta(days=1))  # exclusive
        component.add("transp", "TRANSPARENT")
    else:
        component.add("dtstart", _utc(item.starts_at))
        component.add("dtend", _utc(max(item.ends_at or item.starts_at, item.starts_at)))


def _uid(item, meta, host):
    if item.kind == EVENT and item.item_id in meta:
        return f"{meta[item.item_id][0]}@{host}"
    if item.kind == MEETING:
        who = "-".join(str(child[0]) for child in sorted(item.children)) or (
            "staff-" + item.starts_at.strftime("%Y%m%dT%H%M"))
        key = f"meeting-{item.item_id}-{who}"
    else:
        key = f"{item.kind}-{item.item_id}"
    return hashlib.sha256(key.encode()).hexdigest()[:32] + f"@{host}"


def calendar(items, days_off, meta, host, words, link, stamp):
    """The feed's bytes. `words`: {"name": calendar name, "cancelled": "Cancelled:
    %(title)s", "for": "For: %(names)s", "unit": "%(name)s (%(unit)s)"} already
    translated; `link(item)`: the absolute address of the item's page or None;
    `stamp`: DTSTAMP for rows without their own."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", words["name"])
    cal.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for item in items:
        if item.kind not in (EVENT, MEETING) or (item.kind == MEETING and item.owed):
            continue  # homework stays on the week plan; an unbooked round is no meeting
        component = icalendar.Event()
        component.add("uid", _uid(item, meta, host))
        created, updated = (meta[item.item_id][2:] if item.kind == EVENT
                            and item.item_id in meta else (None, None))
        component.add("dtstamp", _utc(updated or stamp))
        if item.kind == EVENT and item.item_id in meta:
            component.add("sequence", meta[item.item_id][1] or 0)
            component.add("created", _utc(created))
            component.add("last-modified", _utc(updated))
        title = words["cancelled"] % {"title": item.title} if item.cancelled else item.title
        component.add("summary", title)
        _when(component, item)
        if item.place:
            component.add("location", item.place)
        lines = []
        names = named(item)
        if names:
            lines.append(words["for"] % {"names": ", ".join(names)})
        address = link(item)
        if address:
            lines.append(address)
            component.add("url", address)
        if lines:
            component.add("description", "\n".join(lines))
        component.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        cal.add_component(component)
    seen = set()
    for item in days_off:
        if (item.title, item.first_day, item.last_day) in seen:
            continue  # the school and its SFO closed the same days
        seen.add((item.title, item.first_day, item.last_day))
        component = icalendar.Event()
        component.add("uid", _uid(item, meta, host))
        component.add("dtstamp", _utc(stamp))
        component.add("summary", item.title)
        _when(component, item)
        component.add("description", item.place)
        component.add("categories", ["HOLIDAY"])
        cal.add_component(component)
    return cal.to_ical()
