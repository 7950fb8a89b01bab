"""Step-up before a sensitive thread (issue 22; models/login/step_up.py says what is
strong), and setting up the second factor it needs for a local account.

`/step-up?next=…` offers the eID or the staff SSO again (a fresh login: `prompt=login`,
`max_age=0`; views/eid.py comes back here, saying why, when that login was not strong
or not fresh) and, for a local account, the password with a code from the
authenticator app. Wrong answers count against the login limiter, as a wrong password
at login does. `/account/two-factor` sets the app up: a QR code (inline SVG) and the
secret to type, shown once, confirmed with a first code.

`require_fresh(next)` is what the thread routes call: without a fresh strong login it
stops the request with a redirect to the step-up page (an htmx request gets
`HX-Redirect`, never the step-up page swapped into a fragment).
"""
from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import audit
from models.db import utcnow
from models.login import step_up, totp
from models.login.passwords import check_password

from views.common import client_ip, render
from views.login_common import safe_next

bp = Blueprint("step_up", __name__)

PASSWORD_MAX = 1000
# The session key views/eid.py leaves when a step-up login did not count:
# {"provider": id, "problem": models.login.step_up.WEAK or STALE, or OTHER_PERSON (the
# provider answered for another person than the one logged in here)}.
PROBLEM = "step_up_problem"
OTHER_PERSON = "other-person"


def require_fresh(back):
    """Stop here unless the person logged in strongly within the last 15 minutes;
    `back` (a path on this site) is where the step-up page returns to."""
    user = current_user._get_current_object()
    if step_up.is_fresh(user):
        return
    target = url_for("step_up.page", next=safe_next(back))
    if request.htmx:
        response = current_app.make_response(("", 401))
        response.headers["HX-Redirect"] = target
    else:
        response = redirect(target, 303)
    response.headers["Cache-Control"] = "private, no-store"
    abort(response)


def _limiter_key(user):
    return f"step-up:{user.id}"


def _answers():
    """The login limiter, the client's address, and the password and code typed."""
    return (current_app.extensions["login_limiter"], client_ip(),
            request.form.get("password", "")[:PASSWORD_MAX],
            request.form.get("code", "").strip()[:20])


