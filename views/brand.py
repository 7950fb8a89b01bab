"""The municipality's look: colours as CSS custom properties, and the logo."""
from flask import Blueprint, abort, current_app

bp = Blueprint("brand", __name__)


@bp.route("/theme.css")
def theme():
    response = current_app.make_response(current_app.config["MUNICIPALITY"].theme_css)
    response.mimetype = "text/css"
    return response


@bp.route("/logo")
def logo():
    found = current_app.config["MUNICIPALITY"].logo
    if found is None:
        abort(404)
    response = current_app.make_response(found.data)
    response.mimetype = found.mimetype
    # An SVG opened on its own must not run anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
