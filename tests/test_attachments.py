"""Files with messages: checked by content, photos stripped of metadata, stored outside
static/ under random names, and served only under the thread's access rule."""
import gc
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from models.messaging.tables import Attachment, Message, Thread

from .helpers import text_of
from .test_thread_access import DENTIST


def photo(kind="JPEG", size=(640, 480), gps=True, noise=False):
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "PhoneMaker"  # camera make
        exif[0x8825] = {1: "N", 2: (59.0, 54.0, 0.0), 3: "E", 4: (10.0, 45.0, 0.0)}
    out = io.BytesIO()
    image.save(out, kind, exif=exif, quality=100)
    return out.getvalue()


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\nxref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n"
       b"0000000052 00000 n \ntrailer<</Size 3/Root 1 0 R>>\nstartxref\n96\n%%EOF\n")


def send(client, files, body="Se vedlegg.", token="f1"):
    thread = Thread.get(Thread.subject == DENTIST)
    data = {"body": body, "token": token,
            "files": [(io.BytesIO(content), name) for name, content in files]}
    return thread, client.post(f"/messages/{thread.id}", data=data,
                               content_type="multipart/form-data")


def stored(app, attachment):
    return Path(app.config["ATTACHMENT_DIR"]) / attachment.stored_name


def test_a_photo_loses_its_location_and_camera_on_the_way(app, client, login):
    login("kari")
    original = photo()
    with Image.open(io.BytesIO(original)) as phone:
        assert phone.getexif()  # the phone's photo has them
    thread, response = send(client, [("IMG_0001.jpg", original)])
    assert response.status_code == 303
    attachment = Attachment.get()
    with Image.open(stored(app, attachment)) as kept:
        assert kept.format == "JPEG" and not kept.getexif() and "exif" not in kept.info
    assert attachment.mimetype == "image/jpeg" and attachment.filename == "IMG_0001.jpg"
    assert (attachment.width, attachment.height) == (640, 480)
    assert "static" not in str(stored(app, attachment))
    assert "IMG_0001" not in attachment.stored_name


def test_a_heic_photo_from_an_iphone_becomes_a_jpeg(app, client, login):
    login("kari")
    image = Image.new("RGB", (320, 240), "blue")
    heic = io.BytesIO()
    image.save(heic, "HEIF")
    send(client, [("IMG_0002.HEIC", heic.getvalue())])
    attachment = Attachment.get()
    assert attachment.mimetype == "image/jpeg" and attachment.filename == "IMG_0002.jpg"
    with Image.open(stored(app, attachment)) as kept:
        assert kept.format == "JPEG"


def test_png_stays_png_and_pdf_is_kept(app, client, login):
    login("kari")
    send(client, [("skjema.png", photo("PNG", gps=False)), ("Skjema for tur.pdf", PDF)])
    kinds = {a.filename: a.mimetype for a in Attachment.select()}
    assert kinds == {"skjema.png": "image/png", "Skjema for tur.pdf": "application/pdf"}


@pytest.mark.parametrize("name, content", [
    ("bilde.jpg", b"this is not a picture at all"),
    ("virus.pdf.exe", b"MZ\x90\x00 an executable"),
    ("broken.jpg", photo()[:200]),
])
def test_the_content_decides_not_the_name(client, login, t, name, content):
    login("kari")
    thread, response = send(client, [(name, content)], body="Teksten blir værende.")
    assert response.status_code == 400
    assert t("%(name)s is not a photo (JPEG, PNG, HEIC) or a PDF. Choose the files again.",
             name=name) in text_of(response)
    assert "Teksten blir værende." in response.get_data(as_text=True)
    assert not Message.select().where(Message.body == "Teksten blir værende.").exists()


# Werkzeug's test client spools a large request body to a temporary file that it does
# not close; the app's own files are closed (the other tests run with warnings as errors).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_size_and_count_limits(make_app, app, login, t):
    small = make_app(ATTACHMENT_MAX_MB=1, ATTACHMENTS_PER_MESSAGE=2)
    client = small.test_client()
    from models.school.tables import User
    from models.login.sessions import LoginSession
    with client.session_transaction() as session:
        session["_user_id"] = LoginSession.start(User.get(User.username == "kari"))
    big = photo(size=(800, 800), gps=False, noise=True)
    assert 1024 * 1024 < len(big) < 2 * 1024 * 1024
    _, response = send(client, [("stort.jpg", big)])
    assert response.status_code == 400
    assert t("%(name)s is larger than %(max)d MB. Choose the files again.",
             name="stort.jpg", max=1) in text_of(response)
    _, response = send(client, [(f"{n}.png", photo("PNG", gps=False)) for n in range(3)])
    assert response.status_code == 400
    assert t("You can attach at most %(max)d files. Choose them again.", max=2) in text_of(
        response)
    assert Attachment.select().count() == 0
    gc.collect()  # let the test client's temporary file go here, not in a later test


