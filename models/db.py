"""The database handle, the base model, and the connection per request."""
import datetime
import re
import time
from urllib.parse import parse_qsl, unquote, urlparse

import peewee
import psycopg
from playhouse.migrations import Runner
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
}


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class Clock:
    """The app's one clock: every reading of the time in models/ and views/ goes through
    it (utcnow, today, now_local below), so a test can set it to a chosen instant and
    move it on (tests/conftest.py, the `clock` fixture) and no test depends on the hour,
    the weekday or the date it happens to run at. Unset, it is the system clock."""

    def __init__(self):
        self._instant = None  # the instant it was set to (aware, UTC), or None
        self._since = None  # time.monotonic() when set, when it runs on from there

    def now(self):
        """The current instant, aware, in UTC."""
        if self._instant is None:
            return datetime.datetime.now(datetime.timezone.utc)
        if self._since is None:
            return self._instant
        return self._instant + datetime.timedelta(seconds=time.monotonic() - self._since)

    def set(self, instant, tick=True):
        """Show `instant` (aware) from now on: running on from it by default, so that
        what happens in a row keeps its order; standing still with tick=False."""
        if instant.tzinfo is None:
            raise ValueError("the clock is set to an aware datetime")
        self._instant = instant.astimezone(datetime.timezone.utc)
        self._since = time.monotonic() if tick else None

    def advance(self, delta=None, **parts):
        """Move on by a timedelta (or by days=…, hours=…, minutes=…, seconds=…)."""
        self.set(self.now() + (delta or datetime.timedelta(**parts)),
                 tick=self._instant is None or self._since is not None)

    def reset(self):
        """Back to the system clock."""
        self._instant = self._since = None


clock = Clock()


def utcnow():
    """Now in UTC, naive: how the tables store moments."""
    return clock.now().replace(tzinfo=None)


def now_local(zone=None):
    """Now in `zone`, or in the server's own time zone (TZ)."""
    return clock.now().astimezone(zone)


def today():
    """The local calendar day (the server runs in the municipality's time zone, TZ)."""
    return now_local().date()


def open_database(url):
    """A peewee database for a URL: sqlite:///path or postgresql://user@host/name.

    A PostgreSQL URL may carry `?schema=name` to work inside one schema (the tests
    give every test its own).
    """
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else parsed.path
        # The pool hands a connection to one thread at a time, so a connection made in
        # one request thread may safely serve the next request in another. Transactions
        # begin IMMEDIATE: one that read first and then writes would otherwise fail at
        # once with "database is locked" when another process wrote meanwhile (WAL
        # cannot upgrade a stale read), instead of waiting its turn (busy_timeout);
        # bench/morning.py found it with two threads checking children in.
        return PooledSqliteDatabase(path or ":memory:", pragmas=SQLITE_PRAGMAS,
                                    lock_type="IMMEDIATE",
                                    max_connections=16, stale_timeout=600, timeout=10,
                                    check_same_thread=False)
    if parsed.scheme in ("postgres", "postgresql"):
        options = dict(parse_qsl(parsed.query))
        kwargs = {
            "user": unquote(parsed.username) if parsed.username else None,
            "password": unquote(parsed.password) if parsed.password else None,
            "host": parsed.hostname,
            "port": parsed.port or 5432,
        }
        # No JIT: the rule 3 queries have many small subplans whose cost estimates are
        # high enough to trigger it, and compiling them takes a hundred times longer than
        # running them (measured by bench/messages.py: 175 ms of JIT for 2 ms of work).
        settings = ["-c jit=off"]
        # Plans: the prepared queries (Prepared, below) have the shape of the access
        # rules and are planned once, for any values: PostgreSQL's own choice, past their
        # fifth run, compared cost estimates and at 50,000 children planned the unread
        # poll and the inbox again on every call (2–5 ms each, bench/messages.py). Every
        # other query has its values written in by psycopg (ClientCursor) and is planned
        # for them, as a query without parameters always is.
        settings.append("-c plan_cache_mode=force_generic_plan")
        kwargs["cursor_factory"] = psycopg.ClientCursor
        schema = options.pop("schema", None)
        if schema:
            settings.append(f"-c search_path={schema}")
        kwargs["options"] = " ".join(settings)
        kwargs.update(options)
        # timeout: a burst beyond the pool waits for a free connection, not a 500.
        return PooledPostgresqlDatabase(parsed.path.lstrip("/"), max_connections=32,
                                        stale_timeout=600, timeout=10, prefer_psycopg3=True,
                                        **{k: v for k, v in kwargs.items() if v is not None})
    raise ValueError(f"DATABASE_URL: unsupported database {parsed.scheme!r} "
                     "(use sqlite:///path or postgresql://user@host/name)")


