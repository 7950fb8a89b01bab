"""Posts and photo documentation (seed 003; rules 4, 5 and 9 of DESIGN.md).

A post goes to a group, or to one child (individual documentation, seen only by that
child's guardians and staff with access). Its photos name the children who can be seen
in them, or are marked as showing nobody identifiable.

A photo in a group post is shown only while every child in it has consent for every
use the post is marked for (always the app; the website and print, social media, names
when staff mark them). Consent is checked when the post is published, again on every
read (a new consent version or a new school year lapses it), and a withdrawal of
consent withdraws the photos at once, in the same transaction as the answer
(models/posts/photo_consent.py). A withdrawn photo stays withdrawn until staff put it
back: giving consent again does not silently republish. The feed, what a viewer reads,
is models/posts/feed.py.
"""
from dataclasses import dataclass

from models import access, audit
from models.db import database, today, utcnow
from models.messaging import recipients
from models.notifications import notify
from models.notifications.tables import POST
from models.posts.photo_consent import missing_consent
from models.posts.tables import USES, DraftUpload, MediaTag, Post, PostMedia
from models.school.tables import Enrolment, Group
from models.translation.tables import Translation


def uses_of(post):
    """The photo consent items a group post's photos need."""
    return ["app"] + [use for use, on in (("web", post.for_web), ("social", post.for_social),
                                          ("name", post.with_names)) if on]


# Publishing -------------------------------------------------------------------------------

@dataclass
class Upload:
    """A checked photo or video with its tags, stored under `stored_name` /
    `thumb_name`. `photo.full` is the picture or the video, `photo.thumb` the feed's
    picture (a video's poster); `seconds` is a video's length. Or, from the post form,
    a `draft` (models/posts/drafts.py) whose files the post takes over."""
    photo: object
    tags: list
    none_identifiable: bool
    stored_name: str = ""
    thumb_name: str = ""
    seconds: float | None = None
    draft: object = None


def _media_fields(upload):
    """The PostMedia columns of an upload, from its draft or its checked files."""
    draft = upload.draft
    if draft is not None:
        return {"stored_name": draft.stored_name, "thumb_name": draft.thumb_name,
                "mimetype": draft.mimetype, "size": draft.size, "width": draft.width,
                "height": draft.height, "thumb_width": draft.thumb_width,
                "thumb_height": draft.thumb_height, "seconds": draft.seconds}
    full, thumb = upload.photo.full, upload.photo.thumb
    return {"stored_name": upload.stored_name, "thumb_name": upload.thumb_name,
            "mimetype": full.mimetype, "size": len(full.data), "width": full.width,
            "height": full.height, "thumb_width": thumb.width,
            "thumb_height": thumb.height, "seconds": upload.seconds}


class DraftGone(Exception):
    """A photo kept for the post being written is no longer there (published by a
    second send of the same form, or expired): nothing is published."""


class MissingConsent(Exception):
    """A tagged child lacks consent for a use of a group post: nothing is published."""


def publish(author, unit_id, title, body, uploads, group_id=None, child_id=None,
            for_web=False, for_social=False, with_names=False, ip=""):
    if group_id is not None:
        uses = ["app"] + [u for u, on in (("web", for_web), ("social", for_social),
                                          ("name", with_names)) if on]
        missing = missing_consent(sorted({c for u in uploads for c in u.tags}), uses)
        if missing:
            raise MissingConsent(missing)
    with database.atomic():
        # The drafts' files become the post's. Taken first: of two sends of the same
        # form (a double click), the second finds them gone and publishes nothing.
        drafts = [u.draft.id for u in uploads if u.draft is not None]
        if drafts and DraftUpload.delete().where(
                DraftUpload.id.in_(drafts)).execute() != len(drafts):
            raise DraftGone()
        post = Post.create(unit=unit_id, group=group_id, child=child_id, title=title,
                           body=body, author=author, for_web=for_web, for_social=for_social,
                           with_names=with_names)
        for position, upload in enumerate(uploads):
            media = PostMedia.create(post=post, position=position,
                                     none_identifiable=upload.none_identifiable,
                                     **_media_fields(upload))
            for child in upload.tags:
                MediaTag.create(media=media, child=child)
        tagged = sorted({c for u in uploads for c in u.tags})
        audit.record("post.published", actor=author, obj=post, ip=ip, group=group_id,
                     child=child_id, photos=len(uploads), tagged=tagged, children=tagged)
        _notify(post, author)
    return post


def _notify(post, author):
    """A new post for the child's group (or the child's own documentation): guardians
    who asked to hear about posts (off by default)."""
    if post.child_id:
        children = [post.child_id]
    else:
        query = (Enrolment.select(Enrolment.child).join(Group)
                 .where(Enrolment.active(today())))
        query = (query.where(Group.id == post.group_id) if post.group_id
                 else query.where(Group.unit == post.unit_id))
        children = [c for (c,) in query.distinct().tuples()]
    notify.publish(notify.Event(
        kind=POST, source=f"p{post.id}", path=f"/posts/{post.id}",
        unit_id=post.unit_id,
        recipients={user: child for user, child in recipients.guardian_pairs(children)
                    if user != author.id}))


@dataclass
class MediaEdit:
    """What staff chose for one photo or video of a post being edited."""
    tags: list
    none_identifiable: bool
    remove: bool = False


