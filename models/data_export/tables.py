"""A person's copy of everything Kontaktbok keeps about them and their children (GDPR
art. 15 and 20): one row per request, from asking to the file being gone."""
import peewee

from models.db import BaseModel, utcnow
from models.school.tables import User

# waiting → making → ready → downloaded; ready past expires_at is expired; failed when
# the worker gave up. A replaced or purged export keeps its row without a file.
WAITING, MAKING, READY, DOWNLOADED = "waiting", "making", "ready", "downloaded"
EXPIRED, FAILED = "expired", "failed"
STATES = (WAITING, MAKING, READY, DOWNLOADED, EXPIRED, FAILED)
IN_PROGRESS = (WAITING, MAKING)


class DataExport(BaseModel):
    user = peewee.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    requested_at = peewee.DateTimeField(default=utcnow)
    state = peewee.CharField(max_length=12, default=WAITING)
    started_at = peewee.DateTimeField(null=True)
    ready_at = peewee.DateTimeField(null=True)
    expires_at = peewee.DateTimeField(null=True)
    downloaded_at = peewee.DateTimeField(null=True)
    # The file's name in the app's storage (exports/, models/storage.py); None once deleted.
    storage_key = peewee.CharField(max_length=64, null=True, unique=True)
    size = peewee.BigIntegerField(null=True)
    sha256 = peewee.CharField(max_length=64, default="")
    # SHA-256 of the link's token; the token itself is only ever in the link.
    token_hash = peewee.CharField(max_length=64, null=True, unique=True)

    class Meta:
        indexes = ((("user", "requested_at"), False), (("state", "expires_at"), False))
