"""Error pages in the user's language: never a stack trace."""
import logging

from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from models.storage_s3 import Unavailable
from views.common import render

log = logging.getLogger("kontaktbok.storage")

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
    503: (_l("Files cannot be reached just now"),
          _l("Try again in a moment. If it happens again, contact the municipality.")),
}


def _page(status, title=None, text=None):
    default_title, default_text = MESSAGES.get(status, MESSAGES[500])
    return render("errors/error.html", "errors/_error.html", status=status,
                  title=title or default_title, text=text or default_text)


def init_app(app):
    for status in MESSAGES:
        app.register_error_handler(status, lambda exc, status=status: _page(status))

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _page(400, _l("The form had expired"),
                     _l("For your security, forms expire. Go back, reload the page and "
                        "send it again."))

    @app.errorhandler(Unavailable)
    def _storage_down(exc):
        # The operator learns why (the message names no key); the person, to try again.
        log.error("the file storage is unavailable: %s", exc)
        return _page(503)
