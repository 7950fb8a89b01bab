"""Posts and photo documentation (seed 003; rules 4, 5 and 9 of DESIGN.md).

A post goes to a group, or to one child (individual documentation, seen only by that
child's guardians and staff with access). Its photos name the children who can be seen
in them, or are marked as showing nobody identifiable.

A photo in a group post is shown only while every child in it has consent for every
use the post is marked for (always the app; the website and print, social media, names
when staff mark them). Consent is checked when the post is published, again on every
read (a new consent version or a new school year lapses it), and a withdrawal of
consent withdraws the photos at once, in the same transaction as the answer. A
withdrawn photo stays withdrawn until staff put it back: giving consent again does not
silently republish.
"""
import datetime
from dataclasses import dataclass, field

import peewee
from peewee import JOIN

from models import access, audit
from models.consent.tables import GIVEN, PHOTO
from models.db import database, today, utcnow
from models.notifications import notify
from models.notifications.tables import POST
from models.posts.tables import USES, MediaTag, Post, PostMedia
from models.school.tables import UNPROTECTED, Child, Enrolment, Group, Unit, User


def uses_of(post):
    """The photo consent items a group post's photos need."""
    return ["app"] + [use for use, on in (("web", post.for_web), ("social", post.for_social),
                                          ("name", post.with_names)) if on]


def photo_consent(child_ids, day=None):
    """{child id: {use: status}} of the photo consent, in three queries. A child with
    no guardian and no answer is left out: no consent for any use."""
    from models.consent import consent_book
    if not child_ids:
        return {}
    day = day or today()
    children = Child.select(Child.id).where(Child.id.in_(list(child_ids)))
    return photo_consent_from(consent_book._consents_query(children, day),
                              consent_book._guardians_query(children),
                              consent_book._answers_query(children), day)


def photo_consent_from(consent_rows, guardian_rows, answer_rows, day=None):
    """The photo consent's status per child and use, from the consents, guardians and
    answers of the children (rows the caller fetched, or queries)."""
    from models.consent import consent_book
    day = day or today()
    photo = [c for c in consent_book.consents_for(None, day, "en", "en", consent_rows)
             if c.kind == PHOTO]
    guardians = consent_book.responsible_guardians(None, guardian_rows)
    rows = consent_book.answer_rows(None, answer_rows)
    if not photo:
        return {}
    consent = photo[0]
    children = set(guardians) | {key[0] for key in rows}
    return {child: {item.key: consent_book.item_status(
        consent, item, child, guardians.get(child, []), rows, day).status
        for item in consent.items} for child in children}


def missing_consent(child_ids, uses, day=None):
    """[(child id, use), …] of tagged children without consent for a use."""
    status = photo_consent(child_ids, day)
    return [(child, use) for child in child_ids for use in uses
            if status.get(child, {}).get(use) != GIVEN]


# Publishing -------------------------------------------------------------------------------

