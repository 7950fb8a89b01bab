"""A morning at a 500-pupil school and a 120-child kindergarten (issue 18), with the
notification worker running and a real SMTP server on loopback.

    .venv/bin/python bench/morning.py [--pupils 500] [--children 120]
                                      [--database-url postgresql://…]

The school's 20 contact teachers save their day registers (each a whole group of 25 in
one request's transaction), 5% of the pupils marked absent with no word from home; the
kindergarten's staff check 120 children in, from two threads, while the registers are
saved. The worker thread is woken by each save, as huey's dispatch task is, and sends
the notices of unexplained absence: nobody has a push device, so each falls back to an
e-mail. The morning is compressed: the registers come a quarter of a second apart (the
issue's five minutes would be 15 s apart) and the check-ins as fast as two threads
manage (an hour's worth in seconds), so the load is harsher than a real morning.

Prints the time per register save and per check-in (median and the slowest), and the
time from each "absent" to the e-mail arriving at the guardian's server, and exits
non-zero when a notice takes 30 seconds or more, a notice is missing or one arrives
twice, or a save or check-in fails.
"""
import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import tests.smtp  # noqa: E402
from app import create_app  # noqa: E402
from models import db as dbmod  # noqa: E402
from models.attendance import register  # noqa: E402
from models.attendance import settings as attendance_settings  # noqa: E402
from models.attendance.tables import ABSENT, PRESENT, UNKNOWN  # noqa: E402
from models.daycare import presence  # noqa: E402
from models.notifications import notify  # noqa: E402
from models.notifications.timing import municipality_zone  # noqa: E402
from models.school.tables import (CONTACT_TEACHER, KINDERGARTEN_STAFF,  # noqa: E402
                                  Child, Enrolment, Group, Guardianship, StaffRole, Unit,
                                  User, school_year_of)
from timing import database_url  # noqa: E402

# A Monday in term, 08:15 in Oslo: the registers are kept at the start of the day.
MORNING = datetime.datetime(2026, 11, 16, 8, 15, tzinfo=ZoneInfo("Europe/Oslo"))
GROUP_SIZE, DEPARTMENT_SIZE = 25, 20
ABSENT_SHARE = 20  # one pupil in 20 (5%) is absent without a word
TARGET = 30.0      # seconds from "absent" to the guardian's notice
SAVE_GAP = 0.25    # seconds between two registers


class TimedInbox(tests.smtp.Inbox):
    """The SMTP server's inbox, with when each message arrived (perf_counter)."""

    def __init__(self):
        super().__init__()
        self.arrived = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        answer = await super().handle_DATA(server, session, envelope)
        self.arrived.append((time.perf_counter(), list(envelope.rcpt_tos)))
        return answer


def build(pupils, children):
    """The school (groups of 25, a contact teacher each, one or two guardians per pupil
    with an e-mail address) and the kindergarten (departments of 20, a member of staff
    each). Returns (school groups [(group, teacher, [child ids])], departments [(group,
    staff, [child ids])], {child id: [guardian e-mails]})."""
    day = MORNING.date()
    year = school_year_of(day)
    start = datetime.date(year, 8, 15)
    with dbmod.database.atomic():
        school = Unit.create(name="Bekkedalen skole", kind="school")
        kindergarten = Unit.create(name="Bekkedalen barnehage", kind="kindergarten")

        def people(unit, size, total, role, prefix, born):
            groups = []
            for n in range(0, total, size):
                group = Group.create(unit=unit, name=f"{prefix}{n // size + 1}",
                                     school_year=year)
                staff = User.create(username=f"{prefix}-staff{n // size}",
                                    first_name="Ansatt", last_name=f"{prefix}{n // size}")
                StaffRole.create(user=staff, role=role, unit=unit, group=group)
                ids = [Child.insert(first_name=f"Barn{prefix}{k}", last_name="Testesen",
                                    birth_date=born).execute()
                       for k in range(n, min(n + size, total))]
                Enrolment.insert_many([{"child": c, "group": group, "start_date": start}
                                       for c in ids]).execute()
                groups.append((group, staff, ids))
            return groups

        school_groups = people(school, GROUP_SIZE, pupils, CONTACT_TEACHER, "S",
                               datetime.date(year - 9, 5, 1))
        departments = people(kindergarten, DEPARTMENT_SIZE, children, KINDERGARTEN_STAFF,
                             "B", datetime.date(year - 4, 5, 1))
        emails = {}
        for n, child_id in enumerate(c for _, _, ids in school_groups for c in ids):
            for k in range(1 if n % 5 == 0 else 2):
                address = f"forelder{n}-{k}@example.org"
                guardian = User.create(username=f"forelder{n}-{k}", first_name="Forelder",
                                       last_name=f"Testesen{n}", email=address)
                Guardianship.create(guardian=guardian, child=child_id,
                                    responsibility="sole" if n % 5 == 0 else "shared",
                                    fixed_residence=k == 0, main_addressee=k == 0)
                emails.setdefault(child_id, []).append(address)
    dbmod.analyze()
    return school_groups, departments, emails


