"""Deleting copies nobody may download any more, for the retention purge."""
import datetime

from models.data_export import exports
from models.data_export.tables import DOWNLOADED, EXPIRED, READY, DataExport
from models.db import database, utcnow

# A downloaded file is kept this long after its download began, so that purging never
# cuts a download in the middle.
AFTER_DOWNLOAD = datetime.timedelta(hours=1)


def _due(now):
    return ((DataExport.storage_key.is_null(False))
            & (((DataExport.state == READY) & (DataExport.expires_at <= now))
               | ((DataExport.state == DOWNLOADED)
                  & (DataExport.downloaded_at <= now - AFTER_DOWNLOAD))
               | ~DataExport.state.in_([READY, DOWNLOADED])))


def expired(now=None):
    """How many copies' files purge_expired would delete now."""
    return DataExport.select().where(_due(now or utcnow())).count()


def purge_expired(now=None, storage=None):
    """Delete the files of copies past their day or downloaded, and mark those never
    downloaded expired. Returns how many files were deleted. Runs in the app's context
    (`flask purge`, the worker), or is given the storage (models/storage.py)."""
    now = now or utcnow()
    rows = list(DataExport.select(DataExport.id, DataExport.storage_key).where(_due(now)))
    if not rows:
        return 0
    with database.atomic():
        ids = [row.id for row in rows]
        (DataExport.update(state=EXPIRED)
         .where(DataExport.id.in_(ids) & (DataExport.state == READY)).execute())
        DataExport.update(storage_key=None).where(DataExport.id.in_(ids)).execute()
    exports.remove_files([row.storage_key for row in rows], storage)
    return len(rows)
