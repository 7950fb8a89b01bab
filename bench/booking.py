"""300 guardians book a newly opened round of 30 parent–teacher meetings at once
(issue 20), on PostgreSQL under gunicorn with several workers.

    .venv/bin/python bench/booking.py [--guardians 300] [--slots 30] [--workers 4]
                                      [--database-url postgresql://postgres@127.0.0.1/test]

The bench makes its own data in a schema of its own (dropped afterwards): a school, one
group, one child and one guardian with parental responsibility per booker, a contact
teacher, and a round with `--slots` times and every child in it. Each guardian is
logged in (a login session and a signed cookie with a CSRF token, as the login page
would give), then all of them are released together by a barrier and post a booking:
guardian n wants time n mod slots, so ten guardians race for each time.

Checks: every time booked exactly once, every other guardian told "taken" (409 with
the page of remaining times), no other status, no error. Prints the timings and exits
non-zero when a check fails.
"""
import argparse
import datetime
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from app import create_app  # noqa: E402
from models import db as dbmod  # noqa: E402
from models.login.sessions import LoginSession  # noqa: E402
from models.meetings.tables import MeetingBooking, MeetingRound, MeetingRoundChild  # noqa: E402
from models.meetings.tables import MeetingSlot  # noqa: E402
from models.school.tables import (CONTACT_TEACHER, Child, Enrolment, Group,  # noqa: E402
                                  Guardianship, StaffRole, Unit, User, school_year_of)
from run import free_port, stop, wait_for  # noqa: E402
from timing import database_url  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-for-anything-at-all"
BIN = Path(sys.executable).parent


def build(guardians, slots):
    """The school, the families and the round; returns (round id, [(user, child)])."""
    now = dbmod.utcnow()
    day = dbmod.today()
    year = school_year_of(day)
    with dbmod.database.atomic():
        school = Unit.create(name="Bekkedalen skole", kind="school")
        group = Group.create(unit=school, name="5B", school_year=year)
        teacher = User.create(username="laerer", first_name="Lærer", last_name="Bekk")
        StaffRole.create(user=teacher, role=CONTACT_TEACHER, unit=school, group=group)
        found = MeetingRound.create(unit=school, group=group, title="Foreldresamtaler",
                                    deadline=now + datetime.timedelta(days=5),
                                    created_by=teacher)
        starts = datetime.datetime.combine(day + datetime.timedelta(days=7),
                                           datetime.time(12))
        MeetingSlot.insert_many([
            {"round": found.id, "starts_at": starts + datetime.timedelta(minutes=20 * n),
             "ends_at": starts + datetime.timedelta(minutes=20 * n + 15),
             "first_day": starts.date(), "place": "Rom 5B"} for n in range(slots)]).execute()
        families = []
        for n in range(guardians):
            child = Child.create(first_name=f"Barn{n}", last_name="Testesen",
                                 birth_date=datetime.date(year - 10, 5, 1))
            Enrolment.create(child=child, group=group, start_date=datetime.date(year, 8, 15))
            user = User.create(username=f"forelder{n}", first_name="Forelder",
                               last_name=f"Testesen{n}")
            Guardianship.create(guardian=user, child=child, responsibility="sole",
                                fixed_residence=True, main_addressee=True)
            MeetingRoundChild.create(round=found, child=child)
            families.append((user, child.id))
    dbmod.analyze()
    return found.id, families


def cookies(app, families):
    """A signed session cookie and its CSRF token for each guardian, as a login gives."""
    from flask import session
    from flask_wtf.csrf import generate_csrf
    serializer = app.session_interface.get_signing_serializer(app)
    signed = []
    for user, child_id in families:
        with app.test_request_context():
            dbmod.database.connect(reuse_if_open=True)  # the request's teardown closes it
            session["_user_id"] = LoginSession.start(user)
            session["_fresh"] = True
            token = generate_csrf()
            signed.append((serializer.dumps(dict(session)), token, child_id))
    return signed


def post(port, path, cookie, token, slot, results, barrier, index):
    body = urlencode({"slot": slot, "csrf_token": token})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    barrier.wait()
    began = time.perf_counter()
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"kontaktbok={cookie}", "Referer": f"http://127.0.0.1:{port}/"})
        response = connection.getresponse()
        text = response.read().decode()
        results[index] = (response.status, time.perf_counter() - began, text)
    except Exception as error:  # noqa: BLE001 (counted as an error below)
        results[index] = (0, time.perf_counter() - began, repr(error))
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--guardians", type=int, default=300)
    parser.add_argument("--slots", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="kontaktbok-booking-")
    with database_url(args.database_url, tmp) as url:
        os.environ["INSTANCE_PATH"] = tmp
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
        with app.app_context(), dbmod.database.connection_context():
            dbmod.migrate(str(ROOT / "migrations"))
            round_id, families = build(args.guardians, args.slots)
            slot_ids = [s for (s,) in MeetingSlot.select(MeetingSlot.id)
                        .order_by(MeetingSlot.id).tuples()]
        signed = cookies(app, families)  # each in an app context of its own (g)
        dbmod.close_all()
        port = free_port()
        env = {**os.environ, "INSTANCE_PATH": tmp, "KONTAKTBOK_ENV": "demo",
               "DATABASE_URL": url, "SECRET_KEY": SECRET}
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(args.workers), "--bind",
             f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning",
             "app:create_app()"], env=env, cwd=ROOT, start_new_session=True)
        try:
            wait_for(port)
            for _ in range(4 * args.workers):  # every worker booted and warm
                warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                warm.request("GET", "/login")
                warm.getresponse().read()
                warm.close()
            results = [None] * len(signed)
            barrier = threading.Barrier(len(signed))
            threads = [threading.Thread(target=post, args=(
                port, f"/meetings/{round_id}/children/{child_id}", cookie, token,
                slot_ids[n % len(slot_ids)], results, barrier, n))
                for n, (cookie, token, child_id) in enumerate(signed)]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - began
        finally:
            stop(server)
        with app.app_context(), dbmod.database.connection_context():
            per_slot = dict(MeetingBooking.select(MeetingBooking.slot, MeetingBooking.id)
                            .tuples())
            counts = {}
            for slot in MeetingBooking.select(MeetingBooking.slot).tuples():
                counts[slot[0]] = counts.get(slot[0], 0) + 1
        dbmod.close_all()
    statuses = {}
    for status, _, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    booked = [r for r in results if r[0] == 303]
    taken = [r for r in results if r[0] == 409 and "error-summary" in r[2]]
    seconds = sorted(r[1] for r in results)
    kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"{len(signed)} guardians, {len(slot_ids)} times, gunicorn with {args.workers} "
          f"workers, {kind}")
    print(f"statuses: {dict(sorted(statuses.items()))}")
    print(f"booked: {len(booked)}, told taken: {len(taken)}, times booked: {len(per_slot)} "
          f"of {len(slot_ids)}, most bookings of one time: {max(counts.values(), default=0)}")
    print(f"all {len(signed)} answered in {wall:.2f} s; per request median "
          f"{statistics.median(seconds) * 1000:.0f} ms, 95th percentile "
          f"{seconds[int(len(seconds) * 0.95) - 1] * 1000:.0f} ms, slowest "
          f"{seconds[-1] * 1000:.0f} ms")
    ok = (len(per_slot) == len(slot_ids) and max(counts.values(), default=0) == 1
          and len(booked) == len(slot_ids) and len(booked) + len(taken) == len(signed))
    if not ok:
        odd = next((r for r in results if r[0] not in (303, 409)), None)
        print(odd and odd[2][:3000])
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
