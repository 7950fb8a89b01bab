"""Making the archive of one person's copy: data.json for a machine (its keys described
in the file itself), index.html for a person (it opens offline: no script, nothing
fetched from elsewhere, its files beside it), and the files under files/. The zip is
written to a temporary file in the instance folder as it is made — files are copied
from storage in chunks, never held in memory whole — and then moved into the storage
(models/storage.py) under a random name."""
import datetime
import hashlib
import json
import os
import secrets
import tempfile
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import force_locale

from languages import DIRECTIONS
from models.data_export import family, own
from models.events import export as events_export
from models.meetings import export as meetings_export
from models.weekplan import export as weekplan_export
from models.data_export.exports import name_of
from models.db import today, utcnow
from models.notifications.timing import municipality_zone
from models.school.tables import User
from models.storage import current as current_storage

FORMAT = "kontaktbok-data-export/1"

# What each key of data.json holds (written into the file, so it explains itself).
KEYS = {
    "format": "The name and version of this file's layout.",
    "made_at": "When the copy was made (UTC, ISO 8601).",
    "person": "Your account: name, contact details, language, staff roles; a national "
              "identity number only masked.",
    "notification_settings": "What you are told about, through which channels, when.",
    "children": "Per child you have parental responsibility for: record, groups, "
                "guardians (contact details only of those without address protection), "
                "absences, leave_applications, attendance (marks per day and lesson), "
                "absence_notices, check_ins, consents (each version's text and every "
                "answer), caregivers, pickup_list, pickup_days, seen_by (who at the school "
                "opened the child's pages, when, as which role), posts (files: paths in "
                "this archive).",
    "threads": "Conversations and announcements you may read, with every message; "
               "files: paths in this archive.",
    "class_list": "What you chose to share in class lists.",
    "caregiver_access": "Access you were given as a caregiver.",
    "messages_sent": "Staff only: messages you wrote outside the threads above.",
    "audit": "The audit log's rows about you and your children; details and addresses "
             "only of what you did yourself.",
    "rectifications": "Your requests for correction (GDPR art. 16), each with its history.",
    "calendar": "Your children's events with the replies given for them, your children's "
                "parent–teacher meetings with the agenda and your family's booked time, "
                "and the groups whose weekly plans you read (a plan is the group's, not "
                "personal data, so its text is not copied).",
    "files": "Every file in files/, with its size and SHA-256.",
}


def contents(user, day=None):
    """(data, [(path in the archive, stored name), …]) of the person's copy."""
    day = day or today()
    files = []
    children = family.collect(user, day, files)
    threads = own.threads(user, day, files)
    staff = bool(own.account(user)["staff_roles"])
    data = {
        "format": FORMAT, "made_at": utcnow().isoformat() + "Z",
        "keys": KEYS,
        "person": own.account(user),
        "notification_settings": own.notification_settings(user),
        "children": children,
        "threads": threads,
        "class_list": own.class_list(user),
        "caregiver_access": own.caregiver_access(user),
        "messages_sent": (own.messages_sent(user, [t["id"] for t in threads])
                          if staff else []),
        "audit": own.audit_rows(user, [c["id"] for c in children]),
        "rectifications": own.rectifications(user),
        "calendar": {**events_export.for_guardian(user), **meetings_export.for_guardian(user),
                     "week_plans": weekplan_export.for_guardian(user)["groups"]},
    }
    return data, files


def _copy_into(archive, source, name):
    """A stored file into the zip in chunks (photos and videos are compressed already);
    returns its SHA-256."""
    digest = hashlib.sha256()
    with source, archive.open(zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), "w",
                              force_zip64=True) as dst:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            digest.update(chunk)
            dst.write(chunk)
    return digest.hexdigest()


def write(user, data, files):
    """Write the zip into storage; returns (storage key, size, sha256)."""
    storage = current_storage()
    listed = []
    handle, temporary = tempfile.mkstemp(prefix="export-", suffix=".part",
                                         dir=current_app.instance_path)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, stored in files:
                try:
                    source = storage.open(stored)
                except FileNotFoundError:  # deleted meanwhile (a purge, a withdrawal)
                    continue
                digest = _copy_into(archive, source, name)
                info = archive.getinfo(name)
                listed.append({"path": name, "size": info.file_size, "sha256": digest})
            data["files"] = listed
            archive.writestr(zipfile.ZipInfo("data.json", date_time=(2000, 1, 1, 0, 0, 0)),
                             json.dumps(data, ensure_ascii=False, indent=1),
                             compress_type=zipfile.ZIP_DEFLATED)
            archive.writestr(zipfile.ZipInfo("index.html", date_time=(2000, 1, 1, 0, 0, 0)),
                             index_html(user, data), compress_type=zipfile.ZIP_DEFLATED)
            archive.writestr(zipfile.ZipInfo("style.css", date_time=(2000, 1, 1, 0, 0, 0)),
                             _source("my_data/archive.css"),
                             compress_type=zipfile.ZIP_DEFLATED)
        key = f"{secrets.token_urlsafe(24)}.zip"
        size, sha256 = os.stat(temporary).st_size, _sha256(temporary)
        storage.put_file(name_of(key), temporary)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return key, size, sha256


def _source(name):
    env = current_app.jinja_env
    return env.loader.get_source(env, name)[0]


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def index_html(user, data):
    """The page a person opens, in their language; it works from the unpacked folder."""
    town = current_app.config["MUNICIPALITY"]
    language = user.locale if user.locale in town.languages else town.default_language
    # Rendered by Jinja itself: no request, so no page context, no session, no CSRF.
    with force_locale(language):
        template = current_app.jinja_env.get_template("my_data/archive_index.html")
        return template.render(data=data, language=language, when=when, municipality=town,
                               direction=DIRECTIONS.get(language, "ltr"))


def when(value):
    """An ISO date or UTC moment of data.json as the municipality's clock shows it."""
    if not value:
        return ""
    if "T" not in value and ":" in value:  # a time of day
        return value[:5]
    if "T" not in value:
        return datetime.date.fromisoformat(value).strftime("%d.%m.%Y")
    moment = datetime.datetime.fromisoformat(value.rstrip("Z"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(municipality_zone()).strftime("%d.%m.%Y %H:%M")


def build(export):
    """The whole archive of a request: returns (storage key, size, sha256)."""
    user = User.get_by_id(export.user_id)
    data, files = contents(user)
    return write(user, data, files)
