"""A new conversation about a child (views/messages.py `new`): choosing the child, then
the form, as a guardian or as staff.

Staff who are also parents (issue 22) write about their own child as staff or as the
child's family, choosing each time: the form asks "Write as" with nothing chosen, and
shows whom they may write to once they have (with htmx as they choose; without it, the
form comes back with that role's recipients, keeping what was typed and attached). As
family it is a guardian's message in every way: the guardian's recipients, the copy to
the other home, the participant role GUARDIAN, the notifications of a guardian's
message; as staff, a member of staff's. Nobody writes to themselves.
"""
from flask import abort, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import access, audit
from models.access.staff_parents import children_to_write_about
from models.messaging import copies, inbox, recipients, sensitive_threads
from models.messaging.names import matching, sorted_by_name
from models.messaging.tables import GUARDIAN, STAFF

from views import office_hours as office_hours_views
from views.common import TRY_AGAIN, client_ip, refuse, render
from views.messages_forms import (check_text, form_token, in_form_order,
                                  keep_for_next_round, stored, uploads)

CHOOSE_ROLE = _l("Choose whether you write as staff or as the child's parent or guardian.")


def _nobody_as_staff(child):
    return _l("As staff you have nobody to write to about %(child)s: nobody else sees the "
              "child as a guardian. Write as the child's parent or guardian.",
              child=child.first_name)


def _children(user):
    """The children the user may write about. Someone who holds no role is a guardian
    (the session's load found out: no roles query for them); for anyone else, one query
    tells, per child, whether they reach it as staff, as family, or both."""
    if user.holds_role:
        return children_to_write_about(user)
    children = access.children_to_write_about(user, False)
    for child in children:
        child.staff_unit, child.as_family, child.as_parent = None, True, None
    return children


def _roles(child):
    """The roles the user may write about the child in: STAFF, GUARDIAN, or both."""
    return ([STAFF] if child.staff_unit else []) + ([GUARDIAN] if child.as_family else [])


def _choose_child(children, marked):
    """The children to write about, by name in the page's language, filtered by `q`
    (a plain GET form; with htmx, as one types: the list alone). `marked`: say which
    are the user's own (for staff who are also parents)."""
    query = request.args.get("q", "").strip()[:100]
    shown = sorted_by_name(matching(children, query), str(get_locale()))
    return render("messages/choose_child.html", "messages/_child_list.html",
                  children=shown, query=query, any_children=bool(children), marked=marked)


def _chosen_role(roles):
    """The role the form writes in: the only one there is, else the one chosen (None
    while none is). A role the user does not have here is not a form this page made."""
    wanted = request.values.get("role", "")
    if wanted and wanted not in roles:
        refuse(TRY_AGAIN)
    if len(roles) == 1:
        return roles[0]
    return wanted or None


