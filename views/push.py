"""Web Push and the installable app: a browser's push subscription (added, moved to
whoever uses a shared device now, removed), the web app manifest, and the service
worker, served from the root so that it may control every page."""
import json
import re

from cryptography.hazmat.primitives.asymmetric import ec
from flask import (Blueprint, abort, current_app, jsonify, redirect, request,
                   send_from_directory, url_for)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models.notifications import webpush

from views.common import client_ip

bp = Blueprint("push", __name__)

ERRORS = {
    "login": _l("Your session has ended. Log in again."),
    "invalid": _l("The browser sent a subscription that could not be read. Try again."),
    "service": _l("This browser's push service is not supported. Notifications will "
                  "come by e-mail."),
}

# (pattern, name), first match wins: the order matters, as Edge, Opera and Samsung
# Internet also say "Chrome", and Chrome also says "Safari".
BROWSERS = (
    (r"Edg(e|A|iOS)?/", "Edge"), (r"OPR/|Opera", "Opera"),
    (r"SamsungBrowser/", "Samsung Internet"), (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"), (r"Safari/|AppleWebKit/", "Safari"),
)
SYSTEMS = (
    (r"Android", "Android"), (r"iPhone", "iPhone"), (r"iPad", "iPad"),
    (r"CrOS", "ChromeOS"), (r"Windows", "Windows"), (r"Macintosh|Mac OS X", "macOS"),
    (r"Linux", "Linux"),
)


def _first(patterns, text):
    return next((name for pattern, name in patterns if re.search(pattern, text)), None)


def device_label(user_agent):
    """A short guess at the browser and system ("Chrome on Android"), never a
    version: enough for a person to tell their devices apart, no more."""
    user_agent = user_agent or ""
    browser, system = _first(BROWSERS, user_agent), _first(SYSTEMS, user_agent)
    if browser and system:
        return gettext("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or gettext("Unknown browser")


def _fail(key, status=400):
    return jsonify(ok=False, error=str(ERRORS[key])), status


def _subscription(data):
    """(endpoint, p256dh, auth) from PushSubscription.toJSON(), or None."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        return None
    endpoint, keys = data.get("endpoint"), data["keys"]
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not all(isinstance(v, str) for v in (endpoint, p256dh, auth)):
        return None
    try:
        point, secret = webpush.b64url_decode(p256dh), webpush.b64url_decode(auth)
    except ValueError:
        return None
    if len(point) != 65 or point[0] != 4 or len(secret) != 16:
        return None
    try:  # a point on the curve, or every later send to it would fail
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return None
    return endpoint, webpush.b64url(point), webpush.b64url(secret)


@bp.route("/notifications/push", methods=["POST"])
def subscribe():
    """The browser's subscription, as JSON, from static/js/push.js."""
    # JSON in, JSON out: a fetch must not be sent to the login page.
    if not current_user.is_authenticated:
        return _fail("login", 401)
    try:
        data = request.get_json(silent=True, force=True)
    except RecursionError:  # JSON nested thousands deep: not a subscription either
        data = None
    found = _subscription(data)
    if found is None:
        return _fail("invalid")
    endpoint, p256dh, auth = found
    config = current_app.config
    if not webpush.allowed_endpoint(endpoint, config["PUSH_SERVICE_HOSTS"],
                                    allow_http=config["PUSH_ALLOW_HTTP"]):
        return _fail("service")
    label = device_label(request.headers.get("User-Agent"))[:100]
    webpush.subscribe(current_user._get_current_object(), endpoint, p256dh, auth, label,
                      ip=client_ip())
    return jsonify(ok=True), 201


@bp.route("/notifications/push/<int:subscription_id>/remove", methods=["POST"])
@login_required
def remove(subscription_id):
    if not webpush.unsubscribe(current_user._get_current_object(), subscription_id,
                               ip=client_ip()):
        abort(404)  # someone else's device is not even said to exist
    return redirect(url_for("notifications.settings"), 303)


@bp.route("/manifest.webmanifest")
def manifest():
    town = current_app.config["MUNICIPALITY"]

    def icon(name, size, purpose="any"):
        return {"src": url_for("static", filename=f"icons/{name}"), "sizes": f"{size}x{size}",
                "type": "image/png", "purpose": purpose}

    body = {
        "name": f"Kontaktbok – {town.name}",
        "short_name": "Kontaktbok",
        "id": "/",
        "start_url": "/?source=app",
        "scope": "/",
        "display": "standalone",
        "lang": town.default_language,
        "dir": "ltr",
        "theme_color": town.colours["primary"],
        "background_color": "#ffffff",
        "icons": [icon("icon-192.png", 192), icon("icon-512.png", 512),
                  icon("icon-maskable-512.png", 512, "maskable")],
    }
    response = current_app.response_class(json.dumps(body, ensure_ascii=False),
                                          mimetype="application/manifest+json")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.route("/sw.js")
def service_worker():
    """At the root, so its scope is the whole app; always checked for a newer one."""
    response = send_from_directory(current_app.static_folder, "sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.cache_control.no_cache = True
    response.cache_control.public = None
    response.cache_control.max_age = None
    return response


@bp.app_context_processor
def _pwa_layout():
    """The addresses base.html links to for the installable app, made once."""
    urls = current_app.extensions.get("pwa_urls")
    if urls is None:
        urls = current_app.extensions["pwa_urls"] = {
            "manifest": url_for("push.manifest"),
            "touch_icon": url_for("static", filename="icons/apple-touch-icon.png"),
            "sw_register": url_for("static", filename="js/sw-register.js"),
        }
    return {"pwa": urls}
