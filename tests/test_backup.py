"""Backup and restore (`flask backup`, `flask restore`; models/backup.py), performed as
the README says: a backup of a running installation, restored into an empty database
and an empty file store, and the restored app shows the same content — the families'
messages with their photos, the encrypted fields readable with the same DATA_KEY."""
import io
import tarfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from PIL import Image

from models import db as dbmod
from models import demo
from models.messaging.tables import Attachment
from models.school.tables import User

from .dbtemplate import is_migrated
from .helpers import TEST_DATABASE_URL, text_of

def photo():
    out = io.BytesIO()
    Image.effect_noise((800, 600), 40).convert("RGB").save(out, "JPEG")
    return out.getvalue()


@contextmanager
def empty_target(database_url, tmp_path):
    """An empty database for the restore: an SQLite file, or on PostgreSQL a new
    database (the backup's schema is made in it by the restore)."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    import psycopg
    name = f"kbrestore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunparse(urlparse(database_url)._replace(path=f"/{name}"))
    finally:
        dbmod.close_all()
        with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def send_photo(client, login):
    login("kari")
    response = client.post("/messages/new?child=1", content_type="multipart/form-data",
                           data={"to": _first_recipient(client), "subject": "Bilde",
                                 "body": "Fra turen i går.", "token": "backup",
                                 "files": [(io.BytesIO(photo()), "tur.jpg")]})
    assert response.status_code == 303, text_of(response)
    return response.headers["Location"]


def _first_recipient(client):
    import re
    form = client.get("/messages/new?child=1").get_data(as_text=True)
    choices = form[form.index('name="to"'):]
    return re.search(r'<option value="([^"]+)"', choices).group(1)


def test_a_backup_restored_into_an_empty_installation_shows_the_same_content(
        app, client, login, make_app, database_url, tmp_path):
    thread = send_photo(client, login)
    stored = Attachment.get(Attachment.filename == "tur.jpg")
    original = client.get(f"{thread}/files/{stored.id}")
    photo_bytes = original.get_data()
    original.close()
    page_before = text_of(client.get(thread))
    with dbmod.database.connection_context():
        counts_before = {m: dbmod.database.execute_sql(
            f'SELECT COUNT(*) FROM "{m}"').fetchone()[0] for m in ("message", "child")}
        national_id = User.get(User.username == "kari").national_id.reveal()
    assert national_id  # the demo gives her one, encrypted with DATA_KEY

    target = tmp_path / "kontaktbok.tar"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "files" in result.output and target.exists()

    with empty_target(database_url, tmp_path) as restored_url:
        restored = make_app(DATABASE_URL=restored_url,
                            ATTACHMENT_DIR=str(tmp_path / "restored-files"))
        result = restored.test_cli_runner().invoke(args=["restore", str(target)])
        assert result.exit_code == 0, result.output
        assert "restored the backup" in result.output

        again = restored.test_client()
        again.post("/login", data={"username": "kari", "password": "kontaktbok-demo"})
        page = text_of(again.get(thread))
        assert page == page_before  # the same thread, the same words, the same names
        served = again.get(f"{thread}/files/{stored.id}")
        assert served.status_code == 200 and served.get_data() == photo_bytes
        served.close()
        with dbmod.database.connection_context():
            for table, count in counts_before.items():
                assert dbmod.database.execute_sql(
                    f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] == count
            # Encrypted with DATA_KEY, which the restored installation has too.
            assert User.get(User.username == "kari").national_id.reveal() == national_id


def test_a_restore_never_goes_into_a_database_in_use(app, client, login, tmp_path):
    target = tmp_path / "kontaktbok.tar"
    assert app.test_cli_runner().invoke(args=["backup", str(target)]).exit_code == 0
    with dbmod.database.connection_context():
        before = dbmod.database.execute_sql('SELECT COUNT(*) FROM "message"').fetchone()[0]
    result = app.test_cli_runner().invoke(args=["restore", str(target)])
    assert result.exit_code != 0
    assert "the database is not empty" in result.output
    with dbmod.database.connection_context():
        after = dbmod.database.execute_sql('SELECT COUNT(*) FROM "message"').fetchone()[0]
    assert after == before


def test_a_damaged_backup_is_refused_before_anything_is_written(
        app, client, login, make_app, database_url, tmp_path):
    send_photo(client, login)
    target = tmp_path / "kontaktbok.tar"
    assert app.test_cli_runner().invoke(args=["backup", str(target)]).exit_code == 0
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(target) as source, tarfile.open(damaged, "w") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("files/") and member.name.endswith(
                    Attachment.get(Attachment.filename == "tur.jpg").stored_name):
                data = data[:-10] + b"0123456789"  # one photo's last bytes changed
            copy.addfile(member, io.BytesIO(data))
    with empty_target(database_url, tmp_path) as restored_url:
        files = tmp_path / "restored-files"
        restored = make_app(DATABASE_URL=restored_url, ATTACHMENT_DIR=str(files))
        result = restored.test_cli_runner().invoke(args=["restore", str(damaged)])
        assert result.exit_code != 0
        assert "damaged" in result.output
        with dbmod.database.connection_context():
            assert "message" not in dbmod.database.get_tables()
        assert not files.exists() or not any(files.rglob("*"))


@pytest.mark.parametrize("content", [b"not a tar file", None])
def test_something_else_than_a_backup_is_refused(app, tmp_path, content):
    path = tmp_path / "x.tar"
    if content is None:  # a tar, but with no manifest
        with tarfile.open(path, "w") as tar:
            info = tarfile.TarInfo("hello.txt")
            info.size = 2
            tar.addfile(info, io.BytesIO(b"hi"))
    else:
        path.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code != 0
    assert "not a readable tar file" in result.output or "not a Kontaktbok backup" in (
        result.output)


def test_a_backup_of_an_installation_on_an_object_store_restores_into_an_empty_one(
        make_app, database_url, tmp_path, seaweed, s3_config):
    """The same with the files in a bucket: backed up from one, restored into another,
    empty bucket; the restored app serves the same photo."""
    source = make_app(**s3_config)
    with dbmod.database.connection_context():
        if not is_migrated(database_url):
            dbmod.migrate(str(Path(__file__).resolve().parent.parent / "migrations"))
        demo.load(storage=source.extensions["storage"])
    client = source.test_client()
    client.post("/login", data={"username": "kari", "password": "kontaktbok-demo"})
    thread = send_photo(client, lambda username: None)
    stored = Attachment.get(Attachment.filename == "tur.jpg")
    photo_bytes = client.get(f"{thread}/files/{stored.id}").get_data()
    target = tmp_path / "kontaktbok.tar"
    result = source.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    other = {**s3_config, "S3_BUCKET": seaweed.new_bucket()}
    with empty_target(database_url, tmp_path) as restored_url:
        restored = make_app(DATABASE_URL=restored_url, **other)
        result = restored.test_cli_runner().invoke(args=["restore", str(target)])
        assert result.exit_code == 0, result.output
        assert stored.stored_name in restored.extensions["storage"].names("")
        again = restored.test_client()
        again.post("/login", data={"username": "kari", "password": "kontaktbok-demo"})
        served = again.get(f"{thread}/files/{stored.id}")
        assert served.status_code == 200 and served.get_data() == photo_bytes
        served.close()


def test_a_backup_is_readable_by_its_owner_only(app, tmp_path):
    target = tmp_path / "kontaktbok.tar"
    assert app.test_cli_runner().invoke(args=["backup", str(target)]).exit_code == 0
    assert target.stat().st_mode & 0o777 == 0o600


def test_the_database_password_never_reaches_a_command_line():
    from models.backup import _pg
    libpq, env, schema = _pg("postgresql://kb:s%C3%A6cret@db.example:5433/kb?schema=x")
    assert "cret" not in libpq and libpq == "postgresql://kb@db.example:5433/kb"
    assert env["PGPASSWORD"] == "sæcret" and schema == "x"


def test_a_restore_stopped_half_way_runs_again_as_it_is(
        app, client, login, make_app, database_url, tmp_path):
    """The files go in first, the database last: a store that holds only this backup's
    files (the store went down before the database was restored) is taken as empty."""
    thread = send_photo(client, login)
    target = tmp_path / "kontaktbok.tar"
    assert app.test_cli_runner().invoke(args=["backup", str(target)]).exit_code == 0
    with tarfile.open(target) as tar:
        first = next(m for m in tar.getmembers() if m.name.startswith("files/"))
        data = tar.extractfile(first).read()
    with empty_target(database_url, tmp_path) as restored_url:
        restored = make_app(DATABASE_URL=restored_url,
                            ATTACHMENT_DIR=str(tmp_path / "restored-files"))
        restored.extensions["storage"].put(first.name[len("files/"):], data)
        result = restored.test_cli_runner().invoke(args=["restore", str(target)])
        assert result.exit_code == 0, result.output
        again = restored.test_client()
        again.post("/login", data={"username": "kari", "password": "kontaktbok-demo"})
        assert again.get(thread).status_code == 200
        restored.extensions["storage"].put("stranger.bin", b"x")  # not this backup's
    (tmp_path / "again").mkdir()
    with empty_target(database_url, tmp_path / "again") as other_url:
        other = make_app(DATABASE_URL=other_url,
                         ATTACHMENT_DIR=str(tmp_path / "restored-files"))
        result = other.test_cli_runner().invoke(args=["restore", str(target)])
        assert result.exit_code != 0 and "not empty" in result.output
