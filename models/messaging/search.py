"""Message search (issue 22): the threads a user may read whose subject, messages or
file names hold the words looked for, best match first, one line per thread.

Rule 3 is in the very query: the hits are messages of threads `access.thread_condition`
allows the searcher, so nothing else is returned, ranked, counted or highlighted. The
index is models/messaging/search_index.py; the words are marked here, in Python, the same
way for SQLite and PostgreSQL: the text is cut into words, each word stemmed, and the
words whose stems meet the query's are marked. A sensitive thread shows neither its
subject nor a snippet.
"""
import datetime
from dataclasses import dataclass

from peewee import SQL, JOIN, Case, Table, fn

from models import access
from models.access.children import guardian_condition
from models.db import Prepared, today
from models.login import step_up
from models.messaging import search_index, search_scope
from models.messaging.search_index import query_words, stems, tokens
from models.messaging.tables import (GUARDIAN, STAFF, Attachment, Message, Thread,
                                     ThreadParticipant)
from models.school.tables import Child, Enrolment, Group, Unit, eighteenth_birthday_cutoff

PAGE_SIZE = 20
# A word in most messages of a school would cost its leader a ranking of tens of
# thousands: the newest MAX_HITS messages that match and may be read are ranked, and
# the count says "more than" (models the "newest first" a person expects anyway). At
# 500,000 messages a school has some 25,000 a year: 500 are a week or two of them; the
# search's time grows with this number (bench/messages.py: 1,000 took twice as long).
MAX_HITS = 500
SNIPPET = 160  # characters of a message shown around its first match
SENDERS = (GUARDIAN, STAFF)


@dataclass(frozen=True)
class Filters:
    """What narrows a search: a child, a group, who wrote the message (GUARDIAN or
    STAFF), unread threads only, threads with files, and the days the message was
    written (from, to: UTC datetimes, `to` exclusive)."""
    child: int | None = None
    group: int | None = None
    sender: str | None = None
    unread: bool = False
    files: bool = False
    after: datetime.datetime | None = None
    before: datetime.datetime | None = None


@dataclass(frozen=True)
class SearchLine:
    id: int
    kind: str
    sensitive: bool
    subject: tuple  # ((text, marked), …); empty for a sensitive thread
    snippet: tuple  # the same, around the first match; empty for a sensitive thread
    about: str  # the child's name, or the group of an announcement
    unit: str
    unread: bool
    at: datetime.datetime  # when the best-matching message was written


@dataclass(frozen=True)
class Results:
    lines: list
    total: int  # threads found in all (among the newest MAX_HITS matching messages)
    more: bool
    capped: bool = False  # more messages matched than MAX_HITS


_fts = Table("message_search", ("rowid", "subject", "body", "files", "scope", "thread_id",
                                 "created_at")).alias("message_search")
_tsv = Table("message_search", ("message_id", "thread_id", "unit_id", "created_at",
                                 "document")).alias("message_search")
_PG_WORDS = ("(plainto_tsquery('pg_catalog.norwegian', %s) "
             "|| plainto_tsquery('pg_catalog.swedish', %s) "
             "|| plainto_tsquery('pg_catalog.english', %s))")


def _matching(postgres, words, scope=None, unit=None):
    """(the index, its message id, the match condition, the score: higher is better).
    The index holds each message's thread and time, and the scope words narrow it to
    the searcher's units, children, groups and threads (models/messaging/search_scope.py)
    before rule 3 is checked on what is left. On PostgreSQL, someone whose only scope
    word is one unit's (a school leader) is narrowed by the index's unit column instead
    (`unit`): its index gives that school's messages newest first, where the words'
    index gives all the municipality's in no order, and a common word is in most."""
    if postgres:
        words_match = SQL(f'"message_search"."document" @@ {_PG_WORDS}', [words] * 3)
        return (_tsv, _tsv.message_id,
                ((_tsv.unit_id == unit) & words_match) if unit is not None else
                # A search of stop words alone ("i") has no lexemes: `&&` would leave
                # the scope alone, every message there. numnode() = 0: nothing.
                SQL(f'"message_search"."document" @@ ({_PG_WORDS} && %s::tsquery) '
                    f'AND numnode({_PG_WORDS}) > 0', [words] * 3 + [scope] + [words] * 3),
                SQL(f'ts_rank("message_search"."document", {_PG_WORDS})', [words] * 3))
    # Not bm25: its word frequencies come from the whole index, threads the searcher may
    # not read included, so their content would shape the order. The score is the
    # message's own: its matches (highlight() marks each with one character) in the
    # subject five times, in file names twice, in the body once.
    return (_fts, _fts.rowid,
            SQL('"message_search" MATCH '
                '(\'{subject body files} : (\' || ? || \') AND \' || ?)', [words, scope]),
            SQL(" + ".join(
                f"(length(highlight(\"message_search\", {column}, char(1), '')) "
                f"- length(\"message_search\".\"{name}\")) * {weight}"
                for column, name, weight in ((0, "subject", 5), (2, "files", 2),
                                             (1, "body", 1)))))