def edit(post, editor, title, body, uses, changes, ip=""):
    """Change a published post's title, text, uses and who is tagged in its photos,
    and remove photos (`changes`: {media id: MediaEdit}). For a group post, a child
    newly tagged needs consent for every use, and a use newly ticked needs consent
    from every child in the photos: otherwise nothing changes and MissingConsent
    lists who lacks it. Returns the stored names of the removed files (for the caller
    to delete once the change is committed)."""
    media = {m.id: m for m in PostMedia.select().where(PostMedia.post == post.id)}
    before = {m: {t.child_id for t in MediaTag.select().where(MediaTag.media == m)}
              for m in media}
    kept = {m: c for m, c in changes.items() if m in media and not c.remove}
    new_uses = [u for u in uses if u not in uses_of(post)]
    if post.group_id is not None:
        needed = set()
        for m, change in kept.items():
            needed |= {(c, u) for c in set(change.tags) - before[m] for u in uses}
            if media[m].withdrawn_at is None:
                needed |= {(c, u) for c in change.tags for u in new_uses}
        children = sorted({c for c, _ in needed})
        missing = [(c, u) for c, u in missing_consent(children, uses) if (c, u) in needed]
        if missing:
            raise MissingConsent(missing)
    removed = [m for m, c in changes.items() if m in media and c.remove]
    with database.atomic():
        Post.update(title=title, body=body, for_web="web" in uses,
                    for_social="social" in uses, with_names="name" in uses,
                    edited_at=utcnow()).where(Post.id == post.id).execute()
        # Translations of the old words go with them (an edit may take a name out).
        Translation.delete().where(Translation.post == post.id).execute()
        for m, change in kept.items():
            added, dropped = set(change.tags) - before[m], before[m] - set(change.tags)
            if dropped:
                MediaTag.delete().where((MediaTag.media == m)
                                        & MediaTag.child.in_(sorted(dropped))).execute()
            for child in sorted(added):
                MediaTag.create(media=m, child=child)
            PostMedia.update(none_identifiable=change.none_identifiable).where(
                PostMedia.id == m).execute()
            if added or dropped:
                audit.record("media.tagged", actor=editor, obj=media[m], ip=ip,
                             post=post.id, added=sorted(added), removed=sorted(dropped),
                             children=added | dropped | {post.child_id})
        if removed:
            MediaTag.delete().where(MediaTag.media.in_(removed)).execute()
            PostMedia.delete().where(PostMedia.id.in_(removed)).execute()
        changed = [name for name, old, new in (
            ("title", post.title, title), ("text", post.body, body),
            ("uses", uses_of(post), ["app"] + [u for u in USES[1:] if u in uses]))
            if old != new]
        audit.record("post.edited", actor=editor, obj=post, ip=ip, changed=changed,
                     removed=sorted(removed),
                     children=set().union(*before.values()) | {post.child_id})
    return [name for m in removed for name in (media[m].stored_name, media[m].thumb_name)]


def post_by_id(post_id):
    """The stored post, for editing once the feed's rule has shown it to the editor."""
    return Post.get_by_id(post_id)


def staff_unit_of(user, child_id):
    """The unit of a post about one child by a member of staff: that of a group of the
    child's that the member of staff works in."""
    return (Group.select(Group.unit).join(Enrolment)
            .where((Enrolment.child == child_id)
                   & Group.id.in_(access.staff_group_ids(user))).first()).unit_id


def republish(media, by, ip=""):
    """Staff put a withdrawn photo back, once every child in it has consent again."""
    post = Post.get_by_id(media.post_id)
    tags = [t.child_id for t in media.tags]
    if missing_consent(tags, uses_of(post)):
        return False
    with database.atomic():
        PostMedia.update(withdrawn_at=None).where(PostMedia.id == media.id).execute()
        audit.record("media.republished", actor=by, obj=media, ip=ip, children=tags)
    return True


def remove_media(media, by, ip=""):
    """Staff remove a photo or video from its post for good. Returns the stored names of
    its files (for the caller to delete once the change is committed)."""
    with database.atomic():
        tagged = [t.child_id for t in media.tags]
        MediaTag.delete().where(MediaTag.media == media.id).execute()
        PostMedia.delete().where(PostMedia.id == media.id).execute()
        audit.record("media.removed", actor=by, obj=media, ip=ip, post=media.post_id,
                     children=tagged)
    return [media.stored_name, media.thumb_name]


# Retention ---------------------------------------------------------------------------------

def due_for_purge(years, now=None):
    """Posts published more than `years` years ago (seed 003: 5 by default)."""
    now = now or utcnow()
    try:
        cutoff = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        cutoff = now.replace(year=now.year - years, day=28)
    return list(Post.select().where(Post.published_at < cutoff).order_by(Post.published_at))


def purge(posts, storage, remove):
    """Delete the posts and their files; returns [(post id, title, published, files)]."""
    done = []
    for post in posts:
        names = [n for m in post.media for n in (m.stored_name, m.thumb_name)]
        tagged = {t.child_id for m in post.media for t in m.tags} | {post.child_id}
        with database.atomic():
            media = PostMedia.select(PostMedia.id).where(PostMedia.post == post.id)
            MediaTag.delete().where(MediaTag.media.in_(media)).execute()
            PostMedia.delete().where(PostMedia.post == post.id).execute()
            Post.delete().where(Post.id == post.id).execute()
            audit.record("post.purged", obj=post, title=post.title,
                         published=post.published_at.isoformat(), files=len(names),
                         children=tagged)
        remove(storage, names)
        done.append((post.id, post.title, post.published_at, len(names)))
    return done
