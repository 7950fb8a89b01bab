"""Making an archive package: one zip per unit and period, self-describing.

    manifest.json      format, unit, period, kinds, counts, when made; every other file
                       in the package with its size and SHA-256
    README.txt         the format, in plain words
    index.html         the records for a person: opens offline, no script, nothing fetched
    <kind>.json        the records of each kind, as a JSON array
    files/messages/…   the files sent with messages
    files/posts/…      the photos and videos of posts

The zip is written to a temporary file in the instance folder as it is made, the records
read in chunks and the files copied from storage in chunks, so that a package of any
size takes bounded memory; then it is moved into the storage's archive folder
(models/storage.py) and recorded (ArchiveExport)."""
import contextlib
import datetime
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from flask import current_app, get_template_attribute
from flask_babel import force_locale

from languages import DIRECTIONS
from models import audit, storage
from models.archive import kinds as readers
from models.archive.records import KINDS
from models.archive.tables import ArchiveExport
from models.db import today, utcnow
from models.retention import jobs

FORMAT = "kontaktbok-archive/1"
FOLDER = "archive-packages"
DATE_TIME = (2000, 1, 1, 0, 0, 0)  # every entry's, so the same records make the same zip
SPLIT = "\x00records\x00"  # where rows go into a rendered page

README = """Kontaktbok archive package ({format})

This package holds the records of one unit (school, after-school care or kindergarten)
of a municipality for one period, both days included, taken from Kontaktbok for the
public archive (Norway: arkivlova; Sweden: arkivlagen).

manifest.json   what the package is: format, unit, period (from, to), kinds, number of
                records of each kind, when it was made (UTC), and every other file in
                the package with its size in bytes and its SHA-256 checksum.
index.html      the records for a person to read, in a web browser, offline.
messages.json   conversations and announcements: each thread with the messages sent in
                the period; attachments name their file under files/messages/.
posts.json      posts published in the period; media name their file under files/posts/
                (a photo taken back after publishing is listed without a file).
leave.json      leave applications starting in the period, with their decisions.
absence.json    absence reports starting in the period.
attendance.json attendance marks of the period (lesson 0 is the day's register).

Only the kinds listed in the manifest are included. A record falls in the period by its
first day: a message by when it was sent, a post by when it was published, leave and
absence by their first day, a mark by its day; moments are UTC (ISO 8601, "Z").
Leave and absence belong to children enrolled in the unit on their first day. A child
marked "protected_address": true has an address protected in the population register:
the child's name is confidential. National identity numbers are never included.

To check the package: the SHA-256 of each file must match manifest.json, and the
SHA-256 of the whole zip must match the one Kontaktbok shows for the package.
"""


EARLIEST = datetime.date(2000, 1, 1)
MAX_DAYS = 3660  # ten years in one package at most
PROBLEMS = {
    "too_early": "the period cannot start before 2000-01-01",
    "order": "the period ends before it starts",
    "not_ended": "the period must have ended: its last day must be before today "
                 "(records of a day still going on would count as archived)",
    "too_long": "a package covers at most ten years",
}


def period_problem(start, end, day=None):
    """What is wrong with a period for a package (a key of PROBLEMS), or None."""
    if start < EARLIEST or end < EARLIEST:
        return "too_early"
    if end < start:
        return "order"
    if end >= (day or today()):
        return "not_ended"
    if (end - start).days > MAX_DAYS:
        return "too_long"
    return None


def name_of(stored_name):
    """A package's name in the storage: in the archive folder."""
    return f"{FOLDER}/{stored_name}"


class _Hashing:
    def __init__(self, raw):
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.digest.update(data)
        self.size += len(data)
        self.raw.write(data)


