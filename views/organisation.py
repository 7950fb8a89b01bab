"""The administrator's organisation pages: units, their groups, and staff with their
roles. Children and guardians come from the roster import, never from here; the
administrator sees staff by name and children only as numbers.

Every change is in the audit log. Units and groups that came from a roster import are
marked: the next import decides their names again.
"""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models.db import today
from models.school import organisation
from models.school.organisation import FIRST_SCHOOL_YEAR, LAST_SCHOOL_YEAR
from models.school.tables import ADMINISTRATOR, GROUP_ROLES, ROLES, UNIT_KINDS, school_year_of

from views.common import administrators_only, client_ip, parse_number, render
from views.labels import ROLE_NAMES, UNIT_KIND_NAMES

bp = Blueprint("organisation", __name__, url_prefix="/admin/organisation")
administrators_only(bp)

NAME_MAX = 100


def _page(status=200, forms=None, created=None, renaming=None):
    day = today()
    year = school_year_of(day)
    empty = {"unit": {"name": "", "kind": "school", "errors": {}},
             "group": {"unit": "", "name": "", "school_year": year, "errors": {}},
             "staff": {"username": "", "first_name": "", "last_name": "", "email": "",
                       "role": "", "place": "", "errors": {}}}
    return render("admin/organisation.html", status=status, units=organisation.units(),
                  groups=organisation.groups_by_unit(year, day),
                  staff=organisation.staff_by_unit(), year=year,
                  forms={**empty, **(forms or {})},
                  role_names=ROLE_NAMES, kind_names=UNIT_KIND_NAMES, created=created,
                  renaming=renaming or {"kind": "", "id": None, "name": "", "errors": {}},
                  roles=[r for r in ROLES if r != ADMINISTRATOR])


@bp.route("/")
def index():
    return _page()


def _text(form, key, errors, message, limit=NAME_MAX):
    value = request.form.get(key, "").strip()
    form[key] = value
    if not value or len(value) > limit:
        errors[key] = message
    return value


@bp.route("/units", methods=["POST"])
def add_unit():
    form = {"errors": {}}
    errors = form["errors"]
    name = _text(form, "name", errors, _l("Write the unit's name (at most %(max)d "
                                          "characters).", max=NAME_MAX))
    kind = form["kind"] = request.form.get("kind", "")
    if kind not in UNIT_KINDS:
        errors["kind"] = _l("Choose what kind of unit it is.")
    if not errors and organisation.unit_name_taken(name):
        errors["name"] = _l("There is already a unit with that name.")
    if errors:
        return _page(400, {"unit": form})
    organisation.add_unit(name, kind, current_user._get_current_object(), ip=client_ip())
    flash(_l("%(name)s is added.", name=name), "success")
    return redirect(url_for("organisation.index"), 303)


@bp.route("/groups", methods=["POST"])
def add_group():
    form = {"errors": {}}
    errors = form["errors"]
    form["unit"] = request.form.get("unit", "")
    unit_id = parse_number(form["unit"])
    unit = organisation.unit_or_none(unit_id) if unit_id is not None else None
    if unit is None:
        errors["unit"] = _l("Choose the unit.")
    name = _text(form, "name", errors, _l("Write the group's name (at most %(max)d "
                                          "characters).", max=NAME_MAX))
    form["school_year"] = request.form.get("school_year", "").strip()[:10]
    year = parse_number(form["school_year"], FIRST_SCHOOL_YEAR, LAST_SCHOOL_YEAR)
    if year is None:
        errors["school_year"] = _l("Write the year the school year starts, such as 2026.")
    if errors:
        return _page(400, {"group": form})
    if organisation.add_group(unit, name, year, current_user._get_current_object(),
                              ip=client_ip()) is None:
        errors["name"] = _l("The unit already has a group with that name that year.")
        return _page(400, {"group": form})
    flash(_l("%(name)s is added.", name=name), "success")
    return redirect(url_for("organisation.index"), 303)


