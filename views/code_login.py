"""Login with a one-time code by e-mail (guardians without a national eID) or by SMS (a
caregiver invited to a mobile number), and the page where staff allow it for a child's
guardian to an address they have verified."""
import logging
import threading

from flask import (Blueprint, abort, current_app, flash, redirect, request, session,
                   url_for)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access
from models.login import code_login
from models.notifications import mail, sending, sms

from views.common import client_ip, parse_number, render
from views.login_common import begin_session, safe_next
from views.seen import personal_page

bp = Blueprint("code_login", __name__)
log = logging.getLogger(__name__)

ASKED = "code_email"  # the session key of the address a code was asked for
EMAIL_MAX = 200


def _mailer():
    mailer = current_app.extensions["mailer"]
    if not mailer.configured and current_app.extensions.get("sms_gateway") is None:
        abort(404)  # no e-mail and no SMS: no code login
    return mailer


def _address(typed):
    """An e-mail address as typed, or a mobile number in E.164 (when SMS is set up)."""
    if "@" in typed or current_app.extensions.get("sms_gateway") is None:
        return typed
    return sms.normalize_phone(typed, current_app.config["MUNICIPALITY"].country) or typed


def send_code(address, code):
    """Send the code beside the request, not in it: the answer takes as long, and says
    the same, whether or not the address is registered. A number in E.164 gets an SMS."""
    gateway = current_app.extensions.get("sms_gateway")
    if address.startswith("+"):
        if gateway is not None:
            threading.Thread(target=_send_sms, daemon=True,
                             args=(gateway, address, _code_sms(code))).start()
        return
    mailer = current_app.extensions["mailer"]
    if mailer.configured:
        threading.Thread(target=_send, daemon=True, args=(
            mailer, address, str(_l("Your login code for Kontaktbok")),
            _code_mail(code))).start()


def _limited(email):
    """The login rate limits apply to codes too (per address and per client)."""
    limiter = current_app.extensions["login_limiter"]
    return not limiter.attempt(f"code:{email}", client_ip())