def execute_unprepared(sql, params):
    """Run `sql` planned for these `params`: on PostgreSQL with the values written in by
    psycopg (ClientCursor), never as a prepared statement (see Prepared). On SQLite, as
    any query."""
    db = database.obj
    if not _psycopg3(db):
        return db.execute_sql(sql, params)
    db._log_query(sql, params)  # counted like any other (playhouse.test_utils)
    with peewee.__exception_wrapper__:
        cursor = psycopg.ClientCursor(db.connection())
        cursor.execute(sql, params or ())
    return cursor


def _psycopg3(db):
    return isinstance(getattr(db, "_adapter", None), peewee.Psycopg3Adapter)


_PLACEHOLDER = re.compile(r"%(.)", re.DOTALL)


def native_placeholders(sql):
    """`sql` with PostgreSQL's own placeholders ($1, $2 …) for peewee's %s, and % for
    %%; None when it holds any other % sequence. psycopg turns %s into $n itself on
    every execution, and caches the result only for queries under 4 KB: the rule
    queries are longer, and finding their placeholders took a third of a millisecond
    each time (bench: the guardian's home, two such queries)."""
    count = 0

    def placeholder(match):
        nonlocal count
        if match.group(1) == "%":
            return "%"
        if match.group(1) != "s":
            raise ValueError(match.group(0))
        count += 1
        return f"${count}"
    try:
        return _PLACEHOLDER.sub(placeholder, sql)
    except ValueError:
        return None


def _execute_native(native, sql, params):
    """Run a query already in native placeholders (native_placeholders) on the
    connection, with its values bound on the server (psycopg's RawCursor passes the text
    on as it is), prepared there from its fifth run on a connection."""
    db = database.obj
    db._log_query(sql, params)  # counted like any other (playhouse.test_utils)
    with peewee.__exception_wrapper__:
        cursor = psycopg.RawCursor(db.connection())
        cursor.execute(native, params)
    return cursor


def bind(db):
    if database.obj is not None and database.obj is not db:
        database.close_all()
    database.initialize(db)


def close_all():
    """Close every pooled connection (at shutdown, and between tests)."""
    if database.obj is not None:
        if not database.is_closed():
            database.close()
        database.close_all()


def migrate(directory):
    """Apply pending migrations in order; returns the names applied."""
    return Runner(database.obj, directory).up()


def analyze():
    """Refresh the query planner's statistics. Without them SQLite picks poor join
    orders for the access-rule queries (the feed ran 1.1 ms instead of 0.06 ms on the
    demo data); `flask migrate` runs this after every upgrade and demo load."""
    database.execute_sql("ANALYZE")


# Answers that never read the database: served while it is down (the "try again" page
# needs its stylesheet), and without taking a pooled connection (on PostgreSQL a round
# trip to check it) for every stylesheet and script.
NO_DATABASE = frozenset({"static", "brand.theme", "brand.logo"})


def init_app(app):
    from flask import request

    @app.before_request
    def _connect():
        if request.endpoint not in NO_DATABASE:
            database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        # Back to the pool; a transaction left open by an error is rolled back.
        if not database.is_closed():
            if database.in_transaction():
                database.rollback()
            database.close()


def _looks_derived(value):
    if isinstance(value, datetime.date):
        return value.year <= 1001
    if isinstance(value, int) and not isinstance(value, bool):
        return value <= -980_000_000
    return isinstance(value, str) and "\x00marker" in value


