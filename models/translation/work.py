"""The worker's part (the queue's `translate` task, models/notifications/queue.py): read
the original text of a pending row from its record, send each of its fields to the
server, store the translation — or that it failed, which the pages show as "unavailable"
and which is tried again a few minutes later (models/translation/tables.RETRY_AFTER).

The row exists only because a reader who may read the text asked for it
(models/translation/texts.py); the worker sends the text of that very record and nothing
else: no name, no id, no thread or child.
"""
import json

from models.consent.tables import ConsentVersion
from models.db import utcnow
from models.events.tables import Event
from models.messaging.tables import Message
from models.posts.tables import Post
from models.translation import client
from models.translation.tables import (DONE, FAILED, PENDING, Translation, item_fields,
                                       source_hash)


def original(row):
    """The fields of the row's text as stored now, or None when it is gone (or the
    message withdrawn). The language of a consent's text is the row's source language."""
    if row.message_id:
        found = Message.get_or_none((Message.id == row.message_id)
                                    & Message.withdrawn_at.is_null())
        return None if found is None else {"body": found.body}
    if row.post_id:
        found = Post.get_or_none(Post.id == row.post_id)
        return None if found is None else {"title": found.title, "body": found.body}
    if row.event_id:
        found = Event.get_or_none(Event.id == row.event_id)
        return None if found is None else {"title": found.title, "body": found.body,
                                           "bring": found.bring}
    if row.consent_version_id:
        found = ConsentVersion.get_or_none(ConsentVersion.id == row.consent_version_id)
        texts = json.loads(found.texts).get(row.source_language) if found else None
        return None if texts is None else item_fields(texts)
    return None


def translate_fields(settings, fields, source, target):
    """({name: translated}, the source language) of every field, one request each (an
    empty field is not sent). The language detected for the first text is the source of
    the next. Raises client.Unavailable."""
    done = {}
    for name, text in fields.items():
        if not text.strip():
            done[name] = text
            continue
        done[name], detected = client.translate(settings, text, source, target)
        source = source or detected
    return done, source


def run(translation_id, settings, now=None):
    """Fill in one pending translation: "done", "failed", or None when there was nothing
    to do (already done, or its text gone)."""
    row = Translation.get_or_none((Translation.id == translation_id)
                                  & (Translation.state == PENDING))
    if row is None:
        return None
    fields = original(row)
    if fields is None:
        Translation.delete().where(Translation.id == row.id).execute()
        return None
    state, values = FAILED, {}
    if settings is not None:
        try:
            done, source = translate_fields(settings, fields, row.source_language, row.target)
            state = DONE
            values = {"text": json.dumps(done, ensure_ascii=False),
                      "source_language": (source or "")[:5] or None}
        except client.Unavailable:
            pass
    # The text as it was sent: if it was edited meanwhile, the page asks again.
    (Translation.update(state=state, source_hash=source_hash(fields),
                        updated_at=now or utcnow(), **values)
     .where((Translation.id == row.id) & (Translation.state == PENDING)).execute())
    return state

