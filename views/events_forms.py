"""The event form (new and edit): read what was typed, check it, and turn it into a
models.events.events.Draft; and the reply form's values."""
import datetime
import re

from flask import request
from flask_babel import lazy_gettext as _l

from models.db import today, utcnow
from models.events import events
from models.events.tables import ANSWERS, COUNT_MAX, PLACE_MAX, TEXT_MAX, TITLE_MAX

from views.common import parse_date, parse_number

LONGEST = 31  # days an event may last
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
TIMES, ALL_DAY = "times", "all_day"
GROUPS, CHILDREN = "groups", "children"


def parse_time(text):
    found = _TIME.fullmatch((text or "").strip())
    return datetime.time(int(found.group(1)), int(found.group(2))) if found else None


def empty(languages, day=None):
    day = day or today() + datetime.timedelta(days=7)
    return {"texts": {code: {"title": "", "body": "", "bring": ""} for code in languages},
            "place": "", "timing": ALL_DAY, "first_day": day.isoformat(), "last_day": "",
            "start_time": "", "end_time": "", "to": "", "groups": [], "children": [],
            "reply_wanted": False, "asks_counts": False, "deadline_day": "",
            "deadline_time": "", "saved_first_day": ""}


def from_event(event, languages, texts, groups, children, zone):
    """The form as the saved event fills it."""
    def local(moment):
        return moment.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
    form = empty(languages)
    for code, text in texts.items():
        form["texts"][code] = dict(text)
    starts, ends = local(event.starts_at), local(event.ends_at)
    deadline = local(event.reply_deadline) if event.reply_deadline else None
    form.update(
        place=event.place, timing=ALL_DAY if event.all_day else TIMES,
        first_day=event.first_day.isoformat(),
        last_day="" if event.last_day == event.first_day else event.last_day.isoformat(),
        start_time="" if event.all_day else starts.strftime("%H:%M"),
        end_time="" if event.all_day else ends.strftime("%H:%M"),
        to=f"unit:{event.unit_id}" if event.whole_unit else (GROUPS if groups else CHILDREN),
        groups=list(groups), children=list(children), reply_wanted=bool(event.reply_wanted),
        asks_counts=bool(event.asks_counts),
        deadline_day=deadline.date().isoformat() if deadline else "",
        deadline_time=deadline.strftime("%H:%M") if deadline else "",
        saved_first_day=event.first_day.isoformat())
    return form


def read(languages):
    values = request.form
    form = {"texts": {code: {key: values.get(f"{key}_{code}", "").strip()
                             for key in ("title", "body", "bring")} for code in languages},
            "place": values.get("place", "").strip(), "timing": values.get("timing", ALL_DAY),
            "to": values.get("to", "")}
    for key in ("first_day", "last_day", "start_time", "end_time", "deadline_day",
                "deadline_time"):
        form[key] = values.get(key, "").strip()
    form["groups"] = [n for n in (parse_number(v) for v in values.getlist("group"))
                      if n is not None]
    form["children"] = [n for n in (parse_number(v) for v in values.getlist("child"))
                        if n is not None]
    form["reply_wanted"] = values.get("reply_wanted") == "1"
    form["asks_counts"] = values.get("asks_counts") == "1"
    return form


def _texts(form, languages, errors):
    texts = {}
    for n, code in enumerate(languages):
        text = form["texts"][code]
        if n and not any(text.values()):
            continue
        if not text["title"]:
            errors[f"title_{code}"] = _l("Write a title.")
        elif len(text["title"]) > TITLE_MAX:
            errors[f"title_{code}"] = _l("The title can be at most %(max)d characters.",
                                         max=TITLE_MAX)
        for key in ("body", "bring"):
            if len(text[key]) > TEXT_MAX:
                errors[f"{key}_{code}"] = _l("Write at most %(max)d characters.", max=TEXT_MAX)
        texts[code] = text
    return texts


def _days(form, errors, saved_first_day):
    first = parse_date(form["first_day"])
    last = parse_date(form["last_day"]) if form["last_day"] else first
    if first is None:
        errors["first_day"] = _l("Write the date as YYYY-MM-DD, for example %(example)s.",
                                 example=(today() + datetime.timedelta(days=7)).isoformat())
    elif first < today() and first != saved_first_day:
        errors["first_day"] = _l("The event cannot start in the past.")
    if form["last_day"] and last is None:
        errors["last_day"] = _l("Write the date as YYYY-MM-DD, for example %(example)s.",
                                example=(today() + datetime.timedelta(days=8)).isoformat())
    elif first is not None and last is not None and not (
            first <= last <= first + datetime.timedelta(days=LONGEST)):
        errors["last_day"] = _l("The last day must be from the first day to %(days)d days "
                                "after it.", days=LONGEST)
    return first, last


