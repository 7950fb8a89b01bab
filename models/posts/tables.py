"""The tables of posts, their photos and films, and the children tagged in them."""
import peewee

from models.db import BaseModel, utcnow
from models.messaging.tables import writer_language
from models.school.tables import Child, Group, Unit, User

USES = ("app", "web", "social", "name")


class Post(BaseModel):
    unit = peewee.ForeignKeyField(Unit, backref="+", on_delete="CASCADE")
    group = peewee.ForeignKeyField(Group, null=True, backref="+", on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, null=True, backref="+", on_delete="CASCADE")
    title = peewee.CharField(max_length=200)
    body = peewee.TextField(default="")
    author = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    published_at = peewee.DateTimeField(default=utcnow, index=True)
    # Uses beyond the app that the post's photos are meant for (consent per use).
    for_web = peewee.BooleanField(default=False)
    for_social = peewee.BooleanField(default=False)
    with_names = peewee.BooleanField(default=False)
    edited_at = peewee.DateTimeField(null=True)
    # The writer's interface language, as Message.language.
    language = peewee.CharField(max_length=5, null=True, default=writer_language)

    class Meta:
        indexes = ((("group", "published_at"), False), (("child", "published_at"), False))


class StoredMedia(BaseModel):
    """The columns of a checked photo or video and its thumbnail, both stored outside
    static/: the same in a post's media and in a draft's upload, since publishing hands
    a draft's files to the post. Only PostMedia and DraftUpload have tables."""
    stored_name = peewee.CharField(max_length=64, unique=True)
    thumb_name = peewee.CharField(max_length=64, unique=True)
    mimetype = peewee.CharField(max_length=50)
    size = peewee.IntegerField()
    width = peewee.IntegerField()
    height = peewee.IntegerField()
    thumb_width = peewee.IntegerField()
    thumb_height = peewee.IntegerField()
    seconds = peewee.FloatField(null=True)  # a video's length; None for a photo

    @property
    def is_video(self):
        return self.mimetype.startswith("video/")


class PostMedia(StoredMedia):
    post = peewee.ForeignKeyField(Post, backref="media", on_delete="CASCADE")
    position = peewee.IntegerField(default=0)
    none_identifiable = peewee.BooleanField(default=False)
    withdrawn_at = peewee.DateTimeField(null=True)


class MediaTag(BaseModel):
    media = peewee.ForeignKeyField(PostMedia, backref="tags", on_delete="CASCADE")
    child = peewee.ForeignKeyField(Child, backref="+", on_delete="CASCADE")

    class Meta:
        indexes = ((("media", "child"), True), (("child",), False))


class DraftUpload(StoredMedia):
    """A photo or video checked and stored while its post is still being written, so that
    it survives the form's round trips (an error, a missing consent, "Publish anyway",
    "Add another photo"). Only its uploader's form can name it: the form holds a random
    token, the table its SHA-256. Publishing turns it into a PostMedia with the same
    files; otherwise it expires and the purge removes it and its files."""
    token_hash = peewee.CharField(max_length=64, unique=True)
    user = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    filename = peewee.CharField(max_length=200)
    created_at = peewee.DateTimeField(default=utcnow)
    expires_at = peewee.DateTimeField(index=True)
