"""Photos and videos of a post still being written (issue 17: a photo was silently lost
when the form came back with an error, a missing consent or the sensitive-information
warning, since a browser never keeps a chosen file).

An upload is checked and cleaned once (models/messaging/attachments.py,
models/posts/video.py), stored as a draft, and from then on the form carries a token
for it instead of the file. The token is random (192 bits) and only its SHA-256 is
stored, so the table cannot be used to forge a form; a token counts only for the
member of staff who uploaded it and only until it expires. Publishing takes the
drafts' files over as the post's (models/posts/posts.py); the rest is removed when it
expires, by `flask purge` and at the next upload of anyone.
"""
import datetime
import hashlib
import re
import secrets

from models.db import database, utcnow
from models.messaging import attachments
from models.posts.tables import DraftUpload

HOURS = 24        # long enough to finish a post the next morning
PER_USER = 40     # a member of staff's drafts kept at most; the oldest go first
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _hash(token):
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def keep(user, photo, seconds, storage, now=None):
    """Store a checked photo or video (`photo.full`, `photo.thumb`) as the user's draft.
    Returns the DraftUpload with its `token` (known only to this answer)."""
    now = now or utcnow()
    purge_expired(storage, now)
    stored = []
    try:
        stored.append(attachments.store(storage, photo.full))
        stored.append(attachments.store(storage, photo.thumb))
        token = secrets.token_urlsafe(24)
        full, thumb = photo.full, photo.thumb
        with database.atomic():
            draft = DraftUpload.create(
                token_hash=_hash(token), user=user, filename=full.filename[:200],
                stored_name=stored[0], thumb_name=stored[1], mimetype=full.mimetype,
                size=len(full.data), width=full.width, height=full.height,
                thumb_width=thumb.width, thumb_height=thumb.height, seconds=seconds,
                created_at=now, expires_at=now + datetime.timedelta(hours=HOURS))
    except BaseException:
        attachments.remove(storage, stored)
        raise
    _trim(user, storage)
    draft.token = token
    return draft


def _trim(user, storage):
    """Keep the user's newest PER_USER drafts: a form left open many times over must not
    fill the disk."""
    old = list(DraftUpload.select().where(DraftUpload.user == user)
               .order_by(DraftUpload.created_at.desc(), DraftUpload.id.desc())
               .offset(PER_USER))
    _delete(old, storage)


def found(user, tokens, now=None):
    """{token: DraftUpload} for those of `tokens` that name a live draft of the user's;
    a token that is malformed, expired, published, or someone else's is left out."""
    hashes = {_hash(t): t for t in tokens if isinstance(t, str) and _TOKEN.fullmatch(t)}
    if not hashes:
        return {}
    rows = DraftUpload.select().where(DraftUpload.token_hash.in_(list(hashes))
                                      & (DraftUpload.user == user)
                                      & (DraftUpload.expires_at > (now or utcnow())))
    found_rows = {}
    for row in rows:
        row.token = hashes[row.token_hash]
        found_rows[row.token] = row
    return found_rows


def discard(drafts, storage):
    """Remove drafts the writer took off the post (rows from `found`)."""
    _delete(drafts, storage)


def purge_expired(storage, now=None):
    """Remove every expired draft and its files; returns how many."""
    old = list(DraftUpload.select().where(DraftUpload.expires_at <= (now or utcnow())))
    _delete(old, storage)
    return len(old)


def _delete(drafts, storage):
    if not drafts:
        return
    DraftUpload.delete().where(DraftUpload.id.in_([d.id for d in drafts])).execute()
    attachments.remove(storage, [n for d in drafts for n in (d.stored_name, d.thumb_name)])
