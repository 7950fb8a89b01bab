"""One event as an iCalendar file (RFC 5545), for "add to my calendar". It carries the
event's UID and SEQUENCE, so a calendar that imported it replaces it when it changes,
and shows STATUS:CANCELLED once cancelled. No child's name, nothing about any person."""
import datetime

import icalendar


def calendar_of(events, product="-//Kontaktbok//Kontaktbok//EN", name=None):
    calendar = icalendar.Calendar()
    calendar.add("prodid", product)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(component(event))
    return calendar


def component(event, host="kontaktbok", title=None, body=None):
    """The VEVENT of an event (its text in the language chosen, when given)."""
    item = icalendar.Event()
    item.add("uid", f"{event.uid}@{host}")
    item.add("sequence", event.sequence)
    item.add("dtstamp", _utc(event.updated_at))
    item.add("last-modified", _utc(event.updated_at))
    item.add("created", _utc(event.created_at))
    item.add("summary", title or event.title)
    if body or event.body:
        item.add("description", body or event.body)
    if event.place:
        item.add("location", event.place)
    if event.all_day:
        item.add("dtstart", event.first_day)
        item.add("dtend", event.last_day + datetime.timedelta(days=1))  # exclusive
        item.add("transp", "TRANSPARENT")
    else:
        item.add("dtstart", _utc(event.starts_at))
        item.add("dtend", _utc(event.ends_at))
    item.add("status", "CANCELLED" if event.cancelled_at else "CONFIRMED")
    return item


def _utc(moment):
    return moment.replace(tzinfo=datetime.timezone.utc)


def one(event, host, title=None, body=None):
    """The bytes of a .ics file holding the one event."""
    calendar = calendar_of([])
    calendar.add("method", "PUBLISH")
    calendar.add_component(component(event, host, title, body))
    return calendar.to_ical()
