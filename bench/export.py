"""A guardian's copy of their data (issue 19): Kari with three children and five years of
history — attendance every school day, absences, leave, many conversations with files,
posts with photos — made as the worker makes it. Reports the time, the rows copied and
the archive's size (target: under 30 s).

    .venv/bin/python bench/export.py [--years 5] [--database-url postgresql://…]
"""
import argparse
import datetime
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
from models import db as dbmod  # noqa: E402
from models import demo  # noqa: E402
from models.absence.tables import Absence, LeaveApplication  # noqa: E402
from models.attendance.tables import AttendanceMark  # noqa: E402
from models.data_export import exports, tasks  # noqa: E402
from models.data_export.tables import DataExport  # noqa: E402
from models.db import utcnow  # noqa: E402
from models.messaging.tables import (GUARDIAN, STAFF, Attachment, Message, Thread,  # noqa: E402
                                     ThreadParticipant)
from models.posts.tables import Post, PostMedia  # noqa: E402
from models.school.tables import Child, Enrolment, Group, Guardianship, User  # noqa: E402
from timing import database_url  # noqa: E402

THREADS_PER_YEAR, MESSAGES_PER_THREAD, FILES_PER_YEAR = 30, 6, 20


def _many(model, rows):
    for start in range(0, len(rows), 500):
        model.insert_many(rows[start:start + 500]).execute()


def fill(years, attachment_dir):
    """Kari gets a third child in 1A; each of her three children gets `years` of
    history in its own unit."""
    kari, ola = (User.get(User.username == name) for name in ("kari", "ola"))
    teacher = User.get(User.username == "larer1a")
    g1a = Group.get(Group.name == "1A")
    emma, noah = (Child.get(Child.first_name == name) for name in ("Emma", "Noah"))
    today = dbmod.today()
    start = today - datetime.timedelta(days=365 * years)
    third = Child.create(first_name="Mia", last_name="Hansen",
                         birth_date=datetime.date(today.year - 9, 3, 3), address="Bakken 1")
    Enrolment.create(child=third, group=g1a, start_date=start)
    for guardian in (kari, ola):
        Guardianship.create(guardian=guardian, child=third, responsibility="shared")
    # A real photo to copy: the demo's first post photo.
    sample = PostMedia.select().first()
    groups = {c.id: Enrolment.get(Enrolment.child == c.id).group for c in (emma, noah, third)}
    now = utcnow()
    days = [start + datetime.timedelta(days=n) for n in range((today - start).days)
            if (start + datetime.timedelta(days=n)).weekday() < 5]
    files = 0
    with dbmod.database.atomic():
        for child in (emma, noah, third):
            group = groups[child.id]
            _many(AttendanceMark, [
                {"child": child.id, "group": group.id, "day": day, "lesson": 0,
                 "status": "absent" if n % 40 == 0 else "present", "marked_by": teacher.id,
                 "marked_at": now} for n, day in enumerate(days)])
            _many(Absence, [
                {"child": child.id, "start_date": day, "end_date": day, "reason": "ill",
                 "reported_by": kari.id, "reported_at": now} for day in days[::40]])
            _many(LeaveApplication, [
                {"child": child.id, "start_date": day, "end_date": day, "reason": "Ferie",
                 "applied_by": kari.id, "status": "approved"} for day in days[::120]])
            for n in range(THREADS_PER_YEAR * years):
                at = datetime.datetime.combine(days[(n * 7) % len(days)], datetime.time(9))
                thread = Thread.create(unit=group.unit_id, child=child, subject=f"Sak {n}",
                                       created_by=kari, created_at=at, last_message_at=at)
                ThreadParticipant.insert_many([
                    {"thread": thread.id, "user": kari.id, "role": GUARDIAN},
                    {"thread": thread.id, "user": teacher.id, "role": STAFF}]).execute()
                for m in range(MESSAGES_PER_THREAD):
                    message = Message.create(thread=thread, sender=kari if m % 2 else teacher,
                                             body="Hei! Takk for beskjed. " * 5,
                                             created_at=at + datetime.timedelta(hours=m))
                    if m == 0 and files < FILES_PER_YEAR * years * 3 and n % 2 == 0:
                        name = f"bench-export-{child.id}-{n}"
                        shutil.copyfile(Path(attachment_dir) / sample.stored_name,
                                        Path(attachment_dir) / name)
                        Attachment.create(message=message, filename="bilde.jpg",
                                          stored_name=name, mimetype="image/jpeg",
                                          size=sample.size)
                        files += 1
            for n in range(10 * years):
                post = Post.create(unit=group.unit_id, child=child, title=f"Min dag {n}",
                                   body="Vi lekte ute.", author=teacher,
                                   published_at=now - datetime.timedelta(days=n * 30))
                name = f"bench-post-{child.id}-{n}"
                shutil.copyfile(Path(attachment_dir) / sample.stored_name,
                                Path(attachment_dir) / name)
                PostMedia.create(post=post, stored_name=name, thumb_name=name + "-t",
                                 mimetype="image/jpeg", size=sample.size, width=sample.width,
                                 height=sample.height, thumb_width=sample.thumb_width,
                                 thumb_height=sample.thumb_height)
    return kari, len(days)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ["INSTANCE_PATH"] = tmp
    with database_url(args.database_url, tmp) as url:
        app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False,
                          "QUEUE_IMMEDIATE": True})
        with app.app_context(), dbmod.database.connection_context():
            dbmod.migrate(str(ROOT / "migrations"))
            demo.load(storage=app.extensions["storage"])
            kari, days = fill(args.years, app.config["ATTACHMENT_DIR"])
            dbmod.analyze()
            export = exports.ask(kari)
            began = time.perf_counter()
            assert tasks.make(export.id) == "ready"
            seconds = time.perf_counter() - began
            row = DataExport.get_by_id(export.id)
        kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        print(f"Kari, 3 children, {args.years} years ({days} school days each), {kind}: "
              f"{Message.select().count()} messages, {AttendanceMark.select().count()} "
              f"attendance marks, {Attachment.select().count()} files with messages")
        print(f"export made in {seconds:.2f} s; archive {row.size / 1e6:.1f} MB")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
