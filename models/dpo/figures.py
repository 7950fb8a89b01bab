"""What the audit log says about a period, for the data-protection officer: two
aggregate queries whatever the log's size. Children named in an event's details are
never read: only counts, administrators' names and their stated reasons."""
import datetime
import json
from collections import Counter
from dataclasses import dataclass, field

from peewee import SQL, Case, fn

from models.audit import AuditEvent

EXPORT_REQUESTED, EXPORT_DOWNLOADED = "export.requested", "export.downloaded"
PURGE_RUN = "purge.run"
ARCHIVE_EXPORTED, ARCHIVE_CONFIRMED = "archive.exported", "archive.confirmed"
RECTIFICATION_OPENED = "rectification.requested"
RECTIFICATION_CLOSED = ("rectification.answered", "rectification.withdrawn")
AUDIT_VERIFIED = "audit.verified"
# Reads of personal data an administrator states a reason for (views/admin.py).
ADMIN_READS = ("audit_log.read", "thread.inspected")
# Logins that failed, and those worth a look: blocked after too many attempts, an eID
# login by someone not registered, a wrong PIN on a shared tablet, a login code sent.
FAILED_LOGINS = ("login.failed", "login.eid_failed")
UNUSUAL_LOGINS = ("login.blocked", "login.eid_unknown", "device.pin_failed", "device.locked",
                  "code_login.sent")
LOGIN_ACTIONS = FAILED_LOGINS + UNUSUAL_LOGINS
COUNTED = (EXPORT_REQUESTED, EXPORT_DOWNLOADED, PURGE_RUN, ARCHIVE_EXPORTED,
           ARCHIVE_CONFIRMED) + LOGIN_ACTIONS
RECTIFICATIONS = (RECTIFICATION_OPENED,) + RECTIFICATION_CLOSED
DETAILED = ADMIN_READS + (PURGE_RUN, ARCHIVE_EXPORTED, ARCHIVE_CONFIRMED)
ROWS = 200        # the newest detailed events shown
TOP_ADDRESSES = 5


@dataclass(frozen=True)
class Event:
    at: datetime.datetime
    actor: str
    action: str
    reason: str = ""
    counts: tuple = ()      # ((kind, number), …) of a purge or an archive package


@dataclass(frozen=True)
class LoginDay:
    day: datetime.date
    failed: int
    unusual: int


@dataclass
class Figures:
    start: datetime.date
    end: datetime.date
    counts: Counter = field(default_factory=Counter)   # action -> events in the period
    rectifications_open: int = 0          # all time: asked minus answered or withdrawn
    login_days: list = field(default_factory=list)     # [LoginDay], newest first
    addresses: list = field(default_factory=list)      # [(ip, events)], most first
    reads: list = field(default_factory=list)          # [Event] of administrators
    purges: list = field(default_factory=list)         # [Event] purges and archive runs
    verified: object = None               # the last chain check: Event with details
    verified_ok: bool | None = None
    verified_rows: int | None = None
    broken_at: int | None = None
    more: bool = False                    # more detailed events than shown

    @property
    def rectifications_opened(self):
        return self.counts[RECTIFICATION_OPENED]

    @property
    def rectifications_closed(self):
        return sum(self.counts[action] for action in RECTIFICATION_CLOSED)


def _bounds(start, end):
    return (datetime.datetime.combine(start, datetime.time()),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time()))


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _counts_query(low, high):
    day = fn.DATE(AuditEvent.at)
    address = Case(None, [(AuditEvent.action.in_(LOGIN_ACTIONS), AuditEvent.ip)], "")
    in_period = (AuditEvent.at >= low) & (AuditEvent.at < high)
    return (AuditEvent.select(AuditEvent.action, day, address, fn.COUNT(AuditEvent.id))
            .where((in_period & AuditEvent.action.in_(COUNTED))
                   | AuditEvent.action.in_(RECTIFICATIONS))
            # By position: PostgreSQL does not match a parameterised CASE in GROUP BY.
            .group_by(SQL("1"), SQL("2"), SQL("3")).tuples())


def _details_query(low, high):
    last_check = AuditEvent.select(fn.MAX(AuditEvent.id)).where(
        AuditEvent.action == AUDIT_VERIFIED)
    return (AuditEvent.select(AuditEvent.at, AuditEvent.actor_name, AuditEvent.action,
                              AuditEvent.detail)
            .where(((AuditEvent.at >= low) & (AuditEvent.at < high)
                    & AuditEvent.action.in_(DETAILED)) | (AuditEvent.id == last_check))
            .order_by(Case(None, [(AuditEvent.action == AUDIT_VERIFIED, 0)], 1),
                      AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(ROWS + 2).tuples())


def _numbers(detail):
    """The counts an event's details hold: ((kind, number), …), nested "counts" too.
    Only numbers: a detail that names something is never shown."""
    found = []
    for key, value in sorted(detail.items()):
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and key not in ("child", "person", "unit", "group"):
            found.append((key, value))
        elif isinstance(value, dict) and key in ("counts", "kinds", "deleted"):
            found += [(k, v) for k, v in sorted(value.items())
                      if isinstance(v, int) and not isinstance(v, bool)]
    return tuple(found)


def figures(start, end):
    """The figures of the days start..end (inclusive). Two queries."""
    low, high = _bounds(start, end)
    result = Figures(start, end)
    per_day, per_address = {}, Counter()
    opened = closed = 0
    for action, day, address, number in _counts_query(low, high):
        day = _as_date(day)
        if action in RECTIFICATIONS:
            if action == RECTIFICATION_OPENED:
                opened += number
            else:
                closed += number
            if not start <= day <= end:
                continue
        result.counts[action] += number
        if action in LOGIN_ACTIONS:
            failed, unusual = per_day.get(day, (0, 0))
            per_day[day] = ((failed + number, unusual) if action in FAILED_LOGINS
                            else (failed, unusual + number))
            if address:
                per_address[address] += number
    result.rectifications_open = max(opened - closed, 0)
    result.login_days = [LoginDay(day, *per_day[day]) for day in sorted(per_day, reverse=True)]
    result.addresses = sorted(per_address.items(), key=lambda item: (-item[1], item[0]))[
        :TOP_ADDRESSES]
    shown = 0
    for at, actor, action, detail in _details_query(low, high):
        details = json.loads(detail or "{}")
        if action == AUDIT_VERIFIED:
            if result.verified is None:
                result.verified = Event(at, actor, action)
                result.verified_ok = bool(details.get("ok"))
                result.verified_rows = details.get("rows")
                result.broken_at = details.get("broken_at")
            continue
        if shown == ROWS:
            result.more = True
            continue
        shown += 1
        if action in ADMIN_READS:
            result.reads.append(Event(at, actor, action, str(details.get("reason", ""))))
        else:
            result.purges.append(Event(at, actor, action, counts=_numbers(details)))
    return result
