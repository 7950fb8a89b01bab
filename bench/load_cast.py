"""The cast of bench/load.py: who they are, the browser each uses, what they did, and
the counts afterwards.

`build` makes one school: a contact teacher per group and a school leader, guardians
(two per child, some with two children) with e-mail addresses, and one conversation per
child between its guardians and the contact teacher. Nobody has a push device, so every
notification falls back to e-mail; quiet hours are off, so the figures do not depend on
the hour the bench runs at.

`Browser` is one person's browser (cookies, forms), timing each request into the
`Recorder`; `smtp_inbox` is the real SMTP server on loopback the notifications go to.

`count` checks, from the database and the SMTP server's inbox, that everything the
load sent is stored exactly once and every notification delivered exactly once.
"""
import contextlib
import datetime
import gzip
import http.client
import io
import re
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from pathlib import Path

from aiosmtpd.controller import Controller
from peewee import fn

from models import db as dbmod
from models.messaging import recipients
from models.messaging.outbox import OutgoingAnnouncement
from models.messaging.tables import (ANNOUNCEMENT, GUARDIAN, STAFF, Attachment, Message,
                                     Thread, ThreadParticipant)
from models.notifications.tables import (EMAIL, PENDING, SENDING, SENT, Notification,
                                         NotificationSchedule)
from models.school.tables import (CONTACT_TEACHER, UNIT_LEADER, Child, Enrolment, Group,
                                  Guardianship, StaffRole, Unit, User, school_year_of)

MARK = re.compile(r"\[(L-[a-z0-9]+-[0-9]+p?)\]")
DOMAIN = "load.example"
ALERT = 'role="alert"'  # templates/errors/_error.html: the app's own error page


def _encode(fields, files):
    """A form's body and content type: urlencoded, or multipart with files."""
    if not files:
        return urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                     f"\r\n\r\n{value}\r\n".encode())
    for name, filename, mimetype, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: {mimetype}\r\n\r\n'.encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _what(status, text):
    """What the user saw of a failed request."""
    if status == 0:
        return "broken connection"
    if "Traceback" in text:
        return "stack trace"
    return "the app's error page" if ALERT in text else "a bare answer"


def photo():
    """A small JPEG, as a phone's photo scaled down."""
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 120, 40)).save(out, "JPEG", quality=80)
    return out.getvalue()


class Sent:
    """The markers the virtual users sent: {marker: (kind, acknowledged)}."""

    def __init__(self):
        self.items, self.lock, self.numbers = {}, threading.Lock(), {}

    def new(self, user, kind):
        with self.lock:
            n = self.numbers[user] = self.numbers.get(user, 0) + 1
        marker = f"L-{user}-{n}" + ("p" if kind == "photo" else "")
        self.items[marker] = (kind, False)
        return marker

    def acked(self, marker):
        self.items[marker] = (self.items[marker][0], True)


class Recorder:
    """Every request: (page kind, status, ms, when, what the user saw)."""

    def __init__(self):
        self.rows, self.lock = [], threading.Lock()

    def add(self, kind, status, ms, at, what):
        with self.lock:
            self.rows.append((kind, status, ms, at, what))

    def summary(self, window):
        """({kind: (count, p50, p99, errors)} outside the fault window, and
        {"kind: status what": n} of the failures inside it)."""
        latencies, counts, errors, during = defaultdict(list), Counter(), Counter(), Counter()
        for kind, status, ms, at, what in self.rows:
            counts[kind] += 1
            failed = status == 0 or status >= 500 or status in (400, 401, 403, 404, 429)
            if window[0] <= at <= window[1]:
                if failed:
                    during[f"{kind}: {status} {what}"] += 1
                continue
            latencies[kind].append(ms)
            errors[kind] += failed
        result = {}
        for kind, n in counts.items():
            found = sorted(latencies[kind]) or [0]
            result[kind] = (n, found[len(found) // 2], found[min(len(found) - 1,
                            int(len(found) * 0.99))], errors[kind])
        return result, during


