"""Messages between guardians and staff: the inbox, a thread, a reply, a new thread.

Every thread is found through access.thread_or_none (rule 3); a stranger gets 404 for a
thread, its messages and its fragments alike.
"""

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from models import access, audit, storage
from models.db import today, utcnow
from models.access.staff_parents import staff_and_family
from models.messaging import attachments, inbox, letters, read_status, thread_page
from models.messaging import sensitive_threads
from models.messaging import copies, folders, renditions
from models.messaging.tables import ANNOUNCEMENT, GUARDIAN, STAFF

from views import announce as announce_views
from views import message_new
from views import office_hours as office_hours_views
from views.common import ID_MAX, client_ip, number_from, render
from views.labels import NOTIFICATION_CHANNEL_NAMES, NOTIFICATION_STATUS_NAMES
from views.messages_forms import check_text, form_token, keep_for_next_round, stored, uploads
from views.seen import personal_page, saw
from views.stored import SANDBOX, send_stored
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
    # A guardian holds no role (the session's load found out): no roles query for them.
    staff, family = staff_and_family(user) if user.holds_role else (False, False)
    # Staff who are also parents (issue 22): their work, and "My children" apart.
    place = ((folders.MINE if request.args.get("place") == folders.MINE else folders.WORK)
             if staff and family else None)
    staff_mode = staff and place != folders.MINE
    # Staff's folders (issue 22): ?folder=…, or the older answer=1 and archived=1.
    folder = folders.folder_of(request.args.get("folder"), needs_answer, archived)
    if folder not in (folders.STAFF_FOLDERS if staff_mode else folders.GUARDIAN_FOLDERS):
        abort(404)
    needs_answer, archived = folder == folders.ANSWER, folder == folders.ARCHIVED
    staff_groups = access.staff_groups(user) if staff_mode else []
    if group is not None and group not in {gid for gid, _ in staff_groups}:
        abort(404)  # only a group the user works with
    lines, more = inbox.inbox(user, page=page, group=group, needs_answer=needs_answer,
                              archived=archived, staff=staff_mode, folder=folder,
                              place=place)
    return render("messages/inbox.html", "messages/_threads.html", lines=lines, more=more,
                  page=page, group=group, needs_answer=needs_answer, archived=archived,
                  folder=folder, folder_tabs=folders.STAFF_FOLDERS if staff_mode else (),
                  may_announce=bool(staff_groups), place=place,
                  place_unread=inbox.unread_by_place(user) if place else None,
                  staff_groups=staff_groups)


@bp.route("/<int:thread_id>")
@login_required
@personal_page("thread")
def thread(thread_id):
    found = _thread_or_404(thread_id)
    saw([found.child_id] if found.child_id else [], unit=found.unit_id)
    return _thread_page(found)


def _inbox_of(me):
    """The inbox a thread belongs in for the user: a member of staff who takes part in
    it as a parent finds it under "My children" (issue 22)."""
    if me is not None and me.role == GUARDIAN and current_user.holds_role:
        return url_for("messages.index", place=folders.MINE)
    return url_for("messages.index")


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
                  inbox_url=_inbox_of(me),
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
    response = send_stored(stored.stored_name, stored.mimetype, stored.filename,
                           as_attachment=stored.mimetype == attachments.PDF)
    response.headers["Content-Security-Policy"] = SANDBOX
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:thread_id>/files/<int:attachment_id>/w<int:width>")
@login_required
def rendition(thread_id, attachment_id, width):
    """A phone-sized copy of a message's photo (models/messaging/renditions.py), under
    the very rule of its thread."""
    found = _thread_or_404(thread_id)
    stored = thread_page.attachment_in(found, attachment_id)
    if (stored is None or width not in renditions.WIDTHS
            or not stored.mimetype.startswith("image/")):
        abort(404)
    try:
        name = renditions.made(storage.current(), stored.stored_name, width)
    except FileNotFoundError:
        abort(404)
    response = send_stored(name, "image/webp")
    response.headers["Content-Security-Policy"] = SANDBOX
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
        return redirect(url_for("messages.index", place=folders.MINE)
                        if current_user.holds_role and _as_guardian(found)
                        else url_for("messages.index"), 303)
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


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """A new conversation about a child, as a guardian or as staff (views/message_new.py)."""
    return message_new.page()
