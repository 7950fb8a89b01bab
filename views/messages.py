"""Messages between guardians and staff: the inbox, a thread, a reply, a new thread.

Every thread is found through access.thread_or_none (rule 3); a stranger gets 404 for a
thread, its messages and its fragments alike.
"""
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access, audit
from models.db import today, utcnow
from models.messaging import (attachments, inbox, letters, read_status, recipients,
                              thread_page)
from models.messaging.names import matching, sorted_by_name
from models.messaging.tables import ANNOUNCEMENT, STAFF

from views.common import ID_MAX, client_ip, number_from, render
from views.labels import NOTIFICATION_CHANNEL_NAMES, NOTIFICATION_STATUS_NAMES
from views.messages_forms import (check_text, form_token, in_form_order,
                                  keep_for_next_round, stored, uploads)
from views.seen import personal_page, saw

bp = Blueprint("messages", __name__, url_prefix="/messages")

def _thread_or_404(thread_id):
    thread = access.thread_or_none(current_user, thread_id)
    if thread is None:
        abort(404)
    return thread


def _as_guardian(thread):
    """Does the user act in this thread as a guardian (not as staff)?"""
    return access.acts_as_guardian(thread_page.participants(thread, current_user.id),
                                   current_user.id)


@bp.route("/")
@login_required
def index():
    page = number_from(request.args, "page", 0, high=ID_MAX // inbox.PAGE_SIZE)
    group = number_from(request.args, "group")
    needs_answer = request.args.get("answer") == "1"
    archived = request.args.get("archived") == "1"
    user = current_user._get_current_object()  # once, not through the proxy each time
    staff = access.is_staff(user)
    staff_groups = access.staff_groups(user) if staff else []
    if group is not None and group not in {gid for gid, _ in staff_groups}:
        abort(404)  # only a group the user works with
    lines, more = inbox.inbox(user, page=page, group=group,
                              needs_answer=needs_answer, archived=archived, staff=staff)
    return render("messages/inbox.html", "messages/_threads.html", lines=lines, more=more,
                  page=page, group=group, needs_answer=needs_answer, archived=archived,
                  may_announce=bool(staff_groups),
                  staff_groups=staff_groups)


@bp.route("/<int:thread_id>")
@login_required
@personal_page("thread")
def thread(thread_id):
    found = _thread_or_404(thread_id)
    saw([found.child_id] if found.child_id else [], unit=found.unit_id)
    return _thread_page(found)


def _thread_page(found, body="", errors=None, warnings=None, status=200, files=()):
    user_id = current_user.id
    people = thread_page.participants(found, user_id)
    me = next((p for p in people if p.user_id == user_id), None)
    lines = thread_page.messages(found)
    if (me is not None and status == 200
            and (me.last_read_at is None or me.last_read_at < found.last_message_at)):
        thread_page.mark_read(found, user_id)
    may_reply, private_reply = access.reply_rights(found, me)
    paper = (letters.paper_letter_count(found, today())
             if found.kind == ANNOUNCEMENT and (me is None or me.role == STAFF) else 0)
    shown = thread_page.people_for(found, people, me)
    guardians = shown.readers
    unread_by = [p for p in guardians
                 if p.last_read_at is None or p.last_read_at < found.last_message_at]
    return render("messages/thread.html", status=status, thread=found, lines=lines,
                  files=thread_page.attachments_by_message(found),
                  withdrawable=_withdrawable(lines), archived=me is not None and me.archived,
                  private_reply=private_reply, guardians=guardians, unread_by=unread_by,
                  shown=shown, me=me, may_reply=may_reply, body=body, paper=paper,
                  errors=errors or {}, warnings=warnings or [], kept=files,
                  token=inbox.new_form_token(), last_id=lines[-1].id if lines else 0)


@bp.route("/<int:thread_id>", methods=["POST"])
@login_required
def reply(thread_id):
    found = _thread_or_404(thread_id)
    as_guardian = _as_guardian(found)
    if not access.may_reply_as(found, as_guardian):
        abort(403)
    body = request.form.get("body", "").strip()
    errors, warnings = check_text(body, request.form.get("confirm") == "1")
    files = uploads(errors)
    if errors or warnings:
        return _thread_page(found, body, errors, warnings, status=400 if errors else 200,
                            files=keep_for_next_round(files))
    if access.replies_privately(found, as_guardian):
        # Everyone of the group is in the shared thread: the answer goes to the sender
        # alone, in a conversation of its own.
        try:
            with stored(files):
                private = inbox.reply_privately(found, current_user, body,
                                                form_token(), files)
        except inbox.Duplicate:
            return redirect(url_for("messages.index"), 303)
        if private is None:
            abort(404)
        return redirect(url_for("messages.thread", thread_id=private.id), 303)
    try:
        with stored(files):
            inbox.reply(found, current_user, body, form_token(),
                        as_guardian=as_guardian, files=files)
    except inbox.Duplicate:
        pass  # the first send went through; show the thread as it is
    return redirect(url_for("messages.thread", thread_id=found.id, _anchor="latest"), 303)


@bp.route("/<int:thread_id>/files/<int:attachment_id>")
@login_required
def attachment(thread_id, attachment_id):
    """A file of a message, under the very rule of its thread; photos shown in the page,
    PDFs downloaded."""
    found = _thread_or_404(thread_id)
    stored = thread_page.attachment_in(found, attachment_id)
    if stored is None:
        abort(404)
    path = Path(current_app.config["ATTACHMENT_DIR"]) / stored.stored_name
    response = send_file(path, mimetype=stored.mimetype, download_name=stored.filename,
                         as_attachment=stored.mimetype == attachments.PDF, max_age=0,
                         conditional=False, etag=False)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:thread_id>/archive", methods=["POST"])
@login_required
def archive(thread_id):
    """Archive (or bring back) a thread for oneself; the others see no change."""
    found = _thread_or_404(thread_id)
    put_away = request.form.get("archived") != "0"
    if not inbox.set_archived(found, current_user, put_away):
        abort(403)  # reads it (a leader, say) but does not take part
    if put_away:
        return redirect(url_for("messages.index"), 303)
    return redirect(url_for("messages.thread", thread_id=found.id), 303)


@bp.route("/<int:thread_id>/withdraw/<int:message_id>", methods=["POST"])
@login_required
def withdraw(thread_id, message_id):
    found = _thread_or_404(thread_id)
    window = current_app.config["WITHDRAW_WINDOW"]
    message = inbox.withdraw(found, message_id, current_user, window)
    if message is None:
        abort(403)
    audit.record("message.withdrawn", actor=current_user, obj=message, ip=client_ip(),
                 child=found.child_id)
    return redirect(url_for("messages.thread", thread_id=found.id), 303)


@bp.route("/<int:thread_id>/after/<int:message_id>")
@login_required
def newer(thread_id, message_id):
    """New messages for an open thread (htmx polling): the messages after the last one
    shown, and a new poller; 204 when there is nothing new."""
    found = _thread_or_404(thread_id)
    lines = thread_page.messages(found, after=message_id)
    if not lines:
        return "", 204
    thread_page.mark_read(found, current_user)
    return render("messages/_newer.html", thread=found, lines=lines, last_id=lines[-1].id,
                  withdrawable=_withdrawable(lines),
                  files=thread_page.attachments_by_message(found))


def _withdrawable(lines):
    """The user's own messages still inside the withdrawal window."""
    window = current_app.config["WITHDRAW_WINDOW"]
    now, me = utcnow(), current_user.id
    return {m.id for m in lines if m.sender_id == me and not m.withdrawn
            and now - m.created_at <= window}


@bp.route("/unread")
@login_required
def unread():
    """The unread count for the navigation, polled by htmx: a few bytes, stored by no
    browser like every personal answer (views/common.py), and a 304 to a client that
    asks with the ETag it has."""
    user = current_user._get_current_object()
    count = inbox.unread_count(user)
    response = render("messages/_unread.html", count=count)
    response.set_etag(f"unread-{user.id}-{count}")
    return response.make_conditional(request)


@bp.route("/announce", methods=["GET", "POST"])
@login_required
def announce():
    """An announcement to all guardians of a group or a unit."""
    targets = access.announcement_targets(current_user)
    if not targets:
        abort(404)
    form = {"to": request.form.get("to", targets[0][0]),
            "subject": request.form.get("subject", "").strip(),
            "body": request.form.get("body", "").strip(),
            "replies": request.form.get("replies") == "1" if request.method == "POST" else True,
            "per_child": request.form.get("per_child") == "1",
            "urgent": request.form.get("urgent") == "1"}
    # Only a unit leader marks an announcement urgent (past digests and quiet hours).
    led = access.urgent_units(targets)
    errors, warnings = {}, []
    if request.method == "POST":
        errors, warnings = check_text(form["body"], request.form.get("confirm") == "1",
                                       subject=form["subject"])
        target = next((t for t in targets if t[0] == form["to"]), None)
        if target is None:
            errors["to"] = _l("Choose who to write to.")
        elif form["urgent"] and target[1].id not in led:
            errors["urgent"] = _l("Only a unit leader can mark an announcement urgent.")
        if not errors and not warnings:
            _, unit, group = target
            try:
                threads = inbox.announce(current_user, unit, group, form["subject"],
                                         form["body"], form_token(),
                                         form["replies"], form["per_child"],
                                         urgent=form["urgent"])
            except inbox.Duplicate:
                return redirect(url_for("messages.index"), 303)
            audit.record("announcement.sent", actor=current_user, ip=client_ip(),
                         threads=len(threads), unit=unit.id,
                         group=group.id if group else None, urgent=form["urgent"])
            if len(threads) == 1:
                return redirect(url_for("messages.thread", thread_id=threads[0].id), 303)
            return redirect(url_for("messages.index"), 303)
    errors = in_form_order(errors, "to", "subject", "body", "urgent")
    return render("messages/announce.html", status=400 if errors else 200, targets=targets,
                  form=form, errors=errors, warnings=warnings, token=inbox.new_form_token(),
                  may_mark_urgent=bool(led))


@bp.route("/<int:thread_id>/notified")
@login_required
def notified(thread_id):
    """For the staff who sent or may read an announcement: who has read it, by child,
    the children none of whose guardians has (the ones to call), and how each was
    notified."""
    found = _thread_or_404(thread_id)
    people = thread_page.participants(found, current_user.id)
    if (found.kind != ANNOUNCEMENT or access.acts_as_guardian(people, current_user.id)
            or not access.is_staff(current_user)):
        abort(404)
    return render("messages/notified.html", thread=found,
                  seen=read_status.read_status(found, people, str(get_locale())),
                  channel_names=NOTIFICATION_CHANNEL_NAMES,
                  status_names=NOTIFICATION_STATUS_NAMES)


def _choose_child(children):
    """The children to write about, by name in the page's language, filtered by `q`
    (a plain GET form; with htmx, as one types: the list alone)."""
    query = request.args.get("q", "").strip()[:100]
    shown = sorted_by_name(matching(children, query), str(get_locale()))
    return render("messages/choose_child.html", "messages/_child_list.html",
                  children=shown, query=query, any_children=bool(children))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    staff = access.is_staff(current_user)
    children = access.children_to_write_about(current_user, staff)
    child_id = request.values.get("child", type=int)
    if child_id is None:
        if len(children) == 1 and "q" not in request.args:
            child_id = children[0].id
        else:
            return _choose_child(children)
    child = next((c for c in children if c.id == child_id), None)
    if child is None:
        abort(404)
    options = recipients.write_options(current_user, child, staff)
    if not options:
        abort(404)
    form = {"subject": request.form.get("subject", "").strip(),
            "body": request.form.get("body", "").strip(),
            "to": request.form.get("to", "" if staff else recipients.default_option(options)),
            "guardians": request.form.getlist("guardian", type=int)}
    errors, warnings, files = {}, [], []
    if request.method == "POST":
        errors, warnings = check_text(form["body"], request.form.get("confirm") == "1",
                                      subject=form["subject"])
        files = uploads(errors)
        chosen = [o for o in options if o["key"] == form["to"]] if not staff else options
        guardians = [g for g, _ in (options[0]["guardians"] if staff else [])
                     if g.id in form["guardians"]]
        if not chosen:
            errors["to"] = _l("Choose who to write to.")
        if staff and not guardians:
            errors["guardians"] = _l("Choose at least one guardian.")
        if not errors and not warnings:
            option = chosen[0]
            try:
                with stored(files):
                    created = inbox.start_thread(
                        option["unit"], child, form["subject"], form["body"], current_user,
                        form_token(),
                        guardians=guardians if staff else [current_user],
                        staff=[current_user] if staff else option["staff"],
                        as_guardian=not staff, files=files)
            except inbox.Duplicate:
                return redirect(url_for("messages.index"), 303)
            audit.record("thread.started", actor=current_user, obj=created, ip=client_ip(),
                         child=created.child_id)
            return redirect(url_for("messages.thread", thread_id=created.id), 303)
        files = keep_for_next_round(files)
    elif staff:
        # Those with parental responsibility, as a parent would expect; a caregiver is
        # offered, not ticked.
        form["guardians"] = [g.id for g, responsible in options[0]["guardians"]
                             if responsible]
    errors = in_form_order(errors, "guardians", "to", "subject", "body", "files")
    return render("messages/new.html", status=400 if errors else 200, child=child,
                  options=options, staff=staff, form=form, errors=errors,
                  warnings=warnings, token=inbox.new_form_token(), kept=files)
