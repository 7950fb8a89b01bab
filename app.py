"""Kontaktbok: the application factory.

Configuration comes from environment variables (read by the small typed helpers below,
which fail loudly on a bad value), then the municipality file, then test overrides. The
`flask` commands are in cli.py.
"""
import datetime
import logging
import os
import re
import secrets
import tempfile
from pathlib import Path

from flask import Flask
from flask_babel import Babel, format_decimal, get_locale
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from werkzeug.middleware.proxy_fix import ProxyFix

import cli
import municipality
from languages import DIRECTIONS
from models import protect, storage
from models import db as dbmod
from models.data_export import tasks as data_export_tasks
from models.notifications import queue as queue_model
from models.notifications import senders
from models.notifications import sms as sms_model
from models.notifications import webpush
from models.notifications.mail import Mailer
from views import (absence, account, admin, attendance, auth, brand, calendar, caregivers,
                   class_list, code_login, consent_setup, consents, deliveries, eid, errors, home,
                   letters, messages, notifications, organisation, posts, push)
from views import archive as archive_views
from views import compression
from views import announce as announce_views
from views import message_templates as message_templates_views
from views import attendance_notice, attendance_settings, devices, devices_tablet
from views import daycare as daycare_views
from views import dpo as dpo_views
from views import my_data as my_data_views
from views import events as events_views
from views import pickup as pickup_views
from views import rectification as rectification_views
from views import seen as seen_views
from views import weekplan as weekplan_views
from views import meetings as meetings_views
from views import translation as translation_views
from views import message_sensitive, step_up
from views import message_folders as message_folders_views
from views import office_hours as office_hours_views
from views import message_search as message_search_views
from views.common import (LANGUAGE_NAMES, IdConverter, SessionCookies, csrf_token, email_link,
                          format_day,
                          layout_urls, local_time, refuse_nul, security_headers, select_locale,
                          static_version, template_gettext)
from views.labels import ROLE_NAMES
from views.ratelimit import LoginLimiter, make_store

ROOT = Path(__file__).resolve().parent
MODES = ("demo", "production")
log = logging.getLogger("kontaktbok")

# Paths that carry a secret (a calendar feed's address, one-time links): Flask names the
# path when it logs an error, and the log must not hold the secret (gunicorn.conf.py does
# the same for the access log).
SECRET_PATHS = re.compile(r"(/caregivers/invitation/|/account/email/|/calendar/feed/)[^/?\s]+")


