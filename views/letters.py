"""Letters on paper (rule 8, seed 002): a guardian who refuses electronic contact is
marked by staff, gets no e-mail, SMS or push (models/notify.publish skips them), and
staff print a letter for them from any announcement."""
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from peewee import fn

from models import access, audit
from models.db import database, today
from models.messaging.tables import (ANNOUNCEMENT, GUARDIAN, Attachment, Message, Thread,
                                     ThreadParticipant)
from models.school.tables import (UNPROTECTED, WITH_RESPONSIBILITY, Child, Group, Guardianship,
                                  Unit, User)

from views.common import (client_ip, local_time, parse_number, render, render_template,
                          wants_fragment)

bp = Blueprint("letters", __name__)


# Queries (the access rules come from models/access.py) ------------------------------------

def _children_of(thread, day):
    """Ids of the children an announcement is about today: the children of its group
    (or unit), or its one child for an announcement sent per child."""
    query = access.children_in(Unit(id=thread.unit_id),
                               Group(id=thread.group_id) if thread.group_id else None, day)
    if thread.child_id is not None:
        query = query.where(Child.id == thread.child_id)
    return query.select(Child.id).order_by()


def _paper_recipients(thread, day):
    """The guardians the announcement went to who want letters on paper and still see
    one of its children (rules 1 and 2, as models/access.py says). One query, with
    whether any such child of theirs has a protected address."""
    sees = (access.guarded_children(User.id, day).select(Child.id)
            .where(Child.id.in_(_children_of(thread, day))))
    protected_child = sees.where(Child.address_protection.not_in(UNPROTECTED))
    return (User.select(User.id, User.first_name, User.last_name, User.address,
                        User.address_protection, User.locale,
                        fn.EXISTS(protected_child).alias("child_protected"))
            .join(ThreadParticipant, on=(ThreadParticipant.user == User.id))
            .where((ThreadParticipant.thread == thread.id)
                   & (ThreadParticipant.role == GUARDIAN)
                   & (User.paper_letters == True)  # noqa: E712
                   & (User.is_active == True)  # noqa: E712
                   & fn.EXISTS(sees))
            .order_by(User.last_name, User.first_name, User.id))


@bp.app_template_global()
def paper_letter_count(thread):
    """How many letters the announcement's print page has (0 for a conversation): the
    thread page's link to it says so."""
    if thread.kind != ANNOUNCEMENT:
        return 0
    return _paper_recipients(thread, today()).count()


def _announcement(thread, user):
    """The first message of the thread with its sender, the unit's phone, how many
    files it has, and whether the user takes part as a guardian: one query."""
    me = ThreadParticipant.alias("me")
    as_guardian = fn.EXISTS(me.select(me.id).where(
        (me.thread == thread.id) & (me.user == user.id) & (me.role == GUARDIAN)))
    files = (Attachment.select(fn.COUNT(Attachment.id))
             .where(Attachment.message == Message.id))
    return (Message.select(Message.body, Message.created_at, Message.withdrawn_at,
                           User.first_name, User.last_name, Unit.phone,
                           files.alias("files"), as_guardian.alias("as_guardian"))
            .join(User, on=(Message.sender == User.id))
            .switch(Message).join(Thread, on=(Message.thread == Thread.id))
            .join(Unit, on=(Thread.unit == Unit.id))
            .where(Message.thread == thread.id)
            .order_by(Message.created_at, Message.id).limit(1).namedtuples().first())


def _responsible_guardian(child, guardian_id):
    """A guardian with parental responsibility of the child (those the staff page
    lists), or None."""
    return (User.select().join(Guardianship, on=(Guardianship.guardian == User.id))
            .where((Guardianship.child == child.id) & (User.id == guardian_id)
                   & Guardianship.responsibility.in_(WITH_RESPONSIBILITY)).first())


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
    if access.leave_decider(user, child.id) is None:
        abort(403)
    guardian_id = parse_number(request.form.get("guardian"))
    guardian = _responsible_guardian(child, guardian_id) if guardian_id is not None else None
    if guardian is None:
        abort(404)
    on = request.form.get("on") == "1"
    if guardian.paper_letters != on:
        with database.atomic():
            User.update(paper_letters=on).where(User.id == guardian.id).execute()
            audit.record("guardian.paper_letters", actor=user, obj=guardian, ip=client_ip(),
                         child=child.id, on=on)
        guardian.paper_letters = on
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
    first = _announcement(thread, user)
    if first is None or first.as_guardian:
        abort(404)  # a guardian reads the announcement, staff print it
    withdrawn = first.withdrawn_at is not None
    people = [] if withdrawn else list(_paper_recipients(thread, today()))
    config = current_app.config["MUNICIPALITY"]
    letters = []
    for person in people:
        address = "" if person.is_protected or person.child_protected else person.address
        locale = person.locale if person.locale in config.languages else (
            config.default_language)
        with force_locale(locale):
            html = Markup(render_template(
                "letters/_letter.html", thread=thread, first=first, recipient=person.name,
                address=address, day=local_time(first.created_at, "%d.%m.%Y"),
                sender=f"{first.first_name} {first.last_name}", letter_locale=locale))
        letters.append(Letter(person.name, address, locale, html))
    audit.record("letters.printed", actor=user, obj=thread, ip=client_ip(),
                 count=len(letters))
    return render("letters/print.html", thread=thread, letters=letters, withdrawn=withdrawn,
                  without_address=sum(1 for letter in letters if not letter.address))