def _returned_as_is(convert):
    """Whether a column's conversion would leave the driver's value unchanged: integers
    and text come back from SQLite and PostgreSQL as int and str already."""
    field = getattr(convert, "__self__", None)
    while isinstance(field, peewee.ForeignKeyField):
        field = field.rel_field
    return type(field) in (peewee.AutoField, peewee.IntegerField, peewee.BigIntegerField,
                           peewee.CharField, peewee.TextField)


class Prepared:
    """A query whose SQL is built once.

    peewee builds the SQL text from an expression tree on every execution; for the
    access-rule queries every page runs, that costs more than the database itself. The
    query is built once with marker values, the markers' positions among the parameters
    are remembered, and later calls only substitute real values. Rows come back as the
    query asks (models, joins included, or tuples); calling returns a list.

    On PostgreSQL the same SQL is also prepared on the server (psycopg 3 does it on a
    connection's fifth run of a query), so the rule queries are planned once, not on
    every page. A query whose best plan depends on its values (the message search: a
    word in a third of all messages or in three) says `plan_each_time`: PostgreSQL's
    generic plan for it took 64 ms instead of 11 for a rare word.
    """

    def __init__(self, build, plan_each_time=False, **kinds):
        self._build = build
        self._plan_each_time = plan_each_time
        self._kinds = kinds  # parameter name -> int, str, datetime.date or .datetime
        self._compiled = {}
        self._converters = {}  # for .tuples() queries: each column's python_value

    def _compile(self):
        markers = {}
        for n, (name, kind) in enumerate(self._kinds.items()):
            markers[name] = {int: -990_000_000 - n, str: f"\x00marker{n}\x00",
                             datetime.date: datetime.date(1000, 1, 1 + n),
                             datetime.datetime: datetime.datetime(1000, 1, 1, 0, 0, 1 + n)
                             }[kind]
        query = self._build(**markers)
        sql, params = query.sql()
        slots = []
        for param in params:
            name = next((k for k, m in markers.items() if param == m or param == str(m)),
                        None)
            if name is None and _looks_derived(param):
                # e.g. a date computed from the day marker: it would be frozen into
                # the SQL for good. Pass such a value in as a parameter of its own.
                raise ValueError(f"{self._build.__name__}: a value computed from a "
                                 f"parameter ({param!r}) cannot be prepared")
            slots.append((name, str if isinstance(param, str) else None, param))
        missing = set(markers) - {name for name, _, _ in slots}
        if missing:
            raise ValueError(f"{self._build.__name__}: parameters {sorted(missing)} "
                             "do not reach the SQL")
        return query, sql, slots

    def __call__(self, **values):
        kind = type(database.obj)
        if kind not in self._compiled:
            query, sql, slots = self._compile()
            native = native_placeholders(sql) if _psycopg3(database.obj) else None
            self._compiled[kind] = query, sql, slots, native
        query, sql, slots, native = self._compiled[kind]
        params = [(convert(values[name]) if convert else values[name]) if name else constant
                  for name, convert, constant in slots]
        if native is not None and not self._plan_each_time:
            cursor = _execute_native(native, sql, params)
        else:
            cursor = (execute_unprepared(sql, params) if self._plan_each_time
                      else database.execute_sql(sql, params))
        converters = self._converters.get(kind)
        if converters is None:
            wrapper = query._get_cursor_wrapper(cursor)
            rows = list(wrapper)
            if query._row_type == peewee.ROW.TUPLE and wrapper.initialized:
                # Columns and their conversions do not change between calls; skip
                # peewee's per-call column resolution from now on.
                self._converters[kind] = [
                    (i, convert) for i, convert in
                    enumerate(getattr(wrapper, "converters", None) or [])
                    if convert is not None and not _returned_as_is(convert)]
            return rows
        rows = cursor.fetchall()
        if not converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for i, convert in converters:
                if row[i] is not None:
                    row[i] = convert(row[i])
            converted.append(tuple(row))
        return converted
