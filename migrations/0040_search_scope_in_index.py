"""Message search at municipal scale (issue 22): each index row carries its thread and
its message's time, and the thread's scope words include the thread itself; on
PostgreSQL the scope words are in the document too, so a search looks only at the rows
of the searcher's units, children, groups and threads, newest first, with no join to
`message` over all the matches.

- SQLite: `message_search(subject, body, files, scope, thread_id UNINDEXED,
  created_at UNINDEXED)`, rebuilt; the scope words are u<unit>, c<child> or a<unit>,
  g<group> when the thread has one, and t<thread>.
- PostgreSQL: `message_search` gains `thread_id`, `unit_id` and `created_at`;
  `kb_search_scope(unit, child, group, thread)` makes the same scope words as lexemes
  ('@u1', …: a lexeme beginning with "@" never comes out of the text parser), added to
  every document; the GIN index is made again from the whole table, without a pending
  list; indexes on `thread_id` (a guardian's threads) and on `(unit_id, message_id)` (a
  school's messages, newest first).

A frozen copy of how models/messaging/search_index.py and search_scope.py wrote the
index when this was written, so that this migration means the same later.
"""
import re
import unicodedata

from peewee import PostgresqlDatabase

LANGUAGES = ("norwegian", "swedish", "english")
WORD = re.compile(r"[^\W_]+")

PG_SCOPE = """
CREATE FUNCTION kb_search_scope(unit integer, child integer, grp integer, thread integer)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_tsvector(array_remove(ARRAY[
      '@u' || unit,
      CASE WHEN child IS NULL THEN '@a' || unit ELSE '@c' || child END,
      '@g' || grp,
      '@t' || thread], NULL))
$$"""

PG_FILL = """
INSERT INTO message_search (message_id, thread_id, unit_id, created_at, document)
SELECT m.id, m.thread_id, t.unit_id, m.created_at, kb_search_document(
       CASE WHEN m.id = f.first THEN t.subject ELSE '' END,
       CASE WHEN m.withdrawn_at IS NULL THEN coalesce(
            (SELECT string_agg(a.filename, ' ') FROM attachment a WHERE a.message_id = m.id),
            '') ELSE '' END,
       CASE WHEN m.withdrawn_at IS NULL THEN m.body ELSE '' END)
       || kb_search_scope(t.unit_id, t.child_id, t.group_id, t.id)
FROM message m JOIN thread t ON t.id = m.thread_id
JOIN (SELECT thread_id, min(id) AS first FROM message GROUP BY thread_id) f
  ON f.thread_id = m.thread_id"""

PG_FILL_0035 = """
INSERT INTO message_search (message_id, document)
SELECT m.id, kb_search_document(
       CASE WHEN m.id = f.first THEN t.subject ELSE '' END,
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
       END, t.unit_id, t.child_id, t.group_id, t.id, m.created_at
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


def _sqlite_fill(db, with_thread):
    import Stemmer
    stemmers = {language: Stemmer.Stemmer(language) for language in LANGUAGES}
    last = 0
    while True:
        rows = db.execute_sql(SQLITE_ROWS, (last,)).fetchall()
        for message_id, subject, body, files, unit, child, group, thread, at in rows:
            scope = [f"u{unit}", f"c{child}" if child else f"a{unit}"]
            scope += [f"g{group}"] if group else []
            values = [message_id, _stemmed(stemmers, subject), _stemmed(stemmers, body),
                      _stemmed(stemmers, files)]
            if with_thread:
                values += [" ".join(scope + [f"t{thread}"]), thread, at]
                db.execute_sql("INSERT INTO message_search (rowid, subject, body, files, "
                               "scope, thread_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               values)
            else:
                db.execute_sql("INSERT INTO message_search (rowid, subject, body, files, "
                               "scope) VALUES (?, ?, ?, ?, ?)", values + [" ".join(scope)])
            last = message_id
        if len(rows) < 2000:
            break


def _sqlite_table(db, columns, with_thread):
    db.execute_sql("DROP TRIGGER message_search_gone")
    db.execute_sql("DROP TABLE message_search")
    db.execute_sql(f"CREATE VIRTUAL TABLE message_search USING fts5({columns}, "
                   "tokenize = 'unicode61 remove_diacritics 0')")
    db.execute_sql("CREATE TRIGGER message_search_gone AFTER DELETE ON message BEGIN "
                   "DELETE FROM message_search WHERE rowid = old.id; END")
    _sqlite_fill(db, with_thread)


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(PG_SCOPE)
        # Rebuilt whole: quicker than updating every row, and the GIN index is made
        # once from the full table.
        db.execute_sql("DROP INDEX message_search_document")
        db.execute_sql("TRUNCATE message_search")
        db.execute_sql("ALTER TABLE message_search "
                       "ADD COLUMN thread_id integer NOT NULL, "
                       "ADD COLUMN unit_id integer NOT NULL, "
                       "ADD COLUMN created_at timestamp NOT NULL")
        db.execute_sql(PG_FILL)
        # Without the pending list: every search would read it whole, and it holds up to
        # 4 MB of the newest messages until autovacuum comes (a search of a rare word
        # took 50 ms instead of 1). A message's few lexemes go straight into the index.
        db.execute_sql("CREATE INDEX message_search_document ON message_search "
                       "USING gin (document) WITH (fastupdate = off)")
        # Quicker ways in than the words: a guardian's few threads; the newest messages
        # of a school, for its leader's search of a word in most of them.
        db.execute_sql("CREATE INDEX message_search_thread ON message_search (thread_id)")
        db.execute_sql("CREATE INDEX message_search_unit ON message_search "
                       "(unit_id, message_id)")
        return
    _sqlite_table(db, "subject, body, files, scope, thread_id UNINDEXED, "
                      "created_at UNINDEXED", True)


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP INDEX message_search_document")
        db.execute_sql("DROP INDEX message_search_thread")
        db.execute_sql("DROP INDEX message_search_unit")
        db.execute_sql("TRUNCATE message_search")
        db.execute_sql("ALTER TABLE message_search DROP COLUMN thread_id, "
                       "DROP COLUMN unit_id, DROP COLUMN created_at")
        db.execute_sql(PG_FILL_0035)
        db.execute_sql("CREATE INDEX message_search_document ON message_search "
                       "USING gin (document)")
        db.execute_sql("DROP FUNCTION kb_search_scope(integer, integer, integer, integer)")
        return
    _sqlite_table(db, "subject, body, files, scope", False)
