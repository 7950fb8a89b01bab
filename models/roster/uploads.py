"""A roster file between its preview and its import: kept in the app's storage
(models/storage.py, which every host sees), encrypted with the data key, under a name
that starts with the app's clock at the upload, for an hour at most. The import page
clears stale ones as it goes; the daily purge clears one an administrator left."""
import secrets

from models.db import clock
from models.protect import open_bytes, seal_bytes

FOLDER = "imports/"
SECONDS = 3600  # how long a preview waits


def _name(token):
    return f"{FOLDER}{token}.upload"


def _now():
    return int(clock.now().timestamp())


def keep(storage, data):
    """Keep the uploaded file; returns its token (the time, then 16 random bytes)."""
    token = f"{_now()}-{secrets.token_urlsafe(16)}"
    storage.put(_name(token), seal_bytes(data))
    return token


def read(storage, token):
    """The file kept under `token`; FileNotFoundError when it is gone (remove_stale
    deletes it after its hour)."""
    return open_bytes(storage.read(_name(token)))


def forget(storage, token):
    storage.delete(_name(token))


def _stale(token, now):
    made = token.partition("-")[0]
    return not made.isdigit() or int(made) < now - SECONDS


def stale(storage):
    """The names of the files kept longer than SECONDS (or not named by the app)."""
    now = _now()
    return [name for name in storage.names(FOLDER)
            if _stale(name[len(FOLDER):], now)]


def remove_stale(storage):
    """Delete the stale files; returns how many."""
    names = stale(storage)
    for name in names:
        storage.delete(name)
    return len(names)
