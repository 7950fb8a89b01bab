"""The person's own settings; for now the language."""
from flask import Blueprint, abort, redirect, request, session, url_for
from flask_login import current_user

from models.school.tables import User

from views.auth import safe_next
from views.common import enabled_languages

bp = Blueprint("account", __name__)


@bp.route("/language", methods=["POST"])
def language():
    locale = request.form.get("locale")
    if locale not in enabled_languages():
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated and current_user.locale != locale:
        User.update(locale=locale).where(User.id == current_user.id).execute()
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"), 303)
