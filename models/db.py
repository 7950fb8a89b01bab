"""The database handle, the base model, and the connection per request."""
import datetime
from urllib.parse import parse_qsl, urlparse

import peewee
from playhouse.migrations import Runner

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


def today():
    """The local calendar day (the server runs in the municipality's time zone, TZ)."""
    return datetime.date.today()


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def open_database(url):
    """A peewee database for a URL: sqlite:///path or postgresql://user@host/name.

    A PostgreSQL URL may carry `?schema=name` to work inside one schema (the tests
    give every test its own).
    """
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else parsed.path
        return peewee.SqliteDatabase(path or ":memory:", pragmas=SQLITE_PRAGMAS)
    if parsed.scheme in ("postgres", "postgresql"):
        options = dict(parse_qsl(parsed.query))
        kwargs = {
            "user": parsed.username,
            "password": parsed.password,
            "host": parsed.hostname,
            "port": parsed.port or 5432,
        }
        schema = options.pop("schema", None)
        if schema:
            kwargs["options"] = f"-c search_path={schema}"
        kwargs.update(options)
        return peewee.PostgresqlDatabase(parsed.path.lstrip("/"),
                                         **{k: v for k, v in kwargs.items() if v is not None})
    raise ValueError(f"DATABASE_URL: unsupported database {parsed.scheme!r} "
                     "(use sqlite:///path or postgresql://user@host/name)")


def bind(db):
    database.initialize(db)


def migrate(directory):
    """Apply pending migrations in order; returns the names applied."""
    return Runner(database.obj, directory).up()


def init_app(app):
    @app.before_request
    def _connect():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not database.is_closed():
            database.close()
