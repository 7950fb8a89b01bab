""""Your data": a person's copy of everything Kontaktbok keeps about them and their
children (GDPR art. 15 and 20, DESIGN.md rule 10), asked for here, made by the task
queue, downloaded once through a link only its owner can open."""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access
from models.data_export import exports, tasks
from models.data_export.tables import DOWNLOADED
from models.messaging import sensitive_threads

from views.common import client_ip, render
from views.step_up import require_fresh
from views.stored import send_stored

bp = Blueprint("my_data", __name__, url_prefix="/my-data")


@bp.route("", methods=["GET"])
@login_required
def index():
    user = current_user._get_current_object()
    return render("my_data/index.html", fragment="my_data/_status.html",
                  export=exports.latest(user), link_hours=exports.LINK_HOURS,
                  children=([] if request.htmx else access.responsible_children(user)))


@bp.route("", methods=["POST"])
@login_required
def ask():
    user = current_user._get_current_object()
    try:
        export = exports.ask(user, ip=client_ip())
    except exports.InProgress:
        flash(_l("Your copy is already being made. We tell you when it is ready."), "error")
        return redirect(url_for("my_data.index"), 303)
    tasks.enqueue(current_app._get_current_object(), export.id)
    flash(_l("We are making your copy. We tell you when it is ready to download."),
          "success")
    return redirect(url_for("my_data.index"), 303)


@bp.route("/<token>", methods=["GET"])
@login_required
def download(token):
    user = current_user._get_current_object()
    if sensitive_threads.takes_part_in_one(user):
        require_fresh(request.path)  # before the one-time link is used
    try:
        found = exports.download(user, token, ip=client_ip())
    except exports.Gone as gone:
        return render("my_data/gone.html", status=410,
                      downloaded=gone.reason == DOWNLOADED)
    if found is None:
        abort(404)
    name, _ = found
    response = send_stored(name, "application/zip", "kontaktbok-my-data.zip",
                           as_attachment=True)
    response.headers["Cache-Control"] = "private, no-store"
    return response
