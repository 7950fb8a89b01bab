"""Several hosts (issue 23): two app processes (gunicorn, each with an instance folder
of its own: no shared disk), one notification worker, one PostgreSQL, one Redis, as a
regional installation runs them behind a load balancer. What one process does, the
other sees at once; what must happen once happens once.

PostgreSQL only (SQLite is one file on one host): CI's PostgreSQL pass runs it.
"""
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import redis

from .helpers import TEST_DATABASE_URL
from .seaweed import free_ports
from .smtp import Inbox
from .test_roster import YEAR, municipality, zipped

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "kontaktbok-demo"

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not (TEST_DATABASE_URL and TEST_REDIS_URL),
                                reason="a cluster shares a PostgreSQL server and Redis")


def wait_for(port, process):
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"the process for port {port} ended: {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class Browser:
    """One person's cookies, against either host."""

    def __init__(self):
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, base, path):
        try:
            with self.opener.open(f"{base}{path}") as answer:
                return answer.status, answer.read(), answer.geturl()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read(), error.url

    def post(self, base, path, fields, files=None):
        csrf = self.csrf(base, path)
        fields = {"csrf_token": csrf, **fields}
        if files:
            boundary = uuid.uuid4().hex
            body = b"".join(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'
                f"{v}\r\n".encode() for k, v in fields.items())
            for name, (filename, data) in files.items():
                body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{filename}"\r\nContent-Type: application/octet-stream'
                         f"\r\n\r\n").encode() + data + b"\r\n"
            body += f"--{boundary}--\r\n".encode()
            kind = f"multipart/form-data; boundary={boundary}"
        else:
            body = urllib.parse.urlencode(fields, doseq=True).encode()
            kind = "application/x-www-form-urlencoded"
        request = urllib.request.Request(f"{base}{path}", data=body,
                                         headers={"Content-Type": kind})
        try:
            with self.opener.open(request) as answer:
                return answer.status, answer.read(), answer.geturl()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read(), error.url

    def csrf(self, base, path):
        """The session's CSRF token, from the form's own page or else the home page."""
        for where in (path, "/"):
            _, page, _ = self.get(base, where)
            found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
            if found:
                return found.group(1).decode()
        return ""

    def log_in(self, base, username, password=PASSWORD):
        return self.post(base, "/login", {"username": username, "password": password})


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, seaweed):
    """Two app processes and a worker on one PostgreSQL schema, one Redis database and
    one object store, an SMTP server for the notifications; yields (host A, host B,
    inbox, the instance folders)."""
    import psycopg
    from aiosmtpd.controller import Controller

    schema = f"cluster_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    redis_url = f"{TEST_REDIS_URL.rsplit('/', 1)[0]}/13"  # CI's runs use 14 and 15
    redis.Redis.from_url(redis_url).flushdb()
    inbox = Inbox()
    smtp_port, *app_ports = free_ports(3)
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    base_env = {**{k: v for k, v in os.environ.items()
                   if not k.startswith(("KONTAKTBOK_", "DATABASE_", "REDIS_", "SMTP_", "S3_"))},
                "KONTAKTBOK_ENV": "demo", "SECRET_KEY": "cluster-" + "k" * 40,
                "DATABASE_URL": f"{TEST_DATABASE_URL}?schema={schema}",
                "REDIS_URL": redis_url, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
                "SMTP_STARTTLS": "false", "ANNOUNCE_UNDO_SECONDS": "0",
                "LOGIN_ATTEMPTS_PER_ACCOUNT": "5",
                "S3_ENDPOINT": seaweed.endpoint, "S3_BUCKET": seaweed.new_bucket(),
                "S3_ACCESS_KEY": seaweed.access_key, "S3_SECRET_KEY": seaweed.secret_key}
    folders = {name: tmp_path_factory.mktemp(f"instance-{name}") for name in "ABW"}
    processes = []
    try:
        subprocess.run([str(BIN / "flask"), "--app", "app", "migrate"], cwd=ROOT, check=True,
                       capture_output=True, env={**base_env, "INSTANCE_PATH": str(folders["A"])})
        # Messages by e-mail for everyone: push would wait for the end of the quiet
        # hours (21–07) before falling back to e-mail, and CI may run at night.
        with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as db:
            db.execute(f'INSERT INTO "{schema}".notification_choice '
                       "(user_id, event, push, email, sms, digest) "
                       f"SELECT id, 'message', false, true, false, false FROM \"{schema}\".\"user\"")
        hosts = []
        for name, port in zip("AB", app_ports):
            env = {**base_env, "INSTANCE_PATH": str(folders[name]),
                   "PUBLIC_URL": f"http://127.0.0.1:{port}"}
            process = subprocess.Popen(
                [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                 "--log-level", "warning", "app:create_app()"],
                cwd=ROOT, env=env, start_new_session=True)
            processes.append(process)
            wait_for(port, process)
            hosts.append(f"http://127.0.0.1:{port}")
        worker = subprocess.Popen(
            [str(BIN / "flask"), "--app", "app", "worker"], cwd=ROOT,
            env={**base_env, "INSTANCE_PATH": str(folders["W"]),
                 "PUBLIC_URL": hosts[0]}, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(worker)
        yield hosts[0], hosts[1], inbox, folders
    finally:
        for process in processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        smtp.stop()
        with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        redis.Redis.from_url(redis_url).flushdb()


def test_a_login_on_one_host_holds_on_the_other(cluster):
    a, b, _, _ = cluster
    kari = Browser()
    status, _, where = kari.log_in(a, "kari")
    assert status == 200 and not where.endswith("/login")
    status, page, where = kari.get(b, "/messages/")
    assert status == 200 and urllib.parse.urlsplit(where).path == "/messages/"
    kari.post(b, "/logout", {})
    _, _, where = kari.get(a, "/messages/")
    assert urllib.parse.urlsplit(where).path == "/login"  # logged out on both


def test_the_login_limit_counts_attempts_on_both_hosts(cluster):
    a, b, _, _ = cluster
    attacker = Browser()
    answers = [attacker.log_in((a, b)[n % 2], "ola", "wrong-password")[0]
               for n in range(5)]
    assert answers == [401] * 5
    assert attacker.log_in(a, "ola")[0] == 429  # even the right password, on either host
    assert Browser().log_in(b, "ola")[0] == 429


def test_a_message_sent_on_one_host_is_read_on_the_other_and_notified_once(cluster):
    a, b, inbox, _ = cluster
    teacher, kari = Browser(), Browser()
    teacher.log_in(a, "larer1a")
    marker = uuid.uuid4().hex[:8]
    form = teacher.get(a, "/messages/new?child=1")[1].decode()
    choice = form[form.index('name="to"'):] if 'name="to"' in form else ""
    token = re.search(r'name="token" value="([^"]+)"', form).group(1)
    fields = {"subject": f"Beskjed {marker}", "body": f"Husk gymtøy {marker}.",
              "token": token}
    if choice:
        fields["to"] = re.search(r'<option value="([^"]+)"', choice).group(1)
    guardians = re.findall(r'name="guardian" value="(\d+)"', form)
    if guardians:
        fields["guardian"] = guardians
    status, _, where = teacher.post(a, "/messages/new?child=1", fields)
    assert status == 200 and re.search(r"/messages/\d+$", where), where
    thread = urllib.parse.urlsplit(where).path
    kari.log_in(b, "kari")
    status, page, _ = kari.get(b, thread)
    assert status == 200 and marker.encode() in page
    def notices():  # the e-mails point to the thread, and never say more
        return [r for rcpts, m in inbox.messages if thread in m.get_body().get_content()
                for r in rcpts]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "kari@example.org" not in notices():
        time.sleep(0.25)
    time.sleep(3)  # time enough for a second copy, were one on its way
    found = notices()
    assert "kari@example.org" in found, "no notice reached kari's mail server"
    assert len(found) == len(set(found)), f"a notice was sent twice: {sorted(found)}"


def test_a_roster_previewed_on_one_host_is_applied_on_the_other_and_seen_at_once(cluster):
    a, b, _, _ = cluster
    admin = Browser()
    admin.log_in(a, "admin")
    status, page, _ = admin.post(a, "/admin/import", {"school_year": YEAR},
                                 files={"file": ("nordby.zip", zipped(municipality()))})
    assert status == 200 and b"Emma Nord" in page
    token = re.search(rb'name="token" value="([^"]+)"', page).group(1).decode()
    status, _, _ = admin.post(b, "/admin/import/apply", {"token": token})
    assert status == 200  # the redirect after applying, followed
    status, page, _ = admin.get(a, "/admin/import")
    assert b"nordby.zip" in page


def test_a_photo_sent_through_one_host_is_served_by_the_other(cluster):
    a, b, _, folders = cluster
    from PIL import Image
    picture = io.BytesIO()
    Image.effect_noise((640, 480), 50).convert("RGB").save(picture, "JPEG")
    kari = Browser()
    kari.log_in(a, "kari")
    form = kari.get(a, "/messages/new?child=1")[1].decode()
    fields = {"subject": "Bilde", "body": "Fra turen.",
              "token": re.search(r'name="token" value="([^"]+)"', form).group(1),
              "to": re.search(r'<option value="([^"]+)"',
                              form[form.index('name="to"'):]).group(1)}
    status, _, where = kari.post(a, "/messages/new?child=1", fields,
                                 files={"files": ("tur.jpg", picture.getvalue())})
    assert status == 200 and re.search(r"/messages/\d+$", where), where
    thread = urllib.parse.urlsplit(where).path
    page = kari.get(b, thread)[1].decode()
    photo = re.search(rf'<img src="({thread}/files/\d+)"', page).group(1)
    status, served, _ = kari.get(b, photo)
    assert status == 200 and served[:2] == b"\xff\xd8"  # a JPEG, from the shared store
    status, copy, _ = kari.get(b, f"{photo}/w480")
    assert status == 200 and copy[8:12] == b"WEBP"
    for folder in folders.values():  # no host kept it on its own disk
        assert not [p for p in folder.rglob("*") if p.is_file() and p.suffix != ".db"
                    and "attachments" in p.parts]
