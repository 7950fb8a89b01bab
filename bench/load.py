"""Load and faults (issue 23): guardians and staff for some minutes on PostgreSQL, under
gunicorn with the notification worker, a real SMTP server and a Redis of this run's own.

    .venv/bin/python bench/load.py --database-url postgresql://postgres@127.0.0.1:5432/test
        [--guardians 300] [--staff 30] [--minutes 10] [--workers 4]
        [--fault none|gunicorn-kill|worker-kill|postgres-restart|redis-stop|store-stop]
        [--object-store]

Each virtual user is a thread that logs in through the login form, then: guardians poll
the unread count every ~10 s (with the ETag, as htmx does), now and then open the inbox
and a thread and reply, some replies with a photo; staff open their inbox and threads,
reply and announce to a group. Every request is timed; every message carries a marker,
so afterwards load_cast.count checks, counted, that each is stored exactly once, each
announcement reached its whole group and each e-mail notification arrived exactly once.

A fault is injected once, at a third of the run. Requests that fail while it lasts (and
15 s after) are reported apart, by what the user saw: the app's error page, a page with
a stack trace, or a broken connection. postgres-restart restarts a PostgreSQL server
this run starts for itself (never the shared one another run may be using); redis-stop
stops this run's own redis-server. While Redis is down a fresh login is tried every
5 s, to show what the login does then. With --object-store (implied by store-stop) the
app keeps its files in a SeaweedFS of this run's own (tests/seaweed.py), as several
hosts would; store-stop stops it for 30 s and starts it again with its data.

Prints a table per page (count, req/s, p50, p99, errors) and the counts; exits non-zero
when a target is missed: an error outside the fault, p99 of 250 ms or more, or a count
that is off. Everyone logs in first, a few at a time, before the clock starts: those
logins are reported but not held to the p99 (argon2id is slow on purpose).
"""
import argparse
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load_cast  # noqa: E402
from load_cast import Browser, Recorder, Sent, photo  # noqa: E402
from load_servers import Servers  # noqa: E402
from run import free_port  # noqa: E402
from timing import database_url  # noqa: E402

P99_MS, GRACE = 250, 15
PASSWORD = "lastprove-passord-1"


def post_until_done(browser, kind, path, fields, files=None, until=None):
    """Send a form as a user does when it fails: the same form again (its one-time token
    makes a second store impossible), every 5 s, until it goes through."""
    for _ in range(12):
        status, headers, _text = browser.go(kind, "POST", path, fields, files)
        if status in (302, 303):
            return headers.get("Location")
        if 400 <= status < 500 or (until and time.time() > until):
            return None
        time.sleep(5)
    return None


def read_and_reply(browser, name, sent, end, newest, kind, text, image=None):
    """Open the inbox and one of its `newest` threads; half the time, reply to it."""
    _, _, page = browser.go("inbox", "GET", "/messages/")
    ids = re.findall(r'href="/messages/(\d+)"', page)[:newest]
    if not ids:
        return
    thread = random.choice(ids)
    _, _, page = browser.go("thread", "GET", f"/messages/{thread}")
    token = re.search(r'name="token" value="([^"]+)"', page)
    if token and random.random() < 0.5:
        marker = sent.new(name, kind)
        where = post_until_done(
            browser, f"{kind} (post)", f"/messages/{thread}",
            {"csrf_token": browser.csrf(page), "token": token.group(1),
             "body": f"{text} [{marker}]."},
            [("files", "bilde.jpg", "image/jpeg", image)] if kind == "photo" else None,
            end + 60)
        if where:
            sent.acked(marker)
            browser.go("thread", "GET", where.split("#")[0])


def guardian(browser, name, sent, image, end):
    etag = None
    while time.time() < end:
        status, headers, _ = browser.go("unread poll", "GET", "/messages/unread",
                                        headers={"HX-Request": "true", **(
                                            {"If-None-Match": etag} if etag else {})})
        etag = headers.get("ETag", etag) if status in (200, 304) else etag
        if random.random() < 0.15:
            read_and_reply(browser, name, sent, end, 5,
                           "photo" if random.random() < 0.15 else "reply",
                           "Hei, takk for beskjeden", image)
        time.sleep(random.uniform(8, 12))