def _too_many():
    return _l("Too many failed attempts. Wait %(minutes)d minutes and try again.",
              minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


@bp.route("/step-up", methods=["GET", "POST"])
@login_required
def page():
    user = current_user._get_current_object()
    back = safe_next(request.values.get("next"))
    way = step_up.may_use_second_factor(user)
    has_factor = totp.confirmed(user) if way else False
    errors, status = {}, 200
    if request.method == "POST":
        if not (way and has_factor):
            abort(404)  # nothing to check here: the eID or setting a factor up first
        limiter, ip, password, code = _answers()
        if not limiter.attempt(_limiter_key(user), ip):
            errors["code"] = _too_many()
            status = 429
            audit.record("login.step_up_blocked", actor=user, ip=ip)
        else:
            if way == "password" and not password:
                errors["password"] = _l("Enter your password.")
            if not code:
                errors["code"] = _l("Enter the six-digit code from your authenticator app.")
            if not errors:
                # Both are checked, whatever the first answer: the reply does not tell
                # which one was wrong.
                right_password = way != "password" or check_password(user, password)
                right_code = totp.check(user, code)
                if right_password and right_code:
                    limiter.succeeded(_limiter_key(user), ip)
                    step_up.record(user, "password+totp", ip)
                    return redirect(back or url_for("messages.index"), 303)
                errors["code"] = (_l("The password or the code is wrong.")
                                  if way == "password" else _l("The code is wrong."))
                audit.record("login.step_up_failed", actor=user, ip=ip)
            status = 401 if "code" in errors and len(errors) == 1 else 400
    configured = current_app.config["MUNICIPALITY"].eid_login
    problem = session.pop(PROBLEM, None) if request.method == "GET" else None
    if problem:
        problem = {**problem, "label": next(
            (p.label for p in configured if p.id == problem.get("provider")),
            problem.get("provider", ""))}
    return render("auth/step_up.html", status=status, back=back, way=way,
                  has_factor=has_factor, errors=errors,
                  providers=step_up.offered(configured, user), problem=problem,
                  staff=user.holds_role,
                  minutes=int(step_up.FRESH_FOR.total_seconds() // 60))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    """Set up the authenticator app (a local account). The secret is shown once, by the
    request that makes it, never again (models/login/totp.py);
    a factor already set up is replaced or removed only after a fresh step-up."""
    user = current_user._get_current_object()
    way = step_up.may_use_second_factor(user)
    if way is None:
        abort(404)  # an eID or SSO account: the eID or the SSO is its strong login
    action = request.form.get("action") if request.method == "POST" else None
    confirmed_at, pending_since, mark = totp.state(user)
    if action == "remove":
        if confirmed_at is None:
            abort(404)
        require_fresh(url_for("step_up.two_factor"))
        totp.remove(user)
        audit.record("two_factor.removed", actor=user, ip=client_ip())
        return redirect(url_for("step_up.two_factor"), 303)
    if confirmed_at is not None:
        return render("account/two_factor.html", enrolled_at=confirmed_at, way=way,
                      errors={}, secret=None, qr=None, pending_since=None)
    errors, status, secret, restart_error = {}, 200, None, None
    if request.method == "GET":
        if pending_since is None:  # none waiting: a new one, shown this once
            secret = totp.pending_secret(user)
            pending_since, mark = utcnow(), secret and totp.setup_mark(secret)
    elif action == "start-again":
        # Only with the password: an open session must not swap in a secret someone
        # else knows for the person to confirm.
        limiter, ip, password, _code = _answers()
        if not limiter.attempt(_limiter_key(user), ip):
            restart_error, status = _too_many(), 429
        elif not check_password(user, password):
            restart_error, status = _l("The password is wrong."), 400
        else:
            limiter.succeeded(_limiter_key(user), ip)
            totp.start_again(user)
            audit.record("two_factor.restarted", actor=user, ip=ip)
            return redirect(url_for("step_up.two_factor"), 303)
    elif pending_since is None:
        status = 400  # waited too long: the page says to start again
    else:
        limiter, ip, password, code = _answers()
        if not limiter.attempt(_limiter_key(user), ip):
            errors["code"] = _too_many()
            status = 429
        elif way == "password" and not check_password(user, password):
            errors["password"] = _l("The password is wrong.")
            status = 400
        elif request.form.get("setup") != mark:
            # Started again in another tab, or by someone else: not this form's setup,
            # and its secret is not shown here.
            errors["code"] = _l("The setup was started again elsewhere, so this code "
                                "cannot turn it on. If you did not start it again, start "
                                "again here with your password.")
            status = 409
        elif not totp.check(user, code, confirm=True):
            errors["code"] = _l("The code is wrong. Check that the phone's clock is "
                                "right, and type the code the app shows now.")
            status = 400
            # Not shown again, even after the password: whoever opened the page first
            # may not be the person now typing (models/login/totp.py). The page offers
            # to start again.
        else:
            limiter.succeeded(_limiter_key(user), ip)
            audit.record("two_factor.added", actor=user, ip=ip)
            return redirect(url_for("step_up.two_factor"), 303)
    qr = None
    if secret is not None:
        uri = totp.provisioning_uri(user, secret, current_app.config["MUNICIPALITY"].name)
        qr = totp.qr_svg(uri, str(_l("QR code for your authenticator app")))
    return render("account/two_factor.html", status=status, enrolled_at=None, way=way,
                  errors=errors, secret=secret, qr=qr, pending_since=pending_since,
                  setup=mark, restart_error=restart_error, minutes=_pending_minutes())


def _pending_minutes():
    return int(totp.PENDING_FOR.total_seconds() // 60)
