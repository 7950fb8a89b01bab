"""What a copy of one's data holds about the person themselves: their account, their
notification settings, the conversations and announcements they may read (rule 3, the
same rule as the inbox) with their files, their class-list choices, the caregiver access
they were given, for staff the messages they sent, and the audit log's rows about them
and their children."""
import json

import peewee

from models import access
from models.audit import AuditChild, AuditEvent
from models.messaging import sensitive_threads
from models.messaging.tables import Attachment, Message, Thread, ThreadParticipant
from models.notifications import preferences
from models.rectification import requests
from models.school.tables import (CaregiverGrant, Child, ClassListShare, Group, StaffRole, Unit,
                                  User)


def _iso(value):
    return value.isoformat() if value is not None else None


def account(user):
    """The account as stored; the national identity number masked, never whole."""
    roles = [{"role": role, "unit": unit, "group": group} for role, unit, group in (
        StaffRole.select(StaffRole.role, Unit.name, Group.name)
        .join(Unit, peewee.JOIN.LEFT_OUTER, on=(StaffRole.unit == Unit.id))
        .switch(StaffRole).join(Group, peewee.JOIN.LEFT_OUTER, on=(StaffRole.group == Group.id))
        .where(StaffRole.user == user.id).tuples())]
    return {"username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email, "phone": user.phone,
            "address": user.address, "national_id": user.national_id_masked or None,
            "language": user.locale, "paper_letters": user.paper_letters,
            "created_at": _iso(user.created_at),
            "contact_updated_at": _iso(user.contact_updated_at),
            "code_login_email": user.code_login_email,
            "code_login_phone": user.code_login_phone, "staff_roles": roles}


def notification_settings(user):
    choices = preferences.choices_of(user)
    schedule = preferences.schedule_of(user)
    return {
        "events": {event: {"channels": sorted(choice.channels), "mode": choice.mode}
                   for event, choice in choices.items()},
        "digest_at_minute": schedule.digest_minute, "quiet_hours": schedule.quiet,
        "quiet_from_minute": schedule.quiet_from, "quiet_until_minute": schedule.quiet_until,
        "push_devices": [{"label": d.label, "added_at": _iso(d.created_at),
                          "last_sent_at": _iso(d.last_sent_at)}
                         for d in preferences.devices_of(user)]}


def threads(user, day, files):
    """The threads the person may read today, with every message as its page shows it
    (a withdrawn message without its text or files); `files` gets the attachments."""
    # A sensitive thread only in its participants' copies, never a reader's (issue 22).
    readable = access.threads(user, day).select(Thread.id).where(
        Thread.id.not_in(sensitive_threads.hidden_from(user)))
    if access.is_staff(user) or access.is_administrator(user):
        # Staff copy their own conversations, not every family's their role lets them
        # read (a unit leader reads the whole school's): those they take part in, and
        # those about their own children.
        readable = readable.where(
            Thread.id.in_(ThreadParticipant.select(ThreadParticipant.thread)
                          .where(ThreadParticipant.user == user.id))
            | Thread.child.in_(access.guarded_children(user, day).select(Child.id)))
    found = {}
    for tid, kind, subject, unit, child_first, child_last, group, created in (
            Thread.select(Thread.id, Thread.kind, Thread.subject, Unit.name,
                          Child.first_name, Child.last_name, Group.name, Thread.created_at)
            .join(Unit, on=(Thread.unit == Unit.id))
            .switch(Thread).join(Child, peewee.JOIN.LEFT_OUTER, on=(Thread.child == Child.id))
            .switch(Thread).join(Group, peewee.JOIN.LEFT_OUTER, on=(Thread.group == Group.id))
            .where(Thread.id.in_(readable)).order_by(Thread.created_at, Thread.id).tuples()):
        found[tid] = {"id": tid, "kind": kind, "subject": subject, "unit": unit,
                      "child": f"{child_first} {child_last}" if child_first else None,
                      "group": group, "started_at": _iso(created), "messages": []}
    if not found:
        return []
    messages = {}
    for mid, tid, first, last, body, at, withdrawn in (
            Message.select(Message.id, Message.thread, User.first_name, User.last_name,
                           Message.body, Message.created_at, Message.withdrawn_at)
            .join(User, on=(Message.sender == User.id))
            .where(Message.thread.in_(readable))
            .order_by(Message.created_at, Message.id).tuples()):
        messages[mid] = {"id": mid, "from": f"{first} {last}", "sent_at": _iso(at),
                         "text": "" if withdrawn else body,
                         "withdrawn_at": _iso(withdrawn), "files": []}
        if tid in found:
            found[tid]["messages"].append(messages[mid])
    for aid, mid, filename, stored, mimetype, size in (
            Attachment.select(Attachment.id, Attachment.message, Attachment.filename,
                              Attachment.stored_name, Attachment.mimetype, Attachment.size)
            .join(Message, on=(Attachment.message == Message.id))
            .where(Message.thread.in_(readable) & Message.withdrawn_at.is_null())
            .order_by(Attachment.id).tuples()):
        if mid not in messages:
            continue
        path = f"files/messages/{mid}-{aid}-{_safe(filename)}"
        files.append((path, stored))
        messages[mid]["files"].append({"name": filename, "type": mimetype, "size": size,
                                       "path": path})
    return list(found.values())


