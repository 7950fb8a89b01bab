"""Making a copy in the task queue (huey, models/notifications/queue.py): the request
is queued once its transaction is committed; the worker makes the archive, stores it,
and tells the person through their own notification choices (a notification that says
only that the copy is ready, never what is in it).

An export never runs while the retention purge does (models/retention/jobs.py): it
waits and is tried again a few minutes later.
"""
import contextlib
import logging

from huey.exceptions import RetryTask

from models.data_export import archive, exports
from models.db import database, utcnow
from models.notifications import notify
from models.notifications.tables import EXPORT_READY
from models.retention import jobs

log = logging.getLogger("kontaktbok.export")
RETRY_SECONDS = 300
PATH = "/my-data"


def init_app(app):
    """Define the queue's export task (after models/notifications/queue.init_app)."""
    huey = app.extensions["queue"].huey

    @huey.task(name="data_export")
    def export_task(export_id):
        run(app, export_id)

    app.extensions["data_export_task"] = export_task


def enqueue(app, export_id):
    """Ask the worker to make the copy (in tests, at once, in this process)."""
    def call():
        try:
            app.extensions["data_export_task"](export_id)
        except Exception:  # the request stays waiting; asking again replaces it
            log.exception("could not queue data export %s", export_id)
    notify.database_after_commit(call)


def run(app, export_id):
    connection = (contextlib.nullcontext() if not database.is_closed()
                  else database.connection_context())
    with app.app_context(), connection:
        try:
            return make(export_id)
        except jobs.Busy:
            raise RetryTask(delay=RETRY_SECONDS) from None


def make(export_id, now=None):
    """Make one waiting copy: "ready", or "skipped" when it was replaced or taken by
    another worker. Raises jobs.Busy (and leaves it waiting) while a purge runs."""
    export = exports.start(export_id, now=now)
    if export is None:
        return "skipped"
    try:
        with jobs.export_running(f"export:{export.user_id}"):
            key, size, sha256 = archive.build(export)
    except jobs.Busy:
        exports.back_to_waiting(export_id)
        raise
    except Exception:
        exports.fail(export_id)
        raise
    with database.atomic():
        done = exports.finish(export, key, size, sha256, now=now)
        if done:
            notify.publish(notify.Event(kind=EXPORT_READY, source=str(export.id), path=PATH,
                                        recipients={export.user_id: None}),
                           now=now or utcnow())
    if not done:  # replaced by a newer request meanwhile
        exports.remove_files([key])
        return "skipped"
    notify.wake()
    return "ready"