def staff(browser, name, sent, end):
    while time.time() < end:
        browser.go("unread poll", "GET", "/messages/unread", headers={"HX-Request": "true"})
        if random.random() < 0.06:
            _, _, page = browser.go("announce form", "GET", "/messages/announce")
            keys = re.findall(r'name="to" value="([^"]+)"', page)
            groups = [k for k in keys if k.startswith("group:")] or keys
            if groups:
                marker = sent.new(name, "announce")
                fields = {"csrf_token": browser.csrf(page),
                          "token": re.search(r'name="token" value="([^"]+)"', page).group(1),
                          "to": random.choice(groups), "subject": f"Beskjed [{marker}]",
                          "body": f"Husk gymtøy i morgen [{marker}].", "replies": "1",
                          "when": "now"}
                if post_until_done(browser, "announce (post)", "/messages/announce", fields,
                                   until=end + 60):
                    sent.acked(marker)
        elif random.random() < 0.5:
            read_and_reply(browser, name, sent, end, 10, "staff reply",
                           "Takk, vi ser på det")
        time.sleep(random.uniform(10, 20))


def log_everyone_in(port, recorder, names, at_once):
    """Everyone logs in before the clock starts, `at_once` at a time: argon2id takes
    about a second of CPU here, and a crowd logging in at once is another test."""
    def one(name):
        browser = Browser(port, recorder, kind_prefix="before the load: ")
        ok = browser.log_in(name, PASSWORD)
        browser.prefix = ""
        return name, browser if ok else None

    with ThreadPoolExecutor(at_once) as pool:
        return {name: b for name, b in pool.map(one, names) if b is not None}


def virtual_user(browser, name, kind, sent, image, start_at, end):
    time.sleep(max(0, start_at - time.time()))
    if kind == "guardian":
        guardian(browser, name, sent, image, end)
    else:
        staff(browser, name, sent, end)


def running(pids):
    """A web worker caught running (state R: mid-request; an idle one sleeps in select),
    or after 30 s of looking, any."""
    for _ in range(6000):
        for pid in pids:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "R":
                return pid
        time.sleep(0.005)
    return pids[0]


def inject(fault, servers, recorder, window, app, down):
    """Break one thing, once; window = [start, end] of when errors are expected."""
    from models import db as dbmod
    from models.notifications.tables import SENDING, Notification
    window[0] = time.time()
    if fault == "gunicorn-kill":
        victim = running(servers.web_workers())
        os.kill(victim, signal.SIGKILL)
        print(f"  killed gunicorn worker {victim}", file=sys.stderr)
    elif fault == "worker-kill":
        with app.app_context(), dbmod.database.connection_context():
            for _ in range(3000):  # up to a minute: kill it while rows are claimed
                if Notification.select().where(Notification.status == SENDING).exists():
                    break
                time.sleep(0.02)
        servers.stop("worker", signal.SIGKILL)
        print("  killed the notification worker; restarting it in 5 s", file=sys.stderr)
        time.sleep(5)
        servers.worker(servers.env)
    elif fault == "postgres-restart":
        servers.postgres("stop")
        time.sleep(down)
        servers.postgres("start")
    elif fault == "redis-stop":
        servers.stop("redis")
        probes = threading.Thread(target=probe_logins, args=(servers.port, recorder, down))
        probes.start()
        time.sleep(down)
        servers.redis()
        probes.join()
    elif fault == "store-stop":
        servers.store.stop()
        time.sleep(down)
        servers.store.start_again()
    window[1] = time.time() + GRACE


