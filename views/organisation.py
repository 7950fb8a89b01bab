"""The administrator's organisation pages: units, their groups, and staff with their
roles. Children and guardians come from the roster import, never from here; the
administrator sees staff by name and children only as numbers.

Every change is in the audit log. Units and groups that came from a roster import are
marked: the next import decides their names again.
"""
import secrets

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from peewee import JOIN, IntegrityError, fn

from models import audit
from models.db import database, today
from models.login.passwords import hash_password
from models.school.tables import (ADMINISTRATOR, GROUP_ROLES, ROLES, UNIT_KINDS, Enrolment, Group,
                                  StaffRole, Unit, User, school_year_of)

from views.admin import FIRST_SCHOOL_YEAR, LAST_SCHOOL_YEAR, _administrator_only
from views.common import client_ip, parse_number, render
from views.labels import ROLE_NAMES, UNIT_KIND_NAMES

bp = Blueprint("organisation", __name__, url_prefix="/admin/organisation")

NAME_MAX = 100


def _page(status=200, forms=None, created=None, renaming=None):
    year = school_year_of(today())
    units = list(Unit.select().order_by(Unit.kind, Unit.name))
    groups = {}
    for group in (Group.select(Group, fn.COUNT(Enrolment.id).alias("children"))
                  .join(Enrolment, JOIN.LEFT_OUTER,
                        on=((Enrolment.group == Group.id) & Enrolment.active(today())))
                  .where(Group.school_year >= year - 1)
                  .group_by(Group.id).order_by(Group.school_year.desc(), Group.name)):
        groups.setdefault(group.unit_id, []).append(group)
    roles = list(StaffRole.select(StaffRole, User).join(User)
                 .where(StaffRole.role != ADMINISTRATOR)
                 .order_by(User.last_name, User.first_name))
    staff = {}
    for role in roles:
        staff.setdefault(role.unit_id, []).append(role)
    empty = {"unit": {"name": "", "kind": "school", "errors": {}},
             "group": {"unit": "", "name": "", "school_year": year, "errors": {}},
             "staff": {"username": "", "first_name": "", "last_name": "", "email": "",
                       "role": "", "place": "", "errors": {}}}
    return render("admin/organisation.html", status=status, units=units, groups=groups,
                  staff=staff, year=year, forms={**empty, **(forms or {})},
                  role_names=ROLE_NAMES, kind_names=UNIT_KIND_NAMES, created=created,
                  renaming=renaming or {"kind": "", "id": None, "name": "", "errors": {}},
                  roles=[r for r in ROLES if r != ADMINISTRATOR])


@bp.route("/")
@login_required
def index():
    _administrator_only()
    return _page()


def _text(form, key, errors, message, limit=NAME_MAX):
    value = request.form.get(key, "").strip()
    form[key] = value
    if not value or len(value) > limit:
        errors[key] = message
    return value


@bp.route("/units", methods=["POST"])
@login_required
def add_unit():
    _administrator_only()
    form = {"errors": {}}
    errors = form["errors"]
    name = _text(form, "name", errors, _l("Write the unit's name (at most %(max)d "
                                          "characters).", max=NAME_MAX))
    kind = form["kind"] = request.form.get("kind", "")
    if kind not in UNIT_KINDS:
        errors["kind"] = _l("Choose what kind of unit it is.")
    if not errors and Unit.select().where(Unit.name == name).exists():
        errors["name"] = _l("There is already a unit with that name.")
    if errors:
        return _page(400, {"unit": form})
    with database.atomic():
        unit = Unit.create(name=name, kind=kind)
        audit.record("unit.created", actor=current_user, obj=unit, ip=client_ip())
    flash(_l("%(name)s is added.", name=name), "success")
    return redirect(url_for("organisation.index"), 303)


@bp.route("/groups", methods=["POST"])
@login_required
def add_group():
    _administrator_only()
    form = {"errors": {}}
    errors = form["errors"]
    form["unit"] = request.form.get("unit", "")
    unit_id = parse_number(form["unit"])
    unit = Unit.get_or_none(Unit.id == unit_id) if unit_id is not None else None
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
    try:
        with database.atomic():
            group = Group.create(unit=unit, name=name, school_year=year)
            audit.record("group.created", actor=current_user, obj=group, ip=client_ip())
    except IntegrityError:
        errors["name"] = _l("The unit already has a group with that name that year.")
        return _page(400, {"group": form})
    flash(_l("%(name)s is added.", name=name), "success")
    return redirect(url_for("organisation.index"), 303)


