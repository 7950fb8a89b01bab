"""The audit log after retention.audit_log_years (through models/audit_chain.py, which
keeps the hash chain verifiable), and the "who has seen my child's data" rows after the
12 months guardians are shown plus a margin (models/access_log/cleanup.py)."""
from models.access_log import cleanup as access_cleanup
from models.access_log.tables import AccessRecord
from models.audit import AuditEvent
from models.retention import common


def _audit_cutoff(settings, day):
    return common.day_start(common.years_before(day, settings["audit_log_years"]))


def audit_due(settings, day):
    return AuditEvent.select().where(AuditEvent.at < _audit_cutoff(settings, day)).count()


def audit_purge(settings, day):
    from models import audit_chain  # its own area; imported when the purge needs it
    return audit_chain.purge_before(_audit_cutoff(settings, day))


def _access_cutoff(day):
    months = access_cleanup.SHOWN_MONTHS + access_cleanup.MARGIN_MONTHS
    return common.day_start(common.months_before(day, months))


def access_log_due(settings, day):
    return AccessRecord.select().where(AccessRecord.at < _access_cutoff(day)).count()


def access_log_purge(settings, day):
    return access_cleanup.purge_before(_access_cutoff(day))
