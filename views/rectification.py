"""Rectification (GDPR art. 16): a guardian says that something stored is wrong, the
unit leader (or, for register data, the administrator) answers, and both see the
history. Who files, sees and answers what is models/rectification/access.py; a request
is 404 to everyone else, another family and the staff of another unit included."""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access, audit
from models.rectification import access as rules
from models.rectification import requests
from models.rectification.tables import (ABSENCE, CHILD, CHILD_FIELDS, CONTACT, CONTACT_FIELDS,
                                         CORRECTED, DECLINED, MARK, RECORD, REGISTER_FIELDS,
                                         TEXT_MAX)

from views.common import client_ip, parse_number, render
from views.labels import ABSENCE_REASONS, translated
from views.seen import personal_page, saw

bp = Blueprint("rectification", __name__, url_prefix="/rectifications")

CONTACT_NAMES = {
    "email": _l("My e-mail address"),
    "phone": _l("My phone number"),
    "address": _l("My address"),
    "name": _l("My name"),
    "national_id": _l("My national identity number"),
}
CHILD_NAMES = {
    "name": _l("The child's name"),
    "birth_date": _l("The child's birth date"),
    "address": _l("The child's address"),
    "national_id": _l("The child's national identity number"),
    "group": _l("The child's group or class"),
}
RECORD_NAMES = {ABSENCE: _l("A recorded absence or leave"), MARK: _l("An attendance mark")}
STATUS_NAMES = {
    "open": _l("Waiting for an answer"),
    "corrected": _l("Corrected"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
}
ENTRY_NAMES = {
    "requested": _l("Asked for a correction"),
    "comment": _l("Comment"),
    "corrected": _l("Corrected"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
}
MARK_NAMES = {"present": _l("Present"), "absent": _l("Absent"), "late": _l("Late")}
TEXT_ERRORS = {
    "empty": _l("Write a few words."),
    "long": _l("Write at most %(max)d characters.", max=TEXT_MAX),
    "national_id": _l("Do not write a national identity number here: the school can find "
                      "it without it."),
}


def _names():
    names = translated(contact_names=CONTACT_NAMES, child_names=CHILD_NAMES,
                       record_names=RECORD_NAMES, status_names=STATUS_NAMES,
                       entry_names=ENTRY_NAMES, reason_names=ABSENCE_REASONS,
                       mark_names=MARK_NAMES)

    def what(about, field):
        """What a request says is wrong, in words."""
        if about in (CONTACT, CHILD):
            return names["contact_names" if about == CONTACT else "child_names"].get(field, "")
        return names["record_names"].get(about, "")
    return {**names, "what": what}


def _user():
    return current_user._get_current_object()


def _refuse(title, text):
    abort(render("errors/error.html", "errors/_error.html", status=403, title=title,
                 text=text))


def _with_access():
    """The user, unless a parent without parental responsibility (no access in the app,
    barneloven § 47: told so, kindly)."""
    user = _user()
    if rules.information_only(user):
        _refuse(_l("You have no access to this"),
                _l("A parent without parental responsibility has no access in Kontaktbok. "
                   "The school gives you information on request, and corrects what is "
                   "wrong about you when you ask them."))
    return user


def _text(name, errors, key=None):
    text = request.form.get(name, "").strip()
    problem = requests.text_problem(text)
    if problem:
        errors[key or name] = TEXT_ERRORS[problem]
    return text


@bp.route("")
@login_required
def index():
    user = _with_access()
    is_admin = access.is_administrator(user)
    everything = is_admin and request.args.get("show") == "all"
    return render("rectification/index.html", own=requests.own(user),
                  to_answer=requests.to_answer(user, everything=everything),
                  everything=everything, is_admin=is_admin, **_names())


def _filing(user):
    """(about, children to choose from, the chosen child or None, the record or None)
    from the query string: 404 for a child or record that is not the user's to file
    about, 403 for a code-login session about anything but their own contact details."""
    about = request.args.get("about", CONTACT)
    if about not in (CONTACT, CHILD, ABSENCE, MARK):
        abort(404)
    if not rules.may_file(user, about):
        _refuse(_l("Log in with the national eID"),
                _l("You logged in with a code. With it you can ask to correct your own "
                   "contact details; to ask about your child, log in with BankID or "
                   "another national eID."))
    children = rules.filing_children(user)
    child = record = None
    if about == CHILD and request.args.get("child"):
        child = next((c for c in children
                      if c.id == parse_number(request.args.get("child"))), None)
        if child is None:
            abort(404)
    elif about in (ABSENCE, MARK):
        record = rules.record_or_none(about, parse_number(request.args.get(about)),
                                      [c.id for c in children])
        if record is None:
            abort(404)
        child = next(c for c in children if c.id == record.child_id)
    if about == CHILD and not children:
        abort(404)
    return about, children, child, record


def _form_page(user, about, children, child, record, form=None, errors=None, status=200):
    fields = {CONTACT: CONTACT_FIELDS, CHILD: CHILD_FIELDS}.get(about, ())
    return render("rectification/new.html", status=status, about=about, children=children,
                  child=child, record=record, fields=fields, form=form or {},
                  errors=errors or {}, register_fields=REGISTER_FIELDS, text_max=TEXT_MAX,
                  country=current_app.config["MUNICIPALITY"].country,
                  guardian=bool(children), query=request.query_string.decode("ascii", "replace"),
                  **_names())


@bp.route("/new")
@login_required
def new():
    user = _with_access()
    return _form_page(user, *_filing(user))


@bp.route("/new", methods=["POST"])
@login_required
def file():
    user = _with_access()
    about, children, child, record = _filing(user)
    errors = {}
    form = {"field": request.form.get("field", ""), "child": request.form.get("child", "")}
    field = RECORD
    if about in (CONTACT, CHILD):
        field = form["field"]
        if field not in (CONTACT_FIELDS if about == CONTACT else CHILD_FIELDS):
            errors["field"] = _l("Choose what is wrong.")
    if about == CHILD and child is None:
        child = next((c for c in children if c.id == parse_number(form["child"])), None)
        if child is None:
            errors["child"] = _l("Choose the child.")
    form["explanation"] = _text("explanation", errors)
    if errors:
        return _form_page(user, about, children, child, record, form, errors, status=400)
    row = requests.file(user, about, field, form["explanation"],
                        child_id=child.id if child is not None else None, record=record,
                        ip=client_ip())
    flash(_l("Sent. You see the answer here, and we tell you when it comes."), "success")
    return redirect(url_for("rectification.show", rectification_id=row.id), 303)


def _request(rectification_id):
    row, role = rules.request_or_none(_user(), rectification_id)
    if row is None:
        abort(404)
    return row, role


def _detail(row, role, form=None, errors=None, status=200):
    user = _user()
    return render("rectification/show.html", status=status, row=row, role=role,
                  history=requests.history(row), units=rules.unit_names(row.id),
                  answers=rules.may_answer(row, role),
                  follows_up=rules.may_follow_up(user, row, role),
                  register_data=row.field in REGISTER_FIELDS,
                  country=current_app.config["MUNICIPALITY"].country,
                  form=form or {}, errors=errors or {}, text_max=TEXT_MAX, **_names())


@bp.route("/<int:rectification_id>")
@login_required
@personal_page("rectification", child_arg=None)
def show(rectification_id):
    row, role = _request(rectification_id)
    if row.child_id is not None:
        saw([row.child_id])  # the unit leader or administrator read about the child
    if role == rules.ADMIN:  # reading personal data is logged for the administrator
        audit.record("rectification.read", actor=_user(), obj=row, ip=client_ip(),
                     child=row.child_id)
    return _detail(row, role)


def _closed(row):
    flash(_l("The request was closed meanwhile: see its history."), "error")
    return redirect(url_for("rectification.show", rectification_id=row.id), 303)


def _acted(row, act, done):
    """Do `act` on the request, then back to it saying `done`; a request closed
    meanwhile says so instead."""
    try:
        act()
    except requests.AlreadyClosed:
        return _closed(row)
    flash(done, "success")
    return redirect(url_for("rectification.show", rectification_id=row.id), 303)


@bp.route("/<int:rectification_id>/answer", methods=["POST"])
@login_required
def answer(rectification_id):
    row, role = _request(rectification_id)
    if not rules.may_answer(row, role):
        _refuse(_l("You cannot answer this request"),
                _l("The leader of the unit answers it, or the administrator for data "
                   "from the population register; a closed request is not answered "
                   "again."))
    errors = {}
    outcome = request.form.get("outcome", "")
    if outcome not in (CORRECTED, DECLINED):
        errors["outcome"] = _l("Choose whether it is corrected or declined.")
    text = _text("answer", errors, "answer-text")
    if errors:
        return _detail(row, role, {"outcome": outcome, "answer": text}, errors, status=400)
    return _acted(row, lambda: requests.answer(row, _user(), outcome, text, ip=client_ip()),
                  _l("Answered. The person who asked is told."))


@bp.route("/<int:rectification_id>/comment", methods=["POST"])
@login_required
def comment(rectification_id):
    row, role = _request(rectification_id)
    if not rules.may_follow_up(_user(), row, role):
        _refuse(_l("You cannot comment on this request"),
                _l("A closed request takes no more comments. If something is still "
                   "wrong, ask again."))
    errors = {}
    text = _text("comment", errors, "comment-text")
    if errors:
        return _detail(row, role, {"comment": text}, errors, status=400)
    return _acted(row, lambda: requests.comment(row, _user(), text, ip=client_ip()),
                  _l("Your comment is added."))


@bp.route("/<int:rectification_id>/withdraw", methods=["POST"])
@login_required
def withdraw(rectification_id):
    row, role = _request(rectification_id)
    if role != rules.REQUESTER or not rules.may_follow_up(_user(), row, role):
        _refuse(_l("You cannot withdraw this request"),
                _l("Only the person who asked withdraws a request, while it waits for "
                   "an answer."))
    return _acted(row, lambda: requests.withdraw(row, _user(), ip=client_ip()),
                  _l("The request is withdrawn."))
