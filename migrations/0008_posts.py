"""Posts and photo documentation: a post to a group or one child, its photos (full and
thumbnail, stored outside static/), and the children who can be seen in each photo."""
from peewee import *


def up(migrator, db):
    class Child(Model):
        class Meta:
            database = db
            table_name = 'child'

    class Group(Model):
        class Meta:
            database = db
            table_name = 'group'

    class Unit(Model):
        class Meta:
            database = db
            table_name = 'unit'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Post(Model):
        unit = ForeignKeyField(Unit, on_delete='CASCADE')
        group = ForeignKeyField(Group, null=True, on_delete='CASCADE')
        child = ForeignKeyField(Child, null=True, on_delete='CASCADE')
        title = CharField(max_length=200)
        body = TextField(default='')
        author = ForeignKeyField(User, on_delete='CASCADE')
        published_at = DateTimeField(index=True)
        for_web = BooleanField(default=False)
        for_social = BooleanField(default=False)
        with_names = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'post'
            indexes = ((('group', 'published_at'), False), (('child', 'published_at'), False))

    class PostMedia(Model):
        post = ForeignKeyField(Post, on_delete='CASCADE')
        position = IntegerField(default=0)
        stored_name = CharField(max_length=64, unique=True)
        thumb_name = CharField(max_length=64, unique=True)
        mimetype = CharField(max_length=50)
        size = IntegerField()
        width = IntegerField()
        height = IntegerField()
        thumb_width = IntegerField()
        thumb_height = IntegerField()
        none_identifiable = BooleanField(default=False)
        withdrawn_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'post_media'

    class MediaTag(Model):
        media = ForeignKeyField(PostMedia, on_delete='CASCADE')
        child = ForeignKeyField(Child, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'media_tag'
            indexes = ((('media', 'child'), True), (('child',), False))
    db.create_tables([Post, PostMedia, MediaTag])


def down(migrator, db):
    for table in ('media_tag', 'post_media', 'post'):
        migrator.migrate(migrator.drop_table(table))
