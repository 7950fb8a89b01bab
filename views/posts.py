"""Posts and photo documentation: the feed, a post, its photos (only under the post's
rule and, for group posts, only while consent holds), composing with tagging checked
against consent, withdrawn photos for staff, and a guardian's archive of their child."""
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _nl
from flask_login import current_user, login_required

from models import access, audit
from models.messaging import attachments
from models.posts import feed, photo_consent, posts, video

from views.common import client_ip, number_from, render, wants_fragment
from views.labels import PHOTO_USES, translated

bp = Blueprint("posts", __name__, url_prefix="/posts")

TITLE_MAX, BODY_MAX = 200, 5000


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
    response = send_file(Path(current_app.config["ATTACHMENT_DIR"]) / name,
                         mimetype=stored.mimetype, max_age=0, conditional=True, etag=True)
    # Stored by no browser (views/common.py): a withdrawn photo must not live on in one.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    return response


# Composing ------------------------------------------------------------------------------

def _target():
    """(unit id, group id, child id, children who may be tagged, name) for ?group= or
    ?child=, among those the member of staff reaches; 404 otherwise."""
    user = current_user._get_current_object()
    group_id = number_from(request.values, "group")
    child_id = number_from(request.values, "child")
    if group_id is not None:
        found = access.staff_group_children(user, group_id)
        if found is None:
            abort(404)
        name, unit_id, rows = found
        return unit_id, group_id, None, [(r[0], f"{r[1]} {r[2]}") for r in rows], name
    child = access.staff_child_or_none(user, child_id) if child_id is not None else None
    if child is None:
        abort(404)
    return (posts.staff_unit_of(user, child.id), None, child.id, [(child.id, child.name)],
            child.name)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    unit_id, group_id, child_id, children, name = _target()
    slots = current_app.config["POST_PHOTOS"]
    form = {"title": request.form.get("title", "").strip(),
            "body": request.form.get("body", "").strip(),
            "uses": [u for u in ("web", "social", "name") if request.form.get(f"use_{u}")],
            "tags": {n: request.form.getlist(f"tag_{n}", type=int) for n in range(slots)},
            "none": {n for n in range(slots) if request.form.get(f"none_{n}")}}
    if request.method == "GET" and child_id is not None:
        form["tags"] = {n: [child_id] for n in range(slots)}
    errors, refusals = {}, []
    if request.method == "POST":
        uploads = _check(form, slots, dict(children), errors, child_id)
        if not errors and group_id is not None:
            refusals = _refusals(photo_consent.missing_consent(
                sorted({c for u in uploads for c in u.tags}), ["app"] + form["uses"]),
                dict(children))
        if not errors and not refusals:
            directory = current_app.config["ATTACHMENT_DIR"]
            stored = []
            try:
                for upload in uploads:
                    upload.stored_name = attachments.store(directory, upload.photo.full)
                    upload.thumb_name = attachments.store(directory, upload.photo.thumb)
                    stored += [upload.stored_name, upload.thumb_name]
                post = posts.publish(current_user._get_current_object(), unit_id,
                                     form["title"], form["body"], uploads, group_id=group_id,
                                     child_id=child_id, for_web="web" in form["uses"],
                                     for_social="social" in form["uses"],
                                     with_names="name" in form["uses"], ip=client_ip())
            except BaseException:
                attachments.remove(directory, stored)
                raise
            flash(_l("Published."), "success")
            return redirect(url_for("posts.show", post_id=post.id), 303)
    return render("posts/new.html", status=400 if errors or refusals else 200, form=form,
                  errors=errors, refusals=refusals, children=children, target=name,
                  group_id=group_id, child_id=child_id, slots=range(slots),
                  video_seconds=current_app.config["POST_VIDEO_SECONDS"],
                  **translated(use_names=PHOTO_USES))


def _check_text(form, errors):
    if not form["title"]:
        errors["title"] = _l("Write a title.")
    elif len(form["title"]) > TITLE_MAX:
        errors["title"] = _l("The title can be at most %(max)d characters.", max=TITLE_MAX)
    if len(form["body"]) > BODY_MAX:
        errors["body"] = _l("The text can be at most %(max)d characters.", max=BODY_MAX)


def _check(form, slots, children, errors, child_id):
    """The uploaded photos and videos, checked by content, each with who is in it."""
    _check_text(form, errors)
    uploads, chosen = [], False
    for n in range(slots):
        upload = request.files.get(f"photo_{n}")
        if not upload or not upload.filename:
            continue
        chosen = True
        tags = [c for c in dict.fromkeys(form["tags"][n]) if c in children]
        errors.update(_tag_errors(f"photo_{n}", tags, n in form["none"], form["tags"][n],
                                  child_id))
        if errors and _is_video(upload):
            continue  # encoding takes seconds: not for a form that comes back anyway
        try:
            prepared = _prepare(upload)
        except attachments.Refused as refused:
            errors[f"photo_{n}"] = _refusal(refused)
            continue
        uploads.append(posts.Upload(prepared.photo, tags, n in form["none"],
                                    seconds=prepared.seconds))
    if errors and chosen:
        errors["files"] = _l("Choose the photos again: a browser does not keep them after "
                             "an error.")
    return uploads


