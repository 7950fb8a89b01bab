"""Parent–teacher meetings (issue 20): staff open a round and keep its schedule;
guardians with parental responsibility book, rebook and cancel a time for their child
until the deadline. Who may do what is models/access/meetings.py; a guardian's page
lists only free slots and the family's own booking (rule 11)."""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from models.access import meetings as meeting_access
from models.access.children import staff_group_children
from models.db import now_local, today, utcnow
from models.meetings import booking, pages, rounds

from views import meetings_forms as forms
from views import seen
from views.common import TIME_ZONES, client_ip, number_from, render

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

TAKEN = _l("That time was just taken. Choose another of the times still free.")
CLOSED = _l("The deadline has passed: ask the school to change the booking.")
CHOOSE = _l("Choose a time.")


def _logged(view):
    """Staff opening a schedule is logged for every child on it (rule 12)."""
    return seen.personal_page("meetings")(view)


def _zone():
    return TIME_ZONES[current_app.config["MUNICIPALITY"].country]


def _user():
    return current_user._get_current_object()


def _managed(round_id):
    found = meeting_access.managed_round_or_none(_user(), round_id)
    if found is None:
        abort(404)
    return found


def _forbidden(title, text):
    abort(render("errors/error.html", "errors/_error.html", status=403, title=title,
                 text=text))


# Everyone's list --------------------------------------------------------------------

@bp.route("/")
@login_required
def index():
    user = _user()
    managed = pages.staff_rounds(meeting_access.managed_rounds(user))
    groups = meeting_access.openable_groups(user)
    entries = meeting_access.guardian_round_children(user)
    booked = pages.family_bookings(user, {entry.child_id for entry, _ in entries})
    return render("meetings/index.html", "meetings/_index.html", managed=managed,
                  groups=groups, entries=entries, booked=booked, now=utcnow())


# Staff: open a round ------------------------------------------------------------------

def _group_for_new():
    user = _user()
    groups = meeting_access.openable_groups(user)
    if not groups:
        abort(404)
    group_id = number_from(request.args, "group")
    if group_id is None and len(groups) == 1:
        group_id = groups[0].id
    if group_id is None:
        return groups, None, None
    group = next((g for g in groups if g.id == group_id), None)
    if group is None:
        abort(404)
    found = staff_group_children(user, group.id)
    return groups, group, found[2] if found else []


def _new_page(groups, group, children, form=None, errors=None, status=200):
    form = form or forms.empty_round(today())
    if form["children"] is None:
        form["children"] = {c[0] for c in children or ()}
    return render("meetings/new.html", "meetings/_new.html", status=status, groups=groups,
                  group=group, children=children, form=form, errors=errors or {},
                  length_range=(rounds.LENGTH_MIN, rounds.LENGTH_MAX),
                  break_max=rounds.BREAK_MAX)


@bp.route("/new")
@login_required
def new():
    return _new_page(*_group_for_new())


@bp.route("/new", methods=["POST"])
@login_required
def create():
    groups, group, children = _group_for_new()
    if group is None:
        abort(404)
    form, errors, plan = forms.read_round({c[0] for c in children}, today(), utcnow(),
                                          _zone())
    if errors:
        return _new_page(groups, group, children, form, errors, status=400)
    found = rounds.open_round(group.unit_id, group.id, plan, _user(), _zone(),
                              ip=client_ip())
    flash(_l("The booking round is open, and the guardians have been told."), "success")
    return redirect(url_for("meetings.schedule", round_id=found.id), 303)


# Staff: the schedule ------------------------------------------------------------------

def _schedule_page(found, template="meetings/schedule.html", fragment="meetings/_schedule.html",
                   errors=None, status=200):
    days, children = pages.schedule(found, _user(), today())
    seen.saw([entry.child_id for entry in children], unit=found.unit_id)
    free = [slot for day in days for slot in day.slots
            if slot.booking_id is None and slot.starts_at > utcnow()]
    return render(template, fragment, status=status, round=found, days=days,
                  children=children, free=free, errors=errors or {},
                  not_booked=[c for c in children if not c.bookings], now=utcnow())


