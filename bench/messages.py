"""Messaging at municipal scale: generate a municipality, then time the inbox, a thread,
the unread-count poll and message search (a common and a rare word) for a guardian and
for a school leader.

    .venv/bin/python bench/messages.py                       # full size, SQLite
    .venv/bin/python bench/messages.py --scale 0.1           # a tenth, quicker
    .venv/bin/python bench/messages.py --database-url postgresql://postgres@127.0.0.1/test

Full size: 20 schools, 5,000 children, 9,000 guardians, 500,000 messages. Prints the
median and 95th percentile latency (in-process, through the whole Flask stack) and the
SQL queries each request costs, and the search's query plan (--plans).

The messages are written from a vocabulary whose words are used with Zipf's law, as
words are: the most common is in about a third of all messages, the rarest in a few.
"""
import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from app import create_app  # noqa: E402
from models import db as dbmod
from models.db import utcnow
from models.login.passwords import use_fast_hashing_for_tests
from models.login.sessions import LoginSession
from models.messaging import search_index
from models.messaging.tables import Message, Thread, ThreadParticipant
from models.school.tables import Child, Enrolment, Group, Guardianship, StaffRole, Unit, User
from timing import database_url, timed  # noqa: E402

CHUNK = 5000
# Real words first (the common ones), then made-up ones for the long tail.
WORDS = ("skolen tur lekser matpakke gymtøy klærne foreldremøte syk fravær beskjed "
         "henting bursdag svømming uteskole regntøy skidag bibliotek leksehjelp "
         "klassetur juleavslutning").split() + [f"ord{n}" for n in range(3000)]
COMMON, RARE = "skolen", "ord2500"


def body(rng):
    """A message of 3 to 40 words drawn by Zipf's law from WORDS."""
    return "Hei! " + " ".join(rng.choices(WORDS, WEIGHTS, k=rng.randint(3, 40))) + "."


WEIGHTS = [1 / (rank + 1) for rank in range(len(WORDS))]


def bulk(model, rows):
    for start in range(0, len(rows), CHUNK):
        model.insert_many(rows[start:start + CHUNK]).execute()


