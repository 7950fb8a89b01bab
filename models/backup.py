"""Backup and restore of a whole installation: the database and every stored file, in
one tar file (`flask backup`, `flask restore`; README, "Backups").

The backup holds a manifest (the database's kind, the migrations applied, each table's
row count, each file's SHA-256), the database (PostgreSQL's own dump in its custom
format, made by `pg_dump`; SQLite through its online backup API, so a running app may
keep writing) and the files. The database is taken first and the files after: a file
is stored before its record is written, so every record in the dump finds its file.

A restore goes only into an empty database and an empty file store, checks every
file's checksum before it writes anything, and then applies any migration newer than
the backup. The keys (SECRET_KEY, DATA_KEY) are not in a backup: the restored
installation needs the same DATA_KEY to read what was encrypted with it.
"""
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlparse, urlunparse

from models import db as dbmod

FORMAT = 1
MANIFEST, PG_DUMP, SQLITE_COPY, FILES = "manifest.json", "database.dump", "database.sqlite", "files"


class BackupError(Exception):
    """A backup that cannot be made or restored, with what to do about it."""


def _kind(url):
    return "postgresql" if urlparse(url).scheme in ("postgres", "postgresql") else "sqlite"


def _libpq(url):
    """(a URL libpq understands, the schema or None): our `?schema=` is not libpq's."""
    parsed = urlparse(url)
    options = dict(parse_qsl(parsed.query))
    schema = options.pop("schema", None)
    return urlunparse(parsed._replace(query=urlencode(options))), schema


def _tables(url):
    schema = (_libpq(url)[1] or "public") if _kind(url) == "postgresql" else None
    return sorted(t for t in dbmod.database.get_tables(schema=schema)
                  if not t.startswith("sqlite_"))  # SQLite's own (ANALYZE's statistics)


def _row_counts(url):
    db = dbmod.database
    return {table: db.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            for table in _tables(url)}


def _sha256(path):
    with open(path, "rb") as fh:
        return _sha256_of(fh)


def _sha256_of(fh):
    digest = hashlib.sha256()
    for block in iter(lambda: fh.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def _pg(url):
    """(a libpq URL without its password, the environment that gives the password, the
    schema or None). A password on a command line is readable by every user of the
    host (ps, /proc/…/cmdline) for as long as the dump runs."""
    libpq, schema = _libpq(url)
    parsed = urlparse(libpq)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = unquote(parsed.password)
        host = parsed.hostname or ""
        user = f"{parsed.username}@" if parsed.username else ""
        port = f":{parsed.port}" if parsed.port else ""
        libpq = urlunparse(parsed._replace(netloc=f"{user}{host}{port}"))
    return libpq, env, schema


def _run(command, what, env, secret=None):
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:  # its message, never the command or a password
        message = done.stderr.strip()[-500:]
        if secret:
            message = message.replace(secret, "…")
        raise BackupError(f"{what} failed: {message}")


def backup(target, url, storage, now=None):
    """Write the backup of the installation (its database at `url`, bound, and its files
    in `storage`: models/storage.py, a folder or an object store) to the tar file
    `target`; returns the manifest."""
    kind = _kind(url)
    with tempfile.TemporaryDirectory(dir=Path(target).parent) as tmp:
        dump = Path(tmp) / (PG_DUMP if kind == "postgresql" else SQLITE_COPY)
        if kind == "postgresql":
            counts, migrations = _pg_dump(url, dump)
        else:
            counts, migrations = _sqlite_copy(dump)
        partial = Path(tmp) / "backup.tar"
        digests = {}
        # Only its owner may read it: it holds every child's data (umask may say 022).
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
                       "wb") as out, tarfile.open(fileobj=out, mode="w") as tar:
            tar.add(dump, arcname=dump.name)
            for name in storage.names(""):
                try:
                    fh = storage.open(name)
                except FileNotFoundError:
                    continue  # deleted since the listing (an expired kept file)
                with fh:
                    info = tarfile.TarInfo(f"{FILES}/{name}")
                    info.size, info.mtime = fh.size, 0
                    hashing = _Hashing(fh)
                    tar.addfile(info, hashing)
                digests[name] = hashing.digest.hexdigest()
            manifest = {"format": FORMAT, "database": kind,
                        "made_at": (now or dbmod.utcnow()).isoformat(timespec="seconds"),
                        "migrations": migrations, "rows": counts,
                        "database_sha256": _sha256(dump), "files": digests}
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
        os.replace(partial, target)
    return manifest


def _counted(cursor, tables):
    return {table: cursor.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            for table in tables}


def _pg_dump(url, dump):
    """pg_dump of the database, and its row counts and migrations read in the very
    snapshot the dump is made from (the app may write meanwhile)."""
    import psycopg
    libpq, env, schema = _pg(url)
    with dbmod.database.connection_context():
        tables = _tables(url)
    with psycopg.connect(libpq, password=env.get("PGPASSWORD")) as connection:
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        prefix = f'"{schema}".' if schema else ""
        counts = {table: connection.execute(
            f'SELECT COUNT(*) FROM {prefix}"{table}"').fetchone()[0] for table in tables}
        migrations = [m for (m,) in connection.execute(
            f'SELECT name FROM {prefix}"schema_migration" ORDER BY name').fetchall()]
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--snapshot={snapshot}", *([f"--schema={schema}"] if schema else []),
              f"--file={dump}", f"--dbname={libpq}"], "pg_dump", env,
             env.get("PGPASSWORD"))
        connection.rollback()
    return counts, migrations


