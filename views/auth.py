"""Login and logout with local accounts; the eID button when a provider is configured."""
from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from models import audit
from models.login import accounts
from models.login.passwords import check_password
from models.login.sessions import LoginSession

from views.common import client_ip, render
from views.eid import provider_logout_url
from views.login_common import begin_session, safe_next

bp = Blueprint("auth", __name__)

SESSION_TOKEN = "_user_id"  # where flask-login keeps get_id(): our session token


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[
        DataRequired(message=_l("Enter your username.")), Length(max=150)],
        render_kw={"autocomplete": "username", "autocapitalize": "none",
                   "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter your password.")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"})


def init_login(manager):
    manager.login_view = "auth.login"
    manager.login_message = _l("Log in to continue.")
    manager.login_message_category = "info"
    # The session is a server-side row (models/login/sessions.py) that logout deletes and that
    # times out on its own; flask-login's address-and-browser fingerprint adds nothing.
    manager.session_protection = None

    @manager.user_loader
    def _load(token):
        user = LoginSession.resume(token, current_app.config["SESSION_IDLE"],
                                   current_app.config["SESSION_MAX"])
        if user is None:
            g.session_ended = True
            return None
        user.session_token = token
        return user

    @manager.unauthorized_handler
    def _unauthorized():
        ended = g.get("session_ended")
        session.clear()
        if ended:
            flash(_l("Your session has ended. Log in again."), "info")
        target = url_for("auth.login", next=safe_next(request.full_path))
        if request.htmx:
            # Never swap a login page into a fragment: send the whole page there.
            response = current_app.make_response(("", 401))
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        limiter = current_app.extensions["login_limiter"]
        username = form.username.data.strip()
        ip = client_ip()
        user = accounts.by_username(username)
        if not limiter.attempt(username, ip):
            error = _l("Too many failed attempts. Wait %(minutes)d minutes and try again, "
                       "or contact the school or kindergarten.",
                       minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
            status = 429
            audit.record("login.blocked", actor=user, ip=ip)
        # The password is checked even for an inactive account: the time taken must not
        # tell which accounts exist.
        elif check_password(user, form.password.data) and user.is_active:
            limiter.succeeded(username, ip)
            begin_session(user, "password")
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
        else:
            # The same answer whether the account exists or not.
            error = _l("The username or password is wrong.")
            status = 401
            audit.record("login.failed", actor=user, ip=ip)
    elif form.is_submitted():
        status = 400
    providers = current_app.config["MUNICIPALITY"].eid_login
    return render("auth/login.html", form=form, error=error, status=status,
                  guardian_providers=[p for p in providers if p.audience == "guardians"],
                  staff_providers=[p for p in providers if p.audience == "staff"],
                  next_page=safe_next(request.args.get("next")),
                  code_login=current_app.extensions["mailer"].configured)


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session here, and at the login provider too when it came from one (so
    that the next person at a shared computer is not let in by the eID session)."""
    token = session.get(SESSION_TOKEN)
    if current_user.is_authenticated:
        audit.record("logout", actor=current_user, ip=client_ip())
    row = LoginSession.of_token(token)
    LoginSession.end(token)
    logout_user()
    session.clear()
    flash(_l("You are logged out."), "info")
    elsewhere = provider_logout_url(row)
    if elsewhere:
        # A page that moves on by itself, not a redirect: a form's redirect to another
        # site is blocked by our Content-Security-Policy (form-action 'self').
        return render("auth/leaving.html", url=elsewhere)
    return redirect(url_for("auth.login"))
