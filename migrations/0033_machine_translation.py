"""Machine translation through the municipality's own LibreTranslate server.

- `message.language`, `post.language`: the writer's interface language (NULL for what
  was written before: the server detects it).
- `translation`: the cache, one row per text and target language, deleted with its
  message, post, event or consent version.
"""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('message', 'language', CharField(max_length=5, null=True)),
        migrator.add_column('post', 'language', CharField(max_length=5, null=True)),
    )

    class Base(Model):
        class Meta:
            database = db

    class Message(Base):
        class Meta:
            table_name = 'message'

    class Post(Base):
        class Meta:
            table_name = 'post'

    class Event(Base):
        class Meta:
            table_name = 'event'

    class ConsentVersion(Base):
        class Meta:
            table_name = 'consent_version'

    class Translation(Base):
        message = ForeignKeyField(Message, null=True, on_delete='CASCADE')
        post = ForeignKeyField(Post, null=True, on_delete='CASCADE')
        event = ForeignKeyField(Event, null=True, on_delete='CASCADE')
        consent_version = ForeignKeyField(ConsentVersion, null=True, on_delete='CASCADE')
        target = CharField(max_length=5)
        source_hash = CharField(max_length=64)
        source_language = CharField(max_length=5, null=True)
        text = TextField(default='')
        state = CharField(max_length=10, default='pending')
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = 'translation'
            indexes = ((('message', 'target'), True), (('post', 'target'), True),
                       (('event', 'target'), True), (('consent_version', 'target'), True))

    db.create_tables([Translation])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('translation'))
    migrator.migrate(
        migrator.drop_column('post', 'language'),
        migrator.drop_column('message', 'language'),
    )
