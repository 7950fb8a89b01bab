"""Reading the message forms (views/messages.py): the text and its checks, the attached
files, and the files kept while a form comes back.

A browser never keeps a chosen file when a form comes back (the sensitive-information
warning, a field to correct), so a checked upload is kept on the server
(models/messaging/attachments.py, `keep`) and the form carries a signed token for it in
its place: bound to the user, to the kept file's name and to what it is, and good only
while the file is kept. "Send anyway" then sends the files along.
"""
from contextlib import contextmanager

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from models import storage
from models.messaging import attachments
from models.messaging.sensitive import concerns

SUBJECT_MAX, BODY_MAX = 200, 5000
CONCERN_TEXT = {
    "national_id": _l("It looks like it contains a national identity number."),
    "health": _l("It looks like it mentions health details."),
}


def check_text(body, confirmed, subject=None):
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


def form_token():
    """The form's one-time token (against a double send), or None for one the app did
    not make (they are 22 characters; the column holds 64, and an announcement to
    several groups adds "/n" to it for each thread)."""
    token = request.form.get("token", "")
    return token if 0 < len(token) <= 40 else None


def _refusal(refused, config):
    if refused.reason == "size":
        return _l("%(name)s is larger than %(max)d MB. Choose the files again.",
                  name=refused.filename, max=config["ATTACHMENT_MAX_MB"])
    if refused.reason == "pixels":
        return _l("%(name)s has more than %(max)d megapixels. Choose the files again.",
                  name=refused.filename, max=config["IMAGE_MAX_PIXELS"] // 1_000_000)
    if refused.reason == "pdf":
        return _l("%(name)s is a PDF with scripts, links or attached files, or locked "
                  "with a password. Choose the files again.", name=refused.filename)
    return _l("%(name)s is not a photo (JPEG, PNG, HEIC) or a PDF. Choose the files "
              "again.", name=refused.filename)


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="kept-attachment")


def kept_token(kept):
    """The form's stand-in for a kept file, for this user only."""
    return _serializer().dumps([current_user.id, kept.filename, kept.kept_name,
                                kept.mimetype, kept.size, kept.width, kept.height])


def _kept_files(errors):
    """The kept files the form still carries (the ones left ticked). A token that is
    not the user's, not the app's or too old counts as a file to choose again."""
    kept, lost = [], False
    for token in request.form.getlist("kept")[:current_app.config["ATTACHMENTS_PER_MESSAGE"]]:
        try:
            user_id, *fields = _serializer().loads(token)
            found = attachments.KeptFile(*fields)
        except (BadSignature, TypeError, ValueError):
            lost = True
            continue
        if user_id != current_user.id or not attachments.kept_is_usable(
                storage.current(), found, current_user.id):
            lost = True
            continue
        found.token = token
        kept.append(found)
    if lost:
        errors["files"] = _l("The files you attached earlier are no longer kept. Choose "
                             "them again.")
    return kept


def uploads(errors):
    """The attached files: those kept from the form's last round, and the new ones,
    checked by their content; a problem goes into `errors`."""
    config = current_app.config
    kept = _kept_files(errors)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    limit = config["ATTACHMENTS_PER_MESSAGE"]
    if len(kept) + len(files) > limit:
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
            errors["files"] = _refusal(refused, config)
            return kept
    return kept + prepared


def keep_for_next_round(files):
    """The files of a form that comes back (a warning, an error): new uploads kept on
    the server, each with the token the form carries for it instead."""
    result = []
    for f in files:
        if not isinstance(f, attachments.KeptFile):
            f = attachments.keep(storage.current(), f, current_user.id)
            f.token = kept_token(f)
        result.append(f)
    return result


@contextmanager
def stored(files):
    """Write the files (new ones, and kept ones under a name of their own) before the
    message; if the message is not saved, remove them."""
    files_storage = storage.current()
    names = []
    try:
        for f in files:
            f.stored_name = (attachments.store_kept(files_storage, f)
                             if isinstance(f, attachments.KeptFile)
                             else attachments.store(files_storage, f))
            names.append(f.stored_name)
        yield files
    except BaseException:
        attachments.remove(files_storage, names)
        raise


def in_form_order(errors, *names):
    """The errors in the order of the fields on the page, for the error summary."""
    return {name: errors[name] for name in names if name in errors}
