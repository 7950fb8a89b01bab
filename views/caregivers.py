"""Caregiver access (seed 000): guardians with parental responsibility ask, approve,
decline and withdraw on the child's page; a leader of the child's unit confirms, which
sends the invited person a link; they accept it logged in (models/school/caregivers.py)."""
import logging
import re
import threading

from flask import (Blueprint, abort, current_app, flash, redirect, request, session,
                   url_for)
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access
from models.consent import queries as consent_queries
from models.login import code_login
from models.notifications import mail
from models.school import caregivers
from models.school.tables import CAREGIVER_RELATIONS, DECLINED, WITHDRAWN_GRANT

from views.code_login import ASKED, _code_mail, _limited, _send, refuse_lower_assurance
from views.common import client_ip, render
from views.labels import RELATION_NAMES

bp = Blueprint("caregivers", __name__)
log = logging.getLogger(__name__)

NAME_MAX = 100
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ]{8,20}$")
REFUSALS = {
    "self": _l("You already have access yourself."),
    "exists": _l("This person already has access, or has been asked for."),
}
# What the invited person is told when accepting is refused.
ACCEPT_REFUSALS = {
    "address": _l("This invitation was sent to another e-mail address than the one of "
                  "the account you are logged in with. Log out, open the link again and "
                  "log in with a code sent to the address the invitation came to."),
    "parent": _l("You are a parent of the child. A parent without parental "
                 "responsibility cannot be given access in Kontaktbok; the school or "
                 "kindergarten gives information on request."),
    "exists": _l("You already have access to this child."),
    "gone": _l("This invitation is no longer valid. Ask the family to ask for access "
               "again."),
}


def _child():
    child = access.answering_child(current_user._get_current_object(),
                                   request.view_args["child_id"])
    if child is None:
        abort(404)
    return child


def _page(child, form=None, errors=None, status=200):
    guardians = consent_queries.responsible_guardians([child.id]).get(child.id, [])
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
    if not form["email"]:
        errors["email"] = _l("Write the person's e-mail address: the invitation goes there.")
    elif not EMAIL.match(form["email"]):
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
             "and then the school or kindergarten confirms. Then the person gets an "
             "invitation by e-mail."), "success")
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
    token = caregivers.confirm(grant_id, current_user._get_current_object(), _leader_units(),
                               ip=client_ip())
    if token is None:
        abort(404)
    if _invite(grant_id, token):
        flash(_l("Confirmed. The person has been sent an invitation by e-mail and has "
                 "access once they accept it."), "success")
    return redirect(url_for("caregivers.leader"), 303)


@bp.route("/caregivers/<int:grant_id>/invite", methods=["POST"])
@login_required
def invite_again(grant_id):
    token = caregivers.invite_again(grant_id, current_user._get_current_object(),
                                    _leader_units(), ip=client_ip())
    if token is None:
        abort(404)
    if _invite(grant_id, token):
        flash(_l("A new invitation has been sent. The earlier link no longer works."),
              "success")
    return redirect(url_for("caregivers.leader"), 303)


def _link(path):
    """Absolute links come from PUBLIC_URL, never from the request's Host header."""
    return (current_app.config["PUBLIC_URL"] or "http://localhost:5000").rstrip("/") + path


def _invite(grant_id, token):
    """Send the invitation; False (with a message for the leader) when it could not
    go. It names no child and no family: e-mail leaves the secure channel."""
    address = caregivers.invited_address(grant_id)
    mailer = current_app.extensions["mailer"]
    town = current_app.config["MUNICIPALITY"]
    link = _link(url_for("caregivers.invitation", token=token))
    with force_locale(town.default_language):
        subject = gettext("An invitation to Kontaktbok")
        body = "\n".join([
            gettext("A family has asked that you get access to their child's information "
                    "in Kontaktbok, and the school or kindergarten has confirmed it."),
            "", gettext("Open the link to accept: %(link)s", link=link), "",
            gettext("If you do not know what this is about, you can ignore this e-mail."),
            "", town.name])
    try:
        if not mailer.configured:
            raise mail.Unavailable("no mail server")
        mailer.send(address, subject, body)
    except mail.Unavailable as error:
        log.warning("a caregiver invitation could not be sent: %s", error)
        flash(_l("Confirmed, but the invitation could not be sent by e-mail. Try again "
                 "with “Send the invitation again”, or contact the administrator."),
              "error")
        return False
    return True


# The invited person ---------------------------------------------------------------------

def _invited(token):
    grant = caregivers.invitation(token)
    if grant is None:
        return None, render("errors/error.html", "errors/_error.html", status=404,
                            title=_l("This invitation is no longer valid"),
                            text=ACCEPT_REFUSALS["gone"])
    return grant, None


@bp.route("/caregivers/invitation/<token>")
def invitation(token):
    grant, gone = _invited(token)
    if gone:
        return gone
    user = current_user._get_current_object() if current_user.is_authenticated else None
    mine = user is not None and caregivers.addressed_to(grant, user)
    return render("caregivers/invitation.html", token=token, user=user, mine=mine,
                  child=access.invited_child_or_none(user, grant) if mine else None,
                  requested_by=grant.requested_by.name if mine and grant.requested_by_id
                  else "", relation=RELATION_NAMES.get(grant.relation, ""),
                  refusal=None if user is None or mine else ACCEPT_REFUSALS["address"],
                  codes=current_app.extensions["mailer"].configured)


@bp.route("/caregivers/invitation/<token>", methods=["POST"])
@login_required
def accept(token):
    grant, gone = _invited(token)
    if gone:
        return gone
    try:
        caregivers.accept(grant, current_user._get_current_object(), ip=client_ip())
    except caregivers.Refused as refused:
        return render("errors/error.html", "errors/_error.html", status=403,
                      title=_l("The invitation could not be accepted"),
                      text=ACCEPT_REFUSALS[refused.reason])
    flash(_l("Accepted: you now have access."), "success")
    return redirect(url_for("home.index"), 303)


@bp.route("/caregivers/invitation/<token>/code", methods=["POST"])
def code(token):
    """Log in with a one-time code sent to the invited address (the person has no
    account of it yet, or logs in with codes): the code proves the address."""
    grant, gone = _invited(token)
    if gone:
        return gone
    mailer = current_app.extensions["mailer"]
    if not mailer.configured:
        abort(404)
    back = url_for("caregivers.invitation", token=token)
    if _limited(grant.email):
        flash(_l("Too many attempts. Wait %(minutes)d minutes and try again.",
                 minutes=current_app.config["LOGIN_WINDOW_MINUTES"]), "error")
        return redirect(back, 303)
    new = code_login.new_code(caregivers.invitee_account(grant))
    if new is not None:
        threading.Thread(target=_send, daemon=True, args=(
            mailer, grant.email, str(_l("Your login code for Kontaktbok")),
            _code_mail(new))).start()
    session[ASKED] = grant.email
    return redirect(url_for("code_login.enter", next=back), 303)
