"""Letters on paper (rule 8, seed 002): a guardian who refuses electronic contact is
marked by staff, gets no e-mail, SMS or push (models/notifications/notify.publish skips them), and
staff print a letter for them from any announcement."""
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from languages import DIRECTIONS
from models import access, audit
from models.db import today
from models.messaging import letters
from models.messaging.tables import ANNOUNCEMENT

from views.common import (client_ip, local_time, parse_number, render, render_template,
                          wants_fragment)

bp = Blueprint("letters", __name__)


# Marking a guardian -----------------------------------------------------------------------

@bp.route("/children/<int:child_id>/paper-letters", methods=["POST"])
@login_required
def mark(child_id):
    """Mark (or unmark) a guardian of the child for letters on paper. A leader of the
    child's unit or its contact teacher may (the rule that allows code login); others
    who see the child get 403, anyone else 404."""
    user = current_user._get_current_object()
    child = access.child_or_none(user, child_id)
    if child is None:
        abort(404)
    if access.authority_over(user, child.id) is None:
        abort(403)
    guardian_id = parse_number(request.form.get("guardian"))
    guardian = (letters.responsible_guardian(child, guardian_id) if guardian_id is not None
                else None)
    if guardian is None:
        abort(404)
    on = request.form.get("on") == "1"
    letters.mark(guardian, child, on, user, ip=client_ip())
    if wants_fragment():
        return render("letters/_mark.html", guardian=guardian, child=child, may_change=True,
                      saved=True)
    flash(_l("%(name)s now gets letters on paper, and no e-mail, SMS or push.",
             name=guardian.name) if on else
          _l("%(name)s no longer gets letters on paper.", name=guardian.name), "success")
    return redirect(url_for("code_login.manage", child_id=child.id,
                            _anchor=f"guardian-{guardian.id}"), 303)


# Printing ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Letter:
    name: str
    address: str  # empty when there is none to print
    locale: str
    html: Markup


@bp.route("/messages/<int:thread_id>/letters")
@login_required
def print_letters(thread_id):
    """One letter per guardian of the announcement who wants letters on paper, each on
    a page of its own, in the guardian's language."""
    user = current_user._get_current_object()
    thread = access.thread_or_none(user, thread_id)
    if thread is None or thread.kind != ANNOUNCEMENT:
        abort(404)
    first = letters.announcement(thread, user)
    if first is None or first.as_guardian:
        abort(404)  # a guardian reads the announcement, staff print it
    withdrawn = first.withdrawn_at is not None
    people = [] if withdrawn else list(letters.paper_recipients(thread, today()))
    config = current_app.config["MUNICIPALITY"]
    printed = []
    for person in people:
        address = "" if person.is_protected or person.child_protected else person.address
        locale = person.locale if person.locale in config.languages else (
            config.default_language)
        with force_locale(locale):
            html = Markup(render_template(
                "letters/_letter.html", thread=thread, first=first, recipient=person.name,
                address=address, day=local_time(first.created_at, "%d.%m.%Y"),
                sender=f"{first.first_name} {first.last_name}", letter_locale=locale,
                letter_dir=DIRECTIONS.get(locale, "ltr")))
        printed.append(Letter(person.name, address, locale, html))
    audit.record("letters.printed", actor=user, obj=thread, ip=client_ip(),
                 count=len(printed))
    return render("letters/print.html", thread=thread, letters=printed, withdrawn=withdrawn,
                  without_address=sum(1 for letter in printed if not letter.address))