@bp.route("/<int:round_id>")
@login_required
@_logged
def schedule(round_id):
    return _schedule_page(_managed(round_id))


@bp.route("/<int:round_id>/print")
@login_required
@_logged
def print_view(round_id):
    return _schedule_page(_managed(round_id), "meetings/print.html", None)


@bp.route("/<int:round_id>/remind", methods=["POST"])
@login_required
def remind(round_id):
    found = _managed(round_id)
    count = rounds.remind(found, _user(), ip=client_ip())
    flash(ngettext("%(num)d guardian who has not booked yet is reminded.",
                   "%(num)d guardians who have not booked yet are reminded.", count),
          "success")
    return redirect(url_for("meetings.schedule", round_id=found.id), 303)


@bp.route("/<int:round_id>/assign", methods=["POST"])
@login_required
def assign(round_id):
    found = _managed(round_id)
    child_id = number_from(request.form, "child")
    slot_id = number_from(request.form, "slot")
    days, children = pages.schedule(found, _user(), today())
    if child_id not in {c.child_id for c in children}:
        return _schedule_page(found, errors={"assign-child": _l("Choose a child.")},
                              status=400)
    if slot_id is None:
        return _schedule_page(found, errors={"assign-slot": CHOOSE}, status=400)
    try:
        booking.book(found, child_id, 0, slot_id, _user(), _zone(), by_staff=True,
                     ip=client_ip())
    except booking.Refused as refused:
        error = (_l("This child's guardians book a meeting each: move their booked time "
                    "in the schedule instead.") if refused.reason == "separate" else TAKEN)
        return _schedule_page(found, errors={"assign-slot": error}, status=409)
    flash(_l("The time is booked for the family."), "success")
    return redirect(url_for("meetings.schedule", round_id=found.id), 303)


@bp.route("/<int:round_id>/bookings/<int:booking_id>/<any(cancel, move):act>",
          methods=["POST"])
@login_required
def change_booking(round_id, booking_id, act):
    found = _managed(round_id)
    held = booking.staff_booking(found, booking_id)
    if held is None:
        abort(404)
    if act == "cancel":
        booking.staff_cancel(found, held, _user(), ip=client_ip())
        flash(_l("The booking is cancelled."), "success")
    else:
        slot_id = number_from(request.form, "slot")
        key = f"move-{held.id}"
        if slot_id is None:
            return _schedule_page(found, errors={key: CHOOSE}, status=400)
        try:
            booking.staff_move(found, held, slot_id, _user(), _zone(), ip=client_ip())
        except booking.Refused:
            return _schedule_page(found, errors={key: TAKEN}, status=409)
        flash(_l("The meeting is moved."), "success")
    return redirect(url_for("meetings.schedule", round_id=found.id), 303)


@bp.route("/<int:round_id>/slots/<int:slot_id>", methods=["POST"])
@login_required
def place(round_id, slot_id):
    found = _managed(round_id)
    form, errors = forms.read_place()
    if errors:
        return _schedule_page(found, errors={f"slot-{slot_id}-{k}": v
                                             for k, v in errors.items()}, status=400)
    if not rounds.set_place(found, slot_id, form["place"], form["video_link"], _user(),
                            ip=client_ip()):
        abort(404)
    flash(_l("The place is saved."), "success")
    return redirect(url_for("meetings.schedule", round_id=found.id), 303)


@bp.route("/<int:round_id>/agenda", methods=["POST"])
@login_required
def agenda(round_id):
    found = _managed(round_id)
    child_id = number_from(request.form, "child")
    text, error = forms.read_agenda()
    if error:
        return _schedule_page(found, errors={f"agenda-{child_id}": error}, status=400)
    if child_id is None or not rounds.set_agenda(found, child_id, text, _user(),
                                                 ip=client_ip()):
        abort(404)
    flash(_l("The agenda is saved: the child's guardians see it."), "success")
    return redirect(url_for("meetings.schedule", round_id=found.id), 303)


