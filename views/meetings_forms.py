"""The meeting pages' forms read and checked (views/meetings.py): a new round, a slot's
place, an agenda. Every number and date is range-checked; errors keep what was typed."""
import datetime
import re

from flask import request
from flask_babel import lazy_gettext as _l

from models.meetings.rounds import (BREAK_MAX, DAYS_MAX, LENGTH_MAX, LENGTH_MIN, SLOTS_MAX, Plan,
                                    slot_times, to_utc)
from models.meetings.tables import LINK_MAX, PLACE_MAX, TITLE_MAX

from views.common import parse_date, parse_number

INTRO_MAX, AGENDA_MAX = 2000, 1000
CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
FIELDS = ("title", "intro", "first_day", "last_day", "day_from", "day_until", "length",
          "pause", "place", "video_link", "deadline_day", "deadline_time")


def empty_round(day):
    start = day + datetime.timedelta(days=14)
    return {"title": "", "intro": "", "first_day": start.isoformat(),
            "last_day": start.isoformat(), "day_from": "14:00", "day_until": "16:00",
            "length": "20", "pause": "5", "place": "", "video_link": "",
            "deadline_day": (start - datetime.timedelta(days=3)).isoformat(),
            "deadline_time": "12:00", "allow_separate": False, "children": None}


def _clock(text):
    match = CLOCK.fullmatch(text)
    return datetime.time(int(match.group(1)), int(match.group(2))) if match else None


def _text(form, key, errors, most, message=None):
    if message is not None and not form[key]:
        errors[key] = message
    elif len(form[key]) > most:
        errors[key] = _l("At most %(max)d characters.", max=most)


def check_link(form, errors):
    link = form["video_link"]
    if link and (not link.startswith("https://") or len(link) > LINK_MAX
                 or any(c.isspace() for c in link)):
        errors["video_link"] = _l("Write the whole video link, starting with https://, "
                                  "at most %(max)d characters.", max=LINK_MAX)


def read_round(group_child_ids, today, now, zone):
    """(form as typed, errors, Plan or None) for a new round; `group_child_ids` are
    the children one may include, `now` the UTC moment the deadline must follow."""
    form = {name: request.form.get(name, "").strip() for name in FIELDS}
    form["allow_separate"] = request.form.get("allow_separate") == "1"
    chosen = {parse_number(v) for v in request.form.getlist("children")}
    form["children"] = chosen
    errors = {}
    _text(form, "title", errors, TITLE_MAX, _l("Write a title, such as the term's "
                                              "parent–teacher meetings."))
    _text(form, "intro", errors, INTRO_MAX)
    first, last = parse_date(form["first_day"]), parse_date(form["last_day"])
    latest = today + datetime.timedelta(days=366)
    if first is None or not today <= first <= latest:
        errors["first_day"] = _l("Choose a first day from today and within a year.")
    if last is None or (first is not None and not first <= last
                        < first + datetime.timedelta(days=DAYS_MAX)):
        errors["last_day"] = _l("Choose a last day on or after the first day, at most "
                                "%(days)d days later.", days=DAYS_MAX - 1)
    day_from, day_until = _clock(form["day_from"]), _clock(form["day_until"])
    if day_from is None:
        errors["day_from"] = _l("Write the time as HH:MM, for example 14:00.")
    if day_until is None or (day_from is not None and day_until <= day_from):
        errors["day_until"] = _l("Write a time as HH:MM, later than the first meeting "
                                 "starts.")
    length = parse_number(form["length"], LENGTH_MIN, LENGTH_MAX)
    if length is None:
        errors["length"] = _l("Write a length from %(low)d to %(high)d minutes.",
                              low=LENGTH_MIN, high=LENGTH_MAX)
    pause = parse_number(form["pause"], 0, BREAK_MAX)
    if pause is None:
        errors["pause"] = _l("Write a break from %(low)d to %(high)d minutes.",
                             low=0, high=BREAK_MAX)
    _text(form, "place", errors, PLACE_MAX)
    check_link(form, errors)
    deadline_day, deadline_time = parse_date(form["deadline_day"]), _clock(form["deadline_time"])
    deadline = None
    if deadline_day is None or deadline_time is None:
        errors["deadline_day"] = _l("Write the deadline as a date and a time (HH:MM).")
    else:
        deadline = to_utc(deadline_day, deadline_time, zone)
        opens = (to_utc(first, day_from, zone) if first is not None and day_from is not None
                 else None)
        if deadline <= now or (opens is not None and deadline > opens):
            errors["deadline_day"] = _l("The deadline must be later than now and no later "
                                        "than the first meeting.")
    children = tuple(sorted(c for c in chosen if c in group_child_ids))
    if not children or len(children) != len(chosen):
        errors["children"] = _l("Tick at least one child of the group.")
    if errors:
        return form, errors, None
    plan = Plan(title=form["title"], intro=form["intro"], first_day=first, last_day=last,
                day_from=day_from, day_until=day_until, length=length, pause=pause,
                place=form["place"], video_link=form["video_link"], deadline=deadline,
                allow_separate=form["allow_separate"], child_ids=children)
    count = len(slot_times(plan, zone))
    if not 1 <= count <= SLOTS_MAX:
        errors["day_until"] = _l("These times give %(count)d meetings: there must be from "
                                 "1 to %(most)d (weekdays only).", count=count, most=SLOTS_MAX)
        return form, errors, None
    return form, errors, plan


def read_place():
    """(form, errors) for a slot's place and video link."""
    form = {"place": request.form.get("place", "").strip(),
            "video_link": request.form.get("video_link", "").strip()}
    errors = {}
    _text(form, "place", errors, PLACE_MAX)
    check_link(form, errors)
    return form, errors


def read_agenda():
    """(text, error or None)."""
    text = request.form.get("agenda", "").strip()
    if len(text) > AGENDA_MAX:
        return text, _l("At most %(max)d characters.", max=AGENDA_MAX)
    return text, None
