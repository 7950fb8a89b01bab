"""The files in an S3-compatible object store (models/storage.py has the interface and the
local backend), for installations that run the app on several hosts: the municipality's
own store (MinIO, Ceph, SeaweedFS, …) or a cloud's.

Objects are private: the app writes them without an ACL and reads them with its own
keys, and serves them to people only through its views, after the same access checks as
ever. Addressing is path-style (https://store/bucket/name), which every store
understands, and requests are signed with signature version 4. The keys are given,
never looked for elsewhere (no instance metadata, no profile), and are never logged.
"""
import contextlib
import io
import os

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

NOT_THERE = {"NoSuchKey", "NotFound", "404"}


class Unavailable(Exception):
    """The object store did not answer, or refused the app's keys: the person is asked
    to try again (views/errors.py). The message names no key."""


@contextlib.contextmanager
def _answered(name):
    """The store's errors as the interface says: a missing object is FileNotFoundError,
    anything else (down, refused, a missing bucket) Unavailable."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in NOT_THERE:
            raise FileNotFoundError(name) from None
        raise Unavailable(f"the object store refused a request for {name!r}: {code}") \
            from None
    except BotoCoreError as exc:
        raise Unavailable(f"the object store did not answer: {type(exc).__name__}") from None



def check_name(name):
    """A stored file's name: parts between "/", none empty, "." or "..". Raises
    ValueError for anything else (a name in a backup's manifest, say)."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"not a stored file's name: {name!r}")
    return name


class S3Storage:
    check_name = staticmethod(check_name)

    def __init__(self, endpoint, bucket, region, access_key, secret_key):
        self.endpoint, self.bucket = endpoint, bucket
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint, region_name=region,
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          connect_timeout=5, read_timeout=60,
                          retries={"max_attempts": 3, "mode": "standard"},
                          # Checksums only where S3 demands them: several stores a
                          # municipality runs do not know the newer ones.
                          request_checksum_calculation="when_required",
                          response_checksum_validation="when_required"))
        self.transfer = TransferConfig(use_threads=False)

    def __repr__(self):  # no key in it
        return f"S3Storage({self.endpoint!r}, {self.bucket!r})"

    def put(self, name, data):
        with _answered(name):
            self.client.put_object(Bucket=self.bucket, Key=name, Body=data)

    def put_file(self, name, source):
        """Upload a finished temporary file (in parts when it is large); `source` is
        gone afterwards, as with the local backend."""
        with _answered(name):
            self.client.upload_file(str(source), self.bucket, name, Config=self.transfer)
        os.unlink(source)

    def copy(self, source, name):
        with _answered(source):
            self.client.copy_object(Bucket=self.bucket, Key=name,
                                    CopySource={"Bucket": self.bucket, "Key": source})

    def _get(self, name, **extra):
        with _answered(name):
            return self.client.get_object(Bucket=self.bucket, Key=name, **extra)

    def open(self, name):
        """The object as a file to read; its `size` in bytes set on it."""
        return _Reader(self, name)

    def read(self, name):
        with self.open(name) as fh:
            return fh.read()

    def _head(self, name):
        with _answered(name):
            return self.client.head_object(Bucket=self.bucket, Key=name)

    def exists(self, name):
        try:
            self._head(name)
        except FileNotFoundError:
            return False
        return True

    def size(self, name):
        return self._head(name)["ContentLength"]

    def delete(self, name):
        with _answered(name):
            self.client.delete_object(Bucket=self.bucket, Key=name)

    def names(self, folder):
        found = []
        with _answered(folder):
            for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=folder):
                found += [item["Key"] for item in page.get("Contents", ())]
        return found


class _Reader(io.RawIOBase):
    """An object read as a file: one GET streamed from where reading is, so that a
    whole file costs one request; a seek elsewhere (a video's Range request) starts
    another GET from there. Missing objects fail at once, before a response begins."""

    def __init__(self, storage, name):
        super().__init__()
        self._storage, self._name, self._pos, self._body = storage, name, 0, None
        answer = storage._get(name)
        self.size = answer["ContentLength"]
        self._body = answer["Body"]

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._pos

    def seek(self, offset, whence=io.SEEK_SET):
        target = {io.SEEK_SET: offset, io.SEEK_CUR: self._pos + offset,
                  io.SEEK_END: self.size + offset}[whence]
        if target < 0:
            raise ValueError("negative seek position")
        if target != self._pos:
            self._drop()
            self._pos = target
        return self._pos

    def readinto(self, buffer):
        if self._pos >= self.size:
            return 0
        if self._body is None:
            self._body = self._storage._get(self._name,
                                            Range=f"bytes={self._pos}-")["Body"]
        with _answered(self._name):
            data = self._body.read(len(buffer))
        buffer[:len(data)] = data
        self._pos += len(data)
        return len(data)

    def _drop(self):
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self):
        self._drop()
        super().close()
