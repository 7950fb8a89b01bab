"""The daily retention purge of a municipality with eight years of history: generate
bench/messages.py's municipality, spread its messages over eight years, add attendance
registers, absence reports and audit events, let a fifth of the children leave 2–6
years before the purge day, then time the dry run (survey) and the purge on that day.

    .venv/bin/python bench/purge.py                       # full size, SQLite
    .venv/bin/python bench/purge.py --scale 0.2           # a fifth, quicker
    .venv/bin/python bench/purge.py --database-url postgresql://postgres@127.0.0.1/test

Full size: 20 schools, 5,000 children, 9,000 guardians, 500,000 messages, and per child
and school year 150 attendance marks, 10 absence reports and 10 audit events. Issue 19:
the purge of such a municipality finishes in under 5 minutes on PostgreSQL.

Archiving is taken as done elsewhere ([archive] done_elsewhere = true, set on the loaded
municipality for the run): no archive packages exist, and otherwise every archivable
kind would be held and nothing of it deleted. Prints per kind what the survey found due,
what the purge deleted, its seconds and SQL statements, then checks that nothing still
within its period went.
"""
import argparse
import dataclasses
import datetime
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from app import create_app  # noqa: E402
from messages import generate  # noqa: E402
from models import MODELS, audit_chain
from models import db as dbmod
from models.absence.tables import Absence
from models.attendance.tables import AttendanceMark
from models.audit import AuditChild, AuditEvent
from models.login.passwords import use_fast_hashing_for_tests
from models.messaging.tables import Message, Thread
from models.retention import common, run
from models.school.tables import Child, Enrolment, Guardianship, User
from timing import database_url  # noqa: E402

YEARS = 8  # school years of history, the current one included


class Dialect:
    """The little SQL that differs: a moment `days` days and `hours` hours before
    another, and a moment as a parameter."""

    def __init__(self, postgres):
        self.postgres = postgres
        self.param = "%s" if postgres else "?"

    def moment(self):
        return "CAST(%s AS timestamp)" if self.postgres else "?"

    def minus(self, expr, days="0", hours="0"):
        if self.postgres:
            return (f"(({expr}) - ({days}) * interval '1 day'"
                    f" - ({hours}) * interval '1 hour')")
        return f"datetime({expr}, '-' || ({days}) || ' days', '-' || ({hours}) || ' hours')"


def sql(query, params=()):
    if dbmod.database.param == "%s":  # psycopg reads % as a placeholder
        query = query.replace(" % ", " %% ")
    return dbmod.database.execute_sql(query, params)


def step(label, began, **rows):
    counts = ", ".join(f"{n:,} {name}" for name, n in rows.items())
    print(f"  {label:34} {time.perf_counter() - began:6.1f} s  {counts}", flush=True)


def school_days(day, per_year):
    """{school year: its first `per_year` weekdays from 20 August, before `day`}, for
    the YEARS school years up to the one `day` falls in."""
    current = day.year if day.month >= 8 else day.year - 1
    years = {}
    for year in range(current - YEARS + 1, current + 1):
        first, days = datetime.date(year, 8, 20), []
        while len(days) < per_year and first < day:
            if first.weekday() < 5:
                days.append(first)
            first += datetime.timedelta(days=1)
        years[year] = days
    return years


