"""Roster import at municipality scale: 10,000 children and 18,000 guardians in 40
schools and kindergartens, as a Kontaktbok CSV zip. Times reading, the preview (plan)
and applying, then the same file again (which must change nothing), and a second file
where 5% of the pupils have left and 5% of the guardians changed e-mail.

    .venv/bin/python bench/roster.py [--children 10000] [--database-url postgresql://…]
"""
import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from app import create_app  # noqa: E402
from models import db as dbmod  # noqa: E402
from models.roster import applying, reading, roster  # noqa: E402
from timing import database_url  # noqa: E402

YEAR = 2026


def _csv(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def municipality(children, seed=1, left=0.0, moved=0.0):
    """A synthetic municipality: 1.8 guardians per child, 25 children a group."""
    rng = random.Random(seed)
    units = [{"id": f"U{n}", "name": f"Skole {n}", "kind": "school" if n < 30
              else "kindergarten"} for n in range(40)]
    groups = [{"id": f"G{n}", "unit": f"U{n % 40}", "name": f"Gruppe {n}",
               "school_year": YEAR} for n in range(children // 25 + 1)]
    kids, adults, links, staff = [], [], [], []
    for n in range(children):
        number = f"{(n % 28) + 1:02d}{(n % 12) + 1:02d}{15 + n % 5:02d}{n:05d}"
        if rng.random() >= left:
            kids.append({"national_id": number, "first_name": f"Barn{n}",
                         "last_name": "Testesen", "birth_date": f"20{15 + n % 5}-01-01",
                         "groups": f"G{n // 25}"})
        for k in range(1 if n % 5 == 0 else 2):
            adult = f"{(n % 28) + 1:02d}{(n % 12) + 1:02d}8{k}{n:05d}"
            email = f"forelder{n}-{k}@example.org"
            if rng.random() < moved:
                email = f"ny{n}-{k}@example.org"
            adults.append({"national_id": adult, "first_name": f"Forelder{k}",
                           "last_name": f"Testesen{n}", "email": email})
            if kids and kids[-1]["national_id"] == number:
                links.append({"guardian": adult, "child": number,
                              "responsibility": "felles" if n % 5 else "alene",
                              "fixed_residence": "ja" if k == 0 else "nei",
                              "main_addressee": "ja" if k == 0 else "nei"})
    for n, group in enumerate(groups):
        staff.append({"username": f"laerer{n}", "first_name": "Lærer", "last_name": str(n),
                      "role": "contact_teacher", "unit": "", "group": group["id"]})
    files = {"units.csv": units, "groups.csv": groups, "children.csv": kids,
             "guardians.csv": adults, "guardianships.csv": links, "staff.csv": staff}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in files.items():
            archive.writestr(name, _csv(rows))
    return out.getvalue(), len(kids), len(adults)


def timed_import(data, label):
    began = time.perf_counter()
    fmt, found = reading.read("bench.zip", data, YEAR)
    read_at = time.perf_counter()
    with dbmod.database.connection_context():
        plan = roster.plan(found, fmt)
        planned_at = time.perf_counter()
        if plan.changes:
            applying.apply(plan)
            dbmod.analyze()
    done = time.perf_counter()
    changes = ", ".join(f"{k} {v:,}" for k, v in sorted(plan.counts.items())) or "none"
    print(f"{label:34} {read_at - began:>6.1f} {planned_at - read_at:>8.1f} "
          f"{done - planned_at:>7.1f} {done - began:>7.1f}   {changes}")
    return done - began


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ["INSTANCE_PATH"] = tmp
    first, children, adults = municipality(args.children)
    later, _, _ = municipality(args.children, left=0.05, moved=0.05)
    with database_url(args.database_url, tmp) as url:
        create_app({"DATABASE_URL": url})
        with dbmod.database.connection_context():
            dbmod.migrate(str(ROOT / "migrations"))
        print(f"{children:,} children, {adults:,} guardians, "
              f"{'PostgreSQL' if url.startswith('postgres') else 'SQLite'}")
        print(f"{'':34} {'read s':>6} {'preview s':>8} {'apply s':>7} {'total s':>7}")
        total = timed_import(first, "first import (empty database)")
        timed_import(first, "the same file again")
        timed_import(later, "5% left, 5% new e-mail")
        dbmod.close_all()
    print(f"\nfirst import {'under' if total < 60 else 'OVER'} a minute ({total:.1f} s)")
    sys.exit(0 if total < 60 else 1)


if __name__ == "__main__":
    main()
