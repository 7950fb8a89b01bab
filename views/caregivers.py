"""Caregiver access (seed 000): guardians with parental responsibility ask, approve,
decline and withdraw on the child's page; a leader of the child's unit confirms, allowing
code login or not, which sends the invited person a link by e-mail and/or SMS; they
accept it logged in: with the eID that returns the national identity number the request
gave, or with a one-time code to the invited address or number
(models/school/caregivers.py)."""
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access
from models.consent import queries as consent_queries
from models.links import absolute
from models.login import code_login
from models.school import caregivers
from models.school.tables import CAREGIVER_RELATIONS, DECLINED, WITHDRAWN_GRANT

from views.caregivers_forms import EMPTY, read_request, send_invitation
from views.code_login import ASKED, _limited, refuse_lower_assurance, send_code
from views.common import client_ip, render
from views.labels import RELATION_NAMES

bp = Blueprint("caregivers", __name__)

REFUSALS = {
    "self": _l("You already have access yourself."),
    "exists": _l("This person already has access, or has been asked for."),
}
# What the leader is told the invitation went by.
SENT = {
    ("email",): _l("Confirmed. The person has been sent an invitation by e-mail and has "
                   "access once they accept it."),
    ("sms",): _l("Confirmed. The person has been sent an invitation by SMS and has access "
                 "once they accept it."),
    ("email", "sms"): _l("Confirmed. The person has been sent an invitation by e-mail and "
                         "SMS and has access once they accept it."),
}
# What the invited person is told when accepting is refused.
ACCEPT_REFUSALS = {
    "address": _l("This invitation was sent to another e-mail address than the one of "
                  "the account you are logged in with. Log out, open the link again and "
                  "log in with a code sent to the address the invitation came to."),
    "person": _l("This invitation was made for another person than the one logged in. "
                 "Log out, open the link again and log in as the invited person."),
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
                  form=form or EMPTY, sms=current_app.extensions.get("sms_gateway") is not None)


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
    form, errors, phone, national_id = read_request()
    if not errors:
        try:
            caregivers.request(found, current_user._get_current_object(), form["first_name"],
                               form["last_name"], form["email"], phone or "",
                               form["relation"], ip=client_ip(), national_id=national_id)
        except caregivers.Refused as refused:
            errors["email"] = REFUSALS[refused.reason]
    if errors:
        return _page(found, form, errors, status=400)
    flash(_l("Asked. Every other guardian with parental responsibility is asked to approve, "
             "and then the school or kindergarten confirms. Then the person gets an "
             "invitation by e-mail or SMS."), "success")
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


def _leader_page(units, errors=None, status=200):
    errors = errors or {}
    return render("caregivers/leader.html", lines=caregivers.for_leader(units),
                  relation_names=RELATION_NAMES, errors=errors, status=status,
                  error_ids={key: f"code-login-{key}" for key in errors},
                  eid=bool(_eid_providers()))


def _eid_providers():
    """The eID logins that name a person by national identity number, as an invitation
    made for one needs."""
    return [p for p in current_app.config["MUNICIPALITY"].eid_login
            if p.audience == "guardians" and p.match == "national_id"]


@bp.route("/caregivers/")
@login_required
def leader():
    return _leader_page(_leader_units())


def _login_choice(grant_id, units, confirmed):
    """The leader's choice about code login for a grant waiting for them, and an error
    when the person would have no way to log in; 404 for no such grant."""
    line = caregivers.waiting_line(grant_id, units, confirmed)
    if line is None:
        abort(404)
    codes = request.form.get("code_login") == "1"
    if codes or line.accepted:
        return codes, None
    if not line.national_id:
        return codes, _leader_page(units, {grant_id: _l(
            "Without a national identity number, the person can only log in with a code. "
            "Allow it, or ask the family to ask again with the number.")}, status=400)
    if not _eid_providers():
        return codes, _leader_page(units, {grant_id: _l(
            "Login with a national eID is not set up here, so the person can only log in "
            "with a code. Allow it.")}, status=400)
    return codes, None


