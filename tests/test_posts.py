"""Posts and photo documentation (seed 003, rules 4, 5, 9): consent checked per use when
tagging, revocation carried through at once, individual documentation only for the
child's own, metadata stripped, retention purge, the guardian's archive."""
import datetime
import io
import json
import os
import re
import zipfile

import av
import pytest
from PIL import Image

from models.archive import gate
from models.audit import AuditEvent
from models.consent import consent_book
from models.consent.tables import PHOTO, Consent, ConsentVersion
from models.db import utcnow
from models.posts.tables import MediaTag, Post, PostMedia
from models.school.tables import Group, User

from . import media as test_media
from .cast import ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import Matrix, everyone, only

FOREST, SKIS, KITES = "Tur i skogen", "Første gang på ski", "Vi lager drager"
USE_TEXT = {"web": "on the website and in print", "social": "on social media",
            "name": "with the child's name"}
READS = {
    FOREST: {"kari", "ola", "styrer", "bhg"},
    SKIS: {"kari", "ola", "styrer", "bhg"},
    KITES: {"kari", "ola", "nina", "lise", "bestemor", "rektor", "larer1a", "faglarer"},
}


STAFF = {"rektor", "larer1a", "faglarer", "sfo", "styrer", "bhg"}


def status_of(client, url, method="GET"):
    """The status of a request, with the answer closed (a photo is a file)."""
    response = client.open(url, method=method)
    response.close()
    return response.status_code


def post(title):
    return Post.get(Post.title == title)


def first_media(title):
    return PostMedia.select().where(PostMedia.post == post(title)).order_by(
        PostMedia.position).first()