def _safe(filename):
    """A file name that unpacks anywhere: letters, digits, dot, dash and underscore."""
    kept = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in filename)
    return kept.lstrip(".")[-80:] or "file"


def class_list(user):
    """The person's own choices of what to share in class lists (nobody else's)."""
    return [{"child": f"{first} {last}", "group": group, "child_name": shares[0],
             "my_name": shares[1], "email": shares[2], "phone": shares[3],
             "address": shares[4], "updated_at": _iso(updated)}
            for first, last, group, *shares, updated in (
                ClassListShare.select(Child.first_name, Child.last_name, Group.name,
                                      ClassListShare.child_name, ClassListShare.my_name,
                                      ClassListShare.email, ClassListShare.phone,
                                      ClassListShare.address, ClassListShare.updated_at)
                .join(Child, on=(ClassListShare.child == Child.id))
                .switch(ClassListShare).join(Group, on=(ClassListShare.group == Group.id))
                .where(ClassListShare.guardian == user.id).tuples())]


def caregiver_access(user):
    """Access the person was given as a caregiver (a grandparent, say)."""
    return [{"child": f"{first} {last}", "relation": relation, "asked_at": _iso(created),
             "confirmed_at": _iso(confirmed), "accepted_at": _iso(accepted),
             "ended_at": _iso(revoked)}
            for first, last, relation, created, confirmed, accepted, revoked in (
                CaregiverGrant.select(Child.first_name, Child.last_name,
                                      CaregiverGrant.relation, CaregiverGrant.created_at,
                                      CaregiverGrant.confirmed_at, CaregiverGrant.accepted_at,
                                      CaregiverGrant.revoked_at)
                .join(Child, on=(CaregiverGrant.child == Child.id))
                .where(CaregiverGrant.caregiver == user.id).tuples())]


def messages_sent(user, skip_threads):
    """For staff: the messages they wrote, outside the threads already copied."""
    return [{"id": mid, "unit": unit, "sent_at": _iso(at), "text": "" if withdrawn else body,
             "withdrawn_at": _iso(withdrawn)}
            for mid, unit, body, at, withdrawn in (
                Message.select(Message.id, Unit.name, Message.body, Message.created_at,
                               Message.withdrawn_at)
                .join(Thread, on=(Message.thread == Thread.id))
                .join(Unit, on=(Thread.unit == Unit.id))
                .where((Message.sender == user.id) & Thread.id.not_in(skip_threads or [0]))
                .order_by(Message.created_at, Message.id).tuples())]


def audit_rows(user, child_ids):
    """The audit log's rows about the person (they did it, or it was done to their
    account) and about their children. Others' details and addresses stay out: an
    event someone else caused shows when, what and who."""
    # A request for correction is the asker's own (another guardian of the child does
    # not learn of it), so its events about a child go only into the asker's copy.
    about_children = AuditChild.select(AuditChild.event).join(
        AuditEvent, on=(AuditChild.event == AuditEvent.id)).where(
        AuditChild.child_id.in_(child_ids or [0])
        & (~AuditEvent.action.startswith("rectification.")
           | (AuditEvent.actor_id == user.id))
        # Nor does a sensitive thread the person is not in (issue 22), by any event.
        & ~(((AuditEvent.object_type == "thread")
             & AuditEvent.object_id.in_(sensitive_threads.hidden_from(user)))
            | ((AuditEvent.object_type == "message")
               & AuditEvent.object_id.in_(sensitive_threads.hidden_messages(user)))))
    rows = []
    for at, actor_id, actor, action, object_type, object_id, ip, detail in (
            AuditEvent.select(AuditEvent.at, AuditEvent.actor_id, AuditEvent.actor_name,
                              AuditEvent.action, AuditEvent.object_type,
                              AuditEvent.object_id, AuditEvent.ip, AuditEvent.detail)
            .where((AuditEvent.actor_id == user.id)
                   | ((AuditEvent.object_type == "user") & (AuditEvent.object_id == user.id))
                   | AuditEvent.id.in_(about_children))
            .order_by(AuditEvent.at, AuditEvent.id).tuples()):
        own = actor_id == user.id
        rows.append({"at": _iso(at), "action": action, "by": actor or None,
                     "by_you": own, "object": object_type or None,
                     "object_id": object_id if object_type in ("user", "child") and
                     (object_id == user.id or object_id in child_ids) else None,
                     "ip": ip if own else None,
                     "detail": json.loads(detail or "{}") if own else None})
    return rows


def rectifications(user):
    """The person's requests for correction (GDPR art. 16), each with its whole history."""
    return [{"id": item.id, "about": item.about, "field": item.field, "status": item.status,
             "asked_at": _iso(item.created_at), "closed_at": _iso(item.closed_at),
             "child": item.child or None,
             "history": [{"at": _iso(line.at), "kind": line.kind, "by": line.author or None,
                          "text": line.text} for line in requests.history(item)]}
            for item in requests.own(user)]
