"""The first schema: units, groups, people, guardianships, staff roles, login sessions
and the append-only audit log.

Frozen copies of the models as they were; later changes get their own migration.
Python-side defaults (timestamps) are not part of the schema.
"""
from peewee import *


def up(migrator, db):
    class AuditEvent(Model):
        at = DateTimeField(index=True)
        actor_id = IntegerField(index=True, null=True)
        actor_name = CharField(max_length=200, default='')
        action = CharField(index=True, max_length=60)
        object_type = CharField(max_length=40, default='')
        object_id = IntegerField(null=True)
        ip = CharField(max_length=45, default='')
        detail = TextField(default='{}')
        class Meta:
            database = db
            table_name = 'audit_event'
    db.create_tables([AuditEvent])

    class User(Model):
        username = CharField(unique=True, max_length=150)
        password_hash = CharField(null=True, max_length=200)
        first_name = CharField(max_length=100)
        last_name = CharField(max_length=100)
        email = CharField(max_length=200, default='')
        phone = CharField(max_length=40, default='')
        address = CharField(max_length=300, default='')
        address_protection = CharField(max_length=30, default='ugradert')
        national_id = TextField(null=True)
        national_id_index = CharField(unique=True, null=True, max_length=64)
        locale = CharField(null=True, max_length=5)
        paper_letters = BooleanField(default=False)
        is_active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class Child(Model):
        first_name = CharField(max_length=100)
        last_name = CharField(max_length=100)
        birth_date = DateField()
        national_id = TextField(null=True)
        national_id_index = CharField(unique=True, null=True, max_length=64)
        address = CharField(max_length=300, default='')
        address_protection = CharField(max_length=30, default='ugradert')
        guardian_access_until = DateField(null=True)
        class Meta:
            database = db
            table_name = 'child'
    db.create_tables([Child])

    class CaregiverGrant(Model):
        caregiver = ForeignKeyField(User, on_delete='CASCADE')
        child = ForeignKeyField(Child, on_delete='CASCADE')
        created_at = DateTimeField()
        revoked_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'caregiver_grant'
            indexes = ((('caregiver', 'child'), False),)
    db.create_tables([CaregiverGrant])

    class CaregiverApproval(Model):
        grant = ForeignKeyField(CaregiverGrant, on_delete='CASCADE')
        guardian = ForeignKeyField(User, on_delete='CASCADE')
        approved_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'caregiver_approval'
            indexes = ((('grant', 'guardian'), True),)
    db.create_tables([CaregiverApproval])

    class Unit(Model):
        name = CharField(max_length=200)
        kind = CharField(max_length=20)
        phone = CharField(max_length=40, default='')
        email = CharField(max_length=200, default='')
        address = CharField(max_length=300, default='')
        class Meta:
            database = db
            table_name = 'unit'
    db.create_tables([Unit])

    class Group(Model):
        unit = ForeignKeyField(Unit, on_delete='CASCADE')
        name = CharField(max_length=100)
        school_year = IntegerField()
        class Meta:
            database = db
            table_name = 'group'
            indexes = ((('unit', 'school_year', 'name'), True),)
    db.create_tables([Group])

    class Enrolment(Model):
        child = ForeignKeyField(Child, on_delete='CASCADE')
        group = ForeignKeyField(Group, on_delete='CASCADE')
        start_date = DateField()
        end_date = DateField(null=True)
        class Meta:
            database = db
            table_name = 'enrolment'
            indexes = ((('group', 'child'), False),)
    db.create_tables([Enrolment])

    class Guardianship(Model):
        guardian = ForeignKeyField(User, on_delete='CASCADE')
        child = ForeignKeyField(Child, on_delete='CASCADE')
        responsibility = CharField(max_length=10)
        fixed_residence = BooleanField(default=False)
        main_addressee = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'guardianship'
            indexes = ((('guardian', 'child'), True), (('child', 'responsibility'), False))
    db.create_tables([Guardianship])

    class LoginSession(Model):
        token_hash = CharField(unique=True, max_length=64)
        user = ForeignKeyField(User, on_delete='CASCADE')
        created_at = DateTimeField()
        last_seen_at = DateTimeField()
        method = CharField(max_length=20, default='password')
        class Meta:
            database = db
            table_name = 'login_session'
    db.create_tables([LoginSession])

    class StaffRole(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        role = CharField(max_length=30)
        unit = ForeignKeyField(Unit, null=True, on_delete='CASCADE')
        group = ForeignKeyField(Group, null=True, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'staff_role'
            indexes = ((('user', 'role', 'unit', 'group'), True),)
    db.create_tables([StaffRole])

    # The audit log is append-only in the database too, not just in the application.
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(
            "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$ LANGUAGE plpgsql")
        db.execute_sql(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
    else:
        for event in ("UPDATE", "DELETE"):
            db.execute_sql(
                f"CREATE TRIGGER audit_event_no_{event.lower()} BEFORE {event} ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")


def down(migrator, db):
    migrator.migrate(migrator.drop_table('staff_role'))
    migrator.migrate(migrator.drop_table('login_session'))
    migrator.migrate(migrator.drop_table('guardianship'))
    migrator.migrate(migrator.drop_table('enrolment'))
    migrator.migrate(migrator.drop_table('group'))
    migrator.migrate(migrator.drop_table('unit'))
    migrator.migrate(migrator.drop_table('caregiver_approval'))
    migrator.migrate(migrator.drop_table('caregiver_grant'))
    migrator.migrate(migrator.drop_table('child'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('audit_event'))
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP FUNCTION IF EXISTS audit_event_append_only()")

