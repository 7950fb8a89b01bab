"""A reader's request for a translation: the cached one when there is one for the text as
it is now, otherwise a row the worker fills in (models/translation/work.py), asked for
through the task queue once the request's transaction is committed. Nothing here calls
the server: a slow or stopped server never holds up a request.
"""
import json
import logging

import peewee
from flask import current_app

from models.db import database, utcnow
from models.notifications import notify
from models.translation.tables import (PENDING, READY, RECORDS, UNAVAILABLE, WAITING,
                                       Cached, Translation, source_hash, status_of)

log = logging.getLogger("kontaktbok.translation")


def _as_cached(row, now):
    status = status_of(row.state, row.updated_at, now)
    if status is None:
        return None
    return Cached(status, row.source_language,
                  json.loads(row.text) if status == READY and row.text else {})


def request(source, target, now=None, may_queue=None):
    """The translation of `source` (models/translation/texts.Source, a text the reader
    may read) into `target`, as a Cached: READY, WAITING or UNAVAILABLE. A text with no
    translation, an edited one, and one whose last try failed a while ago are queued —
    if `may_queue()` (the reader's share of the server: views/translation.py) agrees."""
    now = now or utcnow()
    column = RECORDS[source.kind]
    digest = source_hash(source.fields)
    row = Translation.get_or_none((column == source.record_id)
                                  & (Translation.target == target))
    if row is not None and row.source_hash == digest:
        found = _as_cached(row, now)
        if found is not None:
            return found
    if may_queue is not None and not may_queue():
        return Cached(UNAVAILABLE, source.language)
    fresh = {"source_hash": digest, "source_language": source.language, "text": "",
             "state": PENDING, "updated_at": now}
    with database.atomic():
        if row is None:
            try:
                with database.atomic():
                    queued = Translation.create(**{column.name: source.record_id},
                                                target=target, created_at=now, **fresh).id
            except peewee.IntegrityError:  # another request made the row first
                queued = None
        else:
            # Only one of two requests at once takes the stale row over.
            changed = (Translation.update(**fresh)
                       .where((Translation.id == row.id)
                              & (Translation.updated_at == row.updated_at)).execute())
            queued = row.id if changed else None
        if queued:
            enqueue(queued)
    return Cached(WAITING, source.language)


def enqueue(translation_id):
    """Ask the worker to translate (in tests, at once, after the request)."""
    app = current_app._get_current_object()

    def call():
        try:
            app.extensions["queue"].translate_task(translation_id)
        except Exception:  # the row stays pending; asked again once it is taken for lost
            log.exception("could not queue translation %s", translation_id)
    notify.database_after_commit(call)

