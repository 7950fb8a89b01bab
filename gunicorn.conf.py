"""Gunicorn reads this file from the directory it starts in (`make run`, and the
production command in README.md, both start in the repository).

It drops the `Server: gunicorn` response header: it tells a scanner which server and
stack to try, and nobody else needs it. Gunicorn has no setting for it, so the header
line is left out where gunicorn writes its own headers (in the master, as it starts: the
workers it forks inherit it); tests/test_security.py starts a real gunicorn and checks
the answer, so a gunicorn that changes this fails there.
"""
import re

from gunicorn import glogging
from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _without_server(self):
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


def on_starting(server):
    wsgi.Response.default_headers = _without_server


# One-time links (a caregiver's invitation, confirming a new e-mail address) and the
# calendar feed's secret address carry their token in the path: the access log keeps
# which page was asked for, never the token.
_ONE_TIME = re.compile(r"(/caregivers/invitation/|/account/email/|/calendar/feed/)[^/?\s]+")


class Logger(glogging.Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "{raw_uri}e"):
            if isinstance(atoms.get(key), str):
                atoms[key] = _ONE_TIME.sub(r"\1…", atoms[key])
        return atoms


logger_class = Logger