class Browser:
    """One person's browser: cookies, gzip, forms; each request timed."""

    def __init__(self, port, recorder, kind_prefix=""):
        self.port, self.recorder, self.prefix, self.cookies = port, recorder, kind_prefix, {}

    def go(self, kind, method, path, fields=None, files=None, headers=None):
        headers = {"Accept-Encoding": "gzip", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body, headers["Content-Type"] = _encode(fields, files)
        at, began = time.time(), time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.recorder.add(self.prefix + kind, 0, (time.perf_counter() - began) * 1000,
                              at, _what(0, ""))
            return 0, {}, ""
        finally:
            connection.close()
        ms = (time.perf_counter() - began) * 1000
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if not value or "max-age=0" in rest.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        if response.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        text = data.decode("utf-8", "replace")
        self.recorder.add(self.prefix + kind, response.status, ms, at,
                          _what(response.status, text) if response.status >= 400 else "")
        return response.status, response.headers, text

    @staticmethod
    def csrf(page):
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        return found.group(1) if found else ""

    def log_in(self, username, password):
        _, _, page = self.go("login form", "GET", "/login")
        status, _, _ = self.go("login (post)", "POST", "/login", {
            "username": username, "password": password, "csrf_token": self.csrf(page)})
        if status not in (302, 303):
            return False
        self.go("home", "GET", "/")
        return True


class _Received:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        found = re.search(rb"^Message-ID:\s*(<[^>]+>)", envelope.content, re.M | re.I)
        self.ids.append(found.group(1).decode() if found else "<none>")
        return "250 OK"


@contextlib.contextmanager
def smtp_inbox(port):
    """A real SMTP server on loopback; yields the Message-IDs it takes, in order."""
    handler = _Received()
    handler.ids = []
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield handler.ids
    finally:
        server.stop()


def build(guardians, staff, password_hash):
    """The school; returns {username: "guardian" or "staff"}."""
    day = dbmod.today()
    year = school_year_of(day)
    start = datetime.date(year, 8, 15)
    born = datetime.date(year - 9, 5, 1)
    people = {}

    def person(username, kind):
        people[username] = kind
        return User.create(username=username, first_name=kind.title(), last_name=username,
                           email=f"{username}@{DOMAIN}", password_hash=password_hash)

    with dbmod.database.atomic():
        school = Unit.create(name="Lastvik skole", kind="school")
        StaffRole.create(user=person("rektor", "staff"), role=UNIT_LEADER, unit=school)
        groups = []
        for n in range(max(1, staff - 1)):
            group = Group.create(unit=school, name=f"{n // 2 + 1}{'AB'[n % 2]}",
                                 school_year=year)
            teacher = person(f"t{n}", "staff")
            StaffRole.create(user=teacher, role=CONTACT_TEACHER, unit=school, group=group)
            groups.append((group, teacher))
        parents = [person(f"g{n}", "guardian") for n in range(guardians)]
        for n in range(max(1, round(guardians * 0.6))):
            group, teacher = groups[n % len(groups)]
            child = Child.create(first_name=f"Barn{n}", last_name="Lastvik", birth_date=born)
            Enrolment.create(child=child, group=group, start_date=start)
            home = sorted({parents[(2 * n) % guardians], parents[(2 * n + 1) % guardians]},
                          key=lambda u: u.id)
            for k, parent in enumerate(home):
                Guardianship.create(guardian=parent, child=child, responsibility="shared",
                                    fixed_residence=k == 0, main_addressee=k == 0)
            thread = Thread.create(unit=school, child=child, subject=f"Om Barn{n}",
                                   created_by=teacher)
            ThreadParticipant.insert_many(
                [{"thread": thread, "user": p, "role": GUARDIAN} for p in home]
                + [{"thread": thread, "user": teacher, "role": STAFF}]).execute()
            Message.create(thread=thread, sender=teacher, body="Velkommen til nytt år!")
        NotificationSchedule.insert_many(
            [{"user": u.id, "quiet": False} for u in User.select(User.id)]).execute()
    dbmod.analyze()
    return people


def unfinished():
    """Work still waiting: (notifications not sent yet, announcements held)."""
    waiting = Notification.select().where(Notification.status.in_((PENDING, SENDING)))
    return waiting.count(), OutgoingAnnouncement.select().count()


SHOWN = 10  # failures of one kind listed by name; the count says how many in all


def once(expected, counts, known=None):
    """Exactly once, counted: (expected but never there, there more than once, there
    but not known) of `counts` ({key: times seen}) against the `expected` keys."""
    known = expected if known is None else known
    return ([k for k in sorted(expected) if not counts[k]],
            sorted(k for k, n in counts.items() if n > 1),
            sorted(k for k in counts if counts[k] and k not in known))


def failed_once(noun, *kinds):
    """Failure lines: "<noun> <what>" for the first SHOWN keys of each kind."""
    return [f"{noun.format(key)} {what}" for what, keys in kinds for key in keys[:SHOWN]]


def count(sent, received, storage):
    """([report lines], [failures]). `sent`: {marker: (kind, acknowledged)} as the
    virtual users kept it; `received`: the Message-ID of each e-mail the SMTP server
    took, in order; `storage`: where the app keeps files (a folder or a bucket)."""
    lines, failures = [], []
    stored = Counter()
    by_marker = {}
    rows = (Message.select(Message.id, Message.body, Message.sender, Message.thread,
                           Thread.id, Thread.kind, Thread.group, Thread.unit)
            .join(Thread).where(Message.body.contains("[L-")))
    for row in rows:
        for marker in MARK.findall(row.body):
            stored[marker] += 1
            by_marker[marker] = row
    kinds = Counter(kind for kind, _ in sent.values())
    acked = {m for m, (_, ok) in sent.items() if ok}
    unacked = [m for m in sent if m not in acked]
    missing, twice, strangers = once(acked, stored, known=set(sent))
    by_kind = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    lines.append(f"sent by the load: {len(sent)} ({by_kind}); "
                 f"stored: {sum(1 for m in sent if stored[m])}; acknowledged but missing: "
                 f"{len(missing)}; stored twice or more: {len(twice)}; never acknowledged: "
                 f"{len(unacked)} (of which stored once: "
                 f"{sum(1 for m in unacked if stored[m] == 1)})")
    failures += failed_once("message {}", ("acknowledged but not stored", missing),
                            ("stored more than once", twice),
                            ("stored but never sent", strangers))

    # Photos: each photo reply has its one attachment, and its file is stored.
    photos = [m for m, (kind, _) in sent.items() if kind == "photo" and stored[m]]
    ids = [by_marker[m].id for m in photos]
    files = Counter()
    absent = 0
    for a in Attachment.select().where(Attachment.message.in_(ids)) if ids else ():
        files[a.message_id] += 1
        absent += not storage.exists(a.stored_name)
    wrong = [m for m in photos if files[by_marker[m].id] != 1]
    lines.append(f"photo replies stored: {len(photos)}; without exactly one attachment: "
                 f"{len(wrong)}; attachment files missing from {storage!r}: {absent}")
    failures += [f"photo reply {m} has {files[by_marker[m].id]} attachments" for m in wrong[:10]]
    if absent:
        failures.append(f"{absent} attachment files missing")

    # Announcements: each reached every family of its group, as the app decides it.
    incomplete = 0
    announced = [m for m, (kind, _) in sent.items() if kind == "announce" and stored[m]]
    for m in announced:
        row = by_marker[m]
        target = (Unit.get_by_id(row.thread.unit_id),
                  Group.get_by_id(row.thread.group_id) if row.thread.group_id else None)
        wanted = {g for ids in recipients.announcement_households([target]).values()
                  for g in ids} - {row.sender_id}
        have = {p for (p,) in ThreadParticipant.select(ThreadParticipant.user).where(
            (ThreadParticipant.thread == row.thread_id)
            & (ThreadParticipant.role == GUARDIAN)).tuples()}
        if row.thread.kind != ANNOUNCEMENT or have != wanted:
            incomplete += 1
            failures.append(f"announcement {m}: {len(have)} of {len(wanted)} families, "
                            f"{len(have - wanted)} not of its group")
    held = OutgoingAnnouncement.select().count()
    lines.append(f"announcements sent: {len(announced)}; not reaching exactly their "
                 f"group's families: {incomplete}; still held in the outbox: {held}")
    if held:
        failures.append(f"{held} announcements still held in the outbox")

    # Notifications: every message of the load notified everyone on the other side.
    unnotified = 0
    for marker, row in by_marker.items():
        roles = dict(ThreadParticipant.select(ThreadParticipant.user, ThreadParticipant.role)
                     .where(ThreadParticipant.thread == row.thread_id).tuples())
        # Staff who joined by replying later (the leader) were not there to be told.
        first = dict(Message.select(Message.sender, fn.MIN(Message.id))
                     .where(Message.thread == row.thread_id).group_by(Message.sender).tuples())
        others = {u for u, r in roles.items() if r != roles.get(row.sender_id)
                  and not (r == STAFF and first.get(u, 0) > row.id
                           and u != Thread.get_by_id(row.thread_id).created_by_id)}
        notified = {u for (u,) in Notification.select(Notification.user).where(
            Notification.key.contains(f":m{row.id}:")).tuples()}
        if not others <= notified:
            unnotified += 1
            failures.append(f"{marker} ({row.thread.kind}) notified {len(others & notified)} "
                            f"of {len(others)}")
    lines.append(f"messages whose recipients were not all notified: {unnotified}")

    # …and each e-mail notification recorded as sent reached the server exactly once.
    status = Counter(Notification.select(Notification.channel, Notification.status)
                     .tuples())
    lines.append("notifications by channel and status: " + ", ".join(
        f"{c}/{s} {n}" for (c, s), n in sorted(status.items())))
    got = Counter(received)
    sent_ids = {f"<notification-{i}@" for (i,) in Notification.select(Notification.id).where(
        (Notification.channel == EMAIL) & (Notification.status == SENT)).tuples()}
    by_id = Counter()
    for message_id, n in got.items():
        by_id[message_id.split("@")[0] + "@"] += n
    never, doubled, unrecorded = once(set(sent_ids), by_id)
    waiting = sum(n for (c, s), n in status.items() if s in (PENDING, SENDING))
    lines.append(f"e-mails received: {len(received)}; sent rows: {len(sent_ids)}; sent but "
                 f"never received: {len(never)}; received twice or more: {len(doubled)}; "
                 f"received but not recorded as sent: {len(unrecorded)}; rows still "
                 f"pending or sending: {waiting}")
    failures += failed_once("notification {}", ("recorded as sent, never received", never),
                            ("received more than once", doubled),
                            ("received, not recorded as sent", unrecorded))
    if waiting:
        failures.append(f"{waiting} notifications still pending or sending")
    return lines, failures


def log_errors(tmp):
    """Print the exceptions the app and the worker logged, one line each kind."""
    found = {}
    for log in Path(tmp).glob("*.log"):
        text = log.read_text(errors="replace")
        for last in re.findall(r"Traceback \(most recent call last\):\n(?:[ \t].*\n)*(.+)",
                               text):
            found[(log.stem, last.strip()[:150])] = found.get((log.stem, last.strip()[:150]),
                                                              0) + 1
    if found:
        print("\nexceptions logged:")
        for (name, line), n in sorted(found.items()):
            print(f"  {name}: {n} × {line}")
