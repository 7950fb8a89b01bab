"""Retention of the access rows: guardians see 12 months; the retention job keeps a
margin beyond that and deletes the rest."""
from models.access_log.tables import AccessRecord

SHOWN_MONTHS = 12
MARGIN_MONTHS = 1  # the retention job deletes rows older than SHOWN + MARGIN months


def purge_before(cutoff):
    """Delete every access row written before `cutoff` (a naive UTC datetime); returns
    how many went."""
    return AccessRecord.delete().where(AccessRecord.at < cutoff).execute()
