"""Files in an S3-compatible object store (issue 23, several hosts): with S3_ENDPOINT set,
every file the app keeps goes to the bucket and nothing to ATTACHMENT_DIR, people are
served the same bytes under the same access rules, deleting a record deletes its
objects, nobody reaches an object at the store without the app's keys, and a store that
is down asks people to try again.

Against a real SeaweedFS started on loopback (tests/seaweed.py), a bucket per test.
"""
import hashlib
import io
import zipfile
from contextlib import nullcontext
from pathlib import Path

import pytest
import urllib3
from PIL import Image

from app import StartupError
from models import db as dbmod
from models import demo, storage
from models.data_export import cleanup, exports
from models.data_export.tables import DataExport
from models.messaging import attachments
from models.messaging.tables import Attachment, Message, Thread
from models.posts import posts as posts_model
from models.posts.tables import Post, PostMedia
from models.retention.by_unit import delete_threads
from models.school.tables import Group

from . import dbtemplate
from .cast import DENTIST
from .helpers import text_of
from .seaweed import free_ports
from .test_attachments import photo
from .test_message_forms import SENSITIVE, hidden, kept_tokens
from .test_posts import jpeg

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(make_app, database_url, s3_config):
    """The app on the object store, with the demo cast (its post photos in the bucket)."""
    application = make_app(**s3_config)
    with dbmod.database.connection_context():
        if not dbtemplate.is_migrated(database_url):
            dbmod.migrate(str(ROOT / "migrations"))
        with dbtemplate.demo_photos_once() if dbtemplate.ENABLED else nullcontext():
            demo.load(storage=application.extensions["storage"])
    yield application
    dbmod.close_all()


@pytest.fixture
def bucket_names(seaweed, bucket):
    """The names in the test's bucket, as the store lists them (boto3, not the app)."""
    client = seaweed.client()

    def listed(prefix=""):
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                 Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", ())}
    yield listed
    client.close()


def object_bytes(seaweed, bucket, name):
    client = seaweed.client()
    try:
        return client.get_object(Bucket=bucket, Key=name)["Body"].read()
    finally:
        client.close()


def local_files(app):
    folder = Path(app.config["ATTACHMENT_DIR"])
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def body_of(response):
    data = response.get_data()
    response.close()
    return data


def send_photo(client, body="Se bildet."):
    thread = Thread.get(Thread.subject == DENTIST)
    response = client.post(f"/messages/{thread.id}", content_type="multipart/form-data",
                           data={"body": body, "token": "s3",
                                 "files": [(io.BytesIO(photo()), "utslett.jpg")]})
    assert response.status_code == 303, text_of(response)
    return thread, Attachment.get(Attachment.filename == "utslett.jpg")


def test_a_guardians_photo_goes_to_the_bucket_and_only_the_thread_gets_it(
        app, client, login, seaweed, bucket, bucket_names):
    login("kari")
    thread, sent = send_photo(client)
    assert sent.stored_name in bucket_names()
    assert local_files(app) == []  # nothing on this host's disk
    stored = object_bytes(seaweed, bucket, sent.stored_name)
    login("larer1a")
    href = f"/messages/{thread.id}/files/{sent.id}"
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["Content-Length"] == str(len(stored))
    assert body_of(response) == stored
    # The phone-sized copy: made from the object, kept beside it in the bucket.
    small = client.get(f"{href}/w480")
    assert small.status_code == 200 and small.mimetype == "image/webp"
    with Image.open(io.BytesIO(body_of(small))) as copy:
        assert copy.format == "WEBP" and copy.width == 480
    assert f"{sent.stored_name}.w480.webp" in bucket_names()
    assert local_files(app) == []
    # Another family reaches neither.
    login("per")
    assert client.get(href).status_code == 404
    assert client.get(f"{href}/w480").status_code == 404
    # Withdrawn: no longer served to anyone.
    login("kari")
    client.post(f"/messages/{thread.id}/withdraw/{sent.message_id}")
    login("larer1a")
    assert client.get(href).status_code == 404
    # The retention purge deletes the thread, and its objects with it (the copy too).
    before = bucket_names()
    assert delete_threads([thread.id], app.extensions["storage"]) == 1
    assert before - bucket_names() == {sent.stored_name, f"{sent.stored_name}.w480.webp"}


