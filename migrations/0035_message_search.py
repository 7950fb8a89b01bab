"""Message search (issue 22): the index, and every message already written put in it.

- SQLite: the FTS5 table `message_search(subject, body, files, scope)`, rowid =
  message id, holding the Snowball stems (PyStemmer: norwegian, swedish, english) of
  every word, and the thread's scope words (u<unit>, c<child> or a<unit>, g<group>); a
  trigger removes a message's row with the message.
- PostgreSQL: `message_search(message_id → message ON DELETE CASCADE, document tsvector)`
  with a GIN index, and the function `kb_search_document(subject, files, body)` that makes
  a document from the norwegian, swedish and english dictionaries (weights A, B, D).

One row per message: its body and file names (none when withdrawn), and the thread's
subject on the message that opened the thread. A frozen copy of how
models/messaging/search_index.py stems, so that this migration means the same later.
"""
import re
import unicodedata

from peewee import PostgresqlDatabase

LANGUAGES = ("norwegian", "swedish", "english")
WORD = re.compile(r"[^\W_]+")

PG_FUNCTION = """
CREATE FUNCTION kb_search_document(subject text, files text, body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('pg_catalog.norwegian', subject), 'A')
      || setweight(to_tsvector('pg_catalog.swedish', subject), 'A')
      || setweight(to_tsvector('pg_catalog.english', subject), 'A')
      || setweight(to_tsvector('pg_catalog.norwegian', files), 'B')
      || setweight(to_tsvector('pg_catalog.swedish', files), 'B')
      || setweight(to_tsvector('pg_catalog.english', files), 'B')
      || setweight(to_tsvector('pg_catalog.norwegian', body), 'D')
      || setweight(to_tsvector('pg_catalog.swedish', body), 'D')
      || setweight(to_tsvector('pg_catalog.english', body), 'D')
$$"""

PG_BACKFILL = """
INSERT INTO message_search (message_id, document)
SELECT m.id, kb_search_document(
       CASE WHEN m.id = f.first
            THEN t.subject ELSE '' END,
       CASE WHEN m.withdrawn_at IS NULL THEN coalesce(
            (SELECT string_agg(a.filename, ' ') FROM attachment a WHERE a.message_id = m.id),
            '') ELSE '' END,
       CASE WHEN m.withdrawn_at IS NULL THEN m.body ELSE '' END)
FROM message m JOIN thread t ON t.id = m.thread_id
JOIN (SELECT thread_id, min(id) AS first FROM message GROUP BY thread_id) f
  ON f.thread_id = m.thread_id"""

SQLITE_ROWS = """
SELECT m.id,
       CASE WHEN m.id = (SELECT min(o.id) FROM message o WHERE o.thread_id = m.thread_id)
            THEN t.subject END,
       CASE WHEN m.withdrawn_at IS NULL THEN m.body END,
       CASE WHEN m.withdrawn_at IS NULL THEN
            (SELECT group_concat(a.filename, ' ') FROM attachment a WHERE a.message_id = m.id)
       END, t.unit_id, t.child_id, t.group_id
FROM message m JOIN thread t ON t.id = m.thread_id
WHERE m.id > ? ORDER BY m.id LIMIT 2000"""


def _stemmed(stemmers, text):
    out = []
    for match in WORD.finditer(text or ""):
        word = unicodedata.normalize("NFC", match.group().lower()[:60])
        seen = []
        for language in LANGUAGES:
            stem = stemmers[language].stemWord(word)
            if stem and stem not in seen:
                seen.append(stem)
        out += seen
    return " ".join(out)


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(PG_FUNCTION)
        db.execute_sql("CREATE TABLE message_search ("
                       "message_id integer PRIMARY KEY REFERENCES message (id) "
                       "ON DELETE CASCADE, document tsvector NOT NULL)")
        db.execute_sql("CREATE INDEX message_search_document ON message_search "
                       "USING gin (document)")
        db.execute_sql(PG_BACKFILL)
        return
    import Stemmer
    stemmers = {language: Stemmer.Stemmer(language) for language in LANGUAGES}
    db.execute_sql("CREATE VIRTUAL TABLE message_search USING fts5("
                   "subject, body, files, scope, "
                   "tokenize = 'unicode61 remove_diacritics 0')")
    db.execute_sql("CREATE TRIGGER message_search_gone AFTER DELETE ON message BEGIN "
                   "DELETE FROM message_search WHERE rowid = old.id; END")
    last = 0
    while True:
        rows = db.execute_sql(SQLITE_ROWS, (last,)).fetchall()
        for message_id, subject, body, files, unit, child, group in rows:
            scope = [f"u{unit}", f"c{child}" if child else f"a{unit}"]
            scope += [f"g{group}"] if group else []
            db.execute_sql("INSERT INTO message_search (rowid, subject, body, files, scope) "
                           "VALUES (?, ?, ?, ?, ?)",
                           (message_id, _stemmed(stemmers, subject),
                            _stemmed(stemmers, body), _stemmed(stemmers, files),
                            " ".join(scope)))
            last = message_id
        if len(rows) < 2000:
            break


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP TABLE message_search")
        db.execute_sql("DROP FUNCTION kb_search_document(text, text, text)")
        return
    db.execute_sql("DROP TRIGGER message_search_gone")
    db.execute_sql("DROP TABLE message_search")
