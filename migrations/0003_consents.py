"""Consents: what is asked of whom, its items, the versions of its text, the children a
consent asks about when it asks only some, and the answers (never updated).

Frozen copies of the models as they were. The referenced tables are stubs.
"""
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

    class Consent(Model):
        kind = CharField(max_length=10, default='custom')
        unit = ForeignKeyField(Unit, null=True, on_delete='CASCADE')
        group = ForeignKeyField(Group, null=True, on_delete='CASCADE')
        only_chosen = BooleanField(default=False)
        deadline = DateField(null=True)
        renew_yearly = BooleanField(default=False)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        closed_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'consent'
    db.create_tables([Consent])

    class ConsentItem(Model):
        consent = ForeignKeyField(Consent, on_delete='CASCADE')
        key = CharField(max_length=20)
        position = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'consent_item'
            indexes = ((('consent', 'key'), True),)

    class ConsentVersion(Model):
        consent = ForeignKeyField(Consent, on_delete='CASCADE')
        number = IntegerField()
        texts = TextField()
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'consent_version'
            indexes = ((('consent', 'number'), True),)

    class ConsentChild(Model):
        consent = ForeignKeyField(Consent, on_delete='CASCADE')
        child = ForeignKeyField(Child, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'consent_child'
            indexes = ((('consent', 'child'), True),)

    class ConsentAnswer(Model):
        item = ForeignKeyField(ConsentItem, on_delete='CASCADE')
        version = ForeignKeyField(ConsentVersion, on_delete='CASCADE')
        child = ForeignKeyField(Child, on_delete='CASCADE')
        guardian = ForeignKeyField(User, on_delete='CASCADE')
        answer = CharField(max_length=10)
        channel = CharField(max_length=10, default='app')
        recorded_by = ForeignKeyField(User, on_delete='CASCADE')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'consent_answer'
            indexes = ((('child', 'item'), False),)
    db.create_tables([ConsentItem, ConsentVersion, ConsentChild, ConsentAnswer])

    # An answer is never changed, in the database too. (Deleting stays possible: the
    # retention purge removes a child's data with the child.)
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(
            "CREATE OR REPLACE FUNCTION consent_answer_unchanged() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'consent_answer rows are never changed'; END $$ "
            "LANGUAGE plpgsql")
        db.execute_sql(
            "CREATE TRIGGER consent_answer_unchanged BEFORE UPDATE ON consent_answer "
            "FOR EACH ROW EXECUTE FUNCTION consent_answer_unchanged()")
    else:
        db.execute_sql(
            "CREATE TRIGGER consent_answer_unchanged BEFORE UPDATE ON consent_answer "
            "BEGIN SELECT RAISE(ABORT, 'consent_answer rows are never changed'); END")


def down(migrator, db):
    for table in ('consent_answer', 'consent_child', 'consent_version', 'consent_item',
                  'consent'):
        migrator.migrate(migrator.drop_table(table))
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP FUNCTION IF EXISTS consent_answer_unchanged()")
