"""Notifications (issue 9): what each person chose, their push devices, the queue of
notifications to send, and settings the administrator changes in the browser."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class User(Base):
        class Meta:
            table_name = 'user'

    class Unit(Base):
        class Meta:
            table_name = 'unit'

    class Child(Base):
        class Meta:
            table_name = 'child'

    class Thread(Base):
        class Meta:
            table_name = 'thread'

    class NotificationChoice(Base):
        user = ForeignKeyField(User, on_delete='CASCADE')
        event = CharField(max_length=30)
        push = BooleanField(default=False)
        email = BooleanField(default=False)
        sms = BooleanField(default=False)
        digest = BooleanField(default=False)
        class Meta:
            table_name = 'notification_choice'
            indexes = ((('user', 'event'), True),)

    class NotificationSchedule(Base):
        user = ForeignKeyField(User, on_delete='CASCADE', unique=True)
        digest_minute = IntegerField(default=1020)
        quiet = BooleanField(default=True)
        quiet_from = IntegerField(default=1260)
        quiet_until = IntegerField(default=420)
        class Meta:
            table_name = 'notification_schedule'

    class PushSubscription(Base):
        user = ForeignKeyField(User, on_delete='CASCADE')
        endpoint = CharField(max_length=1000, unique=True)
        p256dh = CharField(max_length=200)
        auth = CharField(max_length=100)
        label = CharField(max_length=100, default='')
        created_at = DateTimeField()
        last_sent_at = DateTimeField(null=True)
        class Meta:
            table_name = 'push_subscription'
            indexes = ((('user',), False),)

    class Notification(Base):
        user = ForeignKeyField(User, on_delete='CASCADE')
        event = CharField(max_length=30)
        channel = CharField(max_length=10)
        unit = ForeignKeyField(Unit, null=True, on_delete='CASCADE')
        thread = ForeignKeyField(Thread, null=True, on_delete='CASCADE')
        child = ForeignKeyField(Child, null=True, on_delete='CASCADE')
        path = CharField(max_length=200)
        urgent = BooleanField(default=False)
        digest = BooleanField(default=False)
        key = CharField(max_length=150, unique=True)
        status = CharField(max_length=10, default='pending')
        due_at = DateTimeField()
        created_at = DateTimeField()
        attempts = IntegerField(default=0)
        claim = CharField(max_length=32, null=True)
        claimed_at = DateTimeField(null=True)
        sent_at = DateTimeField(null=True)
        error = CharField(max_length=60, default='')
        class Meta:
            table_name = 'notification'
            indexes = ((('status', 'due_at'), False), (('thread',), False),
                       (('user', 'created_at'), False))

    class Setting(Base):
        name = CharField(max_length=50, primary_key=True)
        value = CharField(max_length=200)
        class Meta:
            table_name = 'setting'

    migrator.migrate(
        migrator.add_column('thread', 'urgent', BooleanField(default=False)),
    )
    db.create_tables([NotificationChoice, NotificationSchedule, PushSubscription,
                      Notification, Setting])


def down(migrator, db):
    for table in ('setting', 'notification', 'push_subscription', 'notification_schedule',
                  'notification_choice'):
        migrator.migrate(migrator.drop_table(table))
    migrator.migrate(migrator.drop_column('thread', 'urgent'))
