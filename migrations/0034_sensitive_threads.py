"""Sensitive threads (issue 22).

- `thread.sensitive`: readable only by its participants and the unit's leader, after a
  fresh strong login; never unset.
- `login_session.strong_at`: the moment of the last strong login in the session (the
  eID at the substantial level or higher, or the password and a second factor again).
- `totp_secret`: a person's second factor (RFC 6238), the secret encrypted with the
  data key; counts once confirmed with a first code.
"""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('thread', 'sensitive', BooleanField(default=False)),
        migrator.add_column('login_session', 'strong_at', DateTimeField(null=True)),
    )

    class Base(Model):
        class Meta:
            database = db

    class User(Base):
        class Meta:
            table_name = 'user'

    class TotpSecret(Base):
        user = ForeignKeyField(User, unique=True, on_delete='CASCADE')
        secret = TextField()
        created_at = DateTimeField()
        confirmed_at = DateTimeField(null=True)
        last_step = BigIntegerField(default=0)

        class Meta:
            table_name = 'totp_secret'

    db.create_tables([TotpSecret])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('totp_secret'))
    migrator.migrate(migrator.drop_column('login_session', 'strong_at'))
    migrator.migrate(migrator.drop_column('thread', 'sensitive'))
