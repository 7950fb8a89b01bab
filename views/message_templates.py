"""Announcement templates (issue 22): the unit's (its leader or an administrator makes
them, all its staff use them) and one's own; list, create, edit, delete. Choosing one
fills the announcement form (views/announce.py, ?template=id)."""
from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models.messaging import message_templates as templates

from views.common import number_from, render
from views.messages_forms import in_form_order

bp = Blueprint("message_templates", __name__, url_prefix="/messages/templates")


def _staff_or_404():
    if not templates.may_use(current_user):
        abort(404)


def _units():
    """[(id, name)] of the units whose templates the user makes."""
    return templates.managed_units(current_user)


@bp.route("/")
@login_required
def index():
    _staff_or_404()
    found, changeable = templates.listing(current_user)
    return render("message_templates/index.html", templates=found, changeable=changeable)


def _form_page(template=None, form=None, errors=None, status=200):
    form = form or ({"name": template.name, "subject": template.subject,
                     "body": template.body, "unit": template.unit_id or 0}
                    if template else {"name": "", "subject": "", "body": "", "unit": 0})
    return render("message_templates/form.html", status=status, tpl=template,
                  form=form, errors=in_form_order(errors or {}, "name", "subject", "body",
                                                  "unit"),
                  units=_units(), placeholders=templates.PLACEHOLDERS, thread=None)


def _save(template=None):
    form = {"name": request.form.get("name", "").strip(),
            "subject": request.form.get("subject", "").strip(),
            "body": request.form.get("body", "").strip(),
            "unit": number_from(request.form, "unit", 0)}
    errors = {}
    if not form["name"]:
        errors["name"] = _l("Give the template a name.")
    elif len(form["name"]) > templates.NAME_MAX:
        errors["name"] = _l("The name can be at most %(max)d characters.",
                            max=templates.NAME_MAX)
    if not form["subject"]:
        errors["subject"] = _l("Write a subject.")
    elif len(form["subject"]) > templates.SUBJECT_MAX:
        errors["subject"] = _l("The subject can be at most %(max)d characters.",
                               max=templates.SUBJECT_MAX)
    if not form["body"]:
        errors["body"] = _l("Write a message.")
    elif len(form["body"]) > templates.BODY_MAX:
        errors["body"] = _l("The message can be at most %(max)d characters.",
                            max=templates.BODY_MAX)
    if form["unit"] and form["unit"] not in {unit_id for unit_id, _ in _units()}:
        errors["unit"] = _l("Choose whose template it is.")
    if errors:
        return _form_page(template, form, errors, status=400)
    templates.write(current_user, {**form, "unit": form["unit"] or None}, template)
    return redirect(url_for("message_templates.index"), 303)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    _staff_or_404()
    return _save() if request.method == "POST" else _form_page()


@bp.route("/<int:template_id>", methods=["GET", "POST"])
@login_required
def edit(template_id):
    _staff_or_404()
    template = templates.changeable_one(current_user, template_id)
    if template is None:
        abort(404)
    return _save(template) if request.method == "POST" else _form_page(template)


@bp.route("/<int:template_id>/delete", methods=["POST"])
@login_required
def delete(template_id):
    _staff_or_404()
    template = templates.changeable_one(current_user, template_id)
    if template is None:
        abort(404)
    templates.delete(template)
    return redirect(url_for("message_templates.index"), 303)