def add_history(day, moment, d, marks, absences, audits):
    """Eight school years behind the generated municipality (see the module's doc)."""
    p = d.param
    years = school_days(day, marks)
    first_year = min(years)
    began = time.perf_counter()
    sql("CREATE TABLE bench_day (n INTEGER PRIMARY KEY, year INTEGER NOT NULL, "
        "day DATE NOT NULL, at TIMESTAMP NOT NULL)")
    rows = [(year, one.isoformat(), f"{one.isoformat()} 08:15:00")
            for year, days in sorted(years.items()) for one in days]
    for n, row in enumerate(rows):
        rows[n] = (n, *row)
    for start in range(0, len(rows), 1000):
        part = rows[start:start + 1000]
        sql("INSERT INTO bench_day (n, year, day, at) VALUES "
            + ", ".join([f"({p}, {p}, {p}, {p})"] * len(part)),
            [v for row in part for v in row])

    # Everyone enrolled from the first school year; a fifth left 2–6 years before `day`.
    sql(f"UPDATE enrolment SET start_date = {p}",
        [datetime.date(first_year, 8, 15).isoformat()])
    children = [c for (c,) in Child.select(Child.id).order_by(Child.id).tuples()]
    leaving = {}
    for k, child in enumerate(children[::5]):
        end = (common.years_before(day, 2 + k % 5)
               - datetime.timedelta(days=(k // 5) % 90))
        leaving.setdefault(end, []).append(child)
    for end, some in leaving.items():
        Enrolment.update(end_date=end).where(Enrolment.child.in_(some)).execute()
    step("enrolments", began, left=sum(map(len, leaving.values())),
         **{"school days": len(rows)})

    # Threads spread evenly over the eight years (7919: a prime, so that any number of
    # threads covers them); a leaver's in the 400 days before leaving; each thread's
    # five messages an hour apart up to its last.
    began = time.perf_counter()
    span = (day - datetime.date(first_year, 8, 20)).days
    sql(f"UPDATE thread SET last_message_at = "
        f"{d.minus(d.moment(), f'id * 7919 % {span}', 'id % 11')}", [moment.isoformat(" ")])
    sql("UPDATE thread SET last_message_at = "
        + d.minus("(SELECT MAX(e.end_date) FROM enrolment e "
                  "WHERE e.child_id = thread.child_id)", "1 + id % 400", "id % 11")
        + " WHERE child_id IN (SELECT child_id FROM enrolment WHERE end_date IS NOT NULL)")
    sql(f"UPDATE thread SET created_at = {d.minus('last_message_at', '0', '4')}")
    sql("UPDATE message SET created_at = "
        + d.minus("(SELECT t.last_message_at FROM thread t WHERE t.id = message.thread_id)",
                  "0", "4 - (id - 1) % 5"))
    step("threads and messages dated", began, threads=Thread.select().count(),
         messages=Message.select().count())

    enrolled_on = ("FROM enrolment e JOIN bench_day d ON d.day >= e.start_date "
                   "AND (e.end_date IS NULL OR d.day <= e.end_date)")
    every = max(1, marks // max(1, absences))
    audit_every = max(1, marks // max(1, audits))
    began = time.perf_counter()
    for year in sorted(years):
        sql("INSERT INTO attendance_mark (child_id, group_id, day, lesson, status, reason, "
            "marked_at) SELECT e.child_id, e.group_id, d.day, 0, "
            f"CASE WHEN (d.n + e.child_id) % {every} = 0 THEN 'absent' ELSE 'present' END, "
            f"'unknown', d.at {enrolled_on} WHERE d.year = {p}", [year])
    step("attendance marks", began, marks=AttendanceMark.select().count())

    began = time.perf_counter()
    if absences:
        sql("INSERT INTO absence (child_id, start_date, end_date, part, picked_up_by, "
            "reason, note, reported_by_id, reported_at, by_staff) "
            "SELECT e.child_id, d.day, d.day, 'whole', '', 'ill', '', g.guardian, d.at, "
            f"FALSE {enrolled_on} JOIN (SELECT child_id, MIN(guardian_id) AS guardian "
            "FROM guardianship GROUP BY child_id) g ON g.child_id = e.child_id "
            f"WHERE (d.n + e.child_id) % {every} = 0")
    step("absence reports", began, absences=Absence.select().count())

    # In time order, so that the seals' order is the events' (audit_chain.purge_before
    # cuts the chain at the first event it keeps); sealed now, as the worker's
    # minute-by-minute sealer would have.
    began = time.perf_counter()
    for year in sorted(years):
        sql("INSERT INTO audit_event (at, actor_name, action, object_type, object_id, ip, "
            "detail) SELECT d.at, 'Lærer', 'attendance.marked', 'child', e.child_id, '', "
            f"'{{}}' {enrolled_on} WHERE d.year = {p} AND (d.n + e.child_id) % {audit_every} "
            "= 1 ORDER BY d.n, e.child_id", [year])
    sql("INSERT INTO audit_child (event_id, child_id) SELECT id, object_id FROM "
        "audit_event WHERE action = 'attendance.marked' ORDER BY id")
    step("audit events", began, events=AuditEvent.select().count(),
         **{"event children": AuditChild.select().count()})
    began = time.perf_counter()
    sealed = audit_chain.seal()
    step("audit events sealed", began, seals=sealed)
    sql("DROP TABLE bench_day")
    began = time.perf_counter()
    if d.postgres:
        for model in MODELS:
            sql(f'ANALYZE "{model._meta.table_name}"')
    else:
        sql("ANALYZE")
    step("analyzed", began)


def kept(settings, day, moment):
    """Rows the purge on `day` must leave: within their periods, or of a child still
    enrolled (and that child's guardians)."""
    records = common.school_year_cutoff(day, settings["absence_school_years"])
    threads = Thread.select(Thread.id).where(Thread.last_message_at >= common.day_start(
        common.years_before(day, settings["messages_years"])))
    audit = common.day_start(common.years_before(day, settings["audit_log_years"]))
    enrolled = Enrolment.select(Enrolment.child).where(Enrolment.end_date.is_null())
    marks = AttendanceMark.select(AttendanceMark.child).where(AttendanceMark.day >= records)
    referred = (Child.id.in_(Thread.select(Thread.child).where(Thread.id.in_(threads)))
                | Child.id.in_(marks))
    return {
        "threads": threads.count(),
        "messages": Message.select().where(Message.thread.in_(threads)).count(),
        "attendance marks": marks.count(),
        "absence reports": Absence.select().where(Absence.end_date >= records).count(),
        "audit events": AuditEvent.select().where((AuditEvent.at >= audit)
                                                  & (AuditEvent.at < moment)).count(),
        "enrolled children": Child.select().where(Child.id.in_(enrolled)).count(),
        "children a kept record names": Child.select().where(referred).count(),
        "their guardianships": Guardianship.select().where(Guardianship.child.in_(enrolled))
        .count(),
        "their guardians' accounts": User.select().where(
            User.id.in_(Guardianship.select(Guardianship.guardian)
                        .where(Guardianship.child.in_(enrolled)))
            & ~User.username.startswith("erased:")).count(),
    }


class Recorder(logging.Handler):
    """Seconds and SQL statements per kind, read off the statements peewee logs and the
    line the purge logs after each kind."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements = 0
        self.kinds = {}
        self.loggers = {name: logging.getLogger(name)
                        for name in ("peewee", "kontaktbok.retention")}

    def __enter__(self):
        self.saved = {name: (lg.level, lg.propagate) for name, lg in self.loggers.items()}
        for lg in self.loggers.values():
            lg.setLevel(logging.DEBUG)
            lg.propagate = False
            lg.addHandler(self)
        self.mark, self.at = time.perf_counter(), 0
        return self

    def __exit__(self, *exc):
        for name, lg in self.loggers.items():
            lg.removeHandler(self)
            lg.setLevel(self.saved[name][0])
            lg.propagate = self.saved[name][1]

    def emit(self, record):
        if record.name == "peewee":
            self.statements += 1
        elif record.args:
            now = time.perf_counter()
            self.kinds[record.args[0]] = (now - self.mark, self.statements - self.at)
            self.mark, self.at = now, self.statements


def measure(app, day, moment):
    settings = common.settings_of(app)
    print(f"purge day {day} (clock {moment:%Y-%m-%d %H:%M} UTC); retention {settings.retention}")
    before = kept(settings, day, moment)
    began = time.perf_counter()
    with Recorder() as survey_rec:
        due = {o.kind: o for o in run.survey(settings, day)}
    survey_seconds = time.perf_counter() - began
    began = time.perf_counter()
    with Recorder() as rec:
        done = run.purge(settings, day)
    seconds = time.perf_counter() - began
    print(f"{'kind':18} {'due':>9} {'deleted':>9} {'held':>6} {'seconds':>8} {'statements':>11}")
    for outcome in done:
        spent, statements = rec.kinds.get(outcome.kind, (0, 0))
        flag = "" if outcome.count == due[outcome.kind].count else "  <- differs from survey"
        print(f"{outcome.kind:18} {due[outcome.kind].count:>9,} {outcome.count:>9,} "
              f"{outcome.held:>6,} {spent:>8.2f} {statements:>11,}{flag}")
    print(f"survey (dry run): {survey_seconds:.1f} s, {survey_rec.statements:,} statements")
    print(f"purge: {seconds:.1f} s, {rec.statements:,} statements")
    after = kept(settings, day, moment)
    for name, count in before.items():
        state = "ok" if after[name] == count else f"LOST {count - after[name]:,}"
        print(f"  kept {name:28} {count:>9,} -> {after[name]:>9,}  {state}")
    began = time.perf_counter()
    again = {o.kind: o.count for o in run.purge(settings, day) if o.count}
    print(f"second purge the same day: {time.perf_counter() - began:.1f} s, deleted {again}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database-url")
    parser.add_argument("--marks-per-year", type=int, default=150,
                        help="attendance marks per child and school year")
    parser.add_argument("--absences-per-year", type=int, default=10)
    parser.add_argument("--audit-per-year", type=int, default=10,
                        help="audit events per child and school year")
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated data (its place is printed) to study plans")
    args = parser.parse_args()
    use_fast_hashing_for_tests()
    tmp = tempfile.mkdtemp()
    os.environ["INSTANCE_PATH"] = tmp
    try:
        with database_url(args.database_url, tmp, keep=args.keep) as url:
            app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False})
            app.config["MUNICIPALITY"] = dataclasses.replace(
                app.config["MUNICIPALITY"], archive_done_elsewhere=True)
            print("archive: done_elsewhere = true for this run (nothing held for packages)")
            dialect = Dialect(url.startswith("postgres"))
            # The purge runs at night; the municipality was generated a moment ago.
            local = datetime.datetime.combine(
                datetime.date.today() + datetime.timedelta(days=1), datetime.time(2, 30))
            instant = local.astimezone()
            moment = instant.astimezone(datetime.timezone.utc).replace(tzinfo=None)
            with app.app_context(), dbmod.database.connection_context():
                dbmod.migrate(str(ROOT / "migrations"))
                began = time.perf_counter()
                sizes = generate(args.scale)["sizes"]
                print(f"generated {sizes[0]} schools, {sizes[1]:,} children, {sizes[2]:,} "
                      f"guardians, {sizes[3]:,} messages in "
                      f"{time.perf_counter() - began:.0f} s "
                      f"({'PostgreSQL' if dialect.postgres else 'SQLite'})", flush=True)
                began = time.perf_counter()
                add_history(local.date(), moment, dialect, args.marks_per_year,
                            args.absences_per_year, args.audit_per_year)
                print(f"history added in {time.perf_counter() - began:.0f} s", flush=True)
                dbmod.clock.set(instant)
                try:
                    measure(app, local.date(), moment)
                finally:
                    dbmod.clock.reset()
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
