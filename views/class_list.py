"""The class list (rule 7): a guardian's sharing choices per child and group, the list
of a group for its guardians, contact teacher and unit leader, vCards of what is shared,
and the teacher's counts and print view. Anyone else gets 404, fragments included."""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access
from models.db import today
from models.school import class_list

from views.code_login import refuse_lower_assurance
from views.common import client_ip, render, wants_fragment
from views.labels import SHARED_FIELD_COUNTS, SHARE_FIELDS

bp = Blueprint("class_list", __name__)


def _child():
    child = access.answering_child(current_user._get_current_object(),
                                   request.view_args["child_id"])
    if child is None:
        abort(404)
    return child


def _context(child):
    user = current_user._get_current_object()
    return {"child": child, "fields": SHARE_FIELDS,
            "own_protected": user.address_protection != class_list.UNPROTECTED,
            "child_protected": child.address_protection != class_list.UNPROTECTED,
            "country": current_app.config["MUNICIPALITY"].country}


@bp.route("/children/<int:child_id>/class-list")
@login_required
def sharing(child_id):
    found = _child()
    user_id = current_user.id
    groups = [(gid, name, unit, class_list.choices(user_id, found.id, gid))
              for gid, name, unit in class_list.groups_of(found.id)]
    return render("class_list/sharing.html", groups=groups, **_context(found))


@bp.route("/children/<int:child_id>/class-list/<int:group_id>", methods=["POST"])
@login_required
def save(child_id, group_id):
    found = _child()
    if current_user.lower_assurance:
        return refuse_lower_assurance()
    group = next((g for g in class_list.groups_of(found.id) if g[0] == group_id), None)
    if group is None:
        abort(404)
    ticked = {f: request.form.get(f) == "1" for f in class_list.FIELDS}
    saved = class_list.store_choices(current_user._get_current_object(), found, group_id,
                                     ticked, ip=client_ip())
    if wants_fragment():
        shown = [str(SHARE_FIELDS[f]).lower() for f in class_list.FIELDS if saved[f]]
        return render("class_list/_sharing.html", group=(*group, saved), saved=True,
                      shown=shown, **_context(found))
    flash(_l("Saved. The class list shows what you ticked."), "success")
    return redirect(url_for("class_list.sharing", child_id=found.id,
                            _anchor=f"group-{group_id}"), 303)


def _viewer(group_id):
    found = access.class_list_viewer(current_user._get_current_object(), group_id)
    if found is None:
        abort(404)
    return found


@bp.route("/groups/<int:group_id>/class-list")
@login_required
def group(group_id):
    name, role = _viewer(group_id)
    entries = class_list.entries(group_id)
    counts = class_list.counts(group_id, entries) if role == "staff" else None
    return render("class_list/list.html", group_id=group_id, group_name=name,
                  entries=entries, counts=counts, fields=SHARED_FIELD_COUNTS,
                  country=current_app.config["MUNICIPALITY"].country)


@bp.route("/groups/<int:group_id>/class-list/print")
@login_required
def print_view(group_id):
    name, role = _viewer(group_id)
    if role != "staff":
        abort(404)  # the print view is the teacher's
    return render("class_list/print.html", group_name=name,
                  entries=class_list.entries(group_id), day=today(),
                  country=current_app.config["MUNICIPALITY"].country)


def _vcard_response(text, filename):
    response = current_app.response_class(text, mimetype="text/vcard")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/groups/<int:group_id>/class-list.vcf")
@login_required
def vcards(group_id):
    name, _ = _viewer(group_id)
    cards = [class_list.vcard(contact, entry.child, name)
             for entry in class_list.entries(group_id) for contact in entry.contacts]
    return _vcard_response("".join(cards), "class-list.vcf")


@bp.route("/groups/<int:group_id>/class-list/<int:guardian_id>.vcf")
@login_required
def vcard(group_id, guardian_id):
    name, _ = _viewer(group_id)
    found = next(((entry, contact) for entry in class_list.entries(group_id)
                  for contact in entry.contacts if contact.guardian_id == guardian_id), None)
    if found is None:
        abort(404)
    entry, contact = found
    return _vcard_response(class_list.vcard(contact, entry.child, name), "contact.vcf")
