"""Messages between guardians and staff: the inbox, a thread, a reply, a new thread.

Every thread is found through access.thread_or_none (rule 3); a stranger gets 404 for a
thread, its messages and its fragments alike.
"""
from contextlib import contextmanager
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access, audit
from models.db import today, utcnow
from models.messaging import attachments, inbox, letters, recipients, thread_page
from models.messaging.sensitive import concerns
from models.messaging.tables import ANNOUNCEMENT, STAFF
from models.notifications import deliveries

from views.common import ID_MAX, client_ip, number_from, render
from views.labels import NOTIFICATION_CHANNEL_NAMES, NOTIFICATION_STATUS_NAMES

bp = Blueprint("messages", __name__, url_prefix="/messages")

SUBJECT_MAX, BODY_MAX = 200, 5000
CONCERN_TEXT = {
    "national_id": _l("It looks like it contains a national identity number."),
    "health": _l("It looks like it mentions health details."),
}


def _thread_or_404(thread_id):
    thread = access.thread_or_none(current_user, thread_id)
    if thread is None:
        abort(404)
    return thread


def _as_guardian(thread):
    """Does the user act in this thread as a guardian (not as staff)?"""
    return access.acts_as_guardian(thread_page.participants(thread, current_user.id),
                                   current_user.id)


def _uploads(errors):
    """The attached files, checked by their content; a problem goes into `errors`."""
    config = current_app.config
    files = [f for f in request.files.getlist("files") if f and f.filename]
    limit = config["ATTACHMENTS_PER_MESSAGE"]
    if len(files) > limit:
        errors["files"] = _l("You can attach at most %(max)d files. Choose them again.",
                             max=limit)
        return []
    max_bytes = config["ATTACHMENT_MAX_MB"] * 1024 * 1024
    prepared = []
    for upload in files:
        try:
            prepared.append(attachments.prepare(upload.filename, upload.read(max_bytes + 1),
                                                max_bytes, config["IMAGE_MAX_PIXELS"]))
        except attachments.Refused as refused:
            errors["files"] = (
                _l("%(name)s is larger than %(max)d MB. Choose the files again.",
                   name=refused.filename, max=config["ATTACHMENT_MAX_MB"])
                if refused.reason == "size" else
                _l("%(name)s has more than %(max)d megapixels. Choose the files again.",
                   name=refused.filename, max=config["IMAGE_MAX_PIXELS"] // 1_000_000)
                if refused.reason == "pixels" else
                _l("%(name)s is a PDF with scripts, links or attached files, or locked "
                   "with a password. Choose the files again.", name=refused.filename)
                if refused.reason == "pdf" else
                _l("%(name)s is not a photo (JPEG, PNG, HEIC) or a PDF. Choose the files "
                   "again.", name=refused.filename))
            return []
    return prepared


@contextmanager
def _stored(files):
    """Write the files before the message; if the message is not saved, remove them."""
    directory = current_app.config["ATTACHMENT_DIR"]
    names = []
    try:
        for f in files:
            f.stored_name = attachments.store(directory, f)
            names.append(f.stored_name)
        yield files
    except BaseException:
        attachments.remove(directory, names)
        raise


def _check_text(body, confirmed, subject=None):
    """Errors for the form, and the gentle warnings unless the writer confirmed."""
    errors = {}
    if subject is not None and not subject:
        errors["subject"] = _l("Write a subject.")
    elif subject is not None and len(subject) > SUBJECT_MAX:
        errors["subject"] = _l("The subject can be at most %(max)d characters.",
                               max=SUBJECT_MAX)
    if not body:
        errors["body"] = _l("Write a message.")
    elif len(body) > BODY_MAX:
        errors["body"] = _l("The message can be at most %(max)d characters.", max=BODY_MAX)
    warnings = [] if confirmed or errors else [CONCERN_TEXT[c] for c in sorted(concerns(
        f"{subject or ''}\n{body}"))]
    return errors, warnings


def _form_token():
    """The form's one-time token (against a double send), or None for one the app did
    not make (they are 22 characters; the column holds 64)."""
    token = request.form.get("token", "")
    return token if 0 < len(token) <= 64 else None


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
def thread(thread_id):
    found = _thread_or_404(thread_id)
    return _thread_page(found)


def _thread_page(found, body="", errors=None, warnings=None, status=200):
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
                  errors=errors or {}, warnings=warnings or [],
                  token=inbox.new_form_token(), last_id=lines[-1].id if lines else 0)