class Worker(threading.Thread):
    """The notification worker: woken by each commit that published notifications (as
    huey's dispatch task is), and every minute anyway."""

    def __init__(self, queue):
        super().__init__(daemon=True)
        self.queue, self.woken, self.stopping = queue, threading.Event(), False
        self.errors = []

    def run(self):
        while not self.stopping:
            self.woken.wait(60)
            self.woken.clear()
            try:
                self.queue.run()
            except Exception as error:  # noqa: BLE001 (reported by the main thread)
                self.errors.append(error)


def save_registers(app, school_groups, saved_at, timings, errors):
    """Each teacher saves the group's register: everyone present but every 20th pupil,
    absent with no reason given. Records when each absent pupil was saved."""
    day = MORNING.date()
    with app.app_context(), dbmod.database.connection_context():
        try:
            settings = attendance_settings.of_unit(school_groups[0][0].unit_id)
            for number, (group, teacher, ids) in enumerate(school_groups):
                marks = {c: (ABSENT if (number * GROUP_SIZE + k) % ABSENT_SHARE == 7
                             else PRESENT, None, UNKNOWN) for k, c in enumerate(ids)}
                began = time.perf_counter()
                register.save(group, day, marks, teacher, settings=settings)
                done = time.perf_counter()
                notify.wake()  # committed: as the request's after_request does
                timings.append(done - began)
                for child_id, (status, _, _) in marks.items():
                    if status == ABSENT:
                        saved_at[child_id] = done
                time.sleep(SAVE_GAP)
        except Exception as error:  # noqa: BLE001
            errors.append(error)


def check_in(app, departments, timings, errors):
    """The kindergarten's staff check their departments' children in."""
    with app.app_context(), dbmod.database.connection_context():
        try:
            for group, staff, ids in departments:
                for child_id in ids:
                    began = time.perf_counter()
                    presence.check_in(child_id, group.id, staff)
                    timings.append(time.perf_counter() - began)
        except Exception as error:  # noqa: BLE001
            errors.append(error)


def summary(seconds):
    seconds = sorted(seconds)
    return (f"median {statistics.median(seconds) * 1000:7.1f} ms, "
            f"slowest {seconds[-1] * 1000:7.1f} ms")


def run(args, tmp):
    with database_url(args.database_url, tmp) as url:
        app = create_app({"DATABASE_URL": url, "QUEUE_IMMEDIATE": False,
                          "PUBLIC_URL": "https://kontaktbok.bench.kommune.no"})
        tests.smtp.Inbox = TimedInbox
        dbmod.clock.set(MORNING)
        with app.app_context(), tests.smtp.smtp_server(app) as inbox:
            with dbmod.database.connection_context():
                dbmod.migrate(str(ROOT / "migrations"))
                school_groups, departments, emails = build(args.pupils, args.children)
            worker = Worker(app.extensions["queue"])
            notify.configure(worker.woken.set, municipality_zone())
            worker.start()
            kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
            print(f"{args.pupils} pupils in {len(school_groups)} groups, {args.children} "
                  f"children in {len(departments)} departments, {kind}")
            saved_at, saves, check_ins, errors = {}, [], [], []
            jobs = [threading.Thread(target=save_registers,
                                     args=(app, school_groups, saved_at, saves, errors))]
            halves = (departments[::2], departments[1::2])
            jobs += [threading.Thread(target=check_in, args=(app, half, check_ins, errors))
                     for half in halves]
            began = time.perf_counter()
            for job in jobs:
                job.start()
            for job in jobs:
                job.join()
            morning = time.perf_counter() - began
            wanted = {address: child for child in saved_at for address in emails[child]}
            deadline = time.perf_counter() + TARGET * 2
            while time.perf_counter() < deadline and not set(wanted) <= {
                    to for _, tos in inbox.arrived for to in tos}:
                time.sleep(0.2)
            worker.stopping = True
            worker.woken.set()
            worker.join(10)
        dbmod.close_all()
    dbmod.clock.reset()
    return (saves, check_ins, saved_at, wanted, inbox.arrived, morning,
            errors + worker.errors)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=500)
    parser.add_argument("--children", type=int, default=120)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ["INSTANCE_PATH"] = tmp
    try:
        saves, check_ins, saved_at, wanted, arrived, morning, errors = run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    failures = [f"{type(e).__name__}: {e}" for e in errors]
    received = {}
    for at, tos in arrived:
        for to in tos:
            received.setdefault(to, []).append(at)
    latencies = []
    for address, child in sorted(wanted.items()):
        times = received.get(address, [])
        if not times:
            failures.append(f"no notice reached {address}")
            continue
        if len(times) > 1:
            failures.append(f"{address} got {len(times)} notices")
        latencies.append(times[0] - saved_at[child])
    unexpected = set(received) - set(wanted)
    if unexpected:
        failures.append(f"{len(unexpected)} guardians of present pupils got e-mail")

    print(f"the morning's work took {morning:.1f} s")
    print(f"{len(saves):4} registers saved      {summary(saves)}")
    print(f"{len(check_ins):4} children checked in  {summary(check_ins)}")
    if latencies:
        print(f"{len(latencies):4} notices of unexplained absence ({len(saved_at)} pupils, "
              f"{len(wanted)} guardians): from \"absent\" to the e-mail "
              f"{summary(latencies)} (target under {TARGET:.0f} s)")
        if max(latencies) >= TARGET:
            failures.append(f"a notice took {max(latencies):.1f} s")
    if failures:
        print("\nFAILED:\n" + "\n".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