def test_files_are_served_only_under_the_threads_rule(app, client, login):
    login("kari")
    thread, _ = send(client, [("bilde.jpg", photo()), ("brev.pdf", PDF)])
    image = Attachment.get(Attachment.mimetype == "image/jpeg")
    letter = Attachment.get(Attachment.mimetype == "application/pdf")
    for username, status in (("kari", 200), ("larer1a", 200), ("rektor", 200),
                             ("ola", 404), ("nina", 404), ("faglarer", 404), ("admin", 404)):
        login(username)
        response = client.get(f"/messages/{thread.id}/files/{image.id}")
        assert response.status_code == status, username
        response.close()
    login("larer1a")
    shown = client.get(f"/messages/{thread.id}/files/{image.id}")
    assert shown.headers["Content-Type"] == "image/jpeg"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert shown.headers["Content-Disposition"].startswith("inline")
    shown.close()
    pdf = client.get(f"/messages/{thread.id}/files/{letter.id}")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert "private" in pdf.headers["Cache-Control"]
    pdf.close()
    other = Thread.get(Thread.subject == "Gymtøy")
    assert client.get(f"/messages/{other.id}/files/{image.id}").status_code == 404


def test_a_withdrawn_messages_files_are_gone_from_view(app, client, login):
    login("kari")
    thread, _ = send(client, [("bilde.jpg", photo())])
    image = Attachment.get()
    client.post(f"/messages/{thread.id}/withdraw/{image.message_id}")
    assert client.get(f"/messages/{thread.id}/files/{image.id}").status_code == 404
    assert f"/files/{image.id}" not in client.get(f"/messages/{thread.id}").get_data(
        as_text=True)


def test_a_double_tap_leaves_no_stray_file(app, client, login):
    login("kari")
    before = len(os.listdir(app.config["ATTACHMENT_DIR"]))  # the demo's post photos
    send(client, [("bilde.jpg", photo())], token="same")
    send(client, [("bilde.jpg", photo())], token="same")
    assert Attachment.select().count() == 1
    assert len(os.listdir(app.config["ATTACHMENT_DIR"])) == before + 1


def test_the_thread_shows_photos_with_their_size_set(app, client, login):
    login("kari")
    thread, _ = send(client, [("bilde.jpg", photo())])
    html = client.get(f"/messages/{thread.id}").get_data(as_text=True)
    # the page's first photo is its largest paint: fetched at once, never lazily
    assert 'width="640" height="480" fetchpriority="high"' in html


def test_a_photo_is_shown_through_phone_sized_copies_made_once_and_deleted_with_it(
        app, client, login):
    """Issue 23: a phone fetches a 400, 480 or 960 pixel WebP copy, not the 2,560 pixel
    photo; the copies are made on first request, served under the thread's rule, and
    go when the photo goes."""
    from models.messaging import renditions
    login("kari")
    big = io.BytesIO()
    Image.new("RGB", (2000, 1500), (200, 30, 30)).save(big, "JPEG")
    thread, _ = send(client, [("stor.jpg", big.getvalue()), ("liten.jpg", photo())])
    first, second = Attachment.select().order_by(Attachment.id)
    page = client.get(f"/messages/{thread.id}").get_data(as_text=True)
    href = f"/messages/{thread.id}/files/{first.id}"
    assert f'srcset="{href}/w400 400w, {href}/w480 480w, {href}/w960 960w"' in page
    first_img = page[page.index(f'<img src="{href}"'):].split(">", 1)[0]
    assert 'fetchpriority="high"' in first_img and "lazy" not in first_img
    later = page[page.index(f'<img src="/messages/{thread.id}/files/{second.id}"'):]
    assert 'loading="lazy"' in later.split(">", 1)[0]  # only the first is eager

    directory = Path(app.config["ATTACHMENT_DIR"])
    for width, height in ((400, 300), (480, 360), (960, 720)):
        response = client.get(f"{href}/w{width}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/webp"
        with Image.open(io.BytesIO(response.get_data())) as copy:
            assert copy.format == "WEBP" and copy.size == (width, height)
        response.close()
        assert (directory / renditions.name_of(first.stored_name, width)).exists()
    assert client.get(f"{href}/w1234").status_code == 404
    login("ola")  # not in the thread: its copies are as closed as the photo
    assert client.get(f"{href}/w480").status_code == 404
    login("kari")
    client.post(f"/messages/{thread.id}/withdraw/{first.message_id}")
    assert client.get(f"{href}/w480").status_code == 404


def test_a_copy_is_never_larger_than_the_photo(app, client, login):
    login("kari")
    thread, _ = send(client, [("liten.png", photo("PNG"))])
    image = Attachment.get()
    response = client.get(f"/messages/{thread.id}/files/{image.id}/w960")
    with Image.open(io.BytesIO(response.get_data())) as copy:
        assert copy.size == (image.width, image.height)
    response.close()


def test_removing_a_stored_photo_removes_its_copies(app, client, login):
    from models.messaging import attachments, renditions
    login("kari")
    thread, _ = send(client, [("bilde.jpg", photo())])
    image = Attachment.get()
    client.get(f"/messages/{thread.id}/files/{image.id}/w480").close()
    directory = Path(app.config["ATTACHMENT_DIR"])
    copy = directory / renditions.name_of(image.stored_name, 480)
    assert copy.exists()
    attachments.remove(app.extensions["storage"], [image.stored_name])
    assert not copy.exists() and not (directory / image.stored_name).exists()
