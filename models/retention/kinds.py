"""Every kind of data the retention purge deletes, in the order it runs them.

A kind has `due(settings, day) -> int` (what a purge on `day` would delete now),
`purge(settings, day) -> int` (delete it; the count), and for kinds that may belong in
the public archive `held(settings, day) -> int` (past the period but waiting for a
confirmed archive package, models/archive/gate.py). Counts only, never a name. The names
of archivable kinds are the archive's own ("messages", "posts", "leave", "absence",
"attendance").

The order matters: the records go first, then what only they kept (consent answers,
children's and guardians' remaining names), so that one run reaches a steady state; the
audit log last, after the run's own rows."""
from dataclasses import dataclass
from typing import Callable

from models.events import retention as events
from models.meetings import retention as meetings
from models.retention import by_child, by_unit, consents, housekeeping, logs, people
from models.weekplan import retention as week_plans


@dataclass(frozen=True)
class Kind:
    name: str
    due: Callable
    purge: Callable
    held: Callable | None = None  # None: never held for the archive


KINDS = (
    Kind("posts", by_unit.posts_due, by_unit.posts_purge, by_unit.posts_held),
    Kind("messages", by_unit.messages_due, by_unit.messages_purge, by_unit.messages_held),
    Kind("absence", by_child.absence_due, by_child.absence_purge, by_child.absence_held),
    Kind("leave", by_child.leave_due, by_child.leave_purge, by_child.leave_held),
    Kind("attendance", by_unit.attendance_due, by_unit.attendance_purge,
         by_unit.attendance_held),
    Kind("events", events.due, events.purge),
    Kind("meetings", meetings.due, meetings.purge),
    Kind("week_plans", week_plans.due, week_plans.purge),
    Kind("check_ins", housekeeping.check_ins_due, housekeeping.check_ins_purge),
    Kind("notifications", housekeeping.notifications_due, housekeeping.notifications_purge),
    Kind("drafts", housekeeping.drafts_due, housekeeping.drafts_purge),
    Kind("not_sent", housekeeping.not_sent_due, housekeeping.not_sent_purge),
    Kind("kept_files", housekeeping.kept_files_due, housekeeping.kept_files_purge),
    Kind("exports", housekeeping.exports_due, housekeeping.exports_purge),
    Kind("roster_uploads", housekeeping.roster_uploads_due, housekeeping.roster_uploads_purge),
    Kind("archive_packages", housekeeping.archive_packages_due,
         housekeeping.archive_packages_purge),
    Kind("rectifications", housekeeping.rectifications_due, housekeeping.rectifications_purge),
    Kind("consent_history", consents.consent_history_due, consents.consent_history_purge),
    # Guardians before children: a child's erasure deletes the guardianships that say
    # when a guardian's last child left. A shell the child's deletion frees goes the
    # next day.
    Kind("guardians", people.guardians_due, people.guardians_purge),
    Kind("children", people.children_due, people.children_purge),
    Kind("access_log", logs.access_log_due, logs.access_log_purge),
    Kind("audit_log", logs.audit_due, logs.audit_purge),
)