@bp.route("/login/code", methods=["GET", "POST"])
def ask():
    """Step 1: the verified e-mail address. The answer is the same whether or not the
    address is registered, so the page tells nobody who has an account."""
    _mailer()
    email = _address(request.form.get("email", "").strip().lower()[:EMAIL_MAX])
    by_sms = current_app.extensions.get("sms_gateway") is not None
    error = None
    if request.method == "POST":
        if "@" not in email and not email.startswith("+"):
            error = (_l("Write the e-mail address or mobile number the school or "
                        "kindergarten has for you.") if by_sms else
                     _l("Write the e-mail address the school or kindergarten has for you."))
        elif _limited(email):
            error = _l("Too many attempts. Wait %(minutes)d minutes and try again, or "
                       "contact the school or kindergarten.",
                       minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
        else:
            user = code_login.holder(email)
            code = code_login.new_code(user) if user is not None else None
            if code is not None:
                send_code(email, code)
            # The address waits in the session, not in a URL (logs, history).
            session[ASKED] = email
            return redirect(url_for("code_login.enter",
                                    next=safe_next(request.args.get("next"))), 303)
    return render("auth/code.html", step="ask", email=email, error=error, by_sms=by_sms,
                  status=400 if error else 200)


def _send(mailer, to, subject, body):
    try:
        mailer.send(to, subject, body)
    except mail.Unavailable as error:
        log.warning("a login code could not be sent: %s", error)  # no address, no code


def _send_sms(gateway, to, text):
    try:
        gateway.send(to, text)
    except (sending.Undeliverable, sending.Transient) as error:
        log.warning("a login code could not be sent by SMS to %s: %s", sms.tail(to), error)


def _code_sms(code):
    return str(_l("Your login code for Kontaktbok is %(code)s. It works once, for "
                  "%(minutes)d minutes.", code=code, minutes=code_login.CODE_MINUTES))


def _code_mail(code):
    return str(_l("Your code is %(code)s. It works once, for %(minutes)d minutes.\n\n"
                  "If you did not ask for it, you can ignore this e-mail.",
                  code=code, minutes=code_login.CODE_MINUTES))


@bp.route("/login/code/enter", methods=["GET", "POST"])
def enter():
    """Step 2: the code from the e-mail."""
    _mailer()
    email = session.get(ASKED, "")
    if not email:
        return redirect(url_for("code_login.ask"), 303)
    error = None
    if request.method == "POST":
        if _limited(email):
            error = _l("Too many attempts. Wait %(minutes)d minutes and try again, or "
                       "contact the school or kindergarten.",
                       minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
        else:
            user = code_login.check(email, request.form.get("code", ""))
            if user is not None:
                current_app.extensions["login_limiter"].succeeded(f"code:{email}",
                                                                  client_ip())
                begin_session(user, code_login.METHOD)  # clears the session too
                return redirect(safe_next(request.args.get("next"))
                                or url_for("home.index"))
            error = _l("The code is wrong or too old. Ask for a new one.")
    return render("auth/code.html", step="enter", email=email, error=error,
                  status=401 if error else 200)


# Staff allow it ------------------------------------------------------------------------------

def _guardians_for_staff(child_id, changing=False):
    """The child and its guardians with parental responsibility, for staff who reach
    the child (to change: a leader of the child's unit or its contact teacher); 404 for
    anyone else."""
    user = current_user._get_current_object()
    child = access.staff_child_or_none(user, child_id)
    if child is None or (changing and access.authority_over(user, child_id) is None):
        abort(404)
    return child, code_login.responsible_guardians(child)


@bp.route("/children/<int:child_id>/code-login", methods=["GET", "POST"])
@login_required
@personal_page("guardians")
def manage(child_id):
    child, guardians = _guardians_for_staff(child_id, changing=request.method == "POST")
    may_change = access.authority_over(current_user._get_current_object(), child_id)
    errors, typed = {}, {}
    if request.method == "POST":
        chosen = parse_number(request.form.get("guardian"))
        target = next((g for g in guardians if g.id == chosen), None)
        if target is None:
            abort(404)
        if request.form.get("action") == "stop":
            code_login.stop(target, current_user._get_current_object(), ip=client_ip())
            flash(_l("%(name)s can no longer log in with a code.", name=target.name),
                  "success")
            return redirect(url_for("code_login.manage", child_id=child.id), 303)
        email = request.form.get("email", "").strip()[:EMAIL_MAX]
        other = code_login.holder(email) if "@" in email else None
        if "@" not in email or "." not in email.rpartition("@")[2]:
            errors[target.id] = _l("Write an e-mail address you have checked with the "
                                   "guardian.")
        elif other is not None and other.id != target.id:
            errors[target.id] = _l("Another person logs in with a code to that address.")
        if not errors:
            try:
                code_login.allow(target, email, current_user._get_current_object(),
                                 ip=client_ip())
            except code_login.StaffAccount:
                errors[target.id] = _l("%(name)s works here and logs in with a staff "
                                       "account: a code would get around it.",
                                       name=target.name)
            else:
                flash(_l("%(name)s can now log in with a code.", name=target.name),
                      "success")
                return redirect(url_for("code_login.manage", child_id=child.id), 303)
        typed[target.id] = email
    return render("code_login/manage.html", status=400 if errors else 200, child=child,
                  guardians=guardians, errors=errors, typed=typed, may_change=may_change,
                  available=current_app.extensions["mailer"].configured)


def refuse_lower_assurance():
    """A page for a session that logged in with a code, where a change needs the eID."""
    return render("errors/error.html", "errors/_error.html", status=403,
                  title=_l("This needs a login with the national eID"),
                  text=_l("You logged in with a code. Consents, class-list sharing and "
                          "caregiver access can only be changed after logging in with "
                          "BankID or another national eID, or at the school or "
                          "kindergarten in person."))

