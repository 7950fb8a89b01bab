"""The notification queue's throughput: an announcement from the unit leader to a school
of 500 families, then the queue sending what it wrote to a real SMTP server on loopback.

    .venv/bin/python bench/notify.py [--families 500] [--database-url postgresql://…]

Times (a) the announcement itself, which writes one notification row per guardian in
its own transaction (what the unit leader waits for); (b) the queue's dispatch of those
rows in one thread (models/notifications/queue.Queue.run), and (c) the same for a second
announcement with two threads at once, as the worker runs with --workers 2. Nobody has a
push device, so each push row falls back to an e-mail row (the default for guardians),
and every e-mail must arrive exactly once: the SMTP server's count must equal the e-mail
rows, with no Message-ID twice. Exits non-zero when one does not.
"""
import argparse
import collections
import datetime
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from peewee import fn  # noqa: E402
from playhouse.test_utils import count_queries  # noqa: E402

from app import create_app  # noqa: E402
from models import db as dbmod  # noqa: E402
from models.db import today, utcnow  # noqa: E402
from models.messaging import inbox  # noqa: E402
from models.notifications.tables import (EMAIL, FELL_BACK, PENDING, SENT,  # noqa: E402
                                         Notification)
from models.school.tables import (UNIT_LEADER, Child, Enrolment, Group,  # noqa: E402
                                  Guardianship, StaffRole, Unit, User, school_year_of)
from tests.smtp import smtp_server  # noqa: E402
from timing import database_url  # noqa: E402

GROUPS = 20
TIMEOUT = 150  # seconds for one dispatch: a queue that never stops is a failure


def school(families):
    """One school: `families` children in 20 groups; one guardian for every fifth child
    (sole responsibility), two for the others (shared); each with an e-mail address.
    Returns (unit, leader, number of guardians)."""
    day = today()
    year = school_year_of(day)
    start = min(datetime.date(year, 8, 15), day)
    with dbmod.database.atomic():
        unit = Unit.create(name="Bekkedalen skole", kind="school")
        groups = [Group.create(unit=unit, name=f"{1 + n // 3}{'ABC'[n % 3]}",
                               school_year=year).id for n in range(GROUPS)]
        leader = User.create(username="rektor", first_name="Rita", last_name="Rektorsen",
                             email="rektor@bench.kommune.no")
        StaffRole.create(user=leader, role=UNIT_LEADER, unit=unit)
        Child.insert_many([{"first_name": f"Barn{n}", "last_name": "Testesen",
                            "birth_date": day - datetime.timedelta(days=2500 + n % 2000)}
                           for n in range(families)]).execute()
        children = [c.id for c in Child.select(Child.id).order_by(Child.id)]
        Enrolment.insert_many([{"child": c, "group": groups[n % GROUPS],
                                "start_date": start}
                               for n, c in enumerate(children)]).execute()
        adults = [(n, k) for n in range(families) for k in range(1 if n % 5 == 0 else 2)]
        for chunk in range(0, len(adults), 500):
            User.insert_many([{"username": f"forelder{n}-{k}", "first_name": f"Forelder{k}",
                               "last_name": f"Testesen{n}",
                               "email": f"forelder{n}-{k}@example.org"}
                              for n, k in adults[chunk:chunk + 500]]).execute()
        ids = {u.username: u.id for u in User.select(User.id, User.username)}
        links = [{"guardian": ids[f"forelder{n}-{k}"], "child": children[n],
                  "responsibility": "sole" if n % 5 == 0 else "shared",
                  "fixed_residence": k == 0, "main_addressee": k == 0} for n, k in adults]
        for chunk in range(0, len(links), 500):
            Guardianship.insert_many(links[chunk:chunk + 500]).execute()
    dbmod.analyze()
    return unit, leader, len(adults)


def rows_by(*fields):
    """{(field values…): count} of the notification rows."""
    query = (Notification.select(*fields, fn.COUNT(Notification.id).alias("n"))
             .group_by(*fields).tuples())
    return {row[:-1]: row[-1] for row in query}


def announce(leader, unit, token):
    """(seconds, SQL queries) of an announcement to every guardian of the unit."""
    began = time.perf_counter()
    with count_queries() as counter:
        inbox.announce(leader, unit, None, "Foreldremøte torsdag",
                       "Velkommen til foreldremøte i gymsalen torsdag klokka 18.", token,
                       replies_allowed=True, per_child=False)
    return time.perf_counter() - began, counter.count


def dispatch_at():
    """When to run the dispatch: now, or, in quiet hours (push waits until morning),
    the moment they end, so the run does not depend on the time of day."""
    with dbmod.database.connection_context():
        latest = (Notification.select(fn.MAX(Notification.due_at))
                  .where(Notification.status == PENDING).scalar())
    if isinstance(latest, str):
        latest = datetime.datetime.fromisoformat(latest)
    return max(utcnow(), latest or utcnow()) + datetime.timedelta(seconds=1)


def dispatch(queue, threads):
    """Queue.run in `threads` threads at once, each with its own connection, as the
    worker's threads do. Returns (seconds, [{status: count} of each thread])."""
    now = dispatch_at()
    totals, errors = [None] * threads, []

    def work(n):
        try:
            totals[n] = queue.run(now=now)
        except Exception as error:  # noqa: BLE001 (raised again below, in the main thread)
            errors.append(error)

    workers = [threading.Thread(target=work, args=(n,), daemon=True)
               for n in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=max(1.0, TIMEOUT - (time.perf_counter() - began)))
    seconds = time.perf_counter() - began
    if any(worker.is_alive() for worker in workers):
        with dbmod.database.connection_context():
            now_rows = rows_by(Notification.channel, Notification.status)
        raise RuntimeError(f"Queue.run did not return within {TIMEOUT} s "
                           f"(the rows now: {now_rows})")
    if errors:
        raise errors[0]
    return seconds, totals


