"""The task queue: huey, with its queue in SQLite in instance/ by default and in Redis
when REDIS_URL is set. It runs one task, `dispatch` (models/notifications/sending.py),
which sends the notifications that are due (their rows hold them; the queue holds only
the wake-up calls). A periodic task runs it every minute as well, for digests, quiet
hours and retries.

`make run` starts the worker (`flask --app app worker`) beside the web server.
"""
import contextlib
import datetime
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from huey import RedisHuey, SqliteHuey, crontab

from models import audit_chain
from models.db import database
from models.events import replies as event_replies
from models.messaging import outbox_send
from models.notifications import notify, sending
from models.retention import run as retention_run
from models.translation import work as translation_work

log = logging.getLogger("kontaktbok.queue")
ZONES = {"NO": ZoneInfo("Europe/Oslo"), "SE": ZoneInfo("Europe/Stockholm")}
BATCH = 200
# Not between 02:00 and 03:00, the hour the spring night skips and the autumn one repeats.
PURGE_AT = datetime.time(4, 15)


def local_time(at, zone, utc=True):
    """A huey schedule that fires once a day at `at` in `zone` (huey's own crontab reads
    its clock in UTC, which would move the job with summer time)."""
    def due(timestamp):
        if utc:
            timestamp = timestamp.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
        return (timestamp.hour, timestamp.minute) == (at.hour, at.minute)
    return due


def local_zone():
    return ZONES[current_app.config["MUNICIPALITY"].country]


class Queue:
    """The app's huey and its tasks. In tests (`QUEUE_IMMEDIATE`), a wake-up runs the
    dispatch at once, in the same process, after the request's transaction."""

    def __init__(self, app):
        config = app.config
        if config.get("REDIS_URL"):
            self.huey = RedisHuey("kontaktbok", url=config["REDIS_URL"], results=False)
        else:
            self.huey = SqliteHuey("kontaktbok", results=False,
                                   filename=str(Path(app.instance_path) / "queue.db"))
        self.huey.immediate = bool(config.get("QUEUE_IMMEDIATE"))
        self.app = app

        # huey retries the task itself if it crashes (a database restart, say); each
        # notification's own retries and backoff are kept in its row.
        @self.huey.task(retries=3, retry_delay=10, retry_backoff=2, name="dispatch")
        def dispatch_task():
            self.run()

        @self.huey.periodic_task(crontab(minute="*"), name="sweep")
        def sweep_task():
            self.run()

        self.dispatch_task, self.sweep_task = dispatch_task, sweep_task

        # The audit log's new events join its hash chain (models/audit_chain.py).
        @self.huey.periodic_task(crontab(minute="*"), name="seal_audit")
        def seal_task():
            self.seal()

        self.seal_task = seal_task

        # The retention purge, daily at 04:15 local time (`flask purge` runs the same).
        @self.huey.periodic_task(local_time(PURGE_AT, ZONES[config["MUNICIPALITY"].country],
                                            utc=self.huey.utc), name="purge")
        def purge_task():
            self.purge()

        self.purge_task = purge_task

        # Guardians who still owe a reply to an event, a day before its deadline.
        @self.huey.periodic_task(crontab(minute="7"), name="remind_events")
        def remind_events_task():
            self.remind_events()

        self.remind_events_task = remind_events_task

        # Machine translation of one text (models/translation/work.py). Not retried by
        # huey: a failure is stored, and the page offers it again a few minutes later.
        @self.huey.task(name="translate")
        def translate_task(translation_id):
            self.translate(translation_id)

        self.translate_task = translate_task

        # Announcements held for their undo window or scheduled (issue 22), sent when
        # due: woken for the moment a held one is due, and swept every minute.
        @self.huey.task(retries=3, retry_delay=10, name="send_announcements")
        def announcements_task():
            self.send_announcements()

        @self.huey.periodic_task(crontab(minute="*"), name="sweep_announcements")
        def sweep_announcements_task():
            self.send_announcements()

        self.announcements_task = announcements_task
        self.sweep_announcements_task = sweep_announcements_task

    def send_announcements(self, now=None):
        """Send the due announcements of the outbox; returns how many."""
        connection = (contextlib.nullcontext() if not database.is_closed()
                      else database.connection_context())
        with self.app.app_context(), connection:
            sent = outbox_send.send_due(self.app.extensions["storage"], now)
        if sent:
            # Their notices were published inside the sending transaction, where a
            # dispatch woken at once could not see them yet: wake it now they are
            # committed, not at the minute's sweep (bench/load.py saw a minute's wait).
            self.wake()
        return sent

    def announce_at(self, due_at):
        """Wake the worker when a held announcement is due (naive UTC); the minute's
        sweep sends it anyway."""
        try:
            self.announcements_task.schedule(eta=due_at)
        except Exception:
            log.exception("could not schedule the announcement worker")

    def translate(self, translation_id):
        """Translate one text through the municipality's server; returns the new state."""
        connection = (contextlib.nullcontext() if not database.is_closed()
                      else database.connection_context())
        with self.app.app_context(), connection:
            return translation_work.run(translation_id,
                                        self.app.config["MUNICIPALITY"].translation)

    def remind_events(self, now=None):
        """The automatic reminders of events' reply deadlines; returns how many events."""
        connection = (contextlib.nullcontext() if not database.is_closed()
                      else database.connection_context())
        with self.app.app_context(), connection:
            return event_replies.remind_day_before(now)

    def purge(self):
        """The retention purge (models/retention/run.py), with its own connection."""
        connection = (contextlib.nullcontext() if not database.is_closed()
                      else database.connection_context())
        with self.app.app_context(), connection:
            return retention_run.daily(self.app)

    def seal(self):
        """Seal the audit events written since the last run; returns how many."""
        connection = (contextlib.nullcontext() if not database.is_closed()
                      else database.connection_context())
        with self.app.app_context(), connection:
            return audit_chain.seal()

    def run(self, now=None):
        """Send everything due, in batches. Returns {status: count} over all batches."""
        totals = {}
        # Inside a request (immediate mode) the request's connection serves.
        connection = (contextlib.nullcontext() if not database.is_closed()
                      else database.connection_context())
        known = {}  # access answers, for this run only
        with self.app.app_context(), connection, \
                self.app.extensions["mailer"].connection():
            senders = self.app.extensions["notice_senders"]
            while True:
                done = sending.dispatch(senders, now=now, limit=BATCH, known=known)
                for status, count in done.items():
                    totals[status] = totals.get(status, 0) + count
                if not done:  # nothing more is due (a retry waits for its time)
                    return totals

    def wake(self):
        try:
            self.dispatch_task()
        except Exception:  # the minute's sweep sends them anyway
            log.exception("could not wake the notification worker")


def init_app(app):
    queue = Queue(app)
    app.extensions["queue"] = queue
    notify.configure(queue.wake, ZONES[app.config["MUNICIPALITY"].country])
    return queue


def after_request(response):
    """For app.after_request: wake the queue for what the request's transaction
    published, now that it is committed."""
    notify.run_after_request()
    return response

