"""Login without a national eID: a one-time code sent to a contact address the school
has verified, allowed per guardian by staff."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class LoginCode(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        code_hash = CharField(max_length=64)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        attempts = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'login_code'
            indexes = ((('user', 'created_at'), False),)

    migrator.migrate(
        migrator.add_column('user', 'code_login_email', CharField(max_length=200, null=True)),
        migrator.add_column('user', 'code_login_since', DateTimeField(null=True)),
    )
    db.create_tables([LoginCode])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('login_code'))
    migrator.migrate(
        migrator.drop_column('user', 'code_login_since'),
        migrator.drop_column('user', 'code_login_email'),
    )
