"""What every way of logging in shares (password, eID and staff SSO, one-time code):
starting the session, and where the browser may go afterwards."""
from urllib.parse import urlsplit

from flask import session
from flask_babel import get_locale
from flask_login import login_user

from models.login.sessions import log_in

from views.common import client_ip


def begin_session(user, method, **details):
    """Log the user in: a new server-side session (nothing of the old one carries over),
    in the audit log. `details` go to the session row (provider, sid, id_token) and
    `acr` to the log."""
    language = str(get_locale())
    acr = details.pop("acr", None)
    session.clear()
    user.session_token = log_in(user, method, ip=client_ip(), acr=acr, **details)
    # The language the person logged in with stays for the session (a saved choice on
    # the account wins).
    session["locale"] = user.locale or language
    login_user(user)


def safe_next(target):
    """Only a path on this site, never another host (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read a backslash as a slash ("/\\evil.example" is another host) and drop
    # control characters.
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in target):
        return None
    return target.rstrip("?") or None
