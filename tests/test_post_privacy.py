"""Who is named in a post's photos (rule 11, issue 15 finding 2): staff see every name; a
family sees its own children's names, and another child's only when the post is marked
for names and that child's name consent is given; a child with a protected address is
never named to another family."""
import html as htmllib
import io
import json
import zipfile

import pytest

from models.consent.tables import PHOTO, PHOTO_ITEMS, YES, Consent, ConsentAnswer, ConsentVersion
from models.posts.tables import MediaTag, Post, PostMedia
from models.school.tables import Group

from .helpers import HTMX

KITES = "Vi lager drager"  # demo: Emma and Jonas in one photo, for the app only


def kites():
    return Post.get(Post.title == KITES)


def kites_media():
    return PostMedia.get(PostMedia.post == kites())


def html_of(response):
    """The page's markup with entities decoded: alt text and labels included."""
    assert response.status_code == 200, response.status_code
    return htmllib.unescape(response.get_data(as_text=True))


def agree(child, guardian, keys):
    """The guardian says yes to items of the photo consent for the child (a later answer
    replaces an earlier one)."""
    photo = Consent.get(Consent.kind == PHOTO)
    version = ConsentVersion.get(ConsentVersion.consent == photo)
    items = {item.key: item for item in photo.items}
    for key in keys:
        ConsentAnswer.create(item=items[key], version=version, child=child, guardian=guardian,
                             answer=YES, recorded_by=guardian)


def pages(client, t_post):
    """The feed, the post itself and the feed's htmx page fragment holding the post."""
    newer = Post.create(unit=t_post.unit_id, group=t_post.group_id, title="Nyere",
                        author=t_post.author_id)
    fragment = client.get(f"/posts/?before={newer.id}", headers=HTMX)
    assert "<html" not in fragment.get_data(as_text=True)
    return {"feed": html_of(client.get("/posts/")),
            "post": html_of(client.get(f"/posts/{t_post.id}")),
            "fragment": html_of(fragment)}


def as_video(media):
    PostMedia.update(mimetype="video/mp4", seconds=7.0).where(
        PostMedia.id == media.id).execute()


@pytest.mark.parametrize("kind", ["photo", "video"])
def test_other_families_see_no_names_without_the_names_use(client, login, t, kind):
    """Jonas's consent covers the app only and the post is not marked for names."""
    if kind == "video":
        as_video(kites_media())
    unnamed = t("children of %(group)s", group="1A")
    for viewer, own, others in (("lise", None, ("Emma", "Jonas")),
                                ("kari", "Emma Hansen", ("Jonas",)),
                                ("bestemor", "Emma Hansen", ("Jonas",)),
                                ("nina", "Jonas Lie", ("Emma",))):
        login(viewer)
        for where, page in pages(client, kites()).items():
            assert KITES in page, (viewer, where)
            for name in others:
                assert name not in page, (viewer, where, name)
            if own is None:
                assert unnamed in page, (viewer, where)
            else:
                # A family sees its own child named in a photo of it.
                assert t("%(names)s and other children of %(group)s", names=own,
                         group="1A") in page, (viewer, where)
    login("amina")  # 1B: not the group's post at all
    assert "Jonas" not in html_of(client.get("/posts/"))


def test_the_names_use_and_the_name_consent_name_a_child(client, login, kids, users, t):
    Post.update(with_names=True).where(Post.id == kites().id).execute()
    login("lise")
    # Jonas's name consent is missing: the photo is not shown at all, and nobody named.
    page = html_of(client.get(f"/posts/{kites().id}"))
    assert "Jonas" not in page and "Emma" not in page
    agree(kids["Jonas"], users["nina"], ["name"])
    for where, page in pages(client, kites()).items():
        assert t("Photo: %(names)s", names="Emma Hansen, Jonas Lie") in page, where


def test_a_child_with_a_protected_address_is_never_named_to_another_family(
        client, login, kids, users, t):
    """Sara (strictly confidential address) with every consent given, in a post marked
    for names: named to her mother and to staff, never to another family."""
    media = kites_media()
    MediaTag.create(media=media, child=kids["Sara"])
    agree(kids["Sara"], users["lise"], PHOTO_ITEMS)
    agree(kids["Jonas"], users["nina"], ["name"])
    Post.update(with_names=True).where(Post.id == kites().id).execute()
    for viewer in ("kari", "nina", "bestemor"):
        login(viewer)
        for where, page in pages(client, kites()).items():
            assert "Sara" not in page and "Berg" not in page, (viewer, where)
            assert "Jonas Lie" in page and "Emma Hansen" in page, (viewer, where)
            assert t("%(names)s and other children of %(group)s",
                     names="Emma Hansen, Jonas Lie", group="1A") in page, (viewer, where)
    login("lise")
    assert "Sara Berg" in html_of(client.get(f"/posts/{kites().id}"))
    login("larer1a")
    assert "Sara Berg" in html_of(client.get(f"/posts/{kites().id}"))


def test_staff_see_every_name(client, login):
    for viewer in ("larer1a", "rektor", "faglarer"):
        login(viewer)
        for where, page in pages(client, kites()).items():
            assert "Emma Hansen, Jonas Lie" in page, (viewer, where)
    login("larer1a")
    edit = html_of(client.get(f"/posts/{kites().id}/edit"))
    assert "Emma Hansen" in edit and "Jonas Lie" in edit


def test_the_archive_names_no_other_child(client, login, kids):
    login("kari")
    response = client.get(f"/posts/archive/{kids['Emma'].id}.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        index = json.loads(archive.read("posts.json"))
        assert [p["title"] for p in index] == [KITES] and len(index[0]["photos"]) == 1
        everything = " ".join(archive.namelist()) + archive.read("posts.json").decode()
    assert "Jonas" not in everything


def test_an_unnamed_photo_says_children_of_its_group(client, login, kids, t):
    """The label names the post's group, whichever group the viewer's child is in."""
    g1a = Group.get(Group.name == "1A")
    login("lise")
    page = html_of(client.get(f"/posts/{kites().id}"))
    assert t("Photo: %(names)s", names=t("children of %(group)s", group=g1a.name)) in page
