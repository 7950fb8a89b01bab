"""What every view shares: page-or-fragment rendering, locale choice, security headers."""
import datetime
import hashlib
import re
from pathlib import Path
from types import SimpleNamespace

from flask import abort, current_app, has_request_context, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import BaseLoader, pass_context
from markupsafe import Markup, escape
from werkzeug.routing import IntegerConverter

from languages import LOCALES
from languages import NAMES as LANGUAGE_NAMES
from models import access
from views.dates import TIME_ZONES, format_day, local_time  # noqa: F401 (here for the views)

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' {theme}",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
))


# `{{ _("Plain text") }}` with no placeholders: translated once, when the template is
# compiled for a language, instead of on every page view.
_LITERAL_GETTEXT = re.compile(r"""\{\{\s*_\((["'])([^"'%{}]*)\1\)\s*\}\}""")


class TranslatedLoader(BaseLoader):
    """Loads templates with their plain `_()` strings already translated."""

    def __init__(self, loader, translations):
        self.loader = loader
        self.translations = translations

    def get_source(self, environment, template):
        source, filename, uptodate = self.loader.get_source(environment, template)
        if not template.endswith(".html"):  # only autoescaped HTML may be rewritten
            return source, filename, uptodate
        translated = _LITERAL_GETTEXT.sub(
            lambda m: _as_html_text(self.translations.ugettext(m.group(2))), source)
        return translated, filename, uptodate


def _as_html_text(text):
    """Text written into template source: escaped for HTML, and with braces as entities
    so that a translation can never become template code."""
    return str(escape(text)).replace("{", "&#123;").replace("}", "&#125;")


def _environment(locale):
    """One compiled-template cache per language; everything else is shared."""
    app = current_app._get_current_object()
    environments = app.extensions.setdefault("jinja_by_locale", {})
    env = environments.get(locale)
    if env is None:
        env = environments[locale] = app.jinja_env.overlay(
            loader=TranslatedLoader(app.jinja_env.loader, get_translations()))
    return env


def render_template(name, **context):
    """Flask's render_template, with the template compiled for the page's language."""
    current_app.update_template_context(context)
    return _environment(str(get_locale())).get_template(name).render(context)


def wants_fragment():
    """Only a targeted htmx request gets a fragment: not a boosted one, not a history
    restore (those need the whole page)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template, fragment=None, status=200, **context):
    """The page, or just its fragment for htmx; the same markup either way."""
    name = fragment if fragment and wants_fragment() else template
    response = current_app.make_response((render_template(name, **context), status))
    response.vary.add("HX-Request")
    return response


# Numbers and dates from outside --------------------------------------------------------

# The largest id a row can have: 18 digits. Every such number fits SQLite's INTEGER and
# PostgreSQL's bigint (64 bits); a larger one does not find nothing in a query, it fails
# in the driver (a 500). No table gets near 10**18 rows.
ID_DIGITS = 18
ID_MAX = 10 ** ID_DIGITS - 1
_DIGITS = re.compile(r"[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The dates a page or form accepts. Fixed, not relative to today, so a link stays valid;
# wide enough for any birth date, school year or absence, and far enough from
# date.min/date.max (years 1 and 9999) that a day's neighbours and a year either side can
# always be computed.
DATE_MIN, DATE_MAX = datetime.date(1900, 1, 1), datetime.date(2199, 12, 31)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: 0-9 only (a regex's \\d also takes other scripts' digits)
    and at most ID_DIGITS of them, so a number no row can have matches no route — a 404
    like any unknown address, for every method (a converter that refused it after the
    match would make a 405 of it where another method's route has the same path)."""
    regex = rf"[0-9]{{1,{ID_DIGITS}}}"


