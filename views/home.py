"""The home page: what waits for each person, and what they have access to, at a glance."""
import datetime

from flask import Blueprint, current_app
from flask_babel import get_locale
from flask_login import current_user, login_required

from models import access
from models.absence import absence
from models.calendar import agenda
from models.daycare import home as daycare_home
from models.db import today, utcnow
from models.school import caregivers, overview, waiting

from views import calendar_items
from views.common import render
from views.labels import ABSENCE_PARTS, ABSENCE_REASONS, translated

bp = Blueprint("home", __name__)

_absent_today = absence.on_day_for_staff(access.staff_group_ids)
WEEK_DAYS = 7   # "this week": today and the six days after
AHEAD_DAYS = 28  # replies owed further ahead are listed too


@bp.route("/")
@login_required
def index():
    municipality = current_app.config["MUNICIPALITY"]
    # The agenda first (one query): it also tells whether the person sees a child as
    # family at all, so a member of staff without children is not asked for them.
    day = today()
    week_end = day + datetime.timedelta(days=WEEK_DAYS - 1)
    coming = agenda.agenda_for(current_user, day,
                               day + datetime.timedelta(days=AHEAD_DAYS - 1),
                               str(get_locale()))
    guarded = any(child.guarded for child in coming.children.values())
    children = overview.guardian_overview(current_user) if guarded else []
    # Kindergarten and after-school children: today's check-in, check-out and pick-up.
    child_days = daycare_home.for_children(
        current_user, [c.id for c in children
                       if any(p.unit_kind in daycare_home.KINDS for p in c.places)], day)
    # A guardian holds no role (the session's load found out): no roles query for them.
    roles, units = (overview.staff_overview(current_user) if current_user.holds_role
                    else ([], []))
    is_admin, decides_leave = access.home_roles(role.role for role in roles)
    information_only = not children and not roles and access.is_information_only(current_user)
    # A pupil with their own login, where pupils answer consents about themselves.
    own = (access.own_children(current_user)
           if municipality.pupil_consent_age and not children
           and not roles else [])
    # Staff: who is away today in the groups they reach, at a glance.
    absent = (absence.day_lines(_absent_today(user=current_user.id, day=today()))
              if units else [])
    # What waits for this person, each one tap away: one query, whatever their roles.
    waits = waiting.waiting_for(current_user, municipality.teacher_leave_days,
                                municipality.pupil_consent_age)
    # The register overwrote contact details (a roster import): say so for a month.
    updated = current_user.contact_updated_at
    if updated is not None and utcnow() - updated > datetime.timedelta(days=30):
        updated = None
    return render("home/index.html", children=children, roles=roles, units=units,
                  contact_updated=updated,
                  is_admin=is_admin, information_only=information_only, own=own,
                  ended=caregivers.recently_ended(current_user) if waits.ended else [],
                  absent=absent, leave_decider=decides_leave, waiting=waits,
                  absent_groups=waiting.absent_by_group(absent), news_days=waiting.NEWS_DAYS,
                  child_names={c.id: c.name for c in [*children, *own]},
                  child_days=child_days,
                  week=_this_week(coming, day, week_end), week_end=week_end,
                  owed_later=[item for item in coming.items
                              if item.owed and item.first_day > week_end],
                  link=calendar_items.link, time_text=calendar_items.time_text,
                  heading=calendar_items.day_heading, short_day=calendar_items.short_day,
                  kind_names=calendar_items.KIND_NAMES,
                  **translated(reason_names=ABSENCE_REASONS, part_names=ABSENCE_PARTS))


def _this_week(coming, first, last):
    """The family's week by day, and the staff's events and meetings of the week."""
    family = [(day, until, [item for item in found if item.children], off)
              for day, until, found, off in coming.by_day(first, last)]
    staff = [item for item in coming.items if item.staff and item.first_day <= last
             and item.kind in (agenda.EVENT, agenda.MEETING)]
    return {"family": [line for line in family if line[2] or line[3]], "staff": staff,
            "has_family": bool(coming.children)}