def handled(totals):
    """Rows a dispatch finished with (sent, fell back, dropped, failed)."""
    return sum(count for status, count in totals.items() if status != "retry")


def run(args, tmp):
    """Build the school, announce and dispatch twice. Returns (guardians, [(rows
    written, e-mails received, seconds, rows handled, {status: count})], statuses,
    the e-mails the server received)."""
    with database_url(args.database_url, tmp, args.keep) as url:
        app = create_app({"DATABASE_URL": url, "QUEUE_IMMEDIATE": False,
                          "PUBLIC_URL": "https://kontaktbok.bench.kommune.no"})
        queue = app.extensions["queue"]
        with app.app_context(), smtp_server(app) as smtp:
            with dbmod.database.connection_context():
                dbmod.migrate(str(ROOT / "migrations"))
                unit, leader, guardians = school(args.families)
            print(f"{args.families:,} families, {guardians:,} guardians, "
                  f"{'PostgreSQL' if url.startswith('postgres') else 'SQLite'}")
            print(f"{'':28} {'rows':>6} {'e-mails':>8} {'seconds':>8} {'rows/s':>7} "
                  f"{'queries':>8}   result")
            runs = []
            for n, threads in enumerate((1, 2)):
                with dbmod.database.connection_context():
                    before = sum(rows_by(Notification.channel).values())
                    seconds, queries = announce(leader, unit, f"bench-{n}")
                    written = sum(rows_by(Notification.channel).values()) - before
                print(f"{'announce to the whole unit':28} {written:>6,} {'':>8} "
                      f"{seconds:>8.2f} {written / seconds:>7,.0f} {queries:>8,}   "
                      f"{'again, warm' if n else 'first'}")
                received = len(smtp.messages)
                with count_queries() as counter:
                    seconds, totals = dispatch(queue, threads)
                mails = len(smtp.messages) - received
                merged = collections.Counter()
                for total in totals:
                    merged.update(total)
                done = handled(merged)
                result = ", ".join(f"{k} {v:,}" for k, v in sorted(merged.items()) if v)
                if threads > 1:
                    split = " + ".join(str(handled(t)) for t in totals)
                    result += f" (rows per thread: {split})"
                label = f"dispatch, {threads} thread{'s' if threads > 1 else ''}"
                print(f"{label:28} {done:>6,} {mails:>8,} {seconds:>8.2f} "
                      f"{done / seconds:>7,.0f} {counter.count:>8,}   {result}")
                runs.append((written, mails, seconds, done, merged))
            with dbmod.database.connection_context():
                statuses = rows_by(Notification.channel, Notification.status)
        dbmod.close_all()
    return guardians, runs, statuses, smtp.messages


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=500)
    parser.add_argument("--database-url")
    parser.add_argument("--keep", action="store_true", help="Keep the database.")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ["INSTANCE_PATH"] = tmp
    try:
        guardians, runs, statuses, messages = run(args, tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"\n{'notification rows':31} " + ", ".join(
        f"{channel} {status} {count:,}"
        for (channel, status), count in sorted(statuses.items())))
    email_rows = sum(c for (channel, _), c in statuses.items() if channel == EMAIL)
    sent = statuses.get((EMAIL, SENT), 0)
    ids = collections.Counter(message["Message-ID"] for _, message in messages)
    recipients = collections.Counter(to for tos, _ in messages for to in tos)
    print(f"{'e-mails the server received':31} {len(messages):,} (e-mail rows "
          f"{email_rows:,}, sent {sent:,}; distinct Message-IDs {len(ids):,}, "
          f"recipients {len(recipients):,})")

    failures = []
    for n, (written, mails, _, _, merged) in enumerate(runs, 1):
        if mails != written:
            failures.append(f"announcement {n}: {written} push rows, {mails} e-mails")
        if merged[SENT] != mails or merged[FELL_BACK] != written:
            failures.append(f"announcement {n}: the dispatch said {dict(merged)}")
    if not len(messages) == email_rows == sent:
        failures.append(f"{email_rows} e-mail rows, {sent} sent, {len(messages)} received")
    twice = [mid for mid, count in ids.items() if count > 1]
    if twice:
        failures.append(f"{len(twice)} Message-IDs received twice, e.g. {twice[0]}")
    if len(recipients) != guardians or set(recipients.values()) != {len(runs)}:
        failures.append(f"not every guardian got exactly {len(runs)} e-mails")

    print("\nthroughput (every guardian gets a push row, which falls back to an e-mail):")
    for threads, (written, mails, seconds, done, _) in enumerate(runs, 1):
        print(f"  {threads} thread{'s' if threads > 1 else ' '}: "
              f"{done / seconds:>5,.0f} notifications/s, {mails / seconds:>4,.0f} "
              f"e-mails/s; the last of {written:,} guardians told {seconds:.1f} s after")
    if failures:
        print("\nFAILED:\n" + "\n".join(failures))
        sys.exit(1)
    print("every e-mail arrived exactly once")


if __name__ == "__main__":
    main()