@bp.route("/staff", methods=["POST"])
@login_required
def add_staff():
    """A role for a member of staff: a new account, or another role for an existing one
    (by username). A new account gets a one-time password to pass on, unless the staff
    log in with the municipality's SSO."""
    _administrator_only()
    form = {"errors": {}}
    errors = form["errors"]
    username = _text(form, "username", errors, _l("Write a username (at most %(max)d "
                                                  "characters).", max=NAME_MAX)).lower()
    user = User.get_or_none(User.username == username) if username else None
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
        group = Group.get_or_none(Group.id == number)
        unit = Unit.get_or_none(Unit.id == group.unit_id) if group else None
    elif place.startswith("u") and number is not None:
        unit = Unit.get_or_none(Unit.id == number)
    if unit is None:
        errors["place"] = _l("Choose where the role is.")
    elif role in GROUP_ROLES and group is None:
        errors["place"] = _l("A contact teacher or group staff belongs to a group: choose "
                             "one.")
    elif role not in GROUP_ROLES:
        group = None  # unit-wide roles reach the whole unit
    if errors:
        return _page(400, {"staff": form})
    password = None
    with database.atomic():
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.create(username=username, first_name=first, last_name=last,
                               email=form["email"], password_hash=hash_password(password))
            audit.record("account.created", actor=current_user, obj=user, ip=client_ip())
        found = StaffRole.get_or_none(StaffRole.user == user, StaffRole.role == role,
                                      StaffRole.unit == unit, StaffRole.group == group)
        if found is None:
            found = StaffRole.create(user=user, role=role, unit=unit, group=group)
            audit.record("role.added", actor=current_user, obj=user, ip=client_ip(),
                         role=role, unit=unit.id, group=group.id if group else None)
    if password:
        # Shown on this page only, once: never in a cookie or a log.
        return _page(created={"name": f"{first} {last}", "username": username,
                              "password": password})
    flash(_l("The role is added."), "success")
    return redirect(url_for("organisation.index"), 303)


@bp.route("/<any(units, groups):kind>/<int:item_id>/rename", methods=["POST"])
@login_required
def rename(kind, item_id):
    """A new name for a unit or a group (an imported one gets its name from the next
    import again)."""
    _administrator_only()
    model = Unit if kind == "units" else Group
    item = model.get_or_none(model.id == item_id)
    if item is None:
        abort(404)
    form = {"errors": {}}
    name = _text(form, "name", form["errors"], _l("Write the new name (at most %(max)d "
                                                  "characters).", max=NAME_MAX))
    if not form["errors"] and model is Unit and Unit.select().where(
            (Unit.name == name) & (Unit.id != item.id)).exists():
        form["errors"]["name"] = _l("That name is taken.")
    if not form["errors"]:
        try:
            with database.atomic():
                old = item.name
                model.update(name=name).where(model.id == item.id).execute()
                audit.record(f"{kind[:-1]}.renamed", actor=current_user, obj=item,
                             ip=client_ip(), old=old, new=name)
        except IntegrityError:
            form["errors"]["name"] = _l("That name is taken.")
    if form["errors"]:
        return _page(400, renaming={"kind": kind, "id": item.id, **form})
    flash(_l("%(name)s is renamed.", name=name), "success")
    return redirect(url_for("organisation.index"), 303)


@bp.route("/roles/<int:role_id>/end", methods=["POST"])
@login_required
def end_role(role_id):
    _administrator_only()
    role = StaffRole.get_or_none((StaffRole.id == role_id)
                                 & (StaffRole.role != ADMINISTRATOR))
    if role is None:
        return redirect(url_for("organisation.index"), 303)
    with database.atomic():
        StaffRole.delete().where(StaffRole.id == role.id).execute()
        audit.record("role.ended", actor=current_user, obj=role.user, ip=client_ip(),
                     role=role.role, unit=role.unit_id, group=role.group_id)
    flash(_l("The role is ended: the access it gave ends now."), "success")
    return redirect(url_for("organisation.index"), 303)
