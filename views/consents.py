"""Consents: a child's page for its guardians (answer, change, withdraw in one tap), the
history of every answer, and the staff table of a group with a print view.

Only a guardian with parental responsibility who sees the child answers; staff with
access to the child read; everyone else gets 404, fragments included.
"""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import force_locale, get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access
from models.consent import consent_book, reminders
from models.consent.tables import NO, YES
from models.db import today
from models.posts import photo_consent

from views.code_login import refuse_lower_assurance
from views.common import client_ip, render, wants_fragment
from views.labels import (ANSWER_NAMES, CONSENT_CHANNEL_NAMES, CONSENT_STATUS_NAMES, PHOTO_SHORT,
                          STATUS_SHORT, translated)
from views.seen import personal_page, saw

bp = Blueprint("consents", __name__)

def _names():
    return translated(status_names=CONSENT_STATUS_NAMES, status_short=STATUS_SHORT,
                      answer_names=ANSWER_NAMES, photo_short=PHOTO_SHORT,
                      channel_names=CONSENT_CHANNEL_NAMES)


def _languages():
    return str(get_locale()), current_app.config["MUNICIPALITY"].default_language


def _pupil_age():
    return current_app.config["MUNICIPALITY"].pupil_consent_age


def _child_page(child_id):
    """(child, may answer, ChildConsents, the user when reading as staff); 404 for anyone
    who may not see them. The guardians with parental responsibility answer, or the
    pupil from the age the municipality sets; staff with access read the consents of
    their own units."""
    user = current_user._get_current_object()
    child, role = access.consent_child(user, child_id)
    if child is None:
        child, role = access.staff_child_or_none(user, child_id), "staff"
        if child is None:
            abort(404)
    staff = user if role == "staff" else None
    page = consent_book.for_child(child, *_languages(), pupil_age=_pupil_age(), staff=staff)
    may_answer = access.may_answer_consents(role, page.pupil)
    if may_answer is None:
        abort(404)  # pupils see this page only where and when they answer themselves
    return child, may_answer, page, staff


@bp.route("/children/<int:child_id>/consents")
@login_required
@personal_page("consents")
def child(child_id):
    found, may_answer, page, _ = _child_page(child_id)
    return render("consents/child.html", child=found, may_answer=may_answer, page=page,
                  viewer_id=current_user.id, **_names())


@bp.route("/children/<int:child_id>/consents/<int:item_id>", methods=["POST"])
@login_required
def answer(child_id, item_id):
    user = current_user._get_current_object()
    found, role = access.consent_child(user, child_id)
    if found is None:
        abort(404)
    if user.lower_assurance:
        return refuse_lower_assurance()
    page = consent_book.for_child(found, *_languages(), pupil_age=_pupil_age())
    may_answer = access.may_answer_consents(role, page.pupil)
    if may_answer is None:
        abort(404)
    if not may_answer:
        abort(403)  # the pupil answers for themselves now
    match = next(((c, s) for c, statuses in page.consents for s in statuses
                  if s.item.id == item_id), None)
    if match is None:
        abort(404)
    consent, _ = match
    value = request.form.get("answer")
    if value not in (YES, NO):
        abort(400)
    photo_consent.answer(found.id, consent, match[1].item, user, value, ip=client_ip())
    if wants_fragment():
        page = consent_book.for_child(found, *_languages(), pupil_age=_pupil_age())
        status = next(s for c, statuses in page.consents for s in statuses
                      if s.item.id == item_id)
        return render("consents/_item.html", child=found, consent=consent, state=status,
                      page=page, may_answer=True, viewer_id=user.id, saved=True,
                      **_names())
    flash(_l("Your answer is saved."), "success")
    return redirect(url_for("consents.child", child_id=found.id, _anchor=f"item-{item_id}"),
                    303)


@bp.route("/children/<int:child_id>/consents/history")
@login_required
@personal_page("consents")
def history(child_id):
    found, _, page, staff = _child_page(child_id)
    titles = {c.id: c.title for c, _ in page.consents}
    labels = {(c.id, item.key): item.label for c, _ in page.consents for item in c.items}
    return render("consents/history.html", child=found,
                  lines=consent_book.history(found.id, staff=staff), titles=titles,
                  labels=labels, **_names())


def _group_table(group_id):
    user = current_user._get_current_object()
    found = access.staff_group_children(user, group_id)
    if found is None:
        abort(404)
    name, unit_id, rows = found
    consents, table = consent_book.for_group(group_id, rows, *_languages(),
                                             pupil_age=_pupil_age())
    saw([row.id for row in table], unit=unit_id)
    return name, unit_id, consents, table


@bp.route("/groups/<int:group_id>/consents")
@login_required
@personal_page("group_consents")
def group(group_id):
    name, _, consents, table = _group_table(group_id)
    return render("consents/group.html", group_id=group_id, group_name=name,
                  consents=consents, table=table, waiting=_waiting(consents, table),
                  **_names())


@bp.route("/groups/<int:group_id>/consents/print")
@login_required
@personal_page("group_consents")
def group_print(group_id):
    name, _, consents, table = _group_table(group_id)
    return render("consents/print.html", group_name=name, consents=consents, table=table,
                  day=today(), **_names())


def _link(endpoint, **values):
    """A link to put in a message: on PUBLIC_URL, never on the request's Host header
    (the client chooses that one); relative where PUBLIC_URL is not set (demo)."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)


def _waiting(consents, table):
    """{consent id: [(child name, [guardian names])]} of answers still missing."""
    result = {}
    for consent in consents:
        for row in table:
            names = sorted({g.name for item in consent.items
                            if item.id in row.cells for g in row.cells[item.id].waiting_for})
            if names:
                result.setdefault(consent.id, []).append((row, names))
    return result


@bp.route("/groups/<int:group_id>/consents/<int:consent_id>/remind", methods=["POST"])
@login_required
def remind(group_id, consent_id):
    """A message to every guardian who has not answered, one conversation per child,
    from the member of staff who asks; all or nothing. Written in the municipality's
    language (the consent's title too): the guardians read it, not the sender."""
    language = current_app.config["MUNICIPALITY"].default_language
    with force_locale(language):
        _, unit_id, consents, table = _group_table(group_id)
    consent = next((c for c in consents if c.id == consent_id), None)
    if consent is None:
        abort(404)
    user = current_user._get_current_object()
    to_remind = []
    for row in table:
        to = sorted({g.id for item in consent.items if item.id in row.cells
                     for g in row.cells[item.id].waiting_for})
        if not to or row.pupil_decides:  # a pupil is not written to this way
            continue
        link = _link("consents.child", child_id=row.id)
        with force_locale(language):
            subject = gettext("Please answer: %(title)s", title=consent.title)
            body = gettext("We are waiting for your answer about %(child)s: %(title)s. "
                           "You answer here: %(link)s", child=row.name,
                           title=consent.title, link=link)
        to_remind.append((row.id, to, subject, body))
    with force_locale(language):  # and kept as written in it (models/translation/)
        sent = reminders.send_reminders(consent, group_id, unit_id, user, to_remind,
                                        ip=client_ip())
    flash(ngettext("A reminder went to %(num)d guardian.",
                   "A reminder went to %(num)d guardians.", sent) if sent
          else _l("Everyone has answered."), "success")
    return redirect(url_for("consents.group", group_id=group_id), 303)