def test_nobody_reaches_an_object_at_the_store_without_the_apps_keys(
        app, client, login, seaweed, bucket):
    login("kari")
    _, sent = send_photo(client)
    with urllib3.PoolManager() as http:
        direct = http.request("GET", f"{seaweed.endpoint}/{bucket}/{sent.stored_name}",
                              retries=False)
        assert direct.status == 403 and b"\xff\xd8\xff" not in direct.data
        for listing in (f"{seaweed.endpoint}/{bucket}/",
                        f"{seaweed.endpoint}/{bucket}?list-type=2"):
            answer = http.request("GET", listing, retries=False)
            assert answer.status == 403, (listing, answer.status)
            assert sent.stored_name not in answer.data.decode()


def test_a_post_photo_and_its_thumbnail_are_shown_from_the_bucket_and_go_with_the_post(
        app, client, login, kids, bucket_names, seaweed, bucket):
    login("larer1a")
    g1a = Group.get(Group.name == "1A")
    created = client.post(f"/posts/new?group={g1a.id}", content_type="multipart/form-data",
                          data={"title": "Høst", "body": "Løv.", "tag_0": [str(kids["Emma"].id)],
                                "photo_0": (io.BytesIO(jpeg()), "løv.jpg")})
    assert created.status_code == 303, text_of(created)
    post = Post.get(Post.title == "Høst")
    media = PostMedia.get(PostMedia.post == post)
    assert {media.stored_name, media.thumb_name} <= bucket_names()
    assert local_files(app) == []
    login("nina")  # a parent in 1A
    url = f"/posts/{post.id}/media/{media.id}"
    full, thumb = client.get(url), client.get(f"{url}/thumb")
    assert full.status_code == thumb.status_code == 200
    assert full.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert full.headers["Content-Disposition"] == "inline"
    assert full.headers["Cache-Control"] == "no-store"
    assert body_of(full) == object_bytes(seaweed, bucket, media.stored_name)
    with Image.open(io.BytesIO(body_of(thumb))) as small:
        assert max(small.size) == 480
    # A video player asks for a part: it gets that part (read from the middle of the object).
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.headers["Content-Range"].endswith(
        f"/{media.size}")
    assert body_of(part) == object_bytes(seaweed, bucket, media.stored_name)[100:200]
    etag = full.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    again.close()
    login("per")  # another class
    assert client.get(url).status_code == 404
    # The purge deletes the post, and both its objects.
    with app.app_context():
        posts_model.purge([post], app.extensions["storage"], attachments.remove)
    assert not {media.stored_name, media.thumb_name} & bucket_names()
    login("nina")
    assert client.get(url).status_code == 404


