"""The demo cast, loaded once and copied into the tests that follow.

Loading the demo (models/demo.py) cost every test a quarter of a second or more on a
quiet machine, most of a test's time: hundreds of rows, each insert's SQL put together
by peewee. The demo's times are relative to the clock when it loads, so a copy is
only the demo a test would have loaded if the test's clock shows the instant the copy
was made, and shows it running on from there as it would have. So:

- The first test (of a module, for a clock marker) loads the demo for real; then its
  database (SQLite: the file, by SQLite's backup; PostgreSQL: every table into a
  schema of its own in the session's database, and every sequence's value) and the
  demo's stored files are saved, with the clock's instant when the load ended.
- A later test of the same module and the same clock marker (or none) gets that copy,
  and its clock is set to that instant (running on, or standing still as the marker
  says): to the test, the demo has just loaded.
- Without a clock marker the test runs on the system clock, so a copy serves only
  FRESH_FOR seconds of real time: a test's clock is never more than that behind the
  system's (and a provider's: tests/oidc_provider.py, with models/login/oidc.py's 60 s
  leeway), and under libfaketime (.ci/clock) the awkward instant is still met.
- A test whose fixtures set the clock before the app is built, or that is not on a
  migrated template (tests/test_migrations.py), loads the demo for real, as before.

KONTAKTBOK_TEST_DEMO_COPIES=0 turns this off (every test loads the demo), and so does
KONTAKTBOK_TEST_TEMPLATES=0 with the templates (tests/dbtemplate.py).
"""
import collections
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from models import db as dbmod

from . import dbtemplate

ENABLED = os.environ.get("KONTAKTBOK_TEST_DEMO_COPIES", "1") != "0"
FRESH_FOR = 20  # seconds of real time a copy serves tests without a clock marker
SLOTS = 6  # copies kept at once (PostgreSQL: schemas kbdemo_0 … kbdemo_5)


class Copy:
    def __init__(self, slot, instant, ticking, files):
        self.slot, self.instant, self.ticking, self.files = slot, instant, ticking, files
        self.made = time.monotonic()


class Snapshots:
    def __init__(self, templates):
        self.templates = templates
        self.directory = Path(tempfile.mkdtemp(prefix="kbdemo-"))
        self.copies = collections.OrderedDict()  # key -> Copy, least recently used first

    def key(self, request, clock_state):
        """What a copy must share with the test: its module, its clock marker and the
        clock as the marker left it (None: the test's fixtures moved it: no copy)."""
        marker = request.node.get_closest_marker("clock")
        expected = clock_state
        now_state = (dbmod.clock._instant, dbmod.clock._since)
        if now_state != expected:
            return None
        clock = None if marker is None else (marker.args,
                                             tuple(sorted(marker.kwargs.items())))
        return (dbtemplate.migrations_key(), request.path, clock)

    def find(self, key):
        found = self.copies.get(key)
        if found is None:
            return None
        if key[2] is None and time.monotonic() - found.made > FRESH_FOR:
            return None
        self.copies.move_to_end(key)
        return found

    def restore(self, found, url):
        """Put the copy in the test's database (before the app opens it) and set the
        clock to when it was made."""
        if url.startswith("sqlite:///"):
            shutil.copyfile(self.directory / f"{found.slot}.db", url[len("sqlite:///"):])
        else:
            self.templates.restore_demo(f"kbdemo_{found.slot}")
        dbmod.clock.set(found.instant, tick=found.ticking)

    def files_into(self, found, attachment_dir):
        shutil.copytree(found.files, attachment_dir, dirs_exist_ok=True)

    def save(self, key, url, attachment_dir):
        """Keep the demo just loaded (the app's connection is open) under `key`."""
        if key in self.copies:
            slot = self.copies.pop(key).slot
        elif len(self.copies) < SLOTS:
            slot = len(self.copies)
        else:
            slot = self.copies.popitem(last=False)[1].slot
        instant = dbmod.clock.now()
        ticking = dbmod.clock._instant is None or dbmod.clock._since is not None
        if url.startswith("sqlite:///"):
            target = sqlite3.connect(self.directory / f"{slot}.db")
            try:
                dbmod.database.connection().backup(target)
            finally:
                target.close()
        else:
            self.templates.save_demo(f"kbdemo_{slot}")
        files = self.directory / f"files-{slot}"
        shutil.rmtree(files, ignore_errors=True)
        if Path(attachment_dir).exists():
            shutil.copytree(attachment_dir, files)
        else:
            files.mkdir()
        self.copies[key] = Copy(slot, instant, ticking, files)

    def close(self):
        shutil.rmtree(self.directory, ignore_errors=True)