def probe_logins(port, recorder, seconds):
    """A fresh login every 5 s while Redis is down: what does the user get?"""
    end = time.time() + seconds - 2
    while time.time() < end:
        Browser(port, recorder, kind_prefix="login while redis is down: ").log_in(
            "g0", PASSWORD)
        time.sleep(5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--guardians", type=int, default=300)
    parser.add_argument("--staff", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--fault", default="none", choices=(
        "none", "gunicorn-kill", "worker-kill", "postgres-restart", "redis-stop",
        "store-stop"))
    parser.add_argument("--object-store", action="store_true",
                        help="files in a SeaweedFS of the run's own (as with store-stop)")
    parser.add_argument("--drain", type=int, default=150,
                        help="seconds to wait afterwards for the worker to finish")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="kontaktbok-load-")
    servers = Servers(tmp, args.workers)
    try:
        return run(args, tmp, servers)
    finally:
        servers.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp, servers):
    from app import create_app
    from models import db as dbmod
    from models.login.passwords import hash_password

    servers.redis()
    server_url = servers.postgres("init") if args.fault == "postgres-restart" \
        else args.database_url
    town = (ROOT / "municipality.example.toml").read_text(encoding="utf-8")
    town = town.replace('logo = "static/', f'logo = "{ROOT}/static/').replace(
        "undo_seconds = 30", "undo_seconds = 5")
    (Path(tmp) / "municipality.toml").write_text(town, encoding="utf-8")
    store = (servers.object_store() if args.object_store or args.fault == "store-stop"
             else {})
    smtp_port = free_port()
    with load_cast.smtp_inbox(smtp_port) as received, database_url(server_url, tmp) as url:
        env = {**os.environ, "INSTANCE_PATH": tmp, "KONTAKTBOK_ENV": "demo",
               "DATABASE_URL": url, "MUNICIPALITY_FILE": str(Path(tmp) / "municipality.toml"),
               "REDIS_URL": f"redis://127.0.0.1:{servers.redis_port}/12",
               "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "SMTP_STARTTLS": "0",
               "MAIL_FROM": "kontaktbok@load.example", **store}
        os.environ.update(env)
        app = create_app()
        with app.app_context(), dbmod.database.connection_context():
            dbmod.migrate(str(ROOT / "migrations"))
            people = load_cast.build(args.guardians, args.staff, hash_password(PASSWORD))
        dbmod.close_all()
        servers.web({**env, "PUBLIC_URL": "http://127.0.0.1:0"})
        servers.worker({**env, "PUBLIC_URL": f"http://127.0.0.1:{servers.port}"})
        recorder, sent, image = Recorder(), Sent(), photo()
        browsers = log_everyone_in(servers.port, recorder, sorted(people), args.workers)
        began = time.time()
        end = began + args.minutes * 60
        users = [threading.Thread(target=virtual_user, daemon=True, args=(
            browsers[name], name, people[name], sent, image, began + random.uniform(0, 10),
            end)) for name in browsers]
        for user in users:
            user.start()
        window = [float("inf"), float("inf")]
        if args.fault != "none":
            time.sleep(args.minutes * 20)
            print(f"fault: {args.fault}", file=sys.stderr, flush=True)
            inject(args.fault, servers, recorder, window, app,
                   10 if args.fault == "postgres-restart" else 30)
        for user in users:
            user.join(max(1, end + 120 - time.time()))
        load_seconds = time.time() - began
        drained = drain(app, dbmod, args.drain)
        dbmod.close_all()
        with app.app_context(), dbmod.database.connection_context():
            lines, failures = load_cast.count(sent.items, list(received),
                                              app.extensions["storage"])
        dbmod.close_all()
    failures += report(args, recorder, window, load_seconds, drained, lines)
    load_cast.log_errors(tmp)
    if failures:
        print("\nMISSED:\n" + "\n".join(failures))
        return 1
    print("\nall targets met")
    return 0


def drain(app, dbmod, seconds):
    """Wait for the worker to send what is left; the seconds it took (None: it did not)."""
    began = time.time()
    while time.time() - began < seconds:
        dbmod.close_all()  # a server restarted meanwhile leaves dead pooled connections
        with app.app_context(), dbmod.database.connection_context():
            if load_cast.unfinished() == (0, 0):
                return time.time() - began
        time.sleep(2)
    return None


def report(args, recorder, window, seconds, drained, lines):
    failures = []
    print(f"\n{args.guardians} guardians, {args.staff} staff, {args.minutes:g} min, "
          f"{args.workers} gunicorn workers, fault: {args.fault}; {os.cpu_count()} cores, "
          f"load average before the counts {os.getloadavg()[0]:.1f}")
    print(f"{'page':36} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    rows, during = recorder.summary(window)
    total = 0
    for kind, (count, p50, p99, errors) in sorted(rows.items()):
        total += count
        print(f"{kind:36} {count:>7} {count / seconds:>7.1f} {p50:>8.0f} {p99:>8.0f} "
              f"{errors:>7}")
        if errors:
            failures.append(f"{kind}: {errors} errors outside the fault")
        if p99 >= P99_MS and not kind.startswith("before the load"):
            failures.append(f"{kind}: p99 {p99:.0f} ms")
    print(f"{'all':36} {total:>7} {total / seconds:>7.1f}")
    if args.fault != "none":
        print(f"\nduring the fault ({window[1] - window[0]:.0f} s, with {GRACE} s after): "
              + ("; ".join(f"{what} {n}" for what, n in sorted(during.items()))
                 or "no failed request"))
        failures += [f"during the fault: {n} × {what}" for what, n in during.items()
                     if "stack trace" in what or " 500 " in what]
    print(f"\nthe worker finished {drained:.0f} s after the load" if drained is not None
          else f"\nthe worker had not finished {args.drain} s after the load")
    print("\n".join(lines))
    return failures


if __name__ == "__main__":
    sys.exit(main())