# Guardians: book a time ---------------------------------------------------------------

def _entry(round_id, child_id):
    entry, role = meeting_access.booking_child(_user(), round_id, child_id)
    if entry is None:
        abort(404)
    return entry, role


def _booker(round_id, child_id):
    entry, role = _entry(round_id, child_id)
    if role != meeting_access.BOOKER:
        _forbidden(_l("Only the guardians book meetings"),
                   _l("The guardians with parental responsibility book the meeting. You "
                      "can see the time they booked."))
    return entry


def _households(entry, role):
    if role != meeting_access.BOOKER:
        return [0]
    return [0, _user().id]


def _booking_page(entry, role, error=None, status=200):
    found = entry.round
    days, own = pages.booking_page(found, entry.child_id, _households(entry, role))
    now = utcnow()
    return render("meetings/booking.html", "meetings/_booking.html", status=status,
                  entry=entry, round=found, child=entry.child, role=role, days=days,
                  own=own, open=now < found.deadline, error=error,
                  errors={"slot": error} if error else {}, now=now,
                  today_local=now_local(_zone()).date())


@bp.route("/<int:round_id>/children/<int:child_id>")
@login_required
def booking_page(round_id, child_id):
    return _booking_page(*_entry(round_id, child_id))


@bp.route("/<int:round_id>/children/<int:child_id>", methods=["POST"])
@login_required
def book(round_id, child_id):
    entry = _booker(round_id, child_id)
    slot_id = number_from(request.form, "slot")
    if slot_id is None:
        return _booking_page(entry, meeting_access.BOOKER, CHOOSE, status=400)
    try:
        booking.book(entry.round, entry.child_id, booking.household_of(entry, _user()),
                     slot_id, _user(), _zone(), ip=client_ip())
    except booking.Refused as refused:
        if refused.reason == "closed":
            return _booking_page(entry, meeting_access.BOOKER, CLOSED, status=403)
        return _booking_page(entry, meeting_access.BOOKER, TAKEN, status=409)
    flash(_l("The meeting is booked. You can change or cancel it until the deadline."),
          "success")
    return redirect(url_for("meetings.booking_page", round_id=round_id,
                            child_id=child_id), 303)


@bp.route("/<int:round_id>/children/<int:child_id>/cancel", methods=["POST"])
@login_required
def cancel(round_id, child_id):
    entry = _booker(round_id, child_id)
    try:
        booking.cancel(entry.round, entry.child_id, booking.household_of(entry, _user()),
                       _user(), ip=client_ip())
    except booking.Refused as refused:
        if refused.reason == "closed":
            return _booking_page(entry, meeting_access.BOOKER, CLOSED, status=403)
        abort(404)
    flash(_l("The booking is cancelled."), "success")
    return redirect(url_for("meetings.booking_page", round_id=round_id,
                            child_id=child_id), 303)


@bp.route("/<int:round_id>/children/<int:child_id>/separate", methods=["POST"])
@login_required
def separate(round_id, child_id):
    entry = _booker(round_id, child_id)
    wanted = request.form.get("separate") == "1"
    try:
        booking.ask_separate(entry.round, entry, _user(), wanted, ip=client_ip())
    except booking.Refused as refused:
        if refused.reason == "closed":
            return _booking_page(entry, meeting_access.BOOKER, CLOSED, status=403)
        if refused.reason == "separate":
            return _booking_page(entry, meeting_access.BOOKER, _l(
                "Each of you has booked a meeting: cancel one of them first."), status=409)
        abort(404)
    flash(_l("Each guardian now books a meeting of their own.") if wanted
          else _l("You book one meeting together again."), "success")
    return redirect(url_for("meetings.booking_page", round_id=round_id,
                            child_id=child_id), 303)
