"""Absolute links for what leaves the site (e-mail, SMS, push): the base is PUBLIC_URL,
never the request's Host header, which the client chooses and a worker does not have.

Production requires PUBLIC_URL (app.py refuses to start without it). `make run` sets it
from the port it serves on; without it (a development server started some other way)
the links point at `make run`'s default address."""
from flask import current_app

DEVELOPMENT_URL = "http://127.0.0.1:5000"


def absolute(path):
    """`path` (from url_for, starting with "/") on the address people open the app on."""
    base = current_app.config["PUBLIC_URL"] or DEVELOPMENT_URL
    return base.rstrip("/") + path
