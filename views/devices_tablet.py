"""The pages of a paired tablet (issue 18): its department's day, first names and where
each child is, and one child's check-in or check-out confirmed with a staff member's
PIN. Only the tablet's cookie opens them: without it they are like any page to someone
not logged in (or 404 to a logged-in person), and an unpaired tablet is refused and its
cookie cleared. Every other page of the app treats the tablet as not logged in."""
from flask import (Blueprint, abort, current_app, flash, g, redirect, request, url_for)
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from models.daycare import presence
from models.daycare.day import ABSENT, EXPECTED, GONE, HERE
from models.devices import devices, tablet
from models.pickup.names import RELATION_NAMES

from views.common import client_ip, render
from views.devices import DEVICE_COOKIE, forget_device_cookie
from views.devices_forms import read_action
from views.labels import translated

bp = Blueprint("devices_tablet", __name__, url_prefix="/device")

STATUS_NAMES = {
    EXPECTED: _l("Expected"),
    HERE: _l("Here"),
    GONE: _l("Gone home"),
    ABSENT: _l("Absent"),
}
KIND_NAMES = {
    "expected": _l("expected today"),
    "guardian": _l("guardian"),
}
REFUSALS = {
    presence.NOT_ENROLLED: _l("The child is not in the department today."),
    presence.NOT_HERE: _l("The child is not checked in today."),
    presence.ORDER: _l("The child cannot go home before arriving."),
    presence.BAD_PERSON: _l("That person is no longer on the pick-up list."),
    presence.BAD_NAME: _l("The name is too long."),
}


@bp.before_request
def _tablet_only():
    token = request.cookies.get(DEVICE_COOKIE)
    device = devices.recognise(token) if token else None
    if device is None:
        if token:
            response = render("devices/refused.html", status=403, locked=False)
            forget_device_cookie(response)
            return response
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        abort(404)
    g.device = device


def tablet_home():
    """Before every request: the home page of a tablet (its cookie, nobody logged in)
    is its department's day. No query: the day page checks the cookie."""
    if request.endpoint == "home.index" and DEVICE_COOKIE in request.cookies and \
            not current_user.is_authenticated:
        return redirect(url_for("devices_tablet.day"))
    return None


def _names():
    return translated(status_names=STATUS_NAMES, kind_names=KIND_NAMES,
                      relation_names=RELATION_NAMES)


@bp.route("/")
def day():
    device = g.device
    return render("devices/tablet_day.html", device=device,
                  cards=tablet.day_cards(device), **_names())


def _locked():
    return render("devices/refused.html", status=403, locked=True, device=g.device)


def _child_page(card, typed=None, errors=None, status=200):
    staff = tablet.staff_choices(g.device)
    default_action = tablet.CHECK_OUT if card.status == HERE else tablet.CHECK_IN
    typed = typed or {"action": default_action, "pickup": card.preselected,
                      "other_name": "", "staff": None}
    errors = errors or {}
    first_staff = f"staff-{staff[0][0]}" if staff else "staff"
    first_pickup = f"pickup-{card.choices[0].value}" if card.choices else "pickup-other"
    return render("devices/tablet_child.html", status=status, device=g.device, card=card,
                  staff=staff, typed=typed, errors=errors,
                  error_ids={"action": "action-in", "staff": first_staff,
                             "pickup": first_pickup, "other_name": "other_name",
                             "pin": "pin"}, **_names())


def _card(child_id):
    card, row = tablet.child_card(g.device, child_id)
    if card is None:
        abort(404)
    return card, row


@bp.route("/children/<int:child_id>")
def child(child_id):
    card, _ = _card(child_id)
    if g.device.locked:
        return _locked()
    return _child_page(card)


@bp.route("/children/<int:child_id>", methods=["POST"])
def act(child_id):
    card, row = _card(child_id)
    if g.device.locked:
        return _locked()
    staff_ids = {user_id for user_id, _ in tablet.staff_choices(g.device)}
    typed, errors = read_action(request.form, staff_ids, [c.value for c in card.choices])
    if errors:
        return _child_page(card, typed, errors, status=400)
    try:
        staff = tablet.act(g.device, row, typed["action"], typed["staff"], typed["pin"],
                           pickup=typed["pickup"], other_name=typed["other_name"],
                           ip=client_ip())
    except devices.Locked:
        return _locked()
    except devices.WrongPin as wrong:
        errors["pin"] = ngettext(
            "The PIN is wrong. %(num)d more try before the tablet locks.",
            "The PIN is wrong. %(num)d more tries before the tablet locks.",
            wrong.tries_left)
        return _child_page(card, typed, errors, status=400)
    except presence.Refused as refused:
        errors["action"] = REFUSALS[refused.code]
        return _child_page(card, typed, errors, status=400)
    if typed["action"] == tablet.CHECK_IN:
        flash(_l("%(child)s is checked in by %(staff)s.", child=card.first_name,
                 staff=staff.first_name), "success")
    else:
        flash(_l("%(child)s is checked out by %(staff)s.", child=card.first_name,
                 staff=staff.first_name), "success")
    return redirect(url_for("devices_tablet.day"), 303)
