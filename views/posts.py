"""Posts and photo documentation: the feed, a post, its photos (only under the post's
rule and, for group posts, only while consent holds), composing with tagging checked
against consent, withdrawn photos for staff, and a guardian's archive of their child."""
from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import access, audit, storage
from models.messaging import attachments
from models.posts import drafts, feed, photo_consent, posts
from models.posts.tables import DraftUpload
from models.school.tables import UNPROTECTED

from views import posts_forms as forms
from views.common import client_ip, number_from, render, wants_fragment
from views.stored import SANDBOX, send_stored
from views.labels import CONSENT_STATUS_NAMES, PHOTO_USES, translated

bp = Blueprint("posts", __name__, url_prefix="/posts")


@bp.route("/")
@login_required
def index():
    before = number_from(request.args, "before")
    lines, more = feed.page(current_user, before=before)
    context = {"lines": lines, "more": more, **translated(use_names=PHOTO_USES)}
    if before is not None and wants_fragment():
        return render("posts/_page.html", **context)
    return render("posts/index.html", **context)


@bp.route("/<int:post_id>")
@login_required
def show(post_id):
    lines, _ = feed.page(current_user, post_id=post_id)
    if not lines:
        abort(404)
    return render("posts/show.html", post=lines[0], **translated(use_names=PHOTO_USES))


@bp.route("/<int:post_id>/media/<int:media_id>")
@bp.route("/<int:post_id>/media/<int:media_id>/<any(thumb):size>")
@login_required
def media(post_id, media_id, size=None):
    """A photo, under the post's rule; a group post's photo only while every child in it
    has consent (staff of the post also see a withdrawn one, to edit it)."""
    lines, _ = feed.page(current_user, post_id=post_id)
    line = next((m for p in lines for m in p.media if m.id == media_id), None)
    if line is None or not (line.shown or lines[0].staff):
        abort(404)
    stored = feed.media_of(post_id, media_id)
    name = stored.thumb_name if size == "thumb" else stored.stored_name
    response = send_stored(name, stored.mimetype, ranges=True)
    # Stored by no browser (views/common.py): a withdrawn photo must not live on in one.
    response.headers["Content-Security-Policy"] = SANDBOX
    response.headers["Content-Disposition"] = "inline"
    return response


# Composing ------------------------------------------------------------------------------