def _sqlite_copy(dump):
    """SQLite's online backup into `dump`, and the row counts and migrations of the copy."""
    with dbmod.database.connection_context():
        with sqlite3.connect(dump) as copy:
            dbmod.database.connection().backup(copy)
        copy.close()
    copy = sqlite3.connect(dump)
    try:
        tables = [t for (t,) in copy.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        counts = _counted(copy, [t for t in tables if not t.startswith("sqlite_")])
        migrations = [m for (m,) in copy.execute(
            "SELECT name FROM schema_migration ORDER BY name")]
    finally:
        copy.close()
    return counts, migrations


class _Hashing:
    """A stored file read into the tar, its SHA-256 taken on the way (one read)."""

    def __init__(self, fh):
        self.fh = fh
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.fh.read(size)
        self.digest.update(data)
        return data


def _read_manifest(tar):
    try:
        member = tar.getmember(MANIFEST)
        manifest = json.loads(tar.extractfile(member).read())
    except (KeyError, ValueError, AttributeError):
        raise BackupError("this is not a Kontaktbok backup (no manifest)") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT}")
    return manifest


def _extract_checked(tar, manifest, into):
    """Every member the manifest names, into `into`, each checked against its SHA-256;
    anything else in the archive is ignored, and no name may leave `into`."""
    expected = {(PG_DUMP if manifest["database"] == "postgresql" else SQLITE_COPY):
                manifest["database_sha256"]}
    expected.update({f"{FILES}/{name}": digest for name, digest in manifest["files"].items()})
    for name, digest in expected.items():
        try:
            member = tar.getmember(name)
        except KeyError:
            raise BackupError(f"the backup lacks {name}") from None
        if not member.isfile():
            raise BackupError(f"{name} in the backup is not a file")
        tar.extract(member, into, filter="data")  # refuses ../, links and devices
        if _sha256(Path(into) / name) != digest:
            raise BackupError(f"{name} in the backup is damaged (its checksum differs)")


def _pg_restore(url, dump, tmp):
    """pg_restore into the database at `url`. When the schema already exists there
    (public always does), the dump's CREATE SCHEMA for it is left out."""
    libpq, env, schema = _pg(url)
    schema = schema or "public"
    with dbmod.database.connection_context():
        exists = dbmod.database.execute_sql(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
            (schema,)).fetchone()
    dbmod.close_all()
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True,
                             text=True, env=env)
    if listing.returncode != 0:
        raise BackupError(f"pg_restore --list failed: {listing.stderr.strip()[-500:]}")
    entries = [line for line in listing.stdout.splitlines()
               if not (exists and (f" SCHEMA - {schema} " in f"{line} "
                                   or f" COMMENT - SCHEMA {schema} " in f"{line} "))]
    chosen = Path(tmp) / "restore.list"
    chosen.write_text("\n".join(entries) + "\n")
    _run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--use-list={chosen}", f"--dbname={libpq}", str(dump)],
         "pg_restore", env, env.get("PGPASSWORD"))


def restore(source, url, storage):
    """Restore the backup `source` into this installation's empty database at `url`
    (bound) and file store `storage`; returns (the manifest, the tables whose row count
    differs from the backup's: none, unless the backup was changed by hand).

    Raises BackupError when the backup is damaged, of the other kind of database, or the
    target is in use, having written nothing. The files go first, the database last in
    one transaction: a restore stopped half way (the store went down) is run again as
    it is, since a store holding nothing but this backup's files counts as empty."""
    kind = _kind(url)
    try:
        tar = tarfile.open(source, "r")
    except (OSError, tarfile.TarError):
        raise BackupError(f"{source} is not a readable tar file") from None
    # Unpacked beside the backup: /tmp is often a small tmpfs.
    with tar, tempfile.TemporaryDirectory(dir=Path(source).resolve().parent) as tmp:
        manifest = _read_manifest(tar)
        if manifest["database"] != kind:
            raise BackupError(f"the backup is of a {manifest['database']} database; this "
                              f"installation uses {kind}")
        with dbmod.database.connection_context():
            if _tables(url):
                raise BackupError("the database is not empty: restore into a new one")
        if set(storage.names("")) - set(manifest["files"]):
            raise BackupError(f"the file store {storage!r} is not empty")
        for name in manifest["files"]:
            storage.check_name(name)  # a name the store would refuse: before any write
        _extract_checked(tar, manifest, tmp)
        for name in manifest["files"]:
            storage.put_file(name, Path(tmp) / FILES / name)
        if kind == "postgresql":
            _pg_restore(url, Path(tmp) / PG_DUMP, tmp)
        else:
            with dbmod.database.connection_context():
                with sqlite3.connect(Path(tmp) / SQLITE_COPY) as copy:
                    copy.backup(dbmod.database.connection())
                copy.close()
    with dbmod.database.connection_context():
        restored = _row_counts(url)
    differ = sorted(t for t, n in manifest["rows"].items() if restored.get(t) != n)
    return manifest, differ


def newest_name(now=None):
    """A backup's default file name: kontaktbok-YYYY-MM-DD-HHMM.tar (UTC)."""
    moment = now or dbmod.utcnow()
    return f"kontaktbok-{moment:%Y-%m-%d-%H%M}.tar"