def _condition(user, day, adult_cutoff, filters, params, stepped_up, index):
    """Rule 3 and the filters, for the hits (`index`: the index's rows); the filters'
    values as parameters. Without a fresh strong login a sensitive thread is not
    searched at all: whether it matches a word would tell what it says. The scope words
    (and, for someone with no staff role, the threads they take part in) have already
    narrowed the hits to a superset of what the rule allows, so the rule's own
    candidates are left out."""
    condition = access.thread_condition(user, day, adult_cutoff, candidates=False)
    if not stepped_up:
        condition &= Thread.sensitive == False  # noqa: E712
    if filters.child is not None:
        condition &= Thread.child == params["child"]
    if filters.group is not None:
        in_group = fn.EXISTS(Enrolment.select(Enrolment.id).where(
            (Enrolment.child == Thread.child) & (Enrolment.group == params["group"])
            & Enrolment.active(day)))
        condition &= in_group | (Thread.group == params["group"])
    if filters.sender is not None:
        wrote = ThreadParticipant.alias("wrote")
        condition &= fn.EXISTS(wrote.select(wrote.id).where(
            (wrote.thread == Thread.id) & (wrote.user == Message.sender)
            & (wrote.role == filters.sender)))
    if filters.unread:
        mine = ThreadParticipant.alias("mine")
        condition &= fn.EXISTS(mine.select(mine.id).where(
            (mine.thread == Thread.id) & (mine.user == user)
            & (mine.last_read_at.is_null() | (mine.last_read_at < Thread.last_message_at))))
    if filters.files:
        sent = Message.alias("sent")
        condition &= fn.EXISTS(
            Attachment.select(Attachment.id).join(sent, on=(Attachment.message == sent.id))
            .where((sent.thread == Thread.id) & sent.withdrawn_at.is_null()))
    if filters.after is not None:
        condition &= index.created_at >= params["after"]
    if filters.before is not None:
        condition &= index.created_at < params["before"]
    return condition