def _target():
    """(unit id, group id, child id, children who may be tagged, name, the children
    whose address is protected) for ?group= or ?child=, among those the member of staff
    reaches; 404 otherwise."""
    user = current_user._get_current_object()
    group_id = number_from(request.values, "group")
    child_id = number_from(request.values, "child")
    if group_id is not None:
        found = access.staff_group_children(user, group_id)
        if found is None:
            abort(404)
        name, unit_id, rows = found
        return (unit_id, group_id, None, [(r[0], f"{r[1]} {r[2]}") for r in rows], name,
                {r[0] for r in rows if r[3] not in UNPROTECTED})
    child = access.staff_child_or_none(user, child_id) if child_id is not None else None
    if child is None:
        abort(404)
    return (posts.staff_unit_of(user, child.id), None, child.id, [(child.id, child.name)],
            child.name, {child.id} if child.is_protected else set())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Compose a post. Every photo or video chosen is checked and kept as a draft at
    once (models/posts/drafts.py), so that it survives each round trip of the form: an
    error, a missing consent, "Publish anyway", "Add another photo"."""
    unit_id, group_id, child_id, children, name, protected = _target()
    user = current_user._get_current_object()
    most = current_app.config["POST_PHOTOS"]
    files_storage = storage.current()
    form = {"title": request.form.get("title", "").strip(),
            "body": request.form.get("body", "").strip(),
            "uses": [u for u in ("web", "social", "name") if request.form.get(f"use_{u}")],
            "tags": {}, "none": set(), "attached": []}
    errors, warnings = {}, []
    if request.method == "GET":
        form["tags"] = {0: [child_id]} if child_id is not None else {}
    else:
        tokens = {n: request.form.get(f"draft_{n}", "") for n in range(most)}
        live = drafts.found(user, {t for t in tokens.values() if t})
        if any(t and t not in live for t in tokens.values()):
            errors["drafts"] = forms.STALE
        slots = []  # (tags asked, none ticked, draft or file)
        for n in range(most):
            asked = request.form.getlist(f"tag_{n}", type=int)
            none = bool(request.form.get(f"none_{n}"))
            draft = live.pop(tokens[n], None)  # pop: a token given twice counts once
            upload = request.files.get(f"photo_{n}")
            if draft is not None:
                if request.form.get(f"remove_{n}"):
                    drafts.discard([draft], files_storage)
                else:
                    slots.append((asked, none, draft))
            elif upload and upload.filename:
                slots.append((asked, none, upload))
            elif asked or none:
                slots.append((asked, none, None))  # ticked for a photo not chosen yet
        _attach(form, slots, errors, user, most)
        if child_id is not None:  # the slot for a new photo is of this child too
            form["tags"].setdefault(len(form["attached"]), [child_id])
    refusals, ids = {}, {}
    if request.method == "POST" and request.form.get("action") != "add":
        uploads = _checked_tags(form, dict(children), errors, child_id)
        if not errors and group_id is not None:
            refusals, ids = forms.refusals(photo_consent.missing_consent(
                sorted({c for u in uploads for c in u.tags}), ["app"] + form["uses"]),
                dict(children), form["tags"])
        if not errors and not refusals and request.form.get("confirm") != "1":
            warnings = forms.warnings_for(form)
        if not errors and not refusals and not warnings:
            try:
                post = posts.publish(user, unit_id, form["title"], form["body"], uploads,
                                     group_id=group_id, child_id=child_id,
                                     for_web="web" in form["uses"],
                                     for_social="social" in form["uses"],
                                     with_names="name" in form["uses"], ip=client_ip())
            except posts.DraftGone:
                errors["drafts"] = forms.STALE
            else:
                flash(_l("Published."), "success")
                return redirect(url_for("posts.show", post_id=post.id), 303)
    return render("posts/new.html", status=400 if errors or refusals else 200, form=form,
                  errors=errors, refusals=refusals, refusal_ids=ids, warnings=warnings,
                  children=children,
                  target=name, group_id=group_id, child_id=child_id, most=most,
                  video_seconds=current_app.config["POST_VIDEO_SECONDS"],
                  consent=_consent_beside(children, form["uses"], group_id),
                  protected=protected,
                  **translated(use_names=PHOTO_USES, status_names=CONSENT_STATUS_NAMES))


def _attach(form, slots, errors, user, most):
    """Number the form's photos again from 0, keeping each new file as a draft. A file
    the checks refuse is not kept: its error, and ticks made without a file, stand at
    the slot for a new one."""
    files_storage = storage.current()
    pending = None  # (ticks, none ticked, error) of the slot for a new photo
    for asked, none, item in slots:
        if item is None:
            pending = pending or (asked, none, None)
            continue
        if not isinstance(item, DraftUpload):
            if len(form["attached"]) >= most:
                errors[f"photo_{most - 1}"] = forms.too_many(most)
                continue
            try:
                checked = forms.prepare(item)
            except attachments.Refused as why:
                pending = (asked, none, forms.refusal(why))
                continue
            item = drafts.keep(user, checked.photo, checked.seconds, files_storage)
        n = len(form["attached"])
        form["attached"].append(item)
        form["tags"][n] = asked
        if none:
            form["none"].add(n)
    if pending is not None:
        n = len(form["attached"])
        form["tags"][n] = pending[0]
        if pending[1]:
            form["none"].add(n)
        if pending[2]:
            errors[f"photo_{n}"] = pending[2]


def _checked_tags(form, children, errors, child_id):
    """The attached photos as posts.Upload, each with who is in it, said one way or
    the other; problems go into `errors`."""
    forms.check_text(form, errors)
    uploads = []
    for n, draft in enumerate(form["attached"]):
        asked = form["tags"].get(n, [])
        tags = [c for c in dict.fromkeys(asked) if c in children]
        errors.update(forms.tag_errors(f"photo_{n}", tags, n in form["none"], asked,
                                       child_id))
        uploads.append(posts.Upload(None, tags, n in form["none"], draft=draft))
    return uploads


def _consent_beside(children, uses, group_id):
    """Beside each child's name on a group post's form: the photo consent for the uses
    the post is marked for, so that nobody learns it only when publishing is refused."""
    if group_id is None:
        return {}
    ids = [c for c, _ in children]
    return forms.consent_beside_names(photo_consent.photo_consent(ids), ids,
                                      ["app"] + uses)


# Editing a published post ------------------------------------------------------------------

@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id):
    """Staff with access change a post's title, text, uses and who is tagged in each
    photo, or remove photos; tagging is checked against consent as when publishing."""
    lines, _ = feed.page(current_user, post_id=post_id)
    if not lines or not lines[0].staff:
        abort(404)
    line = lines[0]
    post = posts.post_by_id(post_id)
    user = current_user._get_current_object()
    protected = set()
    if post.group_id is not None:
        found = access.staff_group_children(user, post.group_id)
        children = [(r[0], f"{r[1]} {r[2]}") for r in found[2]] if found else []
        protected = {r[0] for r in found[2] if r[3] not in UNPROTECTED} if found else set()
    else:
        children = [(post.child_id, line.child)]
    # A child tagged earlier who has since left the group stays listed, to be untagged.
    known = dict(children)
    for m in line.media:
        for cid, cname in m.tags:
            if cid not in known:
                known[cid] = cname
                children.append((cid, cname))
    if request.method == "GET":
        form = {"title": line.title, "body": line.body, "uses": line.uses[1:],
                "tags": {m.id: [c for c, _ in m.tags] for m in line.media},
                "none": {m.id for m in line.media if m.none_identifiable},
                "remove": set()}
    else:
        form = {"title": request.form.get("title", "").strip(),
                "body": request.form.get("body", "").strip(),
                "uses": [u for u in ("web", "social", "name") if request.form.get(f"use_{u}")]
                if post.group_id is not None else [],
                "tags": {m.id: request.form.getlist(f"tag_{m.id}", type=int)
                         for m in line.media},
                "none": {m.id for m in line.media if request.form.get(f"none_{m.id}")},
                "remove": {m.id for m in line.media if request.form.get(f"remove_{m.id}")}}
    errors, refusals, ids = {}, {}, {}
    if request.method == "POST":
        forms.check_text(form, errors)
        changes = {}
        for m in line.media:
            tags = [c for c in dict.fromkeys(form["tags"][m.id]) if c in known]
            if m.id not in form["remove"]:
                errors.update(forms.tag_errors(f"media_{m.id}", tags, m.id in form["none"],
                                          form["tags"][m.id], post.child_id))
            changes[m.id] = posts.MediaEdit(tags, m.id in form["none"],
                                            m.id in form["remove"])
        if not errors:
            try:
                removed = posts.edit(post, user, form["title"], form["body"],
                                     ["app"] + form["uses"], changes, ip=client_ip())
            except posts.MissingConsent as missing:
                refusals, ids = forms.refusals(missing.args[0], known, form["tags"])
            else:
                attachments.remove(storage.current(), removed)
                flash(_l("Saved."), "success")
                return redirect(url_for("posts.show", post_id=post.id), 303)
    return render("posts/edit.html", status=400 if errors or refusals else 200, form=form,
                  errors=errors, refusals=refusals, refusal_ids=ids, children=children,
                  post=line, protected=protected,
                  consent=_consent_beside(children, form["uses"], post.group_id),
                  **translated(use_names=PHOTO_USES, status_names=CONSENT_STATUS_NAMES))


# Withdrawn photos -------------------------------------------------------------------------

@bp.route("/withdrawn")
@login_required
def withdrawn():
    """For staff: photos withdrawn or no longer covered by consent, to edit."""
    user = current_user._get_current_object()
    if not access.is_staff(user):
        abort(404)
    return render("posts/withdrawn.html", affected=feed.not_shown(user),
                  **translated(use_names=PHOTO_USES))


def _staff_media(post_id, media_id):
    lines, _ = feed.page(current_user, post_id=post_id)
    if not lines or not lines[0].staff:
        abort(404)
    found = feed.media_of(post_id, media_id)
    if found is None:
        abort(404)
    return found


@bp.route("/<int:post_id>/media/<int:media_id>/republish", methods=["POST"])
@login_required
def republish(post_id, media_id):
    found = _staff_media(post_id, media_id)
    if posts.republish(found, current_user._get_current_object(), ip=client_ip()):
        flash(_l("The photo is shown again."), "success")
    else:
        flash(_l("Not yet: a child in the photo still lacks consent."), "error")
    return redirect(url_for("posts.withdrawn"), 303)


@bp.route("/<int:post_id>/media/<int:media_id>/remove", methods=["POST"])
@login_required
def remove(post_id, media_id):
    found = _staff_media(post_id, media_id)
    removed = posts.remove_media(found, current_user._get_current_object(), ip=client_ip())
    attachments.remove(storage.current(), removed)
    flash(_l("The photo is removed."), "success")
    return redirect(url_for("posts.withdrawn"), 303)


# A guardian's archive of their child ------------------------------------------------------

@bp.route("/archive/<int:child_id>.zip")
@login_required
def archive(child_id):
    """Everything posted about the child — individual documentation, and group posts'
    photos the child is in — as one zip, for its guardians (rule 10)."""
    user = current_user._get_current_object()
    child = access.guardian_child_or_none(user, child_id)
    if child is None:
        abort(404)
    lines, stored = feed.about_child(user, child.id)
    buffer = forms.archive_zip(child, lines, stored)
    audit.record("posts.archived", actor=user, obj=child, ip=client_ip(), posts=len(lines))
    return send_file(buffer, mimetype="application/zip", as_attachment=True,
                     download_name=f"kontaktbok-{child.first_name.lower()}.zip", max_age=0)
