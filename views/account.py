"""The person's own settings; for now the language."""
from flask import Blueprint, abort, redirect, request, session, url_for
from flask_login import current_user

from models.school import own_settings

from views.common import enabled_languages
from views.login_common import safe_next

bp = Blueprint("account", __name__)


@bp.route("/language", methods=["POST"])
def language():
    locale = request.form.get("locale")
    if locale not in enabled_languages():
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated and current_user.locale != locale:
        own_settings.save_locale(current_user, locale)
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"), 303)