def _search_query(postgres, staff, stepped_up, filters, user, day, adult_cutoff, words,
                  limit, offset, scope=None, unit=None, **params):
    index, message_id, match, score = _matching(postgres, words, scope, unit)
    # The newest MAX_HITS messages that match and may be read, read from the index in
    # its own order (the message id, newest first: it stops reading there), each with
    # its thread for the rule; the message table only for who wrote it, when asked.
    # Shallow nesting: SQLite's parser has a bounded stack, and the rule is deep. The
    # hits are materialized: highlight() works only in the query that reads the index.
    hits = index.select(index.thread_id.alias("tid"), message_id.alias("mid"),
                        score.alias("score"), index.created_at.alias("at"))
    condition = _condition(user, day, adult_cutoff, filters, params, stepped_up, index)
    if postgres:
        # Rule 3 is asked of each hit's thread in turn, newest first, until MAX_HITS: a
        # correlated EXISTS that OFFSET 0 keeps PostgreSQL from turning into a join.
        # As a join, it listed every thread a school leader may read (a scan of the
        # whole thread table) and compared each hit with all of them: 80 ms at 500,000
        # messages instead of 15. (SQLite's parser has no stack for one level more, and
        # its plan is this one anyway.)
        readable = fn.EXISTS(Thread.select(SQL("1")).where(
            (Thread.id == index.thread_id) & condition).offset(0))
    else:
        hits, readable = hits.join(Thread, on=(index.thread_id == Thread.id)), condition
    if filters.sender is not None:
        hits = hits.join(Message, on=(Message.id == message_id))
    hits = (hits.where(match & readable)
            .order_by(message_id.desc()).limit(MAX_HITS)
            .cte("hits", materialized=True))
    ranked = hits.select_from(
        hits.c.tid, hits.c.mid, hits.c.score, hits.c.at,
        fn.ROW_NUMBER().over(partition_by=[hits.c.tid],
                             order_by=[hits.c.score.desc(), hits.c.at.desc(),
                                       hits.c.mid.desc()]).alias("n"),
        fn.COUNT(SQL("*")).over().alias("hits")).cte("ranked")
    me = ThreadParticipant.alias("me")
    shown = Message.alias("shown")
    file = Attachment.alias("file")
    names = (fn.STRING_AGG(file.filename, " ") if postgres
             else fn.GROUP_CONCAT(file.filename, " "))
    files = file.select(names).where(file.message == shown.id)
    return (Thread.select(Thread.id, Thread.kind, Thread.sensitive, Thread.subject,
                          Thread.last_message_at, Child.first_name, Child.last_name,
                          Group.name, Unit.name, me.id, me.last_read_at,
                          Case(None, [(shown.withdrawn_at.is_null(), shown.body)], ""),
                          Case(None, [(shown.withdrawn_at.is_null(), files)], ""),
                          shown.created_at, ranked.c.hits, fn.COUNT(SQL("*")).over())
            .join(ranked, on=(ranked.c.tid == Thread.id))
            .join(shown, on=(shown.id == ranked.c.mid))
            .join_from(Thread, Unit, on=(Thread.unit == Unit.id))
            .join_from(Thread, Child, JOIN.LEFT_OUTER, on=(Thread.child == Child.id))
            .join_from(Thread, Group, JOIN.LEFT_OUTER, on=(Thread.group == Group.id))
            .join_from(Thread, me, JOIN.LEFT_OUTER,
                       on=((me.thread == Thread.id) & (me.user == user)))
            .where(ranked.c.n == 1)
            .order_by(ranked.c.score.desc(), ranked.c.at.desc(), Thread.id.desc())
            .limit(limit).offset(offset)
            .with_cte(hits, ranked)
            .tuples())


_PARAMS = {"user": int, "day": datetime.date, "adult_cutoff": datetime.date, "words": str,
           "limit": int, "offset": int}
_FILTER_PARAMS = {"child": int, "group": int, "after": datetime.datetime,
                  "before": datetime.datetime}
_variants = {}


def _prepared(postgres, staff, stepped_up, filters, by_unit):
    """One prepared query per database, combination of filters and way of narrowing
    (scope words, or one unit: `by_unit`) (their SQL differs); the values are
    parameters."""
    shape = Filters(child=0 if filters.child is not None else None,
                    group=0 if filters.group is not None else None,
                    sender=filters.sender, unread=filters.unread, files=filters.files,
                    after=filters.after and datetime.datetime.min,
                    before=filters.before and datetime.datetime.min)
    key = (postgres, staff, stepped_up, shape, by_unit)
    if key not in _variants:
        extra = {name: kind for name, kind in _FILTER_PARAMS.items()
                 if getattr(filters, name) is not None}
        extra.update({"unit": int} if by_unit else {"scope": str})

        def build(**params):
            return _search_query(postgres, staff, stepped_up, shape, **params)
        build.__name__ = "_search_query"
        _variants[key] = Prepared(build, plan_each_time=True, **_PARAMS, **extra)
    return _variants[key]


def query(user, text, filters=Filters(), page=0, staff=True, day=None):
    """(the prepared query, its parameters) of a search, or None when there is nothing
    to look for (no words, or nowhere the user may read). For search() and for
    bench/messages.py, which shows its plan."""
    words = query_words(text)
    day = day or today()
    # The index narrows to the searcher's scope first; rule 3 decides in the query.
    scope = search_scope.user_words(user, day) if words else None
    if not scope:
        return None
    postgres = search_index.is_postgres()
    params = {"user": user.id, "day": day, "adult_cutoff": eighteenth_birthday_cutoff(day),
              "words": " ".join(words) if postgres else search_index.fts_query(words),
              "limit": PAGE_SIZE + 1, "offset": page * PAGE_SIZE}
    unit = search_scope.only_unit(scope) if postgres else None
    if unit is not None:
        params["unit"] = unit
    else:
        params["scope"] = (search_scope.tsquery(scope) if postgres
                           else search_scope.fts_filter(scope))
    params.update({name: getattr(filters, name) for name in _FILTER_PARAMS
                   if getattr(filters, name) is not None})
    return (_prepared(postgres, staff, step_up.is_fresh(user), filters, unit is not None),
            params)