def page():
    user = current_user._get_current_object()
    children = _children(user)
    child_id = request.values.get("child", type=int)
    if child_id is None:
        if len(children) == 1 and "q" not in request.args:
            child_id = children[0].id
        else:
            return _choose_child(children, marked=any(c.as_family for c in children)
                                 and any(c.staff_unit for c in children))
    child = next((c for c in children if c.id == child_id), None)
    if child is None:
        abort(404)
    roles = _roles(child)
    role = _chosen_role(roles)
    staff = role == STAFF
    options = recipients.write_options(user, child, staff) if role else []
    if role and not options:
        abort(404)
    # A guardian may copy the child's other guardians (issue 22: the other home).
    offered = copies.candidates(user, child) if role == GUARDIAN else []
    # The role whose recipients the form showed: with a choice of two, the first round
    # in a role (or the "show" button) shows them and sends nothing.
    shown_role = request.form.get("shown_role") if len(roles) > 1 else role
    new_role = request.method == "GET" or shown_role != role
    showing = request.method == "POST" and len(roles) > 1 and (
        request.form.get("choose") == "1" or (new_role and role is not None))
    default_to = recipients.default_option(options) if role == GUARDIAN else ""
    form = {"subject": request.form.get("subject", "").strip(),
            "body": request.form.get("body", "").strip(),
            "to": request.values.get("to", default_to),
            "guardians": request.form.getlist("guardian", type=int),
            "copies": request.form.getlist("copy", type=int),
            "sensitive": request.form.get("sensitive") == "1"}
    if staff and new_role:
        # Those with parental responsibility, as a parent would expect; a caregiver is
        # offered, not ticked.
        form["guardians"] = [g.id for g, responsible in options[0]["guardians"]
                             if responsible]
    # Their own child, whom nobody else sees as a guardian: as staff, nobody to write to.
    nobody = staff and GUARDIAN in roles and not options[0]["guardians"]
    errors, warnings, files = {}, [], []
    if showing:
        if role is None:
            errors["role"] = CHOOSE_ROLE
        files = keep_for_next_round(uploads(errors))
    elif request.method == "POST":
        errors, warnings = check_text(form["body"], request.form.get("confirm") == "1",
                                      subject=form["subject"])
        files = uploads(errors)
        if role is None:
            errors["role"] = CHOOSE_ROLE
        if nobody:
            errors["role"] = _nobody_as_staff(child)
        sent = _send(user, child, role, options, offered, form, files, errors, warnings)
        if sent is not None:
            return sent
        files = keep_for_next_round(files)
    errors = in_form_order(errors, "role", "guardians", "to", "copies", "subject", "body",
                           "files")
    return render("messages/new.html", status=400 if errors else 200, child=child,
                  roles=roles, role=role, options=options, staff=staff, form=form,
                  errors=errors, warnings=warnings, token=inbox.new_form_token(),
                  kept=files, offered=offered, showing=showing and role is not None,
                  nobody=_nobody_as_staff(child) if nobody else None,
                  office_notice=office_hours_views.message_notice(
                      next((o for o in options if o["key"] == form["to"]), None))
                  if role == GUARDIAN else None)


def _send(user, child, role, options, offered, form, files, errors, warnings):
    """Start the conversation when the form holds no mistake and no warning: the
    redirect to it, else None (with what was wrong in `errors`)."""
    if role is None:
        return None
    staff = role == STAFF
    chosen = [o for o in options if o["key"] == form["to"]] if not staff else options
    guardians = [g for g, _ in (options[0]["guardians"] if staff else [])
                 if g.id in form["guardians"]]
    if not chosen:
        errors["to"] = _l("Choose who to write to.")
    if staff and not guardians and "role" not in errors:
        errors["guardians"] = _l("Choose at least one guardian.")
    copied = copies.chosen(offered, form["copies"])
    if copied is None and not offered:
        refuse(TRY_AGAIN)  # nobody to copy: not a form this page made
    elif copied is None:
        errors["copies"] = _l("Copy only the guardians listed.")
    if errors or warnings:
        return None
    option = chosen[0]
    try:
        with stored(files):
            created = inbox.start_thread(
                option["unit"], child, form["subject"], form["body"], user, form_token(),
                guardians=guardians if staff else [user],
                staff=[user] if staff else option["staff"],
                as_guardian=not staff, files=files, sensitive=form["sensitive"],
                copied=copied)
    except inbox.Duplicate:
        return redirect(url_for("messages.index"), 303)
    # A sensitive thread's events name no child: the other guardians' copies of the
    # audit log must not tell of it (models/messaging/sensitive_threads.py).
    audit.record("thread.started", actor=user, obj=created, ip=client_ip(),
                 child=None if form["sensitive"] else created.child_id,
                 **({"copied": [p.id for p in copied]} if copied else {}))
    if form["sensitive"]:
        audit.record(sensitive_threads.MARKED, actor=user, obj=created, ip=client_ip())
    return redirect(url_for("messages.thread", thread_id=created.id), 303)