def jpeg(gps=False):
    image = Image.new("RGB", (1600, 1200), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    if gps:
        exif[0x8825] = {1: "N", 2: (59.0, 54.0, 0.0), 3: "E", 4: (10.0, 45.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    image.close()
    return out.getvalue()


def compose(client, group, tags, uses=(), none=False, title="Drager"):
    data = {"group": str(group.id), "title": title, "body": "Vi var ute.",
            "photo_0": (io.BytesIO(jpeg()), "bilde.jpg")}
    data["tag_0"] = [str(t) for t in tags]
    for use in uses:
        data[f"use_{use}"] = "1"
    if none:
        data["none_0"] = "1"
    return client.post(f"/posts/new?group={group.id}", data=data,
                       content_type="multipart/form-data")


WRITERS_1A = {"rektor", "larer1a", "faglarer"}
KEYS = {FOREST: "forest", SKIS: "skis", KITES: "kites"}  # their names in tests/cast.py
ROUTES = Matrix({
    ("GET", "/posts/"): everyone(200),
    ("GET", "/posts/withdrawn"): only(STAFF),
    ("GET", "/posts/new?group={g1a}"): only(WRITERS_1A),
    ("POST", "/posts/new?group={g1a}"): only(WRITERS_1A, 400),  # nothing filled in
    ("GET", "/posts/archive/{noah}.zip"): only({"kari", "ola"}),
    ("GET", "/posts/999999"): everyone(404),
    ("GET", "/posts/999999/edit"): everyone(404),
    **{route: statuses for title, readers in READS.items() for route, statuses in {
        ("GET", "/posts/{%s}" % KEYS[title]): only(readers),
        ("GET", "/posts/{%s}/edit" % KEYS[title]): only(readers & STAFF),
        ("GET", "/posts/{%s}/media/{%s_media}" % (KEYS[title], KEYS[title])): only(readers),
        ("GET", "/posts/{%s}/media/{%s_media}/thumb" % (KEYS[title], KEYS[title])):
            only(readers),
    }.items()},
    ("POST", "/posts/{kites}/edit"): only(READS[KITES] & STAFF, 400),  # nothing filled in
    ("POST", "/posts/{kites}/media/{kites_media}/republish"): only(READS[KITES] & STAFF, 303),
    ("POST", "/posts/{kites}/media/{kites_media}/remove"): only(READS[KITES] & STAFF, 303),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    media = {f"{key}_media": first_media(title).id for title, key in KEYS.items()}
    ROUTES.check(client, login, role, {**ids, **media}, data={})


def test_the_feed_shows_each_reader_their_posts_newest_first(client, login):
    login("kari")
    page = text_of(client.get("/posts/"))
    assert page.index(KITES) < page.index(SKIS) < page.index(FOREST)
    login("nina")
    page = text_of(client.get("/posts/"))
    assert KITES in page and SKIS not in page and FOREST not in page


@pytest.mark.parametrize("use, allowed", [("app", True), ("web", False), ("social", False),
                                           ("name", False)])
def test_tagging_needs_consent_for_every_use(client, login, kids, t, use, allowed):
    """Jonas's consent covers the app only (demo)."""
    login("larer1a")
    g1a = Group.get(Group.name == "1A")
    response = compose(client, g1a, [kids["Jonas"].id], uses=[u for u in [use] if u != "app"])
    if allowed:
        assert response.status_code == 303
        return
    assert response.status_code == 400
    assert t("%(child)s cannot be shown: consent for “%(use)s” is not given.",
             child="Jonas Lie", use=t(USE_TEXT[use])) in text_of(response)
    assert not Post.select().where(Post.title == "Drager").exists()


def test_a_child_without_any_consent_cannot_be_tagged(client, login, kids):
    login("larer1a")
    response = compose(client, Group.get(Group.name == "1A"), [kids["Sara"].id])
    assert response.status_code == 400 and "Sara Berg" in text_of(response)
    response = compose(client, Group.get(Group.name == "1A"), [kids["Emma"].id],
                       uses=["social"])
    assert response.status_code == 400 and "Emma Hansen" in text_of(response)


def test_every_photo_names_its_children_or_says_none_can_be_identified(client, login, kids,
                                                                       t):
    login("larer1a")
    g1a = Group.get(Group.name == "1A")
    response = compose(client, g1a, [])
    assert response.status_code == 400
    assert t("Tick every child who can be seen or heard, or confirm that no child can be "
             "identified.") in text_of(response)
    assert 'value="Drager"' in response.get_data(as_text=True)  # the title is kept
    assert compose(client, g1a, [kids["Emma"].id], none=True).status_code == 400
    assert compose(client, g1a, [], none=True).status_code == 303


def test_photos_are_stored_without_location_or_camera_and_with_a_thumbnail(app, client,
                                                                           login, kids):
    login("larer1a")
    g1a = Group.get(Group.name == "1A")
    data = {"group": str(g1a.id), "title": "GPS", "photo_0": (io.BytesIO(jpeg(gps=True)),
                                                               "gps.jpg"),
            "tag_0": [str(kids["Emma"].id)]}
    assert client.post(f"/posts/new?group={g1a.id}", data=data,
                       content_type="multipart/form-data").status_code == 303
    media = PostMedia.get(PostMedia.post == Post.get(Post.title == "GPS"))
    for name, side in ((media.stored_name, 2048), (media.thumb_name, 480)):
        with Image.open(os.path.join(app.config["ATTACHMENT_DIR"], name)) as stored:
            assert not stored.getexif() and "exif" not in stored.info
            assert max(stored.size) <= side
    assert (media.thumb_width, media.thumb_height) == (480, 360)
    response = client.get(f"/posts/{media.post_id}/media/{media.id}/thumb")
    response.close()
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_withdrawing_consent_withdraws_the_photos_at_once_everywhere(client, login, kids):
    kites = first_media(KITES)
    emma = kids["Emma"]
    app_item = next(i for c, statuses in consent_book.for_child(emma, "nb", "nb").consents
                    if c.kind == PHOTO for i in [s.item for s in statuses]
                    if i.key == "app")
    login("nina")
    url = f"/posts/{kites.post_id}/media/{kites.id}/thumb"
    assert status_of(client, url) == 200
    login("kari")
    client.post(f"/children/{emma.id}/consents/{app_item.id}", data={"answer": "no"})
    assert PostMedia.get_by_id(kites.id).withdrawn_at is not None
    assert AuditEvent.select().where(AuditEvent.action == "media.withdrawn").exists()
    for reader in ("nina", "kari"):
        login(reader)
        assert status_of(client, url) == 404  # the direct URL too
        assert f"/media/{kites.id}" not in client.get("/posts/").get_data(as_text=True)
        assert f"/media/{kites.id}" not in client.get(
            f"/posts/?before={post(KITES).id + 1}", headers=HTMX).get_data(as_text=True)
    login("larer1a")
    assert status_of(client, url) == 200  # staff see it, to edit
    assert "Vi lager drager" in text_of(client.get("/posts/withdrawn"))

    # Giving consent again does not silently republish.
    login("kari")
    client.post(f"/children/{emma.id}/consents/{app_item.id}", data={"answer": "yes"})
    login("nina")
    assert status_of(client, url) == 404
    login("larer1a")
    assert client.post(f"/posts/{kites.post_id}/media/{kites.id}/republish"
                       ).status_code == 303
    login("nina")
    assert status_of(client, url) == 200


def test_individual_documentation_stays_with_the_childs_own_guardians(client, login, kids):
    noah = kids["Noah"]
    app_item = next(s.item for c, statuses in consent_book.for_child(noah, "nb", "nb").consents
                    if c.kind == PHOTO for s in statuses if s.item.key == "app")
    login("ola")
    client.post(f"/children/{noah.id}/consents/{app_item.id}", data={"answer": "no"})
    forest, skis = first_media(FOREST), first_media(SKIS)
    login("kari")
    assert status_of(client, f"/posts/{forest.post_id}/media/{forest.id}") == 404
    assert status_of(client, f"/posts/{skis.post_id}/media/{skis.id}") == 200
    login("bhg")
    assert status_of(client, f"/posts/{skis.post_id}/media/{skis.id}") == 200


def test_a_lapsed_consent_hides_photos_on_the_next_request(client, login):
    """A new version of the photo consent asks everyone again: until they answer, no
    group photo of their children is shown."""
    consent = Consent.get(Consent.kind == PHOTO)
    old = ConsentVersion.get(ConsentVersion.consent == consent)
    ConsentVersion.create(consent=consent, number=2, texts=old.texts)
    kites = first_media(KITES)
    login("nina")
    assert status_of(client, f"/posts/{kites.post_id}/media/{kites.id}") == 404


def test_an_individual_post_shows_only_its_child(client, login, kids):
    login("bhg")
    data = {"child": str(kids["Noah"].id), "title": "Maling",
            "photo_0": (io.BytesIO(jpeg()), "maling.jpg"), "tag_0": [str(kids["Noah"].id)]}
    assert client.post(f"/posts/new?child={kids['Noah'].id}", data=data,
                       content_type="multipart/form-data").status_code == 303
    login("larer1a")
    assert client.get(f"/posts/new?child={kids['Noah'].id}").status_code == 404


def test_the_feed_pages_and_costs_the_same_queries(client, login, users):
    g1a = Group.get(Group.name == "1A")
    login("nina")
    few = queries_for(client, "/posts/")
    for n in range(15):
        made = Post.create(unit=g1a.unit_id, group=g1a, title=f"Innlegg {n}",
                           author=users["larer1a"],
                           published_at=utcnow() - datetime.timedelta(days=2, minutes=n))
        kites = first_media(KITES)
        media = PostMedia.create(post=made, stored_name=f"s{n}", thumb_name=f"t{n}",
                                 mimetype="image/jpeg", size=1, width=10, height=10,
                                 thumb_width=10, thumb_height=10)
        MediaTag.create(media=media, child=MediaTag.get(MediaTag.media == kites).child_id)
    assert queries_for(client, "/posts/") == few <= 6
    page = client.get("/posts/").get_data(as_text=True)
    assert page.count('class="card post"') == 10 and "?before=" in page
    older = client.get(page.split('class="pages" hx-get="')[1].split('"')[0], headers=HTMX)
    html = older.get_data(as_text=True)
    assert "<html" not in html and html.count('class="card post"') == 6


def test_the_purge_deletes_exactly_what_is_due(app, kids, monkeypatch):
    # The archive has taken the packages (tests/test_retention.py: held until then).
    monkeypatch.setattr(gate, "deletable_before", lambda kind, unit, cutoff: cutoff)
    forest = post(FOREST)
    files = [n for m in forest.media for n in (m.stored_name, m.thumb_name)]
    Post.update(published_at=utcnow() - datetime.timedelta(days=5 * 366)).where(
        Post.id == forest.id).execute()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "posts: 1 due" in dry.output and Post.select().where(Post.id == forest.id).exists()
    assert "Tur i skogen" not in dry.output  # counts, never a title
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "posts: deleted 1" in result.output and "Tur i skogen" not in result.output
    assert not Post.select().where(Post.id == forest.id).exists()
    assert {p.title for p in Post.select()} == {SKIS, KITES}
    for name in files:
        assert not os.path.exists(os.path.join(app.config["ATTACHMENT_DIR"], name))
    assert AuditEvent.select().where(AuditEvent.action == "post.purged").count() == 1


def test_a_guardian_downloads_everything_about_their_child(client, login, kids):
    login("kari")
    response = client.get(f"/posts/archive/{kids['Noah'].id}.zip")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        index = json.loads(archive.read("posts.json"))
        titles = {p["title"] for p in index}
        assert titles == {FOREST, SKIS}
        assert len([n for n in archive.namelist() if n.endswith(".jpg")]) == 3
    assert AuditEvent.select().where(AuditEvent.action == "posts.archived").exists()


def test_publishing_is_audited_with_its_tags(client, login, kids, users):
    login("larer1a")
    compose(client, Group.get(Group.name == "1A"), [kids["Emma"].id])
    event = AuditEvent.select().where(AuditEvent.action == "post.published").order_by(
        AuditEvent.id.desc()).first()
    assert event.actor_id == users["larer1a"].id and event.details["tagged"] == [kids["Emma"].id]
    assert User.get(User.username == "admin")  # the administrator reads no posts


# Videos ------------------------------------------------------------------------------------

def upload_video(client, group, tags, data, name="klipp.mov", title="Film"):
    form = {"group": str(group.id), "title": title, "body": "Vi danset.",
            "photo_0": (io.BytesIO(data), name), "tag_0": [str(t) for t in tags]}
    return client.post(f"/posts/new?group={group.id}", data=form,
                       content_type="multipart/form-data")


def test_a_video_is_encoded_again_without_its_metadata(app, client, login, kids):
    """Filmed upright on a phone: stored sideways with a rotation, and a location."""
    login("larer1a")
    g1a = Group.get(Group.name == "1A")
    original = test_media.mp4(rotation=90)
    assert test_media.LOCATION.encode() in original and b"Phone 15" in original
    assert upload_video(client, g1a, [kids["Emma"].id], original).status_code == 303
    media = PostMedia.get(PostMedia.post == post("Film"))
    assert media.mimetype == "video/mp4" and media.seconds == pytest.approx(2.0, abs=0.2)
    assert (media.width, media.height) == (180, 320)  # shown upright
    assert media.thumb_width < media.thumb_height
    path = os.path.join(app.config["ATTACHMENT_DIR"], media.stored_name)
    with open(path, "rb") as stored:
        data = stored.read()
    assert test_media.LOCATION.encode() not in data and b"Phone 15" not in data
    assert b"PhoneMaker" not in data
    with av.open(path) as video:
        assert "location" not in video.metadata and "make" not in video.metadata
        assert video.streams.video[0].codec_context.name == "h264"
        assert video.streams.audio[0].codec_context.name == "aac"
        assert next(video.decode(video=0)).rotation == 90
    with Image.open(os.path.join(app.config["ATTACHMENT_DIR"], media.thumb_name)) as poster:
        assert poster.format == "JPEG" and not poster.getexif()
        assert poster.size == (media.thumb_width, media.thumb_height)
        # The green band at the top of the picture is on the left once upright.
        assert poster.getpixel((2, poster.height // 2))[1] > 150
        assert poster.getpixel((poster.width - 3, poster.height // 2))[1] < 100

    login("kari")
    feed = client.get("/posts/").get_data(as_text=True)
    assert f'/media/{media.id}/thumb" width="{media.thumb_width}"' in feed and "▶ 0:02" in feed
    page = client.get(f"/posts/{media.post_id}").get_data(as_text=True)
    assert '<video controls preload="none"' in page
    assert f'<source src="/posts/{media.post_id}/media/{media.id}" type="video/mp4">' in page
    whole = client.get(f"/posts/{media.post_id}/media/{media.id}")
    assert whole.mimetype == "video/mp4" and whole.headers["Accept-Ranges"] == "bytes"
    whole.close()
    part = client.get(f"/posts/{media.post_id}/media/{media.id}",
                      headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.data) == 100
    part.close()
    login("nina")  # Jonas's guardian: the video of Emma in 1A under the same rule
    assert status_of(client, f"/posts/{media.post_id}/media/{media.id}") == 200


def test_a_video_needs_consent_like_a_photo(client, login, kids, t):
    login("larer1a")
    response = upload_video(client, Group.get(Group.name == "1A"), [kids["Sara"].id],
                            test_media.mp4(seconds=1, audio=False))
    assert response.status_code == 400 and "Sara Berg" in text_of(response)
    assert not Post.select().where(Post.title == "Film").exists()


def test_a_long_video_or_a_false_one_is_refused_on_the_form(app, client, login, kids, t):
    login("larer1a")
    g1a = Group.get(Group.name == "1A")
    app.config["POST_VIDEO_SECONDS"] = 1
    response = upload_video(client, g1a, [kids["Emma"].id], test_media.mp4(seconds=3))
    assert response.status_code == 400
    assert t("%(name)s is longer than %(num)d second.", "%(name)s is longer than %(num)d "
             "seconds.", 1, name="klipp.mov") in text_of(response)
    assert 'value="Film"' in response.get_data(as_text=True)  # what was typed is kept
    fake = b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000)
    for data, name in ((fake, "klipp.mp4"), (b"MZ" + os.urandom(4000), "klipp.mp4")):
        response = upload_video(client, g1a, [kids["Emma"].id], data, name=name)
        assert response.status_code == 400
        assert t("%(name)s is not a photo (JPEG, PNG, HEIC) or a video (MP4, MOV, WebM).",
                 name=name) in text_of(response)
    assert not Post.select().where(Post.title == "Film").exists()


def test_the_archive_holds_videos_as_mp4(client, login, kids):
    login("larer1a")
    upload_video(client, Group.get(Group.name == "1A"), [kids["Emma"].id],
                 test_media.mp4(seconds=1, audio=False))
    login("kari")
    response = client.get(f"/posts/archive/{kids['Emma'].id}.zip")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        videos = [n for n in archive.namelist() if n.endswith(".mp4")]
        assert len(videos) == 1 and archive.read(videos[0])[4:8] == b"ftyp"


# Editing a published post --------------------------------------------------------------------

def edit_form(line_post, **changes):
    """The edit form as it comes, with `changes` applied."""
    form = {"title": line_post.title, "body": line_post.body}
    for use, on in (("web", line_post.for_web), ("social", line_post.for_social),
                    ("name", line_post.with_names)):
        if on:
            form[f"use_{use}"] = "1"
    for media in line_post.media:
        form[f"tag_{media.id}"] = [str(t.child_id) for t in media.tags]
        if media.none_identifiable:
            form[f"none_{media.id}"] = "1"
    form.update(changes)
    return form


@pytest.mark.clock("2027-01-01 00:30")  # still 31 December in UTC: the day in Oslo counts
def test_staff_edit_the_text_and_guardians_see_it_marked_edited(client, login, users, t):
    kites = post(KITES)
    login("larer1a")
    page = client.get(f"/posts/{kites.id}/edit")
    assert 'value="Vi lager drager"' in page.get_data(as_text=True)
    response = client.post(f"/posts/{kites.id}/edit",
                           data=edit_form(kites, title="Vi lager drager!", body="Ny tekst."))
    assert response.status_code == 303
    login("nina")
    page = text_of(client.get(f"/posts/{kites.id}"))
    assert "Vi lager drager!" in page and "Ny tekst." in page
    assert t("edited %(date)s", date="01.01.2027") in page
    event = AuditEvent.get(AuditEvent.action == "post.edited")
    assert event.actor_id == users["larer1a"].id and event.details["changed"] == [
        "title", "text"]


def test_an_edit_with_a_mistake_comes_back_with_what_was_typed(client, login, t):
    kites = post(KITES)
    login("larer1a")
    response = client.post(f"/posts/{kites.id}/edit",
                           data=edit_form(kites, title="", body="Endret tekst"))
    assert response.status_code == 400
    assert t("Write a title.") in text_of(response) and "Endret tekst" in text_of(response)
    assert post(KITES).body != "Endret tekst"


def test_tagging_on_edit_needs_consent_and_changes_nothing_without_it(client, login, kids,
                                                                      t):
    kites = post(KITES)
    media = first_media(KITES)
    login("larer1a")
    tagged = [str(t_.child_id) for t_ in media.tags] + [str(kids["Sara"].id)]
    response = client.post(f"/posts/{kites.id}/edit",
                           data=edit_form(kites, title="Endret", **{f"tag_{media.id}": tagged}))
    assert response.status_code == 400
    assert t("%(child)s cannot be shown: consent for “%(use)s” is not given.",
             child="Sara Berg", use=t("in the app")) in text_of(
        response)
    assert post(KITES).title == KITES
    assert not MediaTag.select().where(MediaTag.child == kids["Sara"].id).exists()
    # A new use needs consent from everyone in the photos: Emma's social media is not
    # given (demo).
    response = client.post(f"/posts/{kites.id}/edit", data=edit_form(kites, use_social="1"))
    assert response.status_code == 400 and "Emma Hansen" in text_of(response)
    assert not post(KITES).for_social


def test_untagging_and_removing_a_photo_on_edit(app, client, login, kids):
    forest = post(FOREST)
    first, second = list(forest.media.order_by(PostMedia.position))
    login("bhg")
    response = client.post(f"/posts/{forest.id}/edit", data=edit_form(
        forest, **{f"tag_{first.id}": [], f"none_{first.id}": "1",
                   f"remove_{second.id}": "1"}))
    assert response.status_code == 303
    assert not MediaTag.select().where(MediaTag.media == first.id).exists()
    assert PostMedia.get_by_id(first.id).none_identifiable
    assert not PostMedia.select().where(PostMedia.id == second.id).exists()
    assert not os.path.exists(os.path.join(app.config["ATTACHMENT_DIR"], second.stored_name))
    tagged = AuditEvent.get(AuditEvent.action == "media.tagged")
    assert tagged.details["removed"] == [kids["Noah"].id]
    login("kari")
    assert status_of(client, f"/posts/{forest.id}/media/{second.id}") == 404


def test_individual_documentation_is_edited_for_its_child_only(client, login, kids, t):
    skis = post(SKIS)
    media = first_media(SKIS)
    login("bhg")
    response = client.post(f"/posts/{skis.id}/edit", data=edit_form(
        skis, **{f"tag_{media.id}": [str(kids["Noah"].id), str(kids["Emma"].id)]}))
    assert response.status_code == 400
    assert t("Individual documentation shows only this child.") in text_of(response)


def test_the_feeds_first_photo_is_fetched_at_once_and_the_rest_lazily(client, login):
    """Issue 23: the first photo is the page's largest paint on a phone; a lazy one
    waits for layout. A later page fetched by htmx lands below the fold: all lazy."""
    login("kari")
    page = client.get("/posts/").get_data(as_text=True)
    photos = re.findall(r'<img src="[^"]+/thumb"[^>]*>', page)
    assert len(photos) >= 2
    assert 'fetchpriority="high"' in photos[0] and "lazy" not in photos[0]
    assert all('loading="lazy"' in p and "fetchpriority" not in p for p in photos[1:])
    fragment = client.get("/posts/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "fetchpriority" not in fragment