@bp.route("/caregivers/<int:grant_id>/confirm", methods=["POST"])
@login_required
def confirm(grant_id):
    units = _leader_units()
    codes, refused = _login_choice(grant_id, units, confirmed=False)
    if refused:
        return refused
    token = caregivers.confirm(grant_id, current_user._get_current_object(), units,
                               ip=client_ip(), codes=codes)
    if token is None:
        abort(404)
    sent = _invite(grant_id, token)
    if sent:
        flash(SENT[sent], "success")
    return redirect(url_for("caregivers.leader"), 303)


@bp.route("/caregivers/<int:grant_id>/invite", methods=["POST"])
@login_required
def invite_again(grant_id):
    units = _leader_units()
    codes, refused = _login_choice(grant_id, units, confirmed=True)
    if refused:
        return refused
    token = caregivers.invite_again(grant_id, current_user._get_current_object(), units,
                                    ip=client_ip(), codes=codes)
    if token is None:
        abort(404)
    if _invite(grant_id, token):
        flash(_l("A new invitation has been sent. The earlier link no longer works."),
              "success")
    return redirect(url_for("caregivers.leader"), 303)


def _link(path):
    """Absolute links come from PUBLIC_URL, never from the request's Host header."""
    return absolute(path)


def _invite(grant_id, token):
    """Send the invitation; the channels it went by, or () (with a message for the
    leader) when it could not go. It names no child and no family: e-mail and SMS leave
    the secure channel."""
    sent = tuple(send_invitation(caregivers.invited(grant_id),
                                 _link(url_for("caregivers.invitation", token=token))))
    if not sent:
        flash(_l("Confirmed, but the invitation could not be sent by e-mail or SMS. Try "
                 "again with “Send the invitation again”, or contact the administrator."),
              "error")
    return sent


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
    by_eid = grant.national_id_index is not None
    providers = _eid_providers() if by_eid else []
    return render("caregivers/invitation.html", token=token, user=user, mine=mine,
                  child=access.invited_child_or_none(user, grant) if mine else None,
                  requested_by=grant.requested_by.name if mine and grant.requested_by_id
                  else "", relation=RELATION_NAMES.get(grant.relation, ""),
                  refusal=None if user is None or mine else ACCEPT_REFUSALS[
                      "address" if grant.email and not by_eid else "person"],
                  providers=providers, codes=_code_channel(grant))


@bp.route("/caregivers/invitation/<token>", methods=["POST"])
@login_required
def accept(token):
    grant, gone = _invited(token)
    if gone:
        return gone
    try:
        caregivers.accept(grant, current_user._get_current_object(), ip=client_ip())
    except caregivers.Refused as refused:
        reason = refused.reason
        if reason == "address" and (grant.national_id_index or not grant.email):
            reason = "person"
        return render("errors/error.html", "errors/_error.html", status=403,
                      title=_l("The invitation could not be accepted"),
                      text=ACCEPT_REFUSALS[reason])
    flash(_l("Accepted: you now have access."), "success")
    return redirect(url_for("home.index"), 303)


def _code_channel(grant):
    """"email" or "sms": how a login code for the invitation would go, or "" when the
    leader did not allow codes or the channel is not set up here."""
    address = caregivers.code_address(grant)
    if not address:
        return ""
    if address.startswith("+"):
        return "sms" if current_app.extensions.get("sms_gateway") is not None else ""
    return "email" if current_app.extensions["mailer"].configured else ""


@bp.route("/caregivers/invitation/<token>/code", methods=["POST"])
def code(token):
    """Log in with a one-time code sent to the invited address or mobile number (the
    person has no account of it yet, or logs in with codes): the code proves the
    address, and only where the confirming leader allowed it."""
    grant, gone = _invited(token)
    if gone:
        return gone
    if not _code_channel(grant):
        abort(404)
    address = caregivers.code_address(grant)
    back = url_for("caregivers.invitation", token=token)
    if _limited(address):
        flash(_l("Too many attempts. Wait %(minutes)d minutes and try again.",
                 minutes=current_app.config["LOGIN_WINDOW_MINUTES"]), "error")
        return redirect(back, 303)
    new = code_login.new_code(caregivers.invitee_account(grant))
    if new is not None:
        send_code(address, new)
    session[ASKED] = address
    return redirect(url_for("code_login.enter", next=back), 303)