def parse_number(text, low=0, high=ID_MAX):
    """The whole number written in `text` (digits 0-9 only, as a form or link writes
    it), or None when it is not one or lies outside low..high."""
    text = (text or "").strip()
    if not _DIGITS.fullmatch(text) or len(text) > ID_DIGITS:
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_date(text):
    """The date written YYYY-MM-DD in `text`, or None when it is not a real date within
    DATE_MIN..DATE_MAX."""
    text = (text or "").strip()
    if not _ISO_DATE.fullmatch(text):  # fromisoformat also reads 20260101, 2026-W01-1
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return day if DATE_MIN <= day <= DATE_MAX else None


REFUSED = _l("Something was wrong with what was sent")
TRY_AGAIN = _l("Go back, check what you entered and try again.")
NOT_A_NUMBER = _l("A number in the address or the form is not one this page can use. Go "
                  "back and try again.")
NOT_A_DATE = _l("Write the date as YYYY-MM-DD, a real date from the year %(first)d to "
                "%(last)d.", first=DATE_MIN.year, last=DATE_MAX.year)


def refuse(text):
    """Stop the request with a 400 page (or fragment) that says what was wrong."""
    abort(render("errors/error.html", "errors/_error.html", status=400, title=REFUSED,
                 text=text))


def refuse_nul():
    """Before every request: no text a person sends holds a NUL character, and
    PostgreSQL cannot store one (its driver fails: a 500). Refused as a whole, whatever
    field it is in."""
    view_args = request.view_args or {}
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                refuse(TRY_AGAIN)
    if any("\x00" in value for value in view_args.values() if isinstance(value, str)):
        refuse(TRY_AGAIN)


def number_from(values, name, default=None, low=0, high=ID_MAX):
    """A whole number from request.args/.form/.values: missing or empty → default; not
    a whole number from low to high → a translated 400."""
    text = values.get(name, "")
    if not text.strip():
        return default
    number = parse_number(text, low, high)
    if number is None:
        refuse(NOT_A_NUMBER)
    return number


def date_from(values, name, default=None):
    """A date from request.args/.form: missing or empty → default; not a real date
    written YYYY-MM-DD between DATE_MIN and DATE_MAX → a translated 400."""
    text = values.get(name, "")
    if not text.strip():
        return default
    day = parse_date(text)
    if day is None:
        refuse(NOT_A_DATE)
    return day


def administrators_only(blueprint):
    """Every route of the blueprint is the administrator's: others are sent to log in,
    or get 404 (a page they may not use is not there), before the view runs."""
    @blueprint.before_request
    def _administrators_only():
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not access.is_administrator(current_user):
            abort(404)
    return blueprint


def client_ip():
    return request.remote_addr or ""


def enabled_languages():
    return current_app.config["MUNICIPALITY"].languages


_LOCALES = LOCALES


def select_locale():
    """The user's saved choice → the session → Accept-Language → the municipality's
    default. Returns a parsed Locale: babel would otherwise parse (and look on disk) on
    every request."""
    return _LOCALES[_choose_language()]


def _choose_language():
    config = current_app.config["MUNICIPALITY"]
    if not has_request_context():  # the command line: the municipality's language
        return config.default_language
    enabled = config.languages
    user = current_user._get_current_object()
    if user.is_authenticated and user.locale in enabled:
        return user.locale
    chosen = session.get("locale")
    if chosen in enabled:
        return chosen
    # Browsers often say only "no" (Norwegian): that means Bokmål, in its place in the
    # browser's order (before English in "no,en;q=0.5").
    offered = [*enabled, "no"] if "nb" in enabled else list(enabled)
    best = request.accept_languages.best_match(offered)
    if best:
        return "nb" if best == "no" else best
    return config.default_language


