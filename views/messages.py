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
from models.messaging import sensitive_threads
from models.messaging import copies, folders
from models.messaging.names import matching, sorted_by_name
from models.messaging.tables import ANNOUNCEMENT, STAFF

from views import announce as announce_views
from views import office_hours as office_hours_views
from views.common import ID_MAX, TRY_AGAIN, client_ip, number_from, refuse, render
from views.labels import NOTIFICATION_CHANNEL_NAMES, NOTIFICATION_STATUS_NAMES
from views.messages_forms import (check_text, form_token, in_form_order,
                                  keep_for_next_round, stored, uploads)
from views.seen import personal_page, saw
from views.step_up import require_fresh

bp = Blueprint("messages", __name__, url_prefix="/messages")

def _thread_or_404(thread_id):
    thread = access.thread_or_none(current_user, thread_id)
    if thread is None:
        abort(404)
    if thread.sensitive:  # issue 22: a fresh strong login first, for every route
        require_fresh(url_for("messages.thread", thread_id=thread.id))
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
    # Staff's folders (issue 22): ?folder=…, or the older answer=1 and archived=1.
    folder = folders.folder_of(request.args.get("folder"), needs_answer, archived)
    if folder not in (folders.STAFF_FOLDERS if staff else folders.GUARDIAN_FOLDERS):
        abort(404)
    needs_answer, archived = folder == folders.ANSWER, folder == folders.ARCHIVED
    staff_groups = access.staff_groups(user) if staff else []
    if group is not None and group not in {gid for gid, _ in staff_groups}:
        abort(404)  # only a group the user works with
    lines, more = inbox.inbox(user, page=page, group=group, needs_answer=needs_answer,
                              archived=archived, staff=staff, folder=folder)
    return render("messages/inbox.html", "messages/_threads.html", lines=lines, more=more,
                  page=page, group=group, needs_answer=needs_answer, archived=archived,
                  folder=folder, folder_tabs=folders.STAFF_FOLDERS if staff else (),
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
                  filing=folders.filing(found, current_user, me, copies.names(people, shown)),
                  token=inbox.new_form_token(), last_id=lines[-1].id if lines else 0,
                  may_mark_sensitive=sensitive_threads.may_mark(found, me),
                  office_notice=office_hours_views.thread_notice(found, people)
                  if may_reply and access.acts_as_guardian(people, user_id) else None)


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
    """An announcement to all guardians of groups or units: the reach before sending,
    the undo window, scheduled sending (views/announce.py)."""
    return announce_views.page()


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
    # A guardian holds no role (the session's load found out): no roles query for them.
    staff = current_user.holds_role and access.is_staff(current_user)
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
    # A guardian may copy the child's other guardians (issue 22: the other home).
    offered = [] if staff else copies.candidates(current_user, child)
    form = {"subject": request.form.get("subject", "").strip(),
            "body": request.form.get("body", "").strip(),
            "to": request.values.get("to", "" if staff else recipients.default_option(options)),
            "guardians": request.form.getlist("guardian", type=int),
            "copies": request.form.getlist("copy", type=int),
            "sensitive": request.form.get("sensitive") == "1"}
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
        copied = copies.chosen(offered, form["copies"])
        if copied is None and not offered:
            refuse(TRY_AGAIN)  # nobody to copy: not a form this page made
        elif copied is None:
            errors["copies"] = _l("Copy only the guardians listed.")
        if not errors and not warnings:
            option = chosen[0]
            try:
                with stored(files):
                    created = inbox.start_thread(
                        option["unit"], child, form["subject"], form["body"], current_user,
                        form_token(),
                        guardians=guardians if staff else [current_user],
                        staff=[current_user] if staff else option["staff"],
                        as_guardian=not staff, files=files, sensitive=form["sensitive"],
                        copied=copied)
            except inbox.Duplicate:
                return redirect(url_for("messages.index"), 303)
            # A sensitive thread's events name no child: the other guardians' copies of
            # the audit log must not tell of it (models/messaging/sensitive_threads.py).
            audit.record("thread.started", actor=current_user, obj=created, ip=client_ip(),
                         child=None if form["sensitive"] else created.child_id,
                         **({"copied": [p.id for p in copied]} if copied else {}))
            if form["sensitive"]:
                audit.record(sensitive_threads.MARKED, actor=current_user, obj=created,
                             ip=client_ip())
            return redirect(url_for("messages.thread", thread_id=created.id), 303)
        files = keep_for_next_round(files)
    elif staff:
        # Those with parental responsibility, as a parent would expect; a caregiver is
        # offered, not ticked.
        form["guardians"] = [g.id for g, responsible in options[0]["guardians"]
                             if responsible]
    errors = in_form_order(errors, "guardians", "to", "copies", "subject", "body", "files")
    return render("messages/new.html", status=400 if errors else 200, child=child,
                  options=options, staff=staff, form=form, errors=errors,
                  warnings=warnings, token=inbox.new_form_token(), kept=files,
                  offered=offered,
                  office_notice=None if staff else office_hours_views.message_notice(
                      next((o for o in options if o["key"] == form["to"]), None)))