@dataclass
class _Checked:
    """An upload checked by its content and drawn or encoded again."""
    photo: object          # .full (the picture or the video) and .thumb
    seconds: float | None  # a video's length


def _is_video(upload):
    head = upload.stream.read(16)
    upload.stream.seek(0)
    return video.looks_like_video(head)


def _prepare(upload):
    """An uploaded photo or video, checked by its content and drawn or encoded again."""
    config = current_app.config
    if _is_video(upload):
        found = video.prepare_video(upload.filename, upload.stream,
                                    config["POST_VIDEO_MAX_MB"] * 1024 * 1024,
                                    config["POST_VIDEO_SECONDS"])
        return _Checked(attachments.Photo(found.file, found.poster.thumb), found.seconds)
    max_bytes = config["ATTACHMENT_MAX_MB"] * 1024 * 1024
    return _Checked(attachments.prepare_photo(upload.filename, upload.read(max_bytes + 1),
                                              max_bytes, config["IMAGE_MAX_PIXELS"]), None)


def _refusal(refused):
    config = current_app.config
    if refused.reason == "length":
        return _nl("%(name)s is longer than %(num)d second.",
                   "%(name)s is longer than %(num)d seconds.", config["POST_VIDEO_SECONDS"],
                   name=refused.filename)
    if refused.reason == "size":
        is_video = refused.filename.lower().endswith((".mp4", ".mov", ".webm", ".m4v"))
        return _l("%(name)s is larger than %(max)d MB.", name=refused.filename,
                  max=config["POST_VIDEO_MAX_MB" if is_video else "ATTACHMENT_MAX_MB"])
    if refused.reason == "pixels":
        return _l("%(name)s has more than %(max)d megapixels.", name=refused.filename,
                  max=config["IMAGE_MAX_PIXELS"] // 1_000_000)
    if refused.reason == "resolution":
        return _l("%(name)s is a video larger than 4K.", name=refused.filename)
    return _l("%(name)s is not a photo (JPEG, PNG, HEIC) or a video (MP4, MOV, WebM).",
              name=refused.filename)


def _tag_errors(key, tags, none, asked, child_id):
    """Who is in a photo must be said, one way or the other."""
    if child_id is not None and any(c != child_id for c in asked):
        return {key: _l("Individual documentation shows only this child.")}
    if not tags and not none:
        return {key: _l("Tick every child who can be seen or heard, or confirm that no "
                        "child can be identified.")}
    if tags and none:
        return {key: _l("You ticked children and also that no child can be identified. "
                        "Choose one.")}
    return {}


def _refusals(missing, children):
    return [_l("%(child)s cannot be shown: consent for “%(use)s” is not given.",
               child=children[child], use=PHOTO_USES[use]) for child, use in missing]


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
    if post.group_id is not None:
        found = access.staff_group_children(user, post.group_id)
        children = [(r[0], f"{r[1]} {r[2]}") for r in found[2]] if found else []
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
    errors, refusals = {}, []
    if request.method == "POST":
        _check_text(form, errors)
        changes = {}
        for m in line.media:
            tags = [c for c in dict.fromkeys(form["tags"][m.id]) if c in known]
            if m.id not in form["remove"]:
                errors.update(_tag_errors(f"media_{m.id}", tags, m.id in form["none"],
                                          form["tags"][m.id], post.child_id))
            changes[m.id] = posts.MediaEdit(tags, m.id in form["none"],
                                            m.id in form["remove"])
        if not errors:
            try:
                removed = posts.edit(post, user, form["title"], form["body"],
                                     ["app"] + form["uses"], changes, ip=client_ip())
            except posts.MissingConsent as missing:
                refusals = _refusals(missing.args[0], known)
            else:
                attachments.remove(current_app.config["ATTACHMENT_DIR"], removed)
                flash(_l("Saved."), "success")
                return redirect(url_for("posts.show", post_id=post.id), 303)
    return render("posts/edit.html", status=400 if errors or refusals else 200, form=form,
                  errors=errors, refusals=refusals, children=children, post=line,
                  **translated(use_names=PHOTO_USES))


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
    attachments.remove(current_app.config["ATTACHMENT_DIR"], removed)
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
    lines, names = feed.about_child(user, child.id)
    directory = Path(current_app.config["ATTACHMENT_DIR"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive_file:
        index = []
        for post in lines:
            photos = []
            for line in post.media:
                mine = any(c == child.id for c, _ in line.tags)
                if not line.shown or (post.group is not None and not mine):
                    continue
                extension = "mp4" if line.video else "jpg"
                path = f"{post.published_at:%Y-%m-%d}-{post.id}-{line.id}.{extension}"
                archive_file.write(directory / names[line.id].stored_name, path)
                photos.append(path)
            index.append({"title": post.title, "text": post.body,
                          "published": post.published_at.isoformat() + "Z",
                          "by": post.author, "group": post.group, "photos": photos})
        archive_file.writestr("posts.json", json.dumps(index, ensure_ascii=False, indent=2))
    buffer.seek(0)
    audit.record("posts.archived", actor=user, obj=child, ip=client_ip(), posts=len(lines))
    return send_file(buffer, mimetype="application/zip", as_attachment=True,
                     download_name=f"kontaktbok-{child.first_name.lower()}.zip", max_age=0)
