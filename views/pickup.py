"""The pick-up list of a child in kindergarten or after-school care (issue 18): the
guardians with parental responsibility keep it (every one of them approves a person
before the person counts; any of them removes one at once) and say who picks up on a
day; the staff who reach the child see it with the phone numbers, and today's person.
Everyone else gets 404 (models/access/pickup.py)."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models.access.pickup import KEEPER, pickup_viewer
from models.pickup import lists
from models.pickup import today as pickup_day
from models.pickup.names import RELATION_NAMES, label
from models.pickup.tables import PICKUP_RELATIONS

from views import pickup_forms as forms
from views.absence_forms import day_text
from views.common import client_ip, render
from views.labels import translated
from views.seen import personal_page

bp = Blueprint("pickup", __name__)

REFUSALS = {"exists": _l("A person with this name is already on the list.")}


def _viewer(child_id):
    child, role = pickup_viewer(current_user._get_current_object(), child_id)
    if child is None:
        abort(404)
    return child, role


def _keeper(child_id):
    """The child, for a guardian who keeps its list; 403 for staff (who see it only),
    and for a session that logged in with a code (changing who may fetch a child
    needs the eID)."""
    child, role = _viewer(child_id)
    if role != KEEPER or current_user.lower_assurance:
        abort(render("errors/error.html", "errors/_error.html", status=403,
                     title=_l("You cannot change this pick-up list"),
                     text=_l("The guardians with parental responsibility keep the pick-up "
                             "list, logged in with BankID or another national eID.")))
    return child


def _page(child, role, person_form=None, person_errors=None, day_form=None,
          day_errors=None, status=200):
    first, last = pickup_day.days_open()
    said = pickup_day.upcoming(child.id, first)
    if role == KEEPER:
        people = lists.persons(child.id)
        guardians = lists.responsible_guardians(child.id)
        ids = {g.id for g in guardians}
        approved = [p for p in people if ids <= p.approved_by]
    else:  # staff see the persons who count (the day list's rule), never a request
        people, guardians = [], []
        approved = lists.approved_for([child.id])[child.id]
    return render("pickup/child.html", "pickup/_content.html", status=status, child=child,
                  role=role, people=people, approved=approved, guardians=guardians,
                  said=said, today_entry=next((s for s in said if s.day == first), None),
                  first=first, last=last, relations=PICKUP_RELATIONS,
                  person_form=person_form or forms.EMPTY_PERSON,
                  person_errors=person_errors or {},
                  day_form=day_form or forms.empty_day(first), day_errors=day_errors or {},
                  day_ids=forms.DAY_IDS, other=forms.OTHER, label=label,
                  **translated(relation_names=RELATION_NAMES))


@bp.route("/children/<int:child_id>/pickup")
@login_required
@personal_page("pickup")
def child(child_id):
    return _page(*_viewer(child_id))


@bp.route("/children/<int:child_id>/pickup", methods=["POST"])
@login_required
def add(child_id):
    found = _keeper(child_id)
    form, errors = forms.read_person()
    if not errors:
        try:
            lists.propose(found, current_user._get_current_object(), form["first_name"],
                          form["last_name"], form["relation"], form["phone"], ip=client_ip())
        except lists.Refused as refused:
            errors["first_name"] = REFUSALS[refused.reason]
    if errors:
        return _page(found, KEEPER, person_form=form, person_errors=errors, status=400)
    flash(_l("The person is on the list. If another guardian has parental responsibility, "
             "they are asked to approve: the person can pick up once everyone has."),
          "success")
    return redirect(url_for("pickup.child", child_id=found.id), 303)


@bp.route("/children/<int:child_id>/pickup/<int:person_id>/<any(approve, remove):act>",
          methods=["POST"])
@login_required
def decide(child_id, person_id, act):
    found = _keeper(child_id)
    person = lists.open_person(found.id, person_id)
    if person is None:
        abort(404)
    user = current_user._get_current_object()
    if act == "approve":
        lists.approve(person, user, ip=client_ip())
        flash(_l("Approved."), "success")
    else:
        lists.remove(person, user, ip=client_ip())
        flash(_l("%(name)s is no longer on the pick-up list.", name=person.name), "success")
    return redirect(url_for("pickup.child", child_id=found.id), 303)


@bp.route("/children/<int:child_id>/pickup/day", methods=["POST"])
@login_required
def say(child_id):
    found = _keeper(child_id)
    first, last = pickup_day.days_open()
    approved = {p.id: p for p in lists.approved_for([found.id])[found.id]}
    form, errors, day, person_id = forms.read_day(first, last, approved)
    if errors:
        return _page(found, KEEPER, day_form=form, day_errors=errors, status=400)
    person = approved.get(person_id)
    pickup_day.say(found, current_user._get_current_object(), day, person=person,
                   name=form["once_name"], phone=form["once_phone"], ip=client_ip())
    flash(_l("Saved: the staff see who picks up on %(day)s.", day=day_text(day)), "success")
    return redirect(url_for("pickup.child", child_id=found.id), 303)


@bp.route("/children/<int:child_id>/pickup/day/withdraw", methods=["POST"])
@login_required
def withdraw(child_id):
    found = _keeper(child_id)
    day = forms.read_withdrawn_day(*pickup_day.days_open())
    if day is None or not pickup_day.withdraw(found, current_user._get_current_object(), day,
                                              ip=client_ip()):
        abort(404)
    flash(_l("Withdrawn: nobody is named to pick up on %(day)s.", day=day_text(day)),
          "success")
    return redirect(url_for("pickup.child", child_id=found.id), 303)