@bp.route("/staff", methods=["POST"])
def add_staff():
    """A role for a member of staff: a new account, or another role for an existing one
    (by username). A new account gets a one-time password to pass on, unless the staff
    log in with the municipality's SSO."""
    form = {"errors": {}}
    errors = form["errors"]
    username = _text(form, "username", errors, _l("Write a username (at most %(max)d "
                                                  "characters).", max=NAME_MAX)).lower()
    user = organisation.account_or_none(username) if username else None
    if user is None:
        first = _text(form, "first_name", errors, _l("Write the first name."))
        last = _text(form, "last_name", errors, _l("Write the last name."))
    else:
        form["first_name"], form["last_name"] = user.first_name, user.last_name
        first, last = user.first_name, user.last_name
    form["email"] = request.form.get("email", "").strip()[:200]
    role = form["role"] = request.form.get("role", "")
    if role not in ROLES or role == ADMINISTRATOR:
        errors["role"] = _l("Choose a role.")
    place = form["place"] = request.form.get("place", "")
    unit = group = None
    number = parse_number(place[1:])
    if place.startswith("g") and number is not None:
        unit, group = organisation.group_with_unit(number)
    elif place.startswith("u") and number is not None:
        unit = organisation.unit_or_none(number)
    if unit is None:
        errors["place"] = _l("Choose where the role is.")
    elif role in GROUP_ROLES and group is None:
        errors["place"] = _l("A contact teacher or group staff belongs to a group: choose "
                             "one.")
    elif role not in GROUP_ROLES:
        group = None  # unit-wide roles reach the whole unit
    if errors:
        return _page(400, {"staff": form})
    password = organisation.add_role(
        user, role, unit, group, current_user._get_current_object(), ip=client_ip(),
        new_account={"username": username, "first_name": first, "last_name": last,
                     "email": form["email"]})
    if password:
        # Shown on this page only, once: never in a cookie or a log.
        return _page(created={"name": f"{first} {last}", "username": username,
                              "password": password})
    flash(_l("The role is added."), "success")
    return redirect(url_for("organisation.index"), 303)


@bp.route("/<any(units, groups):kind>/<int:item_id>/rename", methods=["POST"])
def rename(kind, item_id):
    """A new name for a unit or a group (an imported one gets its name from the next
    import again)."""
    item = (organisation.unit_or_none(item_id) if kind == "units"
            else organisation.group_or_none(item_id))
    if item is None:
        abort(404)
    form = {"errors": {}}
    name = _text(form, "name", form["errors"], _l("Write the new name (at most %(max)d "
                                                  "characters).", max=NAME_MAX))
    if not form["errors"] and kind == "units" and organisation.unit_name_taken(
            name, but=item.id):
        form["errors"]["name"] = _l("That name is taken.")
    if not form["errors"] and not organisation.rename(
            item, name, current_user._get_current_object(), ip=client_ip()):
        form["errors"]["name"] = _l("That name is taken.")
    if form["errors"]:
        return _page(400, renaming={"kind": kind, "id": item.id, **form})
    flash(_l("%(name)s is renamed.", name=name), "success")
    return redirect(url_for("organisation.index"), 303)


@bp.route("/roles/<int:role_id>/end", methods=["GET", "POST"])
def end_role(role_id):
    """Ending a role takes two steps, also without JavaScript: this page asks, and only
    its confirming form ends the role (a stray click on the list ends nothing)."""
    role = organisation.role_or_none(role_id)
    if role is None:
        return redirect(url_for("organisation.index"), 303)
    if request.method == "POST" and request.form.get("confirm") == "1":
        organisation.end_role(role, current_user._get_current_object(), ip=client_ip())
        flash(_l("The role is ended: the access it gave ends now."), "success")
        return redirect(url_for("organisation.index"), 303)
    return render("admin/end_role.html", role=role, place=organisation.place_of(role))
