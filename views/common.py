"""What every view shares: page-or-fragment rendering, locale choice, security headers."""
import hashlib
from contextlib import contextmanager
from pathlib import Path

from flask import current_app, g, render_template, request, session
from flask_babel import force_locale, get_translations
from flask_login import current_user

LANGUAGE_NAMES = {"nb": "Norsk bokmål", "nn": "Norsk nynorsk", "sv": "Svenska"}

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
))


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


def client_ip():
    return request.remote_addr or ""


def enabled_languages():
    return current_app.config["MUNICIPALITY"].languages


def select_locale():
    """The user's saved choice → the session → Accept-Language → the municipality's
    default."""
    enabled = enabled_languages()
    if current_user and current_user.is_authenticated and current_user.locale in enabled:
        return current_user.locale
    if session.get("locale") in enabled:
        return session["locale"]
    best = request.accept_languages.best_match(enabled)
    if best:
        return best
    # Browsers often say only "no" (Norwegian); that means Bokmål unless told otherwise.
    if "nb" in enabled and request.accept_languages.best_match(["no"]):
        return "nb"
    return current_app.config["MUNICIPALITY"].default_language


def _translations():
    # flask-babel looks the catalogue up again for every string; a page has dozens.
    translations = g.get("_translations")
    if translations is None:
        translations = g._translations = get_translations()
    return translations


def install_template_gettext(app):
    """Template `_()` and `ngettext()` with the catalogue looked up once per request."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
    )


@contextmanager
def in_locale(locale):
    """Render in another language (an e-mail in the recipient's language, say)."""
    saved = g.pop("_translations", None)
    try:
        with force_locale(locale):
            yield
    finally:
        g.pop("_translations", None)
        if saved is not None:
            g._translations = saved


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


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if current_app.config["PUBLIC_URL"].startswith("https://") or request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if request.endpoint in ("static", "brand.theme", "brand.logo") and request.args.get("v"):
        response.cache_control.public = True
        response.cache_control.max_age = 31536000
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    else:
        # Pages may show personal data: never keep them in any cache.
        headers["Cache-Control"] = "no-store"
    return response
