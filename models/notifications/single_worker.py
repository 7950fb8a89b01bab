"""One notification worker per installation (README, "The queue"), held by a lock for
the worker process's life: on PostgreSQL an advisory lock of a connection of its own
(per database and schema, so several app hosts share it), on SQLite a file lock in the
instance folder (SQLite is one host). A worker that finds the lock taken refuses to
start; one that dies (killed, its host down) lets it go with its connection. Holding it
is what makes `sending.release_claims` safe: no other worker can be sending."""
import fcntl
import zlib
from pathlib import Path

import peewee

from models.db import database

_held = []  # what holds the lock: kept open for the life of the process


class AlreadyRunning(Exception):
    """Another worker holds the installation's lock."""


def _key(db):
    """The advisory lock's number: the same for every host of one database and schema."""
    name = f"kontaktbok-worker:{db.database}:{db.connect_params.get('options', '')}"
    return zlib.crc32(name.encode())


def hold(instance_path):
    """Take the installation's worker lock, or raise AlreadyRunning."""
    db = database.obj
    if isinstance(db, peewee.PostgresqlDatabase):
        import psycopg
        params = {k: v for k, v in db.connect_params.items()
                  if k in ("user", "password", "host", "port", "options")}
        connection = psycopg.connect(dbname=db.database, autocommit=True, **params)
        if not connection.execute("SELECT pg_try_advisory_lock(%s)",
                                  (_key(db),)).fetchone()[0]:
            connection.close()
            raise AlreadyRunning()
        _held.append(connection)
        return
    path = Path(instance_path) / "worker.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AlreadyRunning() from None
    _held.append(handle)


def release():
    """Let the lock go (a worker's orderly end, and the tests)."""
    while _held:
        _held.pop().close()
