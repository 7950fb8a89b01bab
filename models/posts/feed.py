"""The feed: the posts a viewer may read (the rule of models/access/posts.py), newest
first, a page at a time, with their photos, who is in each and whether each may be
shown under the photo consent (models/posts/photo_consent.py). A page costs a fixed
number of queries whatever the number of posts, photos and children in them.
"""
import datetime
from dataclasses import dataclass, field

import peewee
from peewee import JOIN

from models import access
from models.consent import queries
from models.consent.tables import GIVEN
from models.db import Prepared, today
from models.posts.photo_consent import photo_consent, photo_consent_from
from models.posts.tables import MediaTag, Post, PostMedia
from models.school.tables import (UNPROTECTED, Child, Group, Unit, User,
                                  eighteenth_birthday_cutoff)
from models.translation.offer import target_language
from models.translation.tables import cached, columns, joined


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
    language: str | None = None  # the writer's, when known
    translation: object = None  # its cached machine translation (models/translation/)


PAGE_SIZE = 10


def _lines(rows):
    return [PostLine(pid, title, body, at, f"{af} {al}", group, f"{cf} {cl}" if cf else None,
                     unit, ["app"] + [u for u, on in (("web", web), ("social", social),
                                                     ("name", names)) if on], bool(staff),
                     edited, language=language,
                     translation=cached(translation, {"title": title, "body": body}))
            for (pid, title, body, at, af, al, group, cf, cl, unit, web, social, names,
                 edited, staff, language, *translation) in rows]


def feed_query(condition, staff_expression, fetch=PAGE_SIZE + 1, before=None, post_id=None,
               target=""):
    """Posts matching `condition` (the viewer's access rule), newest first, `fetch` of
    them (one more than a page, to know whether there is a next one), each with its
    cached machine translation into `target` (the reader's language; "": none)."""
    author = User.alias("author")
    translation, on = joined("post", Post.id, target)
    query = (Post.select(Post.id, Post.title, Post.body, Post.published_at,
                         author.first_name, author.last_name, Group.name, Child.first_name,
                         Child.last_name, Unit.name, Post.for_web, Post.for_social,
                         Post.with_names, Post.edited_at, staff_expression, Post.language,
                         *columns(translation))
             .join(author, on=(Post.author == author.id))
             .switch(Post).join(Group, JOIN.LEFT_OUTER, on=(Post.group == Group.id))
             .switch(Post).join(Child, JOIN.LEFT_OUTER, on=(Post.child == Child.id))
             .switch(Post).join(Unit, on=(Post.unit == Unit.id))
             .join_from(Post, translation, JOIN.LEFT_OUTER, on=on)
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
    """The stored photo or video of the post, or None."""
    return (PostMedia.select().where((PostMedia.id == media_id)
                                     & (PostMedia.post == post_id)).first())


# A page of a viewer's feed -------------------------------------------------------------

def _page_query(user, day, adult_cutoff, fetch, target, before=None, post_id=None):
    condition, as_staff = access.post_condition(user, day, adult_cutoff)
    return feed_query(condition, as_staff.alias("staff"), fetch, before, post_id, target)


# The feed's rule is a large expression: each query of a page is built once per variant
# (first page, a later page, one post), never per request. The photos and their consent
# are asked for the page's posts as a fixed number of ids (unused ones are 0), so their
# SQL is fixed too.
_KINDS = {"user": int, "day": datetime.date, "adult_cutoff": datetime.date, "fetch": int,
          "target": str}
_pages = {"first": Prepared(_page_query, **_KINDS),
          "after": Prepared(_page_query, before=int, **_KINDS),
          "one": Prepared(_page_query, post_id=int, **_KINDS)}
_SLOTS = PAGE_SIZE + 1
_IDS = {f"p{n}": int for n in range(_SLOTS)}


def _ids(**ids):
    return [ids[f"p{n}"] for n in range(_SLOTS)]


_photos = Prepared(lambda user, day, adult_cutoff, **ids: media_query(
    _ids(**ids), access.guarded_child_ids(user, day, adult_cutoff)),
    user=int, day=datetime.date, adult_cutoff=datetime.date, **_IDS)
_consents = Prepared(lambda day, **ids: queries.consents_query(
    tagged_in(_ids(**ids)), day), day=datetime.date, **_IDS)
_guardians = Prepared(lambda **ids: queries.guardians_query(tagged_in(_ids(**ids))), **_IDS)
_answers = Prepared(lambda **ids: queries.answers_query(tagged_in(_ids(**ids))), **_IDS)


def page(user, before=None, post_id=None):
    """A page of the user's feed, the page after post `before`, or the one post
    `post_id` if the user may read it: ([PostLine, …], whether there is more). Five
    queries (one when there is nothing)."""
    day = today()
    params = {"user": user.id, "day": day,
              "adult_cutoff": eighteenth_birthday_cutoff(day), "fetch": _SLOTS,
              "target": target_language()}
    variant = "first"
    if post_id is not None:
        variant, params["post_id"] = "one", post_id
    elif before is not None:
        variant, params["before"] = "after", before
    rows = _pages[variant](**params)
    if not rows:
        return [], False
    ids = [row[0] for row in rows] + [0] * (_SLOTS - len(rows))
    slots = {f"p{n}": ids[n] for n in range(_SLOTS)}
    consent = photo_consent_from(_consents(day=day, **slots), _guardians(**slots),
                                 _answers(**slots), day)
    photos = _photos(user=params["user"], day=day, adult_cutoff=params["adult_cutoff"],
                     **slots)
    return finish(rows, media_rows=photos, consent=consent)


# Staff's and a guardian's own views ------------------------------------------------------

def not_shown(user):
    """For staff: [(PostLine, MediaLine), …] of the photos in group posts they read as
    staff that are withdrawn or no longer covered by consent, to edit."""
    condition, as_staff = access.post_condition(user)
    lines, _ = feed(condition & as_staff & Post.group.is_null(False),
                    as_staff.alias("staff"), limit=100)
    return [(p, m) for p in lines for m in p.media if not m.shown]


def about_child(user, child_id):
    """Everything posted about the child that its guardian `user` may read (rule 10):
    individual documentation, and group posts with the child in a photo. Returns
    ([PostLine, …], {media id: the stored PostMedia})."""
    tagged = (PostMedia.select(PostMedia.post).join(MediaTag)
              .where(MediaTag.child == child_id))
    day = today()
    cutoff = eighteenth_birthday_cutoff(day)
    condition, as_staff = access.post_condition(user, day, cutoff)
    lines, _ = feed(condition & ((Post.child == child_id) | Post.id.in_(tagged)),
                    as_staff.alias("staff"), limit=10_000,
                    own=access.guarded_child_ids(user, day, cutoff))
    stored = {m.id: m for m in PostMedia.select().where(
        PostMedia.post.in_([p.id for p in lines]))}
    return lines, stored