@bp.route("/<int:thread_id>", methods=["POST"])
@login_required
def reply(thread_id):
    found = _thread_or_404(thread_id)
    as_guardian = _as_guardian(found)
    if not access.may_reply_as(found, as_guardian):
        abort(403)
    body = request.form.get("body", "").strip()
    errors, warnings = _check_text(body, request.form.get("confirm") == "1")
    files = _uploads(errors)
    if errors or warnings:
        return _thread_page(found, body, errors, warnings, status=400 if errors else 200)
    if access.replies_privately(found, as_guardian):
        # Everyone of the group is in the shared thread: the answer goes to the sender
        # alone, in a conversation of its own.
        try:
            with _stored(files):
                private = inbox.reply_privately(found, current_user, body,
                                                _form_token(), files)
        except inbox.Duplicate:
            return redirect(url_for("messages.index"), 303)
        if private is None:
            abort(404)
        return redirect(url_for("messages.thread", thread_id=private.id), 303)
    try:
        with _stored(files):
            inbox.reply(found, current_user, body, _form_token(),
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
        errors, warnings = _check_text(form["body"], request.form.get("confirm") == "1",
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
                                         form["body"], _form_token(),
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
    return render("messages/announce.html", status=400 if errors else 200, targets=targets,
                  form=form, errors=errors, warnings=warnings, token=inbox.new_form_token(),
                  may_mark_urgent=bool(led))


@bp.route("/<int:thread_id>/notified")
@login_required
def notified(thread_id):
    """For the staff who sent or may read an announcement: how each guardian was
    notified, and who has read it."""
    found = _thread_or_404(thread_id)
    if found.kind != ANNOUNCEMENT or _as_guardian(found) or not access.is_staff(current_user):
        abort(404)
    still = recipients.announcement_guardian_ids(found)
    people = deliveries.thread_status(found.id, still)
    return render("messages/notified.html", thread=found, people=people,
                  read=sum(p.read for p in people), channel_names=NOTIFICATION_CHANNEL_NAMES,
                  status_names=NOTIFICATION_STATUS_NAMES)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    staff = access.is_staff(current_user)
    children = access.children_to_write_about(current_user, staff)
    child_id = request.values.get("child", type=int)
    if child_id is None:
        if len(children) == 1:
            child_id = children[0].id
        else:
            return render("messages/choose_child.html", children=children)
    child = next((c for c in children if c.id == child_id), None)
    if child is None:
        abort(404)
    options = recipients.write_options(current_user, child, staff)
    if not options:
        abort(404)
    form = {"subject": request.form.get("subject", "").strip(),
            "body": request.form.get("body", "").strip(),
            "to": request.form.get("to", options[0]["key"] if not staff else ""),
            "guardians": request.form.getlist("guardian", type=int)}
    errors, warnings = {}, []
    if request.method == "POST":
        errors, warnings = _check_text(form["body"], request.form.get("confirm") == "1",
                                       subject=form["subject"])
        files = _uploads(errors)
        chosen = [o for o in options if o["key"] == form["to"]] if not staff else options
        guardians = [g for g in (options[0]["guardians"] if staff else [])
                     if g.id in form["guardians"]]
        if not chosen:
            errors["to"] = _l("Choose who to write to.")
        if staff and not guardians:
            errors["guardians"] = _l("Choose at least one guardian.")
        if not errors and not warnings:
            option = chosen[0]
            try:
                with _stored(files):
                    created = inbox.start_thread(
                        option["unit"], child, form["subject"], form["body"], current_user,
                        _form_token(),
                        guardians=guardians if staff else [current_user],
                        staff=[current_user] if staff else option["staff"],
                        as_guardian=not staff, files=files)
            except inbox.Duplicate:
                return redirect(url_for("messages.index"), 303)
            audit.record("thread.started", actor=current_user, obj=created, ip=client_ip(),
                         child=created.child_id)
            return redirect(url_for("messages.thread", thread_id=created.id), 303)
    elif staff:
        form["guardians"] = [g.id for g in options[0]["guardians"]]
    return render("messages/new.html", status=400 if errors else 200, child=child,
                  options=options, staff=staff, form=form, errors=errors,
                  warnings=warnings, token=inbox.new_form_token())