@dataclass
class Upload:
    """A checked photo or video with its tags, stored under `stored_name` /
    `thumb_name`. `photo.full` is the picture or the video, `photo.thumb` the feed's
    picture (a video's poster); `seconds` is a video's length."""
    photo: object
    tags: list
    none_identifiable: bool
    stored_name: str = ""
    thumb_name: str = ""
    seconds: float | None = None


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
        post = Post.create(unit=unit_id, group=group_id, child=child_id, title=title,
                           body=body, author=author, for_web=for_web, for_social=for_social,
                           with_names=with_names)
        for position, upload in enumerate(uploads):
            full, thumb = upload.photo.full, upload.photo.thumb
            media = PostMedia.create(post=post, position=position,
                                     stored_name=upload.stored_name,
                                     thumb_name=upload.thumb_name, mimetype=full.mimetype,
                                     size=len(full.data), width=full.width,
                                     height=full.height, thumb_width=thumb.width,
                                     thumb_height=thumb.height, seconds=upload.seconds,
                                     none_identifiable=upload.none_identifiable)
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
        recipients={user: child for user, child in access.guardian_pairs(children)
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


def withdraw_for(child_id, use, by=None, ip=""):
    """Consent for `use` no longer holds for the child: withdraw every group-post photo
    the child is tagged in that relied on it. Called inside the answer's transaction.
    Returns the number withdrawn."""
    relies = {"app": Post.id.is_null(False), "web": Post.for_web,
              "social": Post.for_social, "name": Post.with_names}[use]
    affected = (PostMedia.select(PostMedia.id).join(Post).switch(PostMedia).join(MediaTag)
                .where((MediaTag.child == child_id) & Post.group.is_null(False)
                       & PostMedia.withdrawn_at.is_null() & relies))
    ids = [m.id for m in affected]
    if ids:
        PostMedia.update(withdrawn_at=utcnow()).where(PostMedia.id.in_(ids)).execute()
        audit.record("media.withdrawn", actor=by, ip=ip, child=child_id, use=use,
                     media=ids)
    return len(ids)


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


# Reading ----------------------------------------------------------------------------------

@dataclass
class MediaLine:
    id: int
    width: int
    height: int
    thumb_width: int
    thumb_height: int
    none_identifiable: bool
    withdrawn: bool
    seconds: float | None = None                  # a video's length; None for a photo
    tags: list = field(default_factory=list)      # [(child id, name)] the viewer may name
    shown: bool = True
    others: int = 0     # children in it whose names the viewer may not see (rule 11)

    @property
    def video(self):
        return self.seconds is not None


@dataclass
class PostLine:
    id: int
    title: str
    body: str
    published_at: datetime.datetime
    author: str
    group: str | None
    child: str | None
    unit: str
    uses: list
    staff: bool                 # the viewer reads it as staff (sees withdrawn photos)
    edited_at: datetime.datetime | None = None
    media: list = field(default_factory=list)


PAGE_SIZE = 10


def _lines(rows):
    return [PostLine(pid, title, body, at, f"{af} {al}", group, f"{cf} {cl}" if cf else None,
                     unit, ["app"] + [u for u, on in (("web", web), ("social", social),
                                                     ("name", names)) if on], bool(staff),
                     edited)
            for (pid, title, body, at, af, al, group, cf, cl, unit, web, social, names,
                 edited, staff) in rows]


def feed_query(condition, staff_expression, fetch=PAGE_SIZE + 1, before=None, post_id=None):
    """Posts matching `condition` (the viewer's access rule), newest first, `fetch` of
    them (one more than a page, to know whether there is a next one)."""
    author = User.alias("author")
    query = (Post.select(Post.id, Post.title, Post.body, Post.published_at,
                         author.first_name, author.last_name, Group.name, Child.first_name,
                         Child.last_name, Unit.name, Post.for_web, Post.for_social,
                         Post.with_names, Post.edited_at, staff_expression)
             .join(author, on=(Post.author == author.id))
             .switch(Post).join(Group, JOIN.LEFT_OUTER, on=(Post.group == Group.id))
             .switch(Post).join(Child, JOIN.LEFT_OUTER, on=(Post.child == Child.id))
             .switch(Post).join(Unit, on=(Post.unit == Unit.id))
             .where(condition)
             .order_by(Post.published_at.desc(), Post.id.desc()).limit(fetch).tuples())
    if before is not None:  # the page after a post, in the same order
        ref = Post.alias("ref")
        at = ref.select(ref.published_at).where(ref.id == before)
        query = query.where((Post.published_at < at)
                            | ((Post.published_at == at) & (Post.id < before)))
    if post_id is not None:
        query = query.where(Post.id == post_id)
    return query


def feed(condition, staff_expression, before=None, limit=PAGE_SIZE, post_id=None, own=None):
    """The posts with their photos and who is in them, and whether each photo may be
    shown: see `finish`. `own`: the viewer's own children, as for `media_query`."""
    rows = list(feed_query(condition, staff_expression, limit + 1, before, post_id))
    ids = [row[0] for row in rows[:limit]]
    return finish(rows, limit, media_rows=media_query(ids, own))


def media_query(posts, own=None):
    """The photos of `posts` (ids, or a subquery of them) with who is in each, whether
    that child's address is protected and whether it is one of `own` (a subquery of the
    viewer's own children's ids; None: none of them)."""
    tagged = Child.alias("tagged")
    mine = tagged.id.in_(own) if own is not None else peewee.Value(False)
    return (PostMedia.select(PostMedia.id, PostMedia.post, PostMedia.width, PostMedia.height,
                             PostMedia.thumb_width, PostMedia.thumb_height,
                             PostMedia.none_identifiable, PostMedia.withdrawn_at,
                             PostMedia.seconds, tagged.id,
                             tagged.first_name, tagged.last_name,
                             tagged.address_protection, mine)
            .join(MediaTag, JOIN.LEFT_OUTER, on=(MediaTag.media == PostMedia.id))
            .join(tagged, JOIN.LEFT_OUTER, on=(MediaTag.child == tagged.id))
            .where(PostMedia.post.in_(posts))
            .order_by(PostMedia.post, PostMedia.position, tagged.first_name).tuples())


def tagged_in(posts):
    """The children in the photos of `posts` (a subquery of post ids)."""
    return (MediaTag.select(MediaTag.child).join(PostMedia)
            .where(PostMedia.post.in_(posts)))


def finish(rows, limit=PAGE_SIZE, media_rows=None, consent=None):
    """Post rows from `feed_query` with their photos, who is in each, and whether each
    may be shown. Four queries (photos with tags, the photo consent), unless the caller
    ran them already (`media_rows` from `media_query`, `consent`: {child: {use:
    status}}). Without `media_rows` nobody counts as the viewer's own child.

    Who is in a photo is named to staff of the post; to a family only its own children,
    and another child only when the post is marked for names, that child's name consent
    is given and its address is not protected (rule 11). The rest are counted, unnamed."""
    posts = _lines(rows)
    more = len(posts) > limit
    posts = posts[:limit]
    by_id = {p.id: p for p in posts}
    if not posts:
        return posts, more
    media, own, protected = {}, set(), set()
    for (mid, post, width, height, tw, th, none, withdrawn, seconds, child, first,
         last, protection, mine) in (media_query(list(by_id)) if media_rows is None
                                     else media_rows):
        if post not in by_id:
            continue  # the one post fetched beyond the page
        line = media.get(mid)
        if line is None:
            line = media[mid] = MediaLine(mid, width, height, tw, th, none,
                                          withdrawn is not None, seconds)
            by_id[post].media.append(line)
        if child:
            line.tags.append((child, f"{first} {last}"))
            if mine:
                own.add(child)
            if protection not in UNPROTECTED:
                protected.add(child)
    group_posts = [p for p in posts if p.group is not None]
    children = {c for p in group_posts for m in p.media for c, _ in m.tags}
    status = consent if consent is not None else (photo_consent(children) if children else {})
    for post in group_posts:
        for line in post.media:
            lapsed = any(status.get(c, {}).get(use) != GIVEN
                         for c, _ in line.tags for use in post.uses)
            line.shown = not line.withdrawn and not lapsed
    for post in posts:
        if post.staff:
            continue
        for line in post.media:
            named = [(c, name) for c, name in line.tags
                     if c in own or ("name" in post.uses and c not in protected
                                     and status.get(c, {}).get("name") == GIVEN)]
            line.others = len(line.tags) - len(named)
            line.tags = named
    return posts, more


def media_of(post_id, media_id):
    return (PostMedia.select().where((PostMedia.id == media_id)
                                     & (PostMedia.post == post_id)).first())


# Retention ---------------------------------------------------------------------------------

def due_for_purge(years, now=None):
    """Posts published more than `years` years ago (seed 003: 5 by default)."""
    now = now or utcnow()
    try:
        cutoff = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        cutoff = now.replace(year=now.year - years, day=28)
    return list(Post.select().where(Post.published_at < cutoff).order_by(Post.published_at))


def purge(posts, directory, remove):
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
        remove(directory, names)
        done.append((post.id, post.title, post.published_at, len(names)))
    return done
