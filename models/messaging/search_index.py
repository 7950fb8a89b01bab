"""The message search index (issue 22): what search looks in, kept with the data.

One row per message: the words of its body, the names of its files and, for the message
that opened its thread, the thread's subject; its thread's scope words
(models/messaging/search_scope.py); its thread and when it was written, so that a search
needs the message table only for the lines it shows. A withdrawn message keeps no words
(only the subject, when it opened the thread); a deleted message takes its row with it.

- SQLite: an FTS5 table `message_search(subject, body, files, scope, thread_id
  UNINDEXED, created_at UNINDEXED)`, rowid = message id, holding the Snowball stems of
  every word under the Norwegian, Swedish and English stemmers (PyStemmer), so the
  reader's language does not matter: "syke" is indexed as "syk syke", and the query
  "syk" looks for "syk". A trigger deletes a message's row with the message (FTS5 has
  no foreign keys; foreign-key cascades fire it too).
- PostgreSQL: a table `message_search(message_id, thread_id, unit_id, created_at,
  document tsvector)` with a GIN index (without a pending list: a search would read it
  whole) and indexes on `thread_id` and `(unit_id, message_id)`; the document is made
  by the migrations' functions `kb_search_document(subject, files, body)`, from the
  norwegian, swedish and english dictionaries (subject weighted A, file names B, body
  D), and `kb_search_scope(unit, child, group, thread)`; the row goes with its message
  by a foreign key.

Made by migrations/0035_message_search.py, reshaped by 0040. Highlighting is done in
Python the same way for both (models/messaging/search.py), with the stems of this module.
"""
import functools
import re
import unicodedata

import peewee
import Stemmer

from models.db import database
from models.messaging import search_scope
from models.messaging.tables import Message, Thread

LANGUAGES = ("norwegian", "swedish", "english")
_WORD = re.compile(r"[^\W_]+")
MAX_QUERY_WORDS = 8
MAX_WORD = 60  # longer "words" are not words; they are cut, as in the index
CHUNK = 2000

_stemmers = {language: Stemmer.Stemmer(language) for language in LANGUAGES}


def is_postgres():
    return isinstance(database.obj, peewee.PostgresqlDatabase)


def tokens(text):
    """The words of a text with where they are: [(word lower-cased, start, end)]."""
    return [(m.group().lower()[:MAX_WORD], m.start(), m.end())
            for m in _WORD.finditer(text or "")]


@functools.lru_cache(maxsize=50_000)
def stems(word):
    """The stems of one lower-cased word under every stemmer, in a fixed order."""
    word = unicodedata.normalize("NFC", word)
    found = []
    for language in LANGUAGES:
        stem = _stemmers[language].stemWord(word)
        if stem and stem not in found:
            found.append(stem)
    return tuple(found)


def stemmed(text):
    """The text as the SQLite index holds it: every stem of every word, in order."""
    return " ".join(s for word, _, _ in tokens(text) for s in stems(word))


def query_words(text):
    """The distinct words of a search, at most MAX_QUERY_WORDS, in order."""
    seen = []
    for word, _, _ in tokens(text):
        if word not in seen:
            seen.append(word)
    return seen[:MAX_QUERY_WORDS]


def fts_query(words):
    """An FTS5 query: every word, each as any of its stems (quoted: no operator of the
    FTS5 language can come from what the user typed)."""
    return " AND ".join("(" + " OR ".join(f'"{s}"' for s in stems(word)) + ")"
                        for word in words)


# Writing -------------------------------------------------------------------------------