def template_gettext():
    """`_()` and `ngettext()` for one render, bound to the catalogue of the language in
    force (flask-babel would look it up again for each of a page's dozens of strings).
    Like Jinja's new-style gettext (`%(name)s` filled in and escaped), except that the
    translation itself is escaped too: translators write text, not markup."""
    translations = get_translations()

    @pass_context
    def gettext(context, string, **variables):
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = escape(text)  # a translation is text, never markup
        return text % variables

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = escape(text)
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext}


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer made once rather than twice per
    request (the configuration does not change while the app runs)."""

    def get_signing_serializer(self, app):
        serializer = app.extensions.get("session_serializer")
        if serializer is None:
            serializer = app.extensions["session_serializer"] = (
                super().get_signing_serializer(app))
        return serializer


def csrf_token():
    """The signed form token, signed once per session instead of on every page. It stays
    valid as long as the session (WTF_CSRF_TIME_LIMIT is off) and goes with it."""
    signed = session.get("_csrf_signed")
    if signed is None or "csrf_token" not in session:
        signed = session["_csrf_signed"] = generate_csrf()
    return signed



def email_link(address):
    """A mailto link that may wrap after the @ on a narrow phone, not mid-word."""
    local, at, domain = (escape(part) for part in address.partition("@"))
    return Markup(f'<a href="mailto:{escape(address)}">{local}{at}<wbr>{domain}</a>')


def layout_urls(app):
    """The addresses every page's layout links to. They are the same for every request,
    and building them with url_for on each page costs more than the rest of the header."""
    urls = app.extensions.get("layout_urls")
    if urls is None:
        config = app.config["MUNICIPALITY"]
        urls = SimpleNamespace(
            css=url_for("static", filename="css/app.css"),
            htmx=url_for("static", filename="vendor/htmx-2.0.11.min.js"),
            theme_css=Markup(config.theme_css),  # hex colours only (municipality.py)
            logo=url_for("brand.logo", v=config.logo.version) if config.logo else None,
            home=url_for("home.index"),
            logout=url_for("auth.logout"),
            language=url_for("account.language"),
            messages=url_for("messages.index"),
            unread=url_for("messages.unread"),
            new_message=url_for("messages.new"),
            posts=url_for("posts.index"),
            notifications=url_for("notifications.settings"),
            my_data=url_for("my_data.index"),
            announce=url_for("messages.announce"),
            archived=url_for("messages.index", archived=1),
        )
        app.extensions["layout_urls"] = urls
    return urls


def static_version(app, filename, cache):
    """A short hash of a static file's content, for its URL: the file can then be cached
    for a year, and a new release gets new URLs."""
    if filename not in cache:
        path = Path(app.static_folder) / filename
        try:
            cache[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        except OSError:
            cache[filename] = "0"
    return cache[filename]


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
VERSIONED = ("static", "brand.theme", "brand.logo")
# The same for everyone and personal to nobody: these keep the caching their view chose
# (the web app manifest for a day, the service worker revalidated on every visit).
SHARED = ("push.manifest", "push.service_worker")
# A person's calendar feed is fetched by their calendar app, not a browser, every few
# minutes: it may keep it privately for the few minutes the view says (with an ETag for
# the 304 after), instead of fetching the whole feed on each poll.
OWN_CACHING = SHARED + ("calendar.feed",)


def _policy(app):
    """CSP with the hash of the municipality's theme, the one inline style there is."""
    policy = app.extensions.get("csp")
    if policy is None:
        policy = app.extensions["csp"] = CSP.format(
            theme=app.config["MUNICIPALITY"].theme_csp_hash)
    return policy


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _policy(current_app))
    # Nothing else sets these: appending is enough (and cheaper than replacing).
    headers.extend(SECURITY_HEADERS)
    req = request._get_current_object()
    if current_app.config["PUBLIC_URL"].startswith("https://") or req.is_secure:
        headers.add(*HSTS)
    if req.endpoint in VERSIONED and req.args.get("v"):
        response.cache_control.public = True
        response.cache_control.max_age = 31536000
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    elif req.endpoint not in OWN_CACHING and "no-store" not in headers.get("Cache-Control", ""):
        # Pages, photos, files and downloads may hold personal data: no browser or proxy
        # keeps any of them, whatever the view asked for ("private, no-cache" still
        # stores a photo on the phone's disk). An ETag still answers a conditional
        # request with 304.
        headers["Cache-Control"] = "no-store"
    return response
