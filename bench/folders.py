"""Staff's folders at municipal scale (issue 22): bench/messages.py's municipality, with
a third of the threads marked done and a follow-up flag on a tenth of the school
leader's and the busiest teacher's threads; times each folder of the inbox and prints
the query plan of the inbox query for each.

    .venv/bin/python bench/folders.py --scale 0.1
    .venv/bin/python bench/folders.py --scale 0.1 --database-url postgresql://postgres@127.0.0.1/test
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from app import create_app  # noqa: E402
from messages import generate  # noqa: E402
from models import db as dbmod  # noqa: E402
from models.db import today, utcnow  # noqa: E402
from models.login.passwords import use_fast_hashing_for_tests  # noqa: E402
from models.login.sessions import LoginSession  # noqa: E402
from models.messaging import inbox  # noqa: E402
from models.messaging.tables import Thread, ThreadFollowUp, ThreadParticipant  # noqa: E402
from models.school.tables import StaffRole, User, eighteenth_birthday_cutoff  # noqa: E402
from timing import database_url, timed  # noqa: E402

FOLDERS = ("", "answer", "follow-up", "done", "archived")


def file_some(leader_id):
    """Every third thread done (by the leader), a follow-up on every tenth thread of
    the leader's school for the leader and for the thread's teacher."""
    with dbmod.database.atomic():
        (Thread.update(done_at=utcnow(), done_by=leader_id)
         .where(Thread.id - Thread.id / 3 * 3 == 0).execute())
        unit = StaffRole.get(StaffRole.user == leader_id).unit_id
        rows = []
        for thread_id, teacher in (
                Thread.select(Thread.id, ThreadParticipant.user)
                .join(ThreadParticipant, on=(ThreadParticipant.thread == Thread.id))
                .where((Thread.unit == unit) & (Thread.id - Thread.id / 10 * 10 == 0)
                       & (ThreadParticipant.role == "staff")).tuples()):
            rows += [{"thread": thread_id, "user": leader_id, "created_at": utcnow()},
                     {"thread": thread_id, "user": teacher, "due": today(),
                      "created_at": utcnow()}]
        for start in range(0, len(rows), 5000):
            ThreadFollowUp.insert_many(rows[start:start + 5000]).execute()


def plan(user, folder):
    """The database's plan for the folder's inbox query."""
    day = today()
    extra = folder in ("follow-up", "done")
    query = inbox._inbox_query(user.id, day, eighteenth_birthday_cutoff(day), 31, 0,
                               needs_answer=folder == "answer",
                               archived=folder == "archived", staff=True,
                               folder=folder if extra else None)
    sql, params = query.sql()
    postgres = isinstance(dbmod.database.obj, dbmod.PooledPostgresqlDatabase)
    rows = dbmod.database.execute_sql(
        ("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + sql, params).fetchall()
    return "\n".join("    " + (row[0] if postgres else row[-1]) for row in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--database-url")
    parser.add_argument("--plans", action="store_true", help="print the query plans")
    args = parser.parse_args()
    use_fast_hashing_for_tests()
    tmp = tempfile.mkdtemp()
    os.environ["INSTANCE_PATH"] = tmp
    with database_url(args.database_url, tmp) as url:
        app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False})
        kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        with dbmod.database.connection_context():
            dbmod.migrate(str(ROOT / "migrations"))
            began = time.perf_counter()
            cast = generate(args.scale)
            file_some(cast["leader"])
            print(f"generated and filed in {time.perf_counter() - began:.0f} s ({kind}): "
                  f"{Thread.select().where(Thread.done_at.is_null(False)).count():,} of "
                  f"{Thread.select().count():,} threads done, "
                  f"{ThreadFollowUp.select().count():,} follow-ups")
            dbmod.database.execute_sql("ANALYZE")
            leader = User.get_by_id(cast["leader"])
            teacher = User.get_by_id(ThreadFollowUp.select(ThreadFollowUp.user).where(
                ThreadFollowUp.user != leader.id).scalar())
            people = {"school leader": leader, "teacher": teacher}
        print(f"{'who':14} {'folder':12} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for who, user in people.items():
            client = app.test_client()
            with dbmod.database.connection_context():
                token = LoginSession.start(user)
            with client.session_transaction() as session:
                session["_user_id"] = token
            for folder in FOLDERS:
                path = f"/messages/?folder={folder}" if folder else "/messages/"
                median, p95, queries, _ = timed(client, path, args.runs)
                print(f"{who:14} {folder or 'inbox':12} {median:>10.2f} {p95:>8.2f} "
                      f"{queries:>8}")
                if args.plans:
                    with dbmod.database.connection_context():
                        print(plan(user, folder))


if __name__ == "__main__":
    main()
