"""Where the app keeps its files (issue 23): photos and videos of posts and their
thumbnails, files sent with messages and their phone-sized copies, files kept while a
form comes back, copies of people's data and archive packages.

Two backends with one interface: a folder on this host (ATTACHMENT_DIR, laid out as it
always was, so an installation keeps its files where they are), or an S3-compatible
object store (models/storage_s3.py) when S3_ENDPOINT names one, so that several hosts
running the app share the files. Files are named as they always were: a random name,
or a folder and a name ("kept/…", "exports/…"), with "/" between.

Both backends raise FileNotFoundError for a name that is not there (open, read, size,
copy); the object store raises storage_s3.Unavailable when it cannot be
reached, which asks the person to try again (views/errors.py).
"""
import os
import secrets
import shutil
from pathlib import Path

from flask import current_app

from models import storage_s3

PARTIAL = ".part"  # a file still being written (local backend); never listed


def current():
    """The app's storage (app.extensions["storage"], made by from_settings)."""
    return current_app.extensions["storage"]


LOOPBACK = ("http://127.0.0.1:", "http://localhost:", "http://[::1]:")


def from_settings(settings):
    """The object store S3_ENDPOINT names, else the folder ATTACHMENT_DIR. Raises
    ValueError for an incomplete or unsafe setting: without keys, the S3 client would
    look for some elsewhere (the environment, a cloud's instance metadata), and
    children's photos cross no network in plain http."""
    endpoint = settings.get("S3_ENDPOINT")
    if endpoint:
        missing = [name for name in ("S3_BUCKET", "S3_ACCESS_KEY", "S3_SECRET_KEY")
                   if not settings.get(name)]
        if missing:
            raise ValueError(f"S3_ENDPOINT is set: set {', '.join(missing)} too")
        if not endpoint.startswith(("https://", *LOOPBACK)):
            raise ValueError("S3_ENDPOINT must be an https:// address (plain http only "
                             "on this host: 127.0.0.1, localhost, [::1])")
        return storage_s3.S3Storage(
            settings["S3_ENDPOINT"], settings["S3_BUCKET"], settings["S3_REGION"],
            settings["S3_ACCESS_KEY"], settings["S3_SECRET_KEY"])
    return LocalStorage(settings["ATTACHMENT_DIR"])


class LocalStorage:
    """Files in a folder of this host. Each file is written whole under a temporary
    name and then renamed, so a reader never sees half of one."""

    def __init__(self, root):
        self.root = Path(root)

    def __repr__(self):
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, name):
        return self.root.joinpath(*storage_s3.check_name(name).split("/"))

    @staticmethod
    def check_name(name):
        storage_s3.check_name(name)

    def _written(self, path, write):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{secrets.token_hex(6)}{PARTIAL}")
        try:
            write(partial)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    def put(self, name, data):
        self._written(self._path(name), lambda path: path.write_bytes(data))

    def put_file(self, name, source):
        """Take over a finished temporary file (a zip made on disk): renamed into
        place on the same file system, else copied; `source` is gone afterwards."""
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, path)
        except OSError:
            self._written(path, lambda target: shutil.copyfile(source, target))
            os.unlink(source)

    def copy(self, source, name):
        """The file again under another name: a hard link where the file system
        allows (files are never changed in place), else a copy."""
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self._path(source), path)
        except (FileNotFoundError, FileExistsError):
            raise
        except OSError:
            self._written(path, lambda target: shutil.copyfile(self._path(source), target))

    def open(self, name):
        """The file opened for reading; its `size` in bytes set on it."""
        fh = open(self._path(name), "rb")
        fh.size = os.fstat(fh.fileno()).st_size
        return fh

    def read(self, name):
        return self._path(name).read_bytes()

    def exists(self, name):
        return self._path(name).is_file()

    def size(self, name):
        return self._path(name).stat().st_size

    def delete(self, name):
        self._path(name).unlink(missing_ok=True)

    def names(self, folder):
        """The names of the files under a folder ("kept/"; "" for all), as put() was
        given them, as an object store lists a prefix: subfolders' files included."""
        path = self._path(folder.rstrip("/")) if folder else self.root
        if not path.is_dir():
            return []
        return sorted(f"{folder}{found.relative_to(path).as_posix()}"
                      for found in path.rglob("*")
                      if found.is_file() and not found.name.endswith(PARTIAL))
