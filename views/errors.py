"""Error pages in the user's language: never a stack trace."""
import logging
from urllib.parse import quote

import peewee
import redis.exceptions
from flask import current_app, request, url_for
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from playhouse.pool import MaxConnectionsExceeded

from languages import DIRECTIONS
from models.storage_s3 import Unavailable as StorageUnavailable
from views.common import render

log = logging.getLogger("kontaktbok.errors")
# The database or Redis (the login limits, the queue) cannot be reached, or is too busy
# to answer in time: a clear "try again", never a 500. A login is refused, not let
# through without its attempts counted.
# The same for the object store (models/storage_s3.py).
UNAVAILABLE = (peewee.OperationalError, peewee.InterfaceError, MaxConnectionsExceeded,
               redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
               StorageUnavailable)
RETRY_AFTER = 30  # seconds

MESSAGES = {
    400: (_l("Something was wrong with what was sent"),
          _l("Go back, check what you entered and try again.")),
    403: (_l("You do not have access"),
          _l("You do not have permission to do this. Contact the school or kindergarten "
             "if you think you should.")),
    404: (_l("Page not found"),
          _l("The page does not exist, or you do not have access to it.")),
    405: (_l("Something was wrong with what was sent"),
          _l("Go back, check what you entered and try again.")),
    413: (_l("Too much data"), _l("What you sent is too large.")),
    429: (_l("Too many requests"), _l("Wait a moment and try again.")),
    500: (_l("Something went wrong"),
          _l("Try again in a moment. If it happens again, contact the municipality.")),
}


def _page(status, title=None, text=None):
    default_title, default_text = MESSAGES.get(status, MESSAGES[500])
    return render("errors/error.html", "errors/_error.html", status=status,
                  title=title or default_title, text=text or default_text)


def _same_site():
    """The page asked for, as a link that cannot leave this site: the path percent-
    encoded (a backslash or a tab would let a browser read "/\\evil" as "//evil"),
    with a single leading slash, and the query as it came."""
    path = "/" + quote(request.path, safe="/-._~!$&'()*+,;=:@").lstrip("/")
    query = request.query_string.decode("latin-1")
    return f"{path}?{quote(query, safe='=&+%')}" if query else path


def unavailable(exc):
    """A page that needs neither the database nor the account (the person's saved
    language is in the database): the browser's language, or the municipality's."""
    # The operator learns what: a storage error names its endpoint, never a key; a
    # database error its host or SQLite's complaint (a failed migration shows here).
    log.warning("a service the app needs is unavailable: %s: %s", type(exc).__name__, exc)
    municipality = current_app.config["MUNICIPALITY"]
    locale = (request.accept_languages.best_match(municipality.languages)
              or municipality.default_language)
    with force_locale(locale):
        html = current_app.jinja_env.get_template("errors/unavailable.html").render(
            locale=locale, direction=DIRECTIONS.get(locale, "ltr"),
            municipality=municipality,
            css=url_for("static", filename="css/app.css"),
            again=_same_site(),
            title=gettext("Kontaktbok cannot answer right now"),
            text=gettext("Try again in a minute. If you were sending something, check "
                         "whether it arrived before you send it again."),
            try_again=gettext("Try again"))
    response = current_app.response_class(html, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def init_app(app):
    for kind in UNAVAILABLE:
        app.register_error_handler(kind, unavailable)
    for status in MESSAGES:
        app.register_error_handler(status, lambda exc, status=status: _page(status))

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _page(400, _l("The form had expired"),
                     _l("For your security, forms expire. Go back, reload the page and "
                        "send it again."))
