"""Login and logout with local accounts; the eID button when a provider is configured."""
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, g, redirect, request, session,
                   url_for)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from models import audit
from models.db import database
from models.passwords import check_password
from models.people import User
from models.sessions import LoginSession

from .common import client_ip, render

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
    # The session is a server-side row (models/sessions.py) that logout deletes and that
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


def safe_next(target):
    """Only a path on this site, never another host (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target.rstrip("?") or None


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
        user = User.select().where(User.username == username.lower()).first()
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
            next_page = safe_next(request.args.get("next"))
            language = str(get_locale())
            session.clear()  # a new session at login: nothing carries over
            with database.atomic():
                user.session_token = LoginSession.start(user)
                audit.record("login", actor=user, ip=ip, method="password")
            # The language the person logged in with stays for the session (a saved
            # choice on the account wins).
            session["locale"] = user.locale or language
            login_user(user)
            return redirect(next_page or url_for("home.index"))
        else:
            # The same answer whether the account exists or not.
            error = _l("The username or password is wrong.")
            status = 401
            audit.record("login.failed", actor=user, ip=ip)
    elif form.is_submitted():
        status = 400
    return render("auth/login.html", form=form, error=error, status=status,
                  eid=current_app.config["MUNICIPALITY"].eid_login)


@bp.route("/login/eid")
def eid():
    """The national eID login (ID-porten, BankID/Freja via a broker) is wired to the
    providers in the municipality file by a later release; until then, say so plainly."""
    if not current_app.config["MUNICIPALITY"].eid_login.get("providers"):
        abort(404)
    return render("errors/error.html", "errors/_error.html", status=503,
                  title=_l("National eID login is not available yet"),
                  text=_l("Log in with your username and password for now, or contact "
                          "the school or kindergarten."))


@bp.route("/logout", methods=["POST"])
def logout():
    token = session.get(SESSION_TOKEN)
    if current_user.is_authenticated:
        audit.record("logout", actor=current_user, ip=client_ip())
    LoginSession.end(token)
    logout_user()
    session.clear()
    flash(_l("You are logged out."), "info")
    return redirect(url_for("auth.login"))