class _WithoutSecrets(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        if SECRET_PATHS.search(message):
            record.msg, record.args = SECRET_PATHS.sub(r"\1…", message), ()
        return True


class StartupError(Exception):
    """The configuration is unsafe or incomplete; the message says what to fix."""


def env_str(name, default=None):
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_int(name, default):
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise StartupError(f"{name}: {value!r} is not a whole number") from None


def env_bool(name, default=False):
    value = env_str(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise StartupError(f"{name}: {value!r} is not true or false")


def env_secret(name):
    """NAME, or the contents of the file NAME_FILE (a Docker/systemd secret)."""
    value = env_str(name)
    path = env_str(f"{name}_FILE")
    if value and path:
        raise StartupError(f"{name} and {name}_FILE are both set; use one")
    if path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise StartupError(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None
        if not value:
            raise StartupError(f"{name}_FILE: {path} is empty")
    return value


def _generated_secret(instance, name):
    """A random key made once and kept in instance/ (demo mode only). Written whole to a
    temporary file and linked into place, so two processes starting at once agree."""
    path = Path(instance) / name
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=instance, prefix=f".{name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            os.unlink(temporary)
    return path.read_text(encoding="utf-8").strip()


def settings_from_environment(instance):
    mode = env_str("KONTAKTBOK_ENV", "demo")
    if mode not in MODES:
        raise StartupError(f"KONTAKTBOK_ENV: {mode!r} must be one of {', '.join(MODES)}")
    default_file = Path(instance) / "municipality.toml"
    if mode == "demo" and not default_file.exists():
        default_file = ROOT / "municipality.example.toml"
    return {
        "MODE": mode,
        "DEBUG": env_bool("DEBUG", False),
        "SECRET_KEY": env_secret("SECRET_KEY"),
        "DATA_KEY": env_secret("DATA_KEY"),
        "DATABASE_URL": env_str("DATABASE_URL",
                                f"sqlite:///{Path(instance) / 'kontaktbok.db'}"),
        "REDIS_URL": env_str("REDIS_URL"),
        "MUNICIPALITY_FILE": env_str("MUNICIPALITY_FILE", str(default_file)),
        "PUBLIC_URL": env_str("PUBLIC_URL", ""),
        "PROXY_COUNT": env_int("PROXY_COUNT", 0),
        "SESSION_IDLE_MINUTES": env_int("SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": env_int("SESSION_MAX_HOURS", 12),
        "LOGIN_ATTEMPTS_PER_ACCOUNT": env_int("LOGIN_ATTEMPTS_PER_ACCOUNT", 5),
        "LOGIN_ATTEMPTS_PER_ADDRESS": env_int("LOGIN_ATTEMPTS_PER_ADDRESS", 30),
        "LOGIN_WINDOW_MINUTES": env_int("LOGIN_WINDOW_MINUTES", 15),
        "WITHDRAW_MINUTES": env_int("WITHDRAW_MINUTES", 15),
        "ATTACHMENT_MAX_MB": env_int("ATTACHMENT_MAX_MB", 10),
        # see models/messaging/attachments.py
        "IMAGE_MAX_PIXELS": env_int("IMAGE_MAX_PIXELS", 50_000_000),
        "POST_PHOTOS": env_int("POST_PHOTOS", 4),
        "POST_VIDEO_SECONDS": env_int("POST_VIDEO_SECONDS", 30),
        "POST_VIDEO_MAX_MB": env_int("POST_VIDEO_MAX_MB", 100),
        "ATTACHMENTS_PER_MESSAGE": env_int("ATTACHMENTS_PER_MESSAGE", 5),
        "ATTACHMENT_DIR": env_str("ATTACHMENT_DIR", str(Path(instance) / "attachments")),
        # Files in an S3-compatible object store instead (models/storage.py).
        "S3_ENDPOINT": env_str("S3_ENDPOINT"),
        "S3_BUCKET": env_str("S3_BUCKET"),
        "S3_REGION": env_str("S3_REGION", "us-east-1"),
        "S3_ACCESS_KEY": env_str("S3_ACCESS_KEY"),
        "S3_SECRET_KEY": env_secret("S3_SECRET_KEY"),
        "SMTP_HOST": env_str("SMTP_HOST"),
        "SMTP_PORT": env_int("SMTP_PORT", 587),
        "SMTP_USER": env_str("SMTP_USER"),
        "SMTP_PASSWORD": env_secret("SMTP_PASSWORD"),
        "SMTP_STARTTLS": env_bool("SMTP_STARTTLS", True),
        "MAIL_FROM": env_str("MAIL_FROM", "kontaktbok@localhost"),
        # Web Push: the server's key (default: made on first run in instance/), and the
        # push services a browser's subscription may point at.
        "VAPID_PRIVATE_KEY_FILE": env_str("VAPID_PRIVATE_KEY_FILE"),
        "PUSH_SERVICE_HOSTS": tuple(
            host.strip() for host in env_str("PUSH_SERVICE_HOSTS", ",".join(
                webpush.PUSH_SERVICE_HOSTS)).split(",") if host.strip()),
        "PUSH_ALLOW_HTTP": env_bool("PUSH_ALLOW_HTTP", False),  # a test push service
        # Tests: a wake-up runs the notification dispatch at once, in the request.
        "QUEUE_IMMEDIATE": env_bool("QUEUE_IMMEDIATE", False),
        # "Who has seen my child's data": each process writes the staff's page views of
        # this many seconds together (0: each one once its response has gone).
        "ACCESS_LOG_FLUSH_SECONDS": env_int("ACCESS_LOG_FLUSH_SECONDS", 3),
    }


def upload_limit(settings):
    """The largest request, in bytes: room for a message's attachments or a post's photos
    and videos, even somewhat too large ones (a file over the limit must be refused on
    the form, text kept, not by a bare 413). deploy/nginx-kontaktbok.conf allows the same."""
    return (max(2 * settings["ATTACHMENTS_PER_MESSAGE"] * settings["ATTACHMENT_MAX_MB"],
                settings["POST_PHOTOS"] * max(2 * settings["ATTACHMENT_MAX_MB"],
                                              settings["POST_VIDEO_MAX_MB"] + 10))
            + 1) * 1024 * 1024


def check_production(config):
    """Refuse to run real data with an unsafe setting."""
    if config["MODE"] != "production":
        return
    if not config["SECRET_KEY"]:
        raise StartupError("SECRET_KEY (or SECRET_KEY_FILE) must be set in production")
    if len(config["SECRET_KEY"]) < 32:
        raise StartupError("SECRET_KEY must be at least 32 characters long")
    if config["DEBUG"]:
        raise StartupError("DEBUG must be off in production")
    if not config["PUBLIC_URL"].startswith("https://"):
        raise StartupError("PUBLIC_URL must be the https:// address guardians use "
                           "(production never runs over plain http)")
    if config.get("PUSH_ALLOW_HTTP"):
        raise StartupError("PUSH_ALLOW_HTTP is for tests: push services are https only")


def check_demo(config):
    """Demo mode and the demo municipality go together: forgetting KONTAKTBOK_ENV on a
    real installation must not skip the production checks (or load demo accounts with a
    published password), and real data must never be marked as a demo."""
    is_demo_file = config["MUNICIPALITY"].demo
    if config["MODE"] == "demo" and not is_demo_file:
        raise StartupError(
            "KONTAKTBOK_ENV is demo (the default), but the municipality file is not a demo "
            "(municipality.demo = false): set KONTAKTBOK_ENV=production")
    if config["MODE"] == "production" and is_demo_file:
        raise StartupError("the municipality file says municipality.demo = true: set it to "
                           "false for production")


def create_app(config=None):
    instance = Path(env_str("INSTANCE_PATH", str(ROOT / "instance")))
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    app.logger.addFilter(_WithoutSecrets())
    # Before any route is added: every <int:…> id is bounded (an impossible id is a 404).
    app.url_map.converters["int"] = IdConverter
    settings = settings_from_environment(instance)
    settings.update(config or {})
    check_production(settings)
    instance.mkdir(parents=True, exist_ok=True)
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _generated_secret(instance, "secret_key")
    try:
        vapid = webpush.vapid_keys(instance, settings["VAPID_PRIVATE_KEY_FILE"])
    except webpush.KeyFileError as exc:
        raise StartupError(f"VAPID_PRIVATE_KEY_FILE: {exc}") from None
    try:
        settings["MUNICIPALITY"] = settings.get("MUNICIPALITY") or municipality.load(
            settings["MUNICIPALITY_FILE"])
    except municipality.ConfigError as exc:
        raise StartupError(str(exc)) from None
    check_demo(settings)
    secure = settings["PUBLIC_URL"].startswith("https://")
    app.config.update(
        SESSION_COOKIE_NAME="kontaktbok",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        PREFERRED_URL_SCHEME="https" if secure else "http",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        BABEL_DEFAULT_LOCALE=settings["MUNICIPALITY"].default_language,
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
        MAX_CONTENT_LENGTH=upload_limit(settings),
        SESSION_IDLE=datetime.timedelta(minutes=settings["SESSION_IDLE_MINUTES"]),
        SESSION_MAX=datetime.timedelta(hours=settings["SESSION_MAX_HOURS"]),
        WITHDRAW_WINDOW=datetime.timedelta(minutes=settings["WITHDRAW_MINUTES"]),
    )
    app.config.update(settings)
    app.debug = settings["DEBUG"]
    app.session_interface = SessionCookies()
    app.extensions["vapid"] = vapid
    try:
        app.extensions["storage"] = storage.from_settings(settings)
    except ValueError as exc:
        raise StartupError(str(exc)) from None
    if settings["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings["PROXY_COUNT"],
                                x_proto=settings["PROXY_COUNT"],
                                x_host=settings["PROXY_COUNT"])

    try:
        dbmod.bind(dbmod.open_database(settings["DATABASE_URL"]))
    except ValueError as exc:
        raise StartupError(str(exc)) from None
    protect.configure(settings["DATA_KEY"] or settings["SECRET_KEY"])
    dbmod.init_app(app)

    Babel(app, locale_selector=select_locale)
    CSRFProtect(app)
    Htmx(app)
    login_manager = LoginManager(app)
    auth.init_login(login_manager)
    app.extensions["login_limiter"] = LoginLimiter(
        make_store(settings["REDIS_URL"]),
        per_account=settings["LOGIN_ATTEMPTS_PER_ACCOUNT"],
        per_address=settings["LOGIN_ATTEMPTS_PER_ADDRESS"],
        window=settings["LOGIN_WINDOW_MINUTES"] * 60,
    )

    # E-mail: the SMTP server, or in demo mode without one, files in instance/outbox.
    app.extensions["mailer"] = Mailer(
        host=app.config["SMTP_HOST"], port=app.config["SMTP_PORT"],
        user=app.config["SMTP_USER"], password=app.config["SMTP_PASSWORD"],
        starttls=app.config["SMTP_STARTTLS"], sender=app.config["MAIL_FROM"],
        outbox=(str(Path(app.instance_path) / "outbox")
                if app.config["MODE"] == "demo" else None))

    # Notifications: the senders per channel and the task queue that runs them.
    app.extensions["notice_senders"] = senders.senders()
    app.extensions["sms_gateway"] = sms_model.from_settings(settings["MUNICIPALITY"].sms)
    queue_model.init_app(app)
    data_export_tasks.init_app(app)
    # Registered first, so it runs last: it compresses the answer every other hook made.
    app.after_request(compression.after_request)
    app.after_request(queue_model.after_request)

    for blueprint in (auth.bp, home.bp, account.bp, admin.bp, brand.bp, messages.bp,
                      consents.bp, consent_setup.bp, caregivers.bp, class_list.bp,
                      absence.bp, posts.bp, eid.bp, organisation.bp, code_login.bp,
                      letters.bp, calendar.bp, attendance.bp,
                      push.bp, notifications.bp, deliveries.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(attendance_notice.bp)
    app.register_blueprint(attendance_settings.bp)
    app.register_blueprint(devices.bp)
    app.register_blueprint(devices_tablet.bp)
    # A paired tablet (its cookie, nobody logged in) opens on its department's day.
    app.before_request(devices_tablet.tablet_home)
    app.register_blueprint(pickup_views.bp)
    app.register_blueprint(daycare_views.bp)
    app.register_blueprint(dpo_views.bp)
    app.register_blueprint(my_data_views.bp)
    app.register_blueprint(rectification_views.bp)
    app.register_blueprint(archive_views.bp)
    app.register_blueprint(events_views.bp)
    app.register_blueprint(weekplan_views.bp)
    app.register_blueprint(meetings_views.bp)
    app.register_blueprint(translation_views.bp)
    app.register_blueprint(step_up.bp)  # issue 22: sensitive threads
    app.register_blueprint(message_sensitive.bp)
    # Safe sending of announcements (issue 22): the outbox and the templates.
    app.register_blueprint(announce_views.bp)
    app.register_blueprint(message_templates_views.bp)
    app.register_blueprint(office_hours_views.bp)  # issue 22: office hours
    app.register_blueprint(message_search_views.bp)  # issue 22: message search
    app.register_blueprint(message_folders_views.bp)  # issue 22: done and follow-up
    # Rule 12: who has seen a child's data (the family's page, and the access rows).
    app.register_blueprint(seen_views.bp)
    app.after_request(seen_views.after_request)
    errors.init_app(app)

    static_hashes = {}

    @app.url_defaults
    def _version_static(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values.setdefault("v", static_version(app, values["filename"], static_hashes))

    @app.context_processor
    def _globals():
        locale = str(get_locale())
        return {"municipality": app.config["MUNICIPALITY"], "layout": layout_urls(app),
                "viewer": current_user._get_current_object(), "csrf": csrf_token(),
                "current_locale": locale, "text_direction": DIRECTIONS.get(locale, "ltr"),
                "language_names": LANGUAGE_NAMES, "role_names": ROLE_NAMES,
                **template_gettext()}

    app.jinja_env.globals["email_link"] = email_link
    app.jinja_env.filters["local"] = local_time
    app.jinja_env.filters["day"] = format_day
    # A size in bytes as megabytes with one decimal, in the page's language ("1,5").
    app.jinja_env.filters["megabytes"] = lambda size: format_decimal(size / 1e6, "#,##0.0")
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True  # smaller pages
    app.before_request(refuse_nul)
    app.after_request(security_headers)
    cli.register(app)
    return app