def test_a_copy_of_ones_data_is_made_into_the_bucket_downloaded_and_purged(
        app, client, login, clock, bucket_names):
    login("kari")
    _, sent = send_photo(client)
    assert client.post("/my-data").status_code == 303
    row = DataExport.get()
    name = f"exports/{row.storage_key}"
    assert name in bucket_names() and local_files(app) == []
    with app.app_context():
        token = exports.token_of(row)
    response = client.get(f"/my-data/{token}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert 'filename=kontaktbok-my-data.zip' in response.headers["Content-Disposition"]
    data = body_of(response)
    assert hashlib.sha256(data).hexdigest() == row.sha256 and len(data) == row.size
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {n: archive.read(n) for n in archive.namelist() if n.startswith("files/")}
    with app.app_context():
        assert storage.current().read(sent.stored_name) in files.values()
    clock.advance(hours=2)
    assert cleanup.purge_expired(storage=app.extensions["storage"]) == 1
    assert name not in bucket_names()


def test_files_kept_while_a_form_comes_back_are_in_the_bucket(
        app, client, login, ids, clock, bucket_names, t):
    login("kari")
    warned = client.post(f"/messages/{ids['dentist']}", content_type="multipart/form-data",
                         data={"body": SENSITIVE, "token": "k1",
                               "files": [(io.BytesIO(photo()), "utslett.jpg")]})
    assert warned.status_code == 200
    kept = bucket_names("kept/")
    assert len(kept) == 1 and local_files(app) == []
    html = warned.get_data(as_text=True)
    sent = client.post(f"/messages/{ids['dentist']}", data={
        "body": SENSITIVE, "token": hidden(html, "token"), "confirm": "1",
        "kept": kept_tokens(html)})
    assert sent.status_code == 303, text_of(sent)
    attachment = Attachment.get(Attachment.message == Message.get(Message.body == SENSITIVE))
    assert attachment.stored_name in bucket_names()
    assert bucket_names("kept/") == kept  # kept for a second send of the same form
    clock.advance(hours=13)
    assert attachments.purge_kept(app.extensions["storage"]) == 1
    assert bucket_names("kept/") == set() and attachment.stored_name in bucket_names()


def test_a_store_that_is_down_asks_people_to_try_again(app, client, login, s3_config, t):
    login("kari")
    thread, sent = send_photo(client)
    # The store stops answering: nothing listens where it was.
    (closed,) = free_ports(1)
    app.extensions["storage"] = storage.from_settings(
        {**s3_config, "S3_ENDPOINT": f"http://127.0.0.1:{closed}", "S3_REGION": "us-east-1"})
    response = client.get(f"/messages/{thread.id}/files/{sent.id}")
    assert response.status_code == 503
    page = text_of(response)
    assert t("Kontaktbok cannot answer right now") in page
    assert t("Try again in a minute. If you were sending something, check whether it "
             "arrived before you send it again.") in page
    assert "Traceback" not in page and s3_config["S3_SECRET_KEY"] not in page
    messages = Message.select().count()
    refused = client.post(f"/messages/{thread.id}", content_type="multipart/form-data",
                          data={"body": "Et bilde til", "token": "down",
                                "files": [(io.BytesIO(photo()), "nytt.jpg")]})
    assert refused.status_code == 503
    assert Message.select().count() == messages  # nothing half sent


def test_an_object_store_needs_its_bucket_and_keys(make_app, s3_config):
    with pytest.raises(StartupError, match="S3_SECRET_KEY"):
        make_app(**{**s3_config, "S3_SECRET_KEY": ""})
    with pytest.raises(StartupError, match="https"):
        make_app(**{**s3_config, "S3_ENDPOINT": "http://s3.kommune.example"})


def test_the_local_backend_keeps_the_layout_installations_have(tmp_path):
    """Without S3_ENDPOINT the files stay where they always were: ATTACHMENT_DIR/<name>,
    ATTACHMENT_DIR/kept/<name>, ATTACHMENT_DIR/exports/<key>."""
    local = storage.from_settings({"ATTACHMENT_DIR": str(tmp_path / "attachments")})
    local.put("abc", b"photo")
    local.put("exports/x.zip", b"zip")
    local.copy("abc", "kept/1-2-xyz")
    assert (tmp_path / "attachments" / "abc").read_bytes() == b"photo"
    assert (tmp_path / "attachments" / "exports" / "x.zip").read_bytes() == b"zip"
    assert (tmp_path / "attachments" / "kept" / "1-2-xyz").read_bytes() == b"photo"
    assert local.names("kept/") == ["kept/1-2-xyz"] and local.names("none/") == []
    with local.open("abc") as fh:
        assert fh.size == 5 and fh.read() == b"photo"
    local.delete("abc")
    local.delete("abc")  # gone already: fine
    assert not local.exists("abc")
    with pytest.raises(FileNotFoundError):
        local.read("abc")
    with pytest.raises(ValueError):
        local.put("../outside", b"x")
