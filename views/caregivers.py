"""Caregiver access (seed 000): guardians with parental responsibility ask, approve,
decline and withdraw on the child's page; a leader of the child's unit confirms."""
import re

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access, caregivers, consent_book
from models.people import CAREGIVER_RELATIONS, DECLINED, WITHDRAWN_GRANT

from .code_login import refuse_lower_assurance
from .common import client_ip, render
from .labels import RELATION_NAMES

bp = Blueprint("caregivers", __name__)

NAME_MAX = 100
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ]{8,20}$")
REFUSALS = {
    "self": _l("You already have access yourself."),
    "parent": _l("This person is a parent of the child. A parent without parental "
                 "responsibility cannot be given access in Kontaktbok; the school or "
                 "kindergarten gives information on request."),
    "exists": _l("This person already has access, or has been asked for."),
}


def _child():
    child = access.answering_child(current_user._get_current_object(),
                                   request.view_args["child_id"])
    if child is None:
        abort(404)
    return child


def _page(child, form=None, errors=None, status=200):
    guardians = consent_book.responsible_guardians([child.id]).get(child.id, [])
    return render("caregivers/child.html", status=status, child=child, guardians=guardians,
                  grants=caregivers.grants(child.id), relations=CAREGIVER_RELATIONS,
                  relation_names=RELATION_NAMES, errors=errors or {},
                  form=form or {"first_name": "", "last_name": "", "email": "", "phone": "",
                                "relation": "grandparent"})


@bp.route("/children/<int:child_id>/caregivers")
@login_required
def child(child_id):
    return _page(_child())


@bp.route("/children/<int:child_id>/caregivers", methods=["POST"])
@login_required
def ask(child_id):
    found = _child()
    if current_user.lower_assurance:
        return refuse_lower_assurance()
    form = {name: request.form.get(name, "").strip()
            for name in ("first_name", "last_name", "email", "phone", "relation")}
    errors = {}
    for name in ("first_name", "last_name"):
        if not form[name]:
            errors[name] = _l("Write the name.")
        elif len(form[name]) > NAME_MAX:
            errors[name] = _l("The name can be at most %(max)d characters.", max=NAME_MAX)
    if not form["email"] and not form["phone"]:
        errors["email"] = _l("Write an e-mail address or a phone number.")
    elif form["email"] and not EMAIL.match(form["email"]):
        errors["email"] = _l("Write an e-mail address like name@example.org.")
    if form["phone"] and not PHONE.match(form["phone"]):
        errors["phone"] = _l("Write a phone number with digits, for example +47 900 00 000.")
    if form["relation"] not in CAREGIVER_RELATIONS:
        errors["relation"] = _l("Choose how the person is related to the child.")
    if not errors:
        try:
            caregivers.request(found, current_user._get_current_object(), form["first_name"],
                               form["last_name"], form["email"], form["phone"],
                               form["relation"], ip=client_ip())
        except caregivers.Refused as refused:
            errors["email"] = REFUSALS[refused.reason]
    if errors:
        return _page(found, form, errors, status=400)
    flash(_l("Asked. Every other guardian with parental responsibility is asked to approve, "
             "and then the school or kindergarten confirms."), "success")
    return redirect(url_for("caregivers.child", child_id=found.id), 303)


@bp.route("/children/<int:child_id>/caregivers/<int:grant_id>/<any(approve, decline, "
          "withdraw):act>", methods=["POST"])
@login_required
def decide(child_id, grant_id, act):
    found = _child()
    if current_user.lower_assurance:
        return refuse_lower_assurance()
    grant = caregivers.open_grant(found.id, grant_id)
    if grant is None:
        abort(404)
    user = current_user._get_current_object()
    if act == "approve":
        caregivers.approve(grant, user, ip=client_ip())
        flash(_l("Approved."), "success")
    else:
        caregivers.end(grant, user, DECLINED if act == "decline" else WITHDRAWN_GRANT,
                       ip=client_ip())
        flash(_l("Declined.") if act == "decline" else
              _l("The access has ended, from now on."), "success")
    return redirect(url_for("caregivers.child", child_id=found.id), 303)


def _leader_units():
    units, _ = access.consent_scope(current_user._get_current_object())
    if not units:
        abort(404)  # unit leaders only: the administrator does not see children here
    return units


@bp.route("/caregivers/")
@login_required
def leader():
    return render("caregivers/leader.html", lines=caregivers.for_leader(_leader_units()),
                  relation_names=RELATION_NAMES)


@bp.route("/caregivers/<int:grant_id>/confirm", methods=["POST"])
@login_required
def confirm(grant_id):
    if not caregivers.confirm(grant_id, current_user._get_current_object(), _leader_units(),
                              ip=client_ip()):
        abort(404)
    flash(_l("Confirmed: the person now has access to the child."), "success")
    return redirect(url_for("caregivers.leader"), 303)
