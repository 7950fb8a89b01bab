"""The photo consent as the posts need it (rules 4, 5 and 9 of DESIGN.md): each tagged
child's status per use, asked when a post is published or edited, on every read of the
feed and when staff put a photo back; and a revocation carried through: an answer that
refuses or withdraws the photo consent withdraws, in the same transaction, every
group-post photo that relied on it.

The posts read the consent area (models/consent/queries.py) and the consent area never
reads the posts, so a guardian's answer to a consent is recorded through `answer` here.
"""
from models import audit
from models.consent import consent_book, queries
from models.consent.tables import GIVEN, NO, PHOTO, WITHDRAWN
from models.db import database, today, utcnow
from models.posts.tables import MediaTag, Post, PostMedia
from models.school.tables import Child


def photo_consent(child_ids, day=None):
    """{child id: {use: status}} of the photo consent, in three queries. A child with
    no guardian and no answer is left out: no consent for any use."""
    if not child_ids:
        return {}
    day = day or today()
    children = Child.select(Child.id).where(Child.id.in_(list(child_ids)))
    return photo_consent_from(queries.consents_query(children, day),
                              queries.guardians_query(children),
                              queries.answers_query(children), day)


def photo_consent_from(consent_rows, guardian_rows, answer_rows, day=None):
    """The photo consent's status per child and use, from the consents, guardians and
    answers of the children (rows the caller fetched, or queries)."""
    day = day or today()
    photo = [c for c in queries.consents_for(None, day, "en", "en", consent_rows)
             if c.kind == PHOTO]
    guardians = queries.responsible_guardians(None, guardian_rows)
    rows = queries.answer_rows(None, answer_rows)
    if not photo:
        return {}
    consent = photo[0]
    children = set(guardians) | {key[0] for key in rows}
    return {child: {item.key: queries.item_status(
        consent, item, child, guardians.get(child, []), rows, day).status
        for item in consent.items} for child in children}


def missing_consent(child_ids, uses, day=None):
    """[(child id, use), …] of tagged children without consent for a use."""
    status = photo_consent(child_ids, day)
    return [(child, use) for child in child_ids for use in uses
            if status.get(child, {}).get(use) != GIVEN]


def answer(child_id, consent, item, guardian, value, day=None, ip=""):
    """A guardian's answer to a consent (consent_book.answer: returns the stored answer,
    or None when nothing changed). Revocation carries through, at once and in the same
    transaction: a "no" to an item of the photo consent, or a withdrawal, withdraws the
    photos that relied on it."""
    with database.atomic():
        row = consent_book.answer(child_id, consent, item, guardian, value, day=day, ip=ip)
        if row is not None and consent.kind == PHOTO and row.answer in (NO, WITHDRAWN):
            withdraw_for(child_id, item.key, by=guardian, ip=ip)
    return row


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
