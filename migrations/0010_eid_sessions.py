"""Login sessions remember the OpenID Connect provider they came from, the provider's
session id (`sid`, for front-channel logout) and the ID token (encrypted; sent back as
`id_token_hint` when logging out at the provider)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('login_session', 'provider', CharField(max_length=30, null=True)),
        migrator.add_column('login_session', 'sid', CharField(max_length=200, null=True)),
        migrator.add_column('login_session', 'id_token', TextField(null=True)),
        migrator.add_index('login_session', ('provider', 'sid'), False),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('login_session', 'login_session_provider_sid'),
        migrator.drop_column('login_session', 'id_token'),
        migrator.drop_column('login_session', 'sid'),
        migrator.drop_column('login_session', 'provider'),
    )
