"""Issue 17: the units' calendars, and one absence report per child, day and part.

- `day_off`: the periods a unit is closed (school holidays, planning days), which
  absence reports and leave applications read.
- Absence reports: earlier reports for the same child, single day and part of the day
  as a later one (the "not coming today" tapped twice) are withdrawn, so the later one
  is the one that counts, as the app now does on reporting.
"""
import datetime

from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db

    class Unit(Base):
        class Meta:
            table_name = 'unit'

    class User(Base):
        class Meta:
            table_name = 'user'

    class DayOff(Base):
        unit = ForeignKeyField(Unit, on_delete='CASCADE')
        first_day = DateField()
        last_day = DateField()
        name = CharField(max_length=100)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()

        class Meta:
            table_name = 'day_off'
            indexes = ((('unit', 'first_day'), False),)

    db.create_tables([DayOff])
    rows = db.execute_sql(
        'SELECT id, child_id, start_date, part FROM absence '
        'WHERE withdrawn_at IS NULL AND start_date = end_date '
        'ORDER BY child_id, start_date, part, id DESC').fetchall()
    seen, older = set(), []
    for absence_id, child_id, day, part in rows:
        key = (child_id, str(day), part)
        if key in seen:
            older.append(absence_id)
        seen.add(key)
    if older:
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        for start in range(0, len(older), 500):
            chunk = older[start:start + 500]
            db.execute_sql('UPDATE absence SET withdrawn_at = %s WHERE id IN (%s)' % (
                db.param, ', '.join([db.param] * len(chunk))), [now] + chunk)


def down(migrator, db):
    migrator.migrate(migrator.drop_table('day_off'))
