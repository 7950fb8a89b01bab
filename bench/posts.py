"""The posts feed of a busy group: 500 posts with photos, each tagging children with
consent. Reports the median and 95th percentile time of the first page and of a later
page (htmx), the SQL queries each costs, and the bytes per page (raw and compressed).

    .venv/bin/python bench/posts.py [--posts 500] [--database-url postgresql://…]
"""
import argparse
import datetime
import gzip
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from app import create_app  # noqa: E402
from models import db as dbmod
from models import demo
from models.db import utcnow
from models.login.sessions import LoginSession
from models.posts.tables import MediaTag, Post, PostMedia
from models.school.tables import Group, User
from timing import database_url, timed  # noqa: E402


def fill(posts):
    """`posts` posts for 1A, two photos each, tagging Emma and Jonas (app consent)."""
    group = Group.get(Group.name == "1A")
    teacher = User.get(User.username == "larer1a")
    kites = PostMedia.select().join(Post).where(Post.title == "Vi lager drager").first()
    tags = [t.child_id for t in MediaTag.select().where(MediaTag.media == kites)]
    now = utcnow()
    with dbmod.database.atomic():
        for n in range(posts):
            post = Post.create(unit=group.unit_id, group=group, title=f"Dagen i dag {n}",
                               body="Vi lekte ute og spiste lunsj sammen. " * 3,
                               author=teacher,
                               published_at=now - datetime.timedelta(hours=n + 4))
            for position in range(2):
                # The feed reads no files (the browser fetches the photos after).
                media = PostMedia.create(post=post, position=position,
                                         stored_name=f"bench-{n}-{position}",
                                         thumb_name=f"bench-{n}-{position}-thumb",
                                         mimetype="image/jpeg", size=kites.size,
                                         width=kites.width, height=kites.height,
                                         thumb_width=kites.thumb_width,
                                         thumb_height=kites.thumb_height)
                for child in tags:
                    MediaTag.create(media=media, child=child)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ["INSTANCE_PATH"] = tmp
    with database_url(args.database_url, tmp) as url:
        app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False})
        with dbmod.database.connection_context():
            dbmod.migrate(str(ROOT / "migrations"))
            demo.load(storage=app.extensions["storage"])
            fill(args.posts)
            dbmod.analyze()
            token = LoginSession.start(User.get(User.username == "nina"))
            middle = (Post.select(Post.id).where(Post.title == f"Dagen i dag {args.posts // 2}")
                      .scalar())
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = token
        kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        print(f"{args.posts} posts in 1A, {kind}; a guardian's feed, 10 posts a page")
        print(f"{'page':26} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'bytes':>8} "
              f"{'gzip':>7}")
        for name, path, headers in (
                ("first page", "/posts/", None),
                ("a later page (htmx)", f"/posts/?before={middle}",
                 {"HX-Request": "true", "HX-Target": "threads"})):
            median, p95, queries, body = timed(client, path, args.runs, headers)
            raw, packed = len(body), len(gzip.compress(body, 6))
            print(f"{name:26} {median:>10.2f} {p95:>8.2f} {queries:>8} {raw:>8,} "
                  f"{packed:>7,}")


if __name__ == "__main__":
    main()