def _times(form, first, last, errors):
    if form["timing"] == ALL_DAY:
        return None, None
    if form["timing"] != TIMES:
        errors["timing"] = _l("Choose whether the event lasts all day or has times.")
        return None, None
    start, end = parse_time(form["start_time"]), parse_time(form["end_time"])
    if start is None:
        errors["start_time"] = _l("Write the time as HH:MM, for example 09:30.")
    if end is None:
        errors["end_time"] = _l("Write the time as HH:MM, for example 09:30.")
    elif start is not None and first is not None and last is not None and (
            first == last and end <= start):
        errors["end_time"] = _l("The event must end after it starts.")
    return start, end


def _audience(form, scope, errors):
    """(unit id, whole unit, group ids, child ids) from the choice, within the scope
    the user may invite (models/access/events.creation_scope)."""
    led, groups, children = scope
    to = form["to"]
    led_ids = {unit_id for unit_id, _ in led}
    group_units = {group_id: unit_id for group_id, _, unit_id, _ in groups}
    child_units = {}
    for child_id, _, _, group_id in children:
        child_units.setdefault(child_id, set()).add(group_units[group_id])
    if to.startswith("unit:") and parse_number(to[5:]) in led_ids:
        return parse_number(to[5:]), True, [], []
    if to == GROUPS:
        chosen = [g for g in form["groups"] if g in group_units]
        if not chosen or len(chosen) != len(form["groups"]):
            errors["to"] = _l("Choose one or more groups.")
            return None, False, [], []
        units = {group_units[g] for g in chosen}
        if len(units) > 1:
            errors["to"] = _l("Choose groups of one unit.")
            return None, False, [], []
        return units.pop(), False, sorted(set(chosen)), []
    if to == CHILDREN:
        chosen = [c for c in form["children"] if c in child_units]
        if not chosen or len(chosen) != len(form["children"]):
            errors["to"] = _l("Choose one or more children.")
            return None, False, [], []
        common = set.intersection(*(child_units[c] for c in chosen))
        if not common:
            errors["to"] = _l("Choose children of one unit.")
            return None, False, [], []
        return min(common), False, [], sorted(set(chosen))
    errors["to"] = _l("Choose who is invited.")
    return None, False, [], []


def _deadline(form, starts_at, errors, zone):
    if not form["reply_wanted"] or not form["deadline_day"]:
        return None
    day = parse_date(form["deadline_day"])
    if day is None:
        errors["deadline_day"] = _l("Write the date as YYYY-MM-DD, for example %(example)s.",
                                    example=(today() + datetime.timedelta(days=5)).isoformat())
        return None
    time = parse_time(form["deadline_time"]) if form["deadline_time"] else datetime.time(23, 59)
    if time is None:
        errors["deadline_time"] = _l("Write the time as HH:MM, for example 09:30.")
        return None
    deadline = events.utc(day, time, zone)
    if deadline < utcnow():
        errors["deadline_day"] = _l("The deadline cannot be in the past.")
    elif starts_at is not None and deadline > starts_at:
        errors["deadline_day"] = _l("The deadline must be before the event starts.")
    return deadline


def check(form, languages, scope, zone, saved_first_day=None):
    """(errors by field, Draft or None)."""
    errors = {}
    texts = _texts(form, languages, errors)
    if len(form["place"]) > PLACE_MAX:
        errors["place"] = _l("Write at most %(max)d characters.", max=PLACE_MAX)
    first, last = _days(form, errors, saved_first_day)
    start, end = _times(form, first, last, errors)
    unit_id, whole_unit, group_ids, child_ids = _audience(form, scope, errors)
    starts_at = None
    if first is not None and not errors.get("start_time"):
        starts_at = events.utc(first, start or datetime.time(0), zone)
    deadline = _deadline(form, starts_at, errors, zone)
    if errors:
        return errors, None
    default = texts[languages[0]]
    draft = events.Draft(
        unit_id=unit_id, title=default["title"], body=default["body"], bring=default["bring"],
        language=languages[0], place=form["place"], first_day=first, last_day=last,
        all_day=form["timing"] == ALL_DAY, start_time=start, end_time=end,
        texts={code: text for code, text in texts.items() if code != languages[0]},
        whole_unit=whole_unit, group_ids=group_ids, child_ids=child_ids,
        reply_wanted=form["reply_wanted"], asks_counts=form["asks_counts"],
        reply_deadline=deadline)
    return errors, draft


def read_reply(asks_counts):
    """(values for the form, errors by field, (answer, children, adults))."""
    values = request.form
    form = {key: values.get(key, "").strip() for key in ("answer", "children", "adults")}
    errors = {}
    if form["answer"] not in ANSWERS:
        errors["answer"] = _l("Choose yes, no or maybe.")
    counts = {}
    for key in ("children", "adults"):
        counts[key] = None
        if asks_counts and form[key]:
            counts[key] = parse_number(form[key], 0, COUNT_MAX)
            if counts[key] is None:
                errors[key] = _l("Write a number from 0 to %(max)d.", max=COUNT_MAX)
    return form, errors, (form["answer"], counts["children"], counts["adults"])