def generate(scale, seed=7):
    rng = random.Random(seed)
    schools, children = max(1, round(20 * scale)), round(5000 * scale)
    guardians, messages = round(9000 * scale), round(500_000 * scale)
    today = datetime.date.today()
    year = today.year if today.month >= 8 else today.year - 1
    start = datetime.date(year, 8, 15)
    now = utcnow()
    with dbmod.database.atomic():
        bulk(Unit, [{"name": f"Skole {n}", "kind": "school"} for n in range(schools)])
        units = [u.id for u in Unit.select(Unit.id)]
        bulk(Group, [{"unit": u, "name": f"{grade}{letter}", "school_year": year}
                     for u in units for grade in range(1, 8) for letter in "AB"])
        groups = [(g.id, g.unit_id) for g in Group.select(Group.id, Group.unit)]
        bulk(User, [{"username": f"g{n}", "first_name": "Foresatt", "last_name": str(n)}
                    for n in range(guardians)]
             + [{"username": f"t{g}", "first_name": "Lærer", "last_name": str(g)}
                for g, _ in groups]
             + [{"username": f"r{u}", "first_name": "Rektor", "last_name": str(u)}
                for u in units])
        ids = {u.username: u.id for u in User.select(User.id, User.username)}
        bulk(StaffRole, [{"user": ids[f"t{g}"], "role": "contact_teacher", "unit": u,
                          "group": g} for g, u in groups]
             + [{"user": ids[f"r{u}"], "role": "unit_leader", "unit": u} for u in units])
        bulk(Child, [{"first_name": f"Barn{n}", "last_name": "Test",
                      "birth_date": today - datetime.timedelta(days=2500 + n % 2000)}
                     for n in range(children)])
        child_ids = [c.id for c in Child.select(Child.id).order_by(Child.id)]
        placement = {c: groups[n % len(groups)] for n, c in enumerate(child_ids)}
        bulk(Enrolment, [{"child": c, "group": g, "start_date": start}
                         for c, (g, _) in placement.items()])
        homes = {}
        rows = []
        for n, child in enumerate(child_ids):
            parents = [ids[f"g{(2 * n) % guardians}"], ids[f"g{(2 * n + 1) % guardians}"]]
            homes[child] = sorted(set(parents))
            rows += [{"guardian": p, "child": child, "responsibility": "shared"}
                     for p in homes[child]]
        bulk(Guardianship, rows)
        per_thread = 5
        thread_count = max(1, messages // per_thread)
        threads = []
        for n in range(thread_count):
            child = child_ids[n % len(child_ids)]
            group, unit = placement[child]
            threads.append({"unit": unit, "child": child, "subject": f"Sak {n}",
                            "created_by": homes[child][0],
                            "last_message_at": now - datetime.timedelta(minutes=n)})
        bulk(Thread, threads)
        thread_rows = list(Thread.select(Thread.id, Thread.child, Thread.unit))
        participants, bodies = [], []
        for thread in thread_rows:
            group, _ = placement[thread.child_id]
            teacher = ids[f"t{group}"]
            guardian = homes[thread.child_id][0]
            participants += [{"thread": thread.id, "user": guardian, "role": "guardian",
                              "last_read_at": now - datetime.timedelta(days=1)},
                             {"thread": thread.id, "user": teacher, "role": "staff",
                              "last_read_at": now}]
            for m in range(per_thread):
                bodies.append({"thread": thread.id, "sender": (guardian, teacher)[m % 2],
                               "body": body(rng),
                               "created_at": now - datetime.timedelta(hours=per_thread - m)})
        bulk(ThreadParticipant, participants)
        bulk(Message, bodies)
    began = time.perf_counter()
    with dbmod.database.atomic():
        search_index.index_missing()  # as the migration indexes an installation
    indexed = time.perf_counter() - began
    busiest = (ThreadParticipant.select(ThreadParticipant.user).where(
        ThreadParticipant.role == "guardian").order_by(ThreadParticipant.user).first().user_id)
    return {"guardian": busiest, "leader": ids[f"r{units[0]}"],
            "sizes": (schools, children, guardians, Message.select().count()),
            "indexed": indexed}


def plan(user, word):
    """The search query's plan, as the database explains it."""
    from models import access
    from models.messaging import search
    prepared, params = search.query(user, word, staff=access.is_staff(user))
    _, sql, slots = prepared._compile()  # the SQL and where each parameter goes
    values = [(convert(params[name]) if convert else params[name]) if name else constant
              for name, convert, constant in slots]
    postgres = search_index.is_postgres()
    prefix = "EXPLAIN (ANALYZE, COSTS OFF) " if postgres else "EXPLAIN QUERY PLAN "
    rows = dbmod.database.execute_sql(prefix + sql, values).fetchall()
    lines = [str(row[0] if postgres else row[3]) for row in rows]
    # The rule's many small subplans are the inbox's; show how the words are looked up.
    keep = ("message_search", "hits", "ranked", "Execution Time", "Planning Time",
            "Bitmap", "Hash", "Nested Loop", "Sort", "WindowAgg", "CTE", "Limit")
    return "\n".join(line for line in lines if any(k in line for k in keep))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url")
    parser.add_argument("--plans", action="store_true",
                        help="print the search query's plan for each person and word")
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated data (its place is printed) to study plans")
    args = parser.parse_args()
    use_fast_hashing_for_tests()
    tmp = tempfile.mkdtemp()
    os.environ["INSTANCE_PATH"] = tmp
    with database_url(args.database_url, tmp, keep=args.keep) as url:
        app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False})
        kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        with dbmod.database.connection_context():
            dbmod.migrate(str(ROOT / "migrations"))
            began = time.perf_counter()
            cast = generate(args.scale)
            print(f"generated {cast['sizes'][0]} schools, {cast['sizes'][1]:,} children, "
                  f"{cast['sizes'][2]:,} guardians, {cast['sizes'][3]:,} messages in "
                  f"{time.perf_counter() - began:.0f} s ({kind}; search index "
                  f"{cast['indexed']:.0f} s)")
            dbmod.database.execute_sql("ANALYZE")
            people = {who: User.get_by_id(uid) for who, uid in
                      (("guardian", cast["guardian"]), ("school leader", cast["leader"]))}
            thread_of = {who: Thread.select(Thread.id).join(ThreadParticipant).where(
                ThreadParticipant.user == user).order_by(Thread.id).first()
                for who, user in people.items()}
            thread_of["school leader"] = thread_of["guardian"]
        print(f"{'who':14} {'page':22} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for who, user in people.items():
            client = app.test_client()
            with dbmod.database.connection_context():
                token = LoginSession.start(user)
            with client.session_transaction() as session:
                session["_user_id"] = token
            for name, path in (("inbox", "/messages/"),
                               ("thread", f"/messages/{thread_of[who].id}"),
                               ("unread-count poll", "/messages/unread"),
                               ("search, common word", f"/messages/search?q={COMMON}"),
                               ("search, rare word", f"/messages/search?q={RARE}"),
                               ("search, two words", f"/messages/search?q={COMMON}+tur")):
                median, p95, queries, _ = timed(client, path, args.runs)
                print(f"{who:14} {name:22} {median:>10.2f} {p95:>8.2f} {queries:>8}")
            if args.plans:
                with dbmod.database.connection_context():
                    for word in (COMMON, RARE):
                        print(f"--- plan: {who}, {word}")
                        print(plan(user, word))


if __name__ == "__main__":
    main()
