"""Defining further consents (a trip, swimming lessons, a survey): unit leaders for their
units, the administrator for any unit or everyone. A text in each language, who is
asked, an optional deadline and yearly renewal. New words on a consent that has answers
make a new version, and everyone is asked again."""
import datetime
import json

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access
from models.consent import consent_book, setup
from models.db import today

from views.common import LANGUAGE_NAMES, client_ip, parse_date, render

bp = Blueprint("consent_setup", __name__, url_prefix="/consents")

TITLE_MAX, TEXT_MAX = 200, 5000
EVERYONE, CHOSEN = "all", "children"


def _scope():
    units, everywhere = access.consent_scope(current_user._get_current_object())
    if not units and not everywhere:
        abort(404)
    return units, everywhere


def _languages():
    """The languages staff write it in: the municipality's default first (required),
    then the other `[languages] written` ones (others read the default, machine
    translated where that is set up)."""
    return list(current_app.config["MUNICIPALITY"].written_languages)


@bp.route("/")
@login_required
def index():
    units, everywhere = _scope()
    lines = consent_book.managed(units, everywhere, str(get_locale()),
                                 current_app.config["MUNICIPALITY"].default_language)
    return render("consents/manage.html", lines=lines)


def _targets(units, everywhere):
    """[(key, label)] of who a new consent may ask."""
    unit_rows, groups = setup.units_and_groups(units, everywhere)
    targets = [(EVERYONE, _l("Every child in the municipality"))] if everywhere else []
    for unit in unit_rows:
        targets.append((f"unit:{unit.id}", _l("Every child at %(unit)s", unit=unit.name)))
    for group in groups:
        targets.append((f"group:{group.id}", f"{group.name}, {group.unit.name}"))
    if units:
        targets.append((CHOSEN, _l("Only the children I choose")))
    return targets


def _read_form(languages):
    form = {"to": request.form.get("to", ""),
            "children": request.form.getlist("child", type=int),
            "deadline": request.form.get("deadline", "").strip(),
            "renew": request.form.get("renew") == "1",
            "texts": {code: {"title": request.form.get(f"title_{code}", "").strip(),
                             "text": request.form.get(f"text_{code}", "").strip()}
                      for code in languages}}
    return form


def _check(form, languages):
    """Errors by field; the texts to store and the deadline when there are none."""
    errors = {}
    texts = {}
    for n, code in enumerate(languages):
        title, text = form["texts"][code]["title"], form["texts"][code]["text"]
        if n == 0 or title or text:
            if not title:
                errors[f"title_{code}"] = _l("Write a title.")
            elif len(title) > TITLE_MAX:
                errors[f"title_{code}"] = _l("The title can be at most %(max)d characters.",
                                             max=TITLE_MAX)
            if not text:
                errors[f"text_{code}"] = _l("Write the text guardians answer.")
            elif len(text) > TEXT_MAX:
                errors[f"text_{code}"] = _l("The text can be at most %(max)d characters.",
                                            max=TEXT_MAX)
            texts[code] = {"title": title, "text": text}
    deadline = None
    if form["deadline"]:
        deadline = parse_date(form["deadline"])  # a real date, years 1900-2199
        if deadline is None:
            errors["deadline"] = _l("Write the date as YYYY-MM-DD, for example %(example)s.",
                                    example=(today() + datetime.timedelta(days=14)).isoformat())
        elif deadline < today():
            errors["deadline"] = _l("The deadline cannot be in the past.")
    return errors, texts, deadline


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    units, everywhere = _scope()
    languages = _languages()
    targets = _targets(units, everywhere)
    groups = setup.choosable(units) if units else []
    form = _read_form(languages) if request.method == "POST" else {
        "to": targets[0][0] if targets else "", "children": [], "deadline": "",
        "renew": False, "texts": {code: {"title": "", "text": ""} for code in languages}}
    errors = {}
    if request.method == "POST":
        errors, texts, deadline = _check(form, languages)
        where = _where(form, targets, groups, errors)
        if not errors:
            consent = consent_book.create(current_user._get_current_object(), texts,
                                          deadline=deadline, renew_yearly=form["renew"],
                                          ip=client_ip(), **where)
            flash(_l("The consent is saved. Guardians see it on their child's consent page."),
                  "success")
            return redirect(url_for("consent_setup.index", _anchor=f"consent-{consent.id}"),
                            303)
    return render("consents/define.html", status=400 if errors else 200, form=form,
                  errors=errors, targets=targets, groups=groups, languages=languages,
                  language_names=LANGUAGE_NAMES, editing=None)


def _where(form, targets, groups, errors):
    """unit/group/children for consent_book.create from the chosen target."""
    if form["to"] not in {key for key, _ in targets}:
        errors["to"] = _l("Choose who is asked.")
        return {}
    if form["to"] == EVERYONE:
        return {}
    if form["to"] == CHOSEN:
        allowed = {child: unit for _, unit, children in groups for child, _ in children}
        chosen = [c for c in dict.fromkeys(form["children"]) if c in allowed]
        if not chosen:
            errors["children"] = _l("Choose at least one child.")
            return {}
        if len({allowed[c] for c in chosen}) > 1:
            errors["children"] = _l("Choose children of one unit at a time.")
            return {}
        return {"unit": allowed[chosen[0]], "children": chosen}
    kind, _, number = form["to"].partition(":")
    if kind == "unit":
        return {"unit": int(number)}
    return {"unit": setup.unit_of_group(int(number)), "group": int(number)}


@bp.route("/<int:consent_id>/edit", methods=["GET", "POST"])
@login_required
def edit(consent_id):
    units, everywhere = _scope()
    found = consent_book.managed_one(consent_id, units, everywhere)
    if found is None:
        abort(404)
    consent, version = found
    if consent.closed_at is not None:
        abort(404)
    languages = _languages()
    line = next(line for line in consent_book.managed(
        units, everywhere, str(get_locale()), languages[0]) if line.id == consent.id)
    stored = json.loads(version.texts)
    if request.method == "POST":
        form = _read_form(languages)
    else:
        form = {"to": "", "children": [], "renew": consent.renew_yearly,
                "deadline": consent.deadline.isoformat() if consent.deadline else "",
                "texts": {code: dict(stored.get(code, {"title": "", "text": ""}))
                          for code in languages}}
    errors = {}
    if request.method == "POST":
        errors, texts, deadline = _check(form, languages)
        if not errors:
            number = consent_book.change(consent, version, texts, deadline, form["renew"],
                                         current_user._get_current_object(), ip=client_ip())
            flash(_l("Saved as version %(number)d. Guardians are asked again.", number=number)
                  if number != version.number else _l("Saved."), "success")
            return redirect(url_for("consent_setup.index", _anchor=f"consent-{consent.id}"),
                            303)
    return render("consents/define.html", status=400 if errors else 200, form=form,
                  errors=errors, targets=[], groups=[], languages=languages,
                  language_names=LANGUAGE_NAMES, editing=line)


@bp.route("/<int:consent_id>/close", methods=["POST"])
@login_required
def close(consent_id):
    units, everywhere = _scope()
    found = consent_book.managed_one(consent_id, units, everywhere)
    if found is None:
        abort(404)
    consent_book.close(found[0], current_user._get_current_object(), ip=client_ip())
    flash(_l("The consent is closed: guardians are no longer asked. The answers are kept."),
          "success")
    return redirect(url_for("consent_setup.index"), 303)
