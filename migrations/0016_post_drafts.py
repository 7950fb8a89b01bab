"""Issue 17: a post's photos and videos are kept server-side while the post is being
written (`draft_upload`), so that no round trip of the form loses them."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class User(Base):
        class Meta:
            table_name = 'user'

    class DraftUpload(Base):
        token_hash = CharField(max_length=64, unique=True)
        user = ForeignKeyField(User, on_delete='CASCADE')
        filename = CharField(max_length=200)
        stored_name = CharField(max_length=64, unique=True)
        thumb_name = CharField(max_length=64, unique=True)
        mimetype = CharField(max_length=50)
        size = IntegerField()
        width = IntegerField()
        height = IntegerField()
        thumb_width = IntegerField()
        thumb_height = IntegerField()
        seconds = FloatField(null=True)
        created_at = DateTimeField()
        expires_at = DateTimeField(index=True)

        class Meta:
            table_name = 'draft_upload'

    db.create_tables([DraftUpload])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('draft_upload'))