_SQLITE_INSERT = ("INSERT INTO message_search (rowid, subject, body, files, scope, "
                  "thread_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
_PG_INSERT = ("INSERT INTO message_search (message_id, thread_id, unit_id, created_at, "
              "document) VALUES (%s, %s, %s, %s, kb_search_document(%s, %s, %s) "
              "|| kb_search_scope(%s, %s, %s, %s))")


def _write(message_id, at, subject, body, files, thread):
    """One row; `thread`: (id, unit, child, group) of the message's thread; `at`: when
    the message was written, as the message table holds it."""
    thread_id, unit, child, group = thread
    if is_postgres():
        database.execute_sql(_PG_INSERT, (message_id, thread_id, unit, at, subject, files,
                                          body, unit, child, group, thread_id))
    else:
        database.execute_sql(_SQLITE_INSERT, (
            message_id, stemmed(subject), stemmed(body), stemmed(files),
            " ".join(search_scope.thread_words(unit, child, group, thread_id)), thread_id,
            at))


def _forget(message_ids):
    if not message_ids:
        return
    marks = ", ".join([database.obj.param] * len(message_ids))
    column = "message_id" if is_postgres() else "rowid"
    database.execute_sql(f"DELETE FROM message_search WHERE {column} IN ({marks})",
                         list(message_ids))


def _opens_thread(message):
    return not Message.select(Message.id).where(
        (Message.thread == message.thread_id) & (Message.id < message.id)).exists()


def add(message, thread, files=()):
    """Index a message just written in `thread` (a Thread or a ThreadView), in the
    caller's transaction: its body, its files' names, and the thread's subject when it
    opened the thread."""
    _write(message.id, Message.created_at.db_value(message.created_at),
           thread.subject if _opens_thread(message) else "", message.body,
           " ".join(f.filename for f in files),
           (thread.id, thread.unit_id, thread.child_id, thread.group_id))


def withdrawn(message):
    """A withdrawn message leaves its words; the thread's subject stays findable when
    it opened the thread."""
    _forget([message.id])
    if _opens_thread(message):
        subject, unit, child, group = (
            Thread.select(Thread.subject, Thread.unit, Thread.child, Thread.group)
            .where(Thread.id == message.thread_id).tuples().get())
        _write(message.id, Message.created_at.db_value(message.created_at), subject, "",
               "", (message.thread_id, unit, child, group))


def tidy():
    """After deleting many messages (the retention purge): on SQLite, merge the index's
    segments, so that no deleted message's words stay in them (FTS5 deletes by writing
    tombstones until the next merge); PostgreSQL's rows go with their messages and its
    autovacuum reclaims their space."""
    if not is_postgres():
        database.execute_sql("INSERT INTO message_search (message_search) VALUES ('optimize')")


def index_missing():
    """Index every message that has no row yet (the demo's, a bulk load's). Returns how
    many. The migration indexes an existing installation the same way."""
    if is_postgres():
        # In bulk through the GIN index's pending list, merged once at the end (the
        # index keeps none otherwise: migrations/0040); by ranges of message id, each a
        # plan of bounded size whatever the planner believes of the tables' sizes.
        low, high = database.execute_sql("SELECT min(id), max(id) FROM message").fetchone()
        if low is None:
            return 0
        database.execute_sql(f"ALTER INDEX {_PG_INDEX} SET (fastupdate = on)")
        done = 0
        for start in range(low, high + 1, _PG_RANGE):
            done += database.execute_sql(
                _PG_BACKFILL, {"start": start, "end": start + _PG_RANGE}).rowcount
        database.execute_sql(f"SELECT gin_clean_pending_list('{_PG_INDEX}'::regclass)")
        database.execute_sql(f"ALTER INDEX {_PG_INDEX} SET (fastupdate = off)")
        return done
    done, last = 0, 0
    while True:
        rows = database.execute_sql(_SQLITE_MISSING, (last, CHUNK)).fetchall()
        for message_id, subject, body, files, unit, child, group, thread, at in rows:
            _write(message_id, at, subject or "", body or "", files or "",
                   (thread, unit, child, group))
            last = message_id
        done += len(rows)
        if len(rows) < CHUNK:
            return done


_PG_INDEX = "message_search_document"

_SQLITE_MISSING = """
SELECT m.id,
       CASE WHEN m.id = (SELECT min(o.id) FROM message o WHERE o.thread_id = m.thread_id)
            THEN t.subject END,
       CASE WHEN m.withdrawn_at IS NULL THEN m.body END,
       CASE WHEN m.withdrawn_at IS NULL THEN
            (SELECT group_concat(a.filename, ' ') FROM attachment a WHERE a.message_id = m.id)
       END, t.unit_id, t.child_id, t.group_id, t.id, m.created_at
FROM message m JOIN thread t ON t.id = m.thread_id
WHERE m.id > ? AND NOT EXISTS (SELECT 1 FROM message_search s WHERE s.rowid = m.id)
ORDER BY m.id LIMIT ?"""

# A range's messages, each with the subject when no earlier message of its thread
# exists (one look in the thread's index entries), not joined to every thread's first
# message: once the planner took the message table for small (fresh statistics after a
# bulk load), it scanned that join again for each message, and 5 million messages
# never finished. The rows already indexed are looked at in the range only.
_PG_RANGE = 50_000
_PG_BACKFILL = """
INSERT INTO message_search (message_id, thread_id, unit_id, created_at, document)
SELECT m.id, m.thread_id, t.unit_id, m.created_at, kb_search_document(
       CASE WHEN NOT EXISTS (SELECT 1 FROM message o
                             WHERE o.thread_id = m.thread_id AND o.id < m.id)
            THEN t.subject ELSE '' END,
       CASE WHEN m.withdrawn_at IS NULL THEN coalesce(
            (SELECT string_agg(a.filename, ' ') FROM attachment a WHERE a.message_id = m.id),
            '') ELSE '' END,
       CASE WHEN m.withdrawn_at IS NULL THEN m.body ELSE '' END)
       || kb_search_scope(t.unit_id, t.child_id, t.group_id, t.id)
FROM message m JOIN thread t ON t.id = m.thread_id
WHERE m.id >= %(start)s AND m.id < %(end)s
  AND NOT EXISTS (SELECT 1 FROM message_search s WHERE s.message_id = m.id
                  AND s.message_id >= %(start)s AND s.message_id < %(end)s)"""


def holds(message_id):
    """Does the index hold a row for the message? (For tests and checks.)"""
    column = "message_id" if is_postgres() else "rowid"
    return bool(database.execute_sql(
        f"SELECT count(*) FROM message_search WHERE {column} = {database.obj.param}",
        (message_id,)).fetchone()[0])

