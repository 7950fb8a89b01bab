"""The post form's checks and messages, the consent shown beside each child's name, and
the guardian's archive as a zip: the parts of views/posts.py that read no request."""
import io
import json
import shutil
import zipfile
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _nl

from models import storage
from models.consent.tables import GIVEN, REFUSED, WAITING
from models.messaging import attachments
from models.messaging.sensitive import concerns
from models.posts import video

from views.labels import PHOTO_USES

TITLE_MAX, BODY_MAX = 200, 5000
CONCERN_TEXT = {
    "national_id": _l("It looks like it contains a national identity number."),
    "health": _l("It looks like it mentions health details."),
}


def check_text(form, errors):
    if not form["title"]:
        errors["title"] = _l("Write a title.")
    elif len(form["title"]) > TITLE_MAX:
        errors["title"] = _l("The title can be at most %(max)d characters.", max=TITLE_MAX)
    if len(form["body"]) > BODY_MAX:
        errors["body"] = _l("The text can be at most %(max)d characters.", max=BODY_MAX)


def warnings_for(form):
    """The gentle warnings (rule 4): a post is read by every family of the group."""
    return [CONCERN_TEXT[c] for c in sorted(concerns(f"{form['title']}\n{form['body']}"))]


@dataclass
class Checked:
    """An upload checked by its content and drawn or encoded again."""
    photo: object          # .full (the picture or the video) and .thumb
    seconds: float | None  # a video's length


def prepare(upload):
    """An uploaded photo or video, checked by its content and drawn or encoded again;
    raises attachments.Refused."""
    config = current_app.config
    head = upload.stream.read(16)
    upload.stream.seek(0)
    if video.looks_like_video(head):
        found = video.prepare_video(upload.filename, upload.stream,
                                    config["POST_VIDEO_MAX_MB"] * 1024 * 1024,
                                    config["POST_VIDEO_SECONDS"])
        return Checked(attachments.Photo(found.file, found.poster.thumb), found.seconds)
    max_bytes = config["ATTACHMENT_MAX_MB"] * 1024 * 1024
    return Checked(attachments.prepare_photo(upload.filename, upload.read(max_bytes + 1),
                                             max_bytes, config["IMAGE_MAX_PIXELS"]), None)


def refusal(refused):
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


def too_many(most):
    return _nl("A post can have at most %(num)d photo or video.",
               "A post can have at most %(num)d photos or videos.", most)


STALE = _l("A photo or video attached earlier is no longer kept (attached photos are kept "
           "for a day). Choose it again.")


def tag_errors(key, tags, none, asked, child_id):
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


def refusals(missing, children, tags):
    """The error summary's lines for children without consent: {key: message} and {key:
    the id of the first checkbox that tags the child}, `tags` being {slot: [child]}."""
    found, ids = {}, {}
    for child, use in missing:
        key = f"consent_{child}_{use}"
        found[key] = _l("%(child)s cannot be shown: consent for “%(use)s” is not given.",
                        child=children[child], use=PHOTO_USES[use])
        slot = next((k for k, chosen in tags.items() if child in chosen), None)
        ids[key] = f"tag_{slot}_{child}" if slot is not None else "title"
    return found, ids


def consent_beside_names(status, child_ids, uses):
    """{child: "given" | "refused" | "waiting"} for the uses the post is marked for:
    refused if any use is refused, given if all are given (a child nobody answered for
    is waiting)."""
    shown = {}
    for child in child_ids:
        values = [status.get(child, {}).get(use, WAITING) for use in uses]
        shown[child] = (REFUSED if REFUSED in values
                        else GIVEN if all(v == GIVEN for v in values) else WAITING)
    return shown


# The archive ------------------------------------------------------------------------------

def archive_zip(child, lines, stored):
    """The zip of a guardian's archive: the photos and videos, posts.json for a machine
    and index.html for a person (it opens offline: nothing in it is fetched from
    elsewhere, its photos are beside it)."""
    files = storage.current()
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
                entry = zipfile.ZipInfo(path, post.published_at.timetuple()[:6])
                with (files.open(stored[line.id].stored_name) as source,
                      archive_file.open(entry, "w") as target):
                    shutil.copyfileobj(source, target, 1024 * 1024)
                photos.append(path)
            index.append({"title": post.title, "text": post.body,
                          "published": post.published_at.isoformat() + "Z",
                          "by": post.author, "group": post.group, "photos": photos})
        archive_file.writestr("posts.json", json.dumps(index, ensure_ascii=False, indent=2))
        archive_file.writestr("style.css", render_template("posts/archive.css"))
        archive_file.writestr("index.html", render_template(
            "posts/archive_index.html", child=child, posts=index,
            dates=[post.published_at for post in lines]))
    buffer.seek(0)
    return buffer
