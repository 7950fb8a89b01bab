"""The shared tablet, from the leader's side and the staff's (issue 18): the unit
leader pairs a department's tablet on the tablet itself, sees the unit's tablets,
unpairs one at once or unlocks it after too many wrong PINs; each member of staff sets
the personal PIN that confirms what they do on a tablet. Everyone else gets 404
(models/access/devices.py). The tablet's own pages are views/devices_tablet.py."""
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user

from models import access
from models.access.devices import (is_unit_leader, managed_device_or_none,
                                   pairable_groups)
from models.db import today
from models.devices import devices, pins
from models.school.tables import school_year_of

from views.common import client_ip, render
from views.devices_forms import NAME_MAX, read_new_pin, read_pairing

bp = Blueprint("devices", __name__)

DEVICE_COOKIE = "kontaktbok_device"
DEVICE_COOKIE_DAYS = 365


def _viewer():
    return current_user._get_current_object()


def _groups():
    groups = pairable_groups(_viewer(), school_year_of(today()))
    if not groups:
        abort(404)
    return groups


@bp.route("/devices")
@login_required
def index():
    if not is_unit_leader(_viewer()):
        abort(404)
    return render("devices/index.html", lines=devices.unit_devices(_viewer()),
                  may_pair=bool(pairable_groups(_viewer(), school_year_of(today()))))


def _pair_page(groups, typed=None, errors=None, status=200):
    return render("devices/pair.html", status=status, groups=groups,
                  typed=typed or {"group": "", "name": ""}, errors=errors or {},
                  name_max=NAME_MAX)


@bp.route("/devices/pair")
@login_required
def pair_form():
    return _pair_page(_groups())


@bp.route("/devices/pair", methods=["POST"])
@login_required
def pair():
    """Pair this browser: it gets the tablet's cookie, and the leader is logged out of
    it (the tablet is shared; their session must not stay on it)."""
    groups = _groups()
    group, typed, errors = read_pairing(request.form, groups)
    if errors:
        return _pair_page(groups, typed, errors, status=400)
    leader = _viewer()
    token = devices.pair(group, typed["name"], leader, leader.session_token, ip=client_ip())
    logout_user()
    session.clear()
    response = redirect(url_for("devices_tablet.day"), 303)
    set_device_cookie(response, token)
    return response


def set_device_cookie(response, token):
    response.set_cookie(DEVICE_COOKIE, token, max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
                        httponly=True, samesite="Strict",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


def forget_device_cookie(response):
    response.delete_cookie(DEVICE_COOKIE, httponly=True, samesite="Strict",
                           secure=current_app.config["SESSION_COOKIE_SECURE"])


def _device(device_id):
    device = managed_device_or_none(_viewer(), device_id)
    if device is None:
        abort(404)
    return device


@bp.route("/devices/<int:device_id>/unpair", methods=["POST"])
@login_required
def unpair(device_id):
    device = _device(device_id)
    devices.unpair(device, _viewer(), ip=client_ip())
    flash(_l("%(name)s is no longer paired. It shows nothing from its next request on.",
             name=device.name), "success")
    return redirect(url_for("devices.index"), 303)


@bp.route("/devices/<int:device_id>/unlock", methods=["POST"])
@login_required
def unlock(device_id):
    device = _device(device_id)
    devices.unlock(device, _viewer(), ip=client_ip())
    flash(_l("%(name)s is unlocked: staff can confirm with their PIN again.",
             name=device.name), "success")
    return redirect(url_for("devices.index"), 303)


def _staff():
    """Staff (the administrator too: the settings page links here for every staff
    role); guardians have nothing to confirm on a tablet."""
    user = _viewer()
    if not (access.is_staff(user) or access.is_administrator(user)):
        abort(404)


@bp.route("/account/pin")
@login_required
def pin_form():
    _staff()
    return render("devices/pin.html", errors={}, has_pin=pins.has_pin(_viewer()))


@bp.route("/account/pin", methods=["POST"])
@login_required
def set_pin():
    _staff()
    pin, errors = read_new_pin(request.form)
    if errors:
        return render("devices/pin.html", status=400, errors=errors,
                      has_pin=pins.has_pin(_viewer()))
    pins.set_pin(_viewer(), pin, ip=client_ip())
    flash(_l("Your PIN is saved. Use it to confirm what you do on the department's "
             "tablet."), "success")
    return redirect(url_for("devices.pin_form"), 303)
