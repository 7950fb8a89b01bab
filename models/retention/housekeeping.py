"""Kinds that were purged before issue 19, now in the same list: notification records,
unpublished photo drafts, files kept for a message form, and check-in times; the files
of people's copies of their data; roster files left after a preview; and announcements
the worker could not send. All but check-ins are working data with short fixed
lifetimes, reckoned by the clock, not the day."""
import datetime

from models.archive import overview as archive_packages
from models.daycare import retention as daycare_retention
from models.data_export import cleanup as data_exports
from models.db import utcnow
from models.messaging import attachments, outbox
from models.notifications import deliveries
from models.notifications.tables import PENDING, SENDING, Notification
from models.posts import drafts
from models.posts.tables import DraftUpload
from models.rectification.tables import Rectification
from models.retention import common
from models.roster import uploads as roster_uploads

# Notifications say who was told what when; the administrator needs them to see what
# did not arrive, not longer.
NOTIFICATION_DAYS = 90


def notifications_due(settings, day):
    before = utcnow() - datetime.timedelta(days=NOTIFICATION_DAYS)
    return Notification.select().where((Notification.created_at < before)
                                       & Notification.status.not_in([PENDING, SENDING])).count()


def notifications_purge(settings, day):
    return deliveries.purge(NOTIFICATION_DAYS)


def drafts_due(settings, day):
    return DraftUpload.select().where(DraftUpload.expires_at <= utcnow()).count()


def drafts_purge(settings, day):
    return drafts.purge_expired(settings.storage)


def kept_files_due(settings, day):
    return len(attachments.expired_kept(settings.storage))


def kept_files_purge(settings, day):
    return attachments.purge_kept(settings.storage)


def not_sent_due(settings, day):
    return outbox.not_sent_due()


def not_sent_purge(settings, day):
    """Announcements the worker could not send (their sender was told), with their files,
    outbox.NOT_SENT_DAYS after they were due."""
    return outbox.not_sent_purge(settings.storage)


def exports_due(settings, day):
    return data_exports.expired()


def exports_purge(settings, day):
    """The files of a person's copy of their data, a day after it was made or an hour
    after it was downloaded (models/data_export)."""
    return data_exports.purge_expired(storage=settings.storage)


def roster_uploads_due(settings, day):
    return len(roster_uploads.stale(settings.storage))


def roster_uploads_purge(settings, day):
    """A roster file uploaded for a preview that was never imported (it holds national
    identity numbers), an hour after the upload (models/roster/uploads.py)."""
    return roster_uploads.remove_stale(settings.storage)


def archive_packages_due(settings, day):
    return archive_packages.unconfirmed_due()


def archive_packages_purge(settings, day):
    """Archive packages nobody confirmed within 30 days (a confirmed one is deleted when
    it is confirmed: the archive has it)."""
    return archive_packages.purge_unconfirmed()


def _closed_requests(settings, day):
    """Requests for correction closed (answered or withdrawn) messages_years ago: kept as
    long as the correspondence they are part of."""
    before = common.day_start(common.years_before(day, settings["messages_years"]))
    return Rectification.closed_at.is_null(False) & (Rectification.closed_at < before)


def rectifications_due(settings, day):
    return Rectification.select().where(_closed_requests(settings, day)).count()


def rectifications_purge(settings, day):
    return Rectification.delete().where(_closed_requests(settings, day)).execute()


def check_ins_due(settings, day):
    return daycare_retention.due(settings["check_in_school_years"], day)


def check_ins_purge(settings, day):
    return daycare_retention.purge(settings["check_in_school_years"], day)