class _Zip:
    """A zip being written that remembers each entry's size and SHA-256."""

    def __init__(self, zf):
        self.zf = zf
        self.listed = []

    @contextlib.contextmanager
    def entry(self, path, compress=True):
        info = zipfile.ZipInfo(path, date_time=DATE_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        with self.zf.open(info, "w", force_zip64=True) as raw:
            out = _Hashing(raw)
            yield out
        self.listed.append({"path": path, "size": out.size,
                            "sha256": out.digest.hexdigest()})


def _stored_file(name):
    """A stored file opened for reading, or None when it is gone."""
    try:
        return storage.current().open(name)
    except FileNotFoundError:
        return None


def _write_kind(package, sections, kind, unit_id, start, end):
    """The kind's JSON and its files into the package, its index rows into `sections`;
    returns (records, files, files missing). A zip takes one entry at a time: the JSON
    waits in a temporary file while the files go in."""
    row_html = get_template_attribute("archive/_package_rows.html", kind)
    count = files = missing = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        out.write("[")
        for record, stored in readers.READERS[kind](unit_id, start, end):
            for path, name in stored:
                source = _stored_file(name)
                if source is None:
                    missing += 1
                    continue
                with source, package.entry(path, compress=False) as copy:
                    shutil.copyfileobj(source, copy, 1024 * 1024)
                files += 1
            out.write(("\n" if not count else ",\n")
                      + json.dumps(record, ensure_ascii=False, sort_keys=True))
            sections.write(str(row_html(record)))
            count += 1
        out.write("\n]\n")
        out.seek(0)
        with package.entry(f"{kind}.json") as entry:
            _copy_text(out, entry)
    return count, files, missing


def _copy_text(source, out):
    for chunk in iter(lambda: source.read(1024 * 1024), ""):
        out.write(chunk)


@contextlib.contextmanager
def _municipality_language():
    """The package is written in the municipality's language, whoever asks for it."""
    with force_locale(current_app.config["MUNICIPALITY"].default_language):
        yield


def _render(name, **context):
    town = current_app.config["MUNICIPALITY"]
    # The bare template: the pages' context (links, the logged-in user) is not wanted
    # in a package, nor is a request needed to make one.
    return current_app.jinja_env.get_template(name).render(
        municipality=town, language=town.default_language,
        direction=DIRECTIONS.get(town.default_language, "ltr"), **context)


def write(unit, start, end, kinds, created):
    """Write the package into the archive folder: (stored name, size, sha256, counts)."""
    handle, temporary = tempfile.mkstemp(prefix="archive-", suffix=".part",
                                         dir=current_app.instance_path)
    os.close(handle)
    counts = {}
    try:
        with contextlib.ExitStack() as stack:
            zf = stack.enter_context(zipfile.ZipFile(temporary, "w", allowZip64=True))
            package = _Zip(zf)
            # Each kind's rows of index.html wait in a temporary file of their own.
            sections = {}
            for kind in kinds:
                sections[kind] = stack.enter_context(
                    tempfile.TemporaryFile("w+", encoding="utf-8"))
                counts[kind], files, missing = _write_kind(package, sections[kind], kind,
                                                           unit.id, start, end)
                counts[f"{kind}_files"] = files
                if missing:
                    counts[f"{kind}_files_missing"] = missing
            with package.entry("README.txt") as out:
                out.write(README.format(format=FORMAT))
            manifest = {"format": FORMAT, "unit": {"id": unit.id, "name": unit.name,
                                                   "kind": unit.kind},
                        "municipality": current_app.config["MUNICIPALITY"].name,
                        "period": {"from": start.isoformat(), "to": end.isoformat()},
                        "kinds": list(kinds), "counts": counts,
                        "created_at": created.isoformat() + "Z"}
            _index(package, manifest, sections)
            manifest["files"] = package.listed
            with package.entry("manifest.json") as out:
                out.write(json.dumps(manifest, ensure_ascii=False, indent=1))
        name = (f"kontaktbok-archive-{unit.id}-{start:%Y%m%d}-{end:%Y%m%d}-"
                f"{created:%Y%m%dT%H%M%S}.zip")
        size, digest = os.stat(temporary).st_size, sha256_of(temporary)
        storage.current().put_file(name_of(name), temporary)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name, size, digest, counts


def _index(package, manifest, sections):
    """index.html: the page's head and foot rendered once, each kind's rows copied in."""
    head, _, tail = _render("archive/package_index.html", manifest=manifest,
                            body=SPLIT).partition(SPLIT)
    with package.entry("index.html") as out:
        out.write(head)
        for kind, rows in sections.items():
            start, _, end = _render("archive/package_section.html", kind=kind,
                                    count=manifest["counts"][kind],
                                    body=SPLIT).partition(SPLIT)
            out.write(start)
            rows.seek(0)
            _copy_text(rows, out)
            out.write(end)
        out.write(tail)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build(unit, start, end, by=None, kinds=None, ip=""):
    """Make and record a package of the unit's records from start to end (both days
    included). Raises jobs.Busy while the purge runs."""
    chosen = [k for k in KINDS if kinds is None or k in kinds]
    created = utcnow()
    with jobs.export_running(f"archive:{unit.id}"), _municipality_language():
        stored, size, digest, counts = write(unit, start, end, chosen, created)
    export = ArchiveExport.create(
        unit=unit.id, period_start=start, period_end=end, kinds=",".join(chosen),
        created_by=by.id if by is not None else None, created_at=created,
        stored_name=stored, sha256=digest, size=size,
        counts=json.dumps(counts, sort_keys=True))
    audit.record("archive.exported", actor=by, obj=export, ip=ip, unit=unit.id,
                 period_from=start.isoformat(), period_to=end.isoformat(),
                 counts=counts, size=size)
    return export