def search(user, text, filters=Filters(), page=0, staff=True, day=None):
    """The threads the user may read that match `text`, best first (newest first among
    equals), one page of PAGE_SIZE; Results(lines, total, more). No words: nothing."""
    found = query(user, text, filters, page, staff, day)
    if found is None:
        return Results([], 0, False)
    prepared, params = found
    rows = prepared(**params)
    wanted = {s for word in query_words(text) for s in stems(word)}
    lines = [_line(row, wanted) for row in rows[:PAGE_SIZE]]
    total = rows[0][-1] if rows else 0
    return Results(lines, total, len(rows) > PAGE_SIZE,
                   capped=bool(rows) and rows[0][-2] >= MAX_HITS)


@dataclass(frozen=True)
class ChildChoice:
    """A child the search may be narrowed to: the page lists them all (a school
    leader's whole school), so only what the list shows is read."""
    id: int
    first_name: str
    last_name: str


def _children_query(condition):
    return (Child.select(Child.id, Child.first_name, Child.last_name).where(condition)
            .order_by(Child.first_name, Child.last_name).tuples())


# access.staff_condition's rule (a member of one of the user's groups today), from the
# groups' enrolments: not every child of the municipality asked about each group; and a
# member of staff who is also a parent, their own children (wherever they go).
_staff_children = Prepared(
    lambda user, day, adult_cutoff: _children_query(Child.id.in_(
        Enrolment.select(Enrolment.child).where(
            Enrolment.active(day) & Enrolment.group.in_(access.staff_group_ids(user))))
        | guardian_condition(user, day, adult_cutoff)),
    user=int, day=datetime.date, adult_cutoff=datetime.date)
_own_children = Prepared(
    lambda user, day, adult_cutoff: _children_query(
        guardian_condition(user, day, adult_cutoff)),
    user=int, day=datetime.date, adult_cutoff=datetime.date)


def children(user, staff, day=None):
    """The children the search can be narrowed to, by first name: those a member of
    staff reaches and their own, or a guardian's own (the rule of
    access.children_to_write_about)."""
    day = day or today()
    cutoff = eighteenth_birthday_cutoff(day)
    rows = (_staff_children if staff else _own_children)(user=user.id, day=day,
                                                          adult_cutoff=cutoff)
    return [ChildChoice(*row) for row in rows]


def _line(row, wanted):
    (thread_id, kind, sensitive, subject, last_at, first, last, group_name, unit,
     takes_part, read_at, body, files, at, _, _) = row
    about = f"{first} {last}" if first else (group_name or "")
    unread = bool(takes_part) and (read_at is None or read_at < last_at)
    if sensitive:  # its content never in a search result
        return SearchLine(thread_id, kind, True, (), (), about, unit, unread, at)
    snippet = (_snippet(body or "", wanted) or _snippet(files or "", wanted)
               or _cut(body or "", 0, SNIPPET))
    return SearchLine(thread_id, kind, False, marked(subject, wanted), snippet, about,
                      unit, unread, at)


def _hits(text, wanted):
    return [(start, end) for word, start, end in tokens(text)
            if wanted.intersection(stems(word))]


def marked(text, wanted, hits=None):
    """The text as pieces ((text, is a match), …): the words whose stems are wanted."""
    hits = _hits(text, wanted) if hits is None else hits
    pieces, at = [], 0
    for start, end in hits:
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return tuple(pieces)


def _snippet(text, wanted):
    """About SNIPPET characters around the first match, as marked pieces; () when the
    text has no match."""
    hits = _hits(text, wanted)
    if not hits:
        return ()
    start = max(0, hits[0][0] - SNIPPET // 3)
    return _cut(text, start, start + SNIPPET, wanted)


def _cut(text, start, end, wanted=frozenset()):
    """The text from start to end, widened to whole words, with "…" where cut."""
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else 0
    if end < len(text):
        space = text.find(" ", end)
        end = space if space >= 0 else len(text)
    part = " ".join(text[start:end].split())
    pieces = marked(part, wanted) if wanted else ((part, False),) if part else ()
    return ((("…", False),) if start > 0 else ()) + pieces + (
        (("…", False),) if end < len(text) else ())
