"""Short videos in posts (their length in seconds; photos have none) and when a post's
text, uses or tags were last edited after publishing."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('post_media', 'seconds', FloatField(null=True)),
        migrator.add_column('post', 'edited_at', DateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('post', 'edited_at'),
        migrator.drop_column('post_media', 'seconds'),
    )
