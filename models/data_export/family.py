"""What a copy of one's data holds about one's children (GDPR art. 15): each child's
record, groups and guardians, absence and leave, attendance, consents with every answer,
caregivers and pick-up lists, and posts with their photos and videos.

Only the children the person has parental responsibility for and still sees (rules 1
and 2) are in it, and only what is theirs: a co-guardian with a protected address is
named without contact details, nobody's national identity number is copied, and a
group post's photo goes in only when the child is in it. Each kind is one query for
all the children together, whatever the length of their history.
"""
import json

import peewee
from flask import current_app

from models.absence.tables import Absence, LeaveApplication
from models.access.children import guardian_condition, responsible_child_ids
from models.access_log.tables import AccessRecord
from models.attendance.tables import AbsenceNotice, AttendanceMark
from models.consent.tables import Consent, ConsentAnswer, ConsentItem, ConsentVersion
from models.daycare.tables import Presence
from models.pickup.tables import PickupApproval, PickupPerson, PickupToday
from models.posts import feed
from models.school.tables import (UNPROTECTED, WITH_RESPONSIBILITY, CaregiverApproval,
                                  CaregiverGrant, Child, Enrolment, Group, Guardianship, Unit,
                                  User, eighteenth_birthday_cutoff)


def _iso(value):
    return value.isoformat() if value is not None else None


def _name(first, last):
    return f"{first} {last}".strip() if first or last else None


def children_of(user, day):
    """The children whose records the person may copy: those they have parental
    responsibility for and see today."""
    cutoff = eighteenth_birthday_cutoff(day)
    return list(Child.select().where(Child.id.in_(responsible_child_ids(user.id))
                                     & guardian_condition(user.id, day, cutoff))
                .order_by(Child.birth_date, Child.first_name))


def collect(user, day, files):
    """[child record, …] for the person's children; `files` (a list) gets the
    (path in the archive, path on disk) of every photo and video copied."""
    children = children_of(user, day)
    ids = [c.id for c in children]
    if not ids:
        return []
    records = {c.id: {"id": c.id, "name": c.name, "first_name": c.first_name,
                      "last_name": c.last_name, "birth_date": _iso(c.birth_date),
                      # A protected address is given to nobody through the app, not
                      # even in a guardian's copy (the register keeps it).
                      "address": c.address if not c.is_protected else None,
                      "groups": [], "guardians": [],
                      "absences": [], "leave_applications": [], "attendance": [],
                      "absence_notices": [], "check_ins": [], "consents": [],
                      "caregivers": [], "pickup_list": [], "pickup_days": [], "posts": [],
                      "seen_by": []}
               for c in children}
    _groups(ids, records)
    _guardians(ids, records)
    _absence(ids, records)
    _attendance(ids, records)
    _consents(ids, records)
    _caregivers(ids, records)
    _pickup(ids, records)
    by_role = current_app.config["MUNICIPALITY"].staff_by_role_for_protected
    _seen(ids, records, {c.id for c in children if c.is_protected and by_role})
    for child in children:
        records[child.id]["posts"] = _posts(user, child, files)
    return [records[c.id] for c in children]


def _seen(ids, records, roles_only):
    """Who at the school opened each child's pages (rule 12), as the guardians' page
    "Who has seen" shows it: staff of a child with a protected address by role only
    where the municipality chose so."""
    for at, child, name, roles, page in (
            AccessRecord.select(AccessRecord.at, AccessRecord.child, AccessRecord.viewer_name,
                                AccessRecord.roles, AccessRecord.page)
            .where(AccessRecord.child.in_(ids))
            .order_by(AccessRecord.at, AccessRecord.id).tuples()):
        records[child]["seen_by"].append({
            "at": _iso(at), "name": None if child in roles_only else name,
            "roles": ", ".join(r for r in roles.split(",") if r), "page": page})


def _groups(ids, records):
    for child, group, year, unit, start, end in (
            Enrolment.select(Enrolment.child, Group.name, Group.school_year, Unit.name,
                             Enrolment.start_date, Enrolment.end_date)
            .join(Group).join(Unit).where(Enrolment.child.in_(ids))
            .order_by(Enrolment.start_date).tuples()):
        records[child]["groups"].append({"group": group, "school_year": year, "unit": unit,
                                         "from": _iso(start), "until": _iso(end)})


def _guardians(ids, records):
    """The guardians with parental responsibility; contact details only of those
    without address protection (the protection itself is never written)."""
    for child, responsibility, first, last, email, phone, address, protection in (
            Guardianship.select(Guardianship.child, Guardianship.responsibility,
                                User.first_name, User.last_name, User.email, User.phone,
                                User.address, User.address_protection)
            .join(User, on=(Guardianship.guardian == User.id))
            .where(Guardianship.child.in_(ids)
                   & Guardianship.responsibility.in_(WITH_RESPONSIBILITY))
            .order_by(User.first_name).tuples()):
        person = {"name": _name(first, last), "parental_responsibility": responsibility}
        if protection not in UNPROTECTED:
            person.update(email=None, phone=None, address=None)
        else:
            person.update(email=email, phone=phone, address=address)
        records[child]["guardians"].append(person)


def _absence(ids, records):
    reporter = User.alias("reporter")
    for row in (Absence.select(Absence, reporter.first_name, reporter.last_name)
                .join(reporter, on=(Absence.reported_by == reporter.id))
                .where(Absence.child.in_(ids))
                .order_by(Absence.start_date, Absence.id).objects()):
        records[row.child_id]["absences"].append({
            "from": _iso(row.start_date), "until": _iso(row.end_date), "part": row.part,
            "at_time": _iso(row.at_time), "reason": row.reason, "note": row.note,
            "picked_up_by": row.picked_up_by, "by_staff": row.by_staff,
            "reported_by": _name(row.first_name, row.last_name),
            "reported_at": _iso(row.reported_at), "withdrawn_at": _iso(row.withdrawn_at)})
    applicant, decider = User.alias("applicant"), User.alias("decider")
    for row in (LeaveApplication.select(
            LeaveApplication, applicant.first_name.alias("a_first"),
            applicant.last_name.alias("a_last"), decider.first_name.alias("d_first"),
            decider.last_name.alias("d_last"))
            .join(applicant, on=(LeaveApplication.applied_by == applicant.id))
            .switch(LeaveApplication)
            .join(decider, peewee.JOIN.LEFT_OUTER, on=(LeaveApplication.decided_by == decider.id))
            .where(LeaveApplication.child.in_(ids))
            .order_by(LeaveApplication.start_date, LeaveApplication.id).objects()):
        records[row.child_id]["leave_applications"].append({
            "from": _iso(row.start_date), "until": _iso(row.end_date), "reason": row.reason,
            "applied_by": _name(row.a_first, row.a_last), "applied_at": _iso(row.applied_at),
            "status": row.status, "decided_by": _name(row.d_first, row.d_last),
            "decided_at": _iso(row.decided_at), "decision_reason": row.decision_reason})


def _attendance(ids, records):
    marker = User.alias("marker")
    for child, day, lesson, status, late_at, reason, group, first, last, at in (
            AttendanceMark.select(AttendanceMark.child, AttendanceMark.day,
                                  AttendanceMark.lesson, AttendanceMark.status,
                                  AttendanceMark.late_at, AttendanceMark.reason, Group.name,
                                  marker.first_name, marker.last_name, AttendanceMark.marked_at)
            .join(Group, on=(AttendanceMark.group == Group.id))
            .switch(AttendanceMark)
            .join(marker, peewee.JOIN.LEFT_OUTER, on=(AttendanceMark.marked_by == marker.id))
            .where(AttendanceMark.child.in_(ids))
            .order_by(AttendanceMark.day, AttendanceMark.lesson).tuples()):
        records[child]["attendance"].append({
            "day": _iso(day), "lesson": lesson, "status": status, "late_at": _iso(late_at),
            "reason": reason if status != "present" else None, "group": group,
            "marked_by": _name(first, last), "marked_at": _iso(at)})
    answerer = User.alias("answerer")
    for child, day, created, due, told, withdrawn, answer, first, last, answered in (
            AbsenceNotice.select(AbsenceNotice.child, AbsenceNotice.day,
                                 AbsenceNotice.created_at, AbsenceNotice.due_at,
                                 AbsenceNotice.told, AbsenceNotice.withdrawn_at,
                                 AbsenceNotice.answer, answerer.first_name, answerer.last_name,
                                 AbsenceNotice.answered_at)
            .join(answerer, peewee.JOIN.LEFT_OUTER,
                  on=(AbsenceNotice.answered_by == answerer.id))
            .where(AbsenceNotice.child.in_(ids)).order_by(AbsenceNotice.day).tuples()):
        records[child]["absence_notices"].append({
            "day": _iso(day), "made_at": _iso(created), "sent_at": _iso(due),
            "told": told, "withdrawn_at": _iso(withdrawn), "answer": answer or None,
            "answered_by": _name(first, last), "answered_at": _iso(answered)})
    for child, day, checked_in, checked_out, picked_up_by, corrected in (
            Presence.select(Presence.child, Presence.day, Presence.checked_in_at,
                            Presence.checked_out_at, Presence.picked_up_by_name,
                            Presence.corrected_at)
            .where(Presence.child.in_(ids)).order_by(Presence.day).tuples()):
        records[child]["check_ins"].append({
            "day": _iso(day), "checked_in_at": _iso(checked_in),
            "checked_out_at": _iso(checked_out), "picked_up_by": picked_up_by,
            "corrected_at": _iso(corrected)})


def _consents(ids, records):
    """Every answer given for the children, oldest first, with the exact text of the
    version answered (all languages it was written in)."""
    recorder, answerer = User.alias("recorder"), User.alias("answerer")
    consents = {}
    for (child, consent_id, kind, number, texts, item, answer, channel, g_first, g_last,
         r_first, r_last, at) in (
            ConsentAnswer.select(ConsentAnswer.child, Consent.id, Consent.kind,
                                 ConsentVersion.number, ConsentVersion.texts, ConsentItem.key,
                                 ConsentAnswer.answer, ConsentAnswer.channel,
                                 answerer.first_name, answerer.last_name,
                                 recorder.first_name, recorder.last_name, ConsentAnswer.at)
            .join(ConsentItem, on=(ConsentAnswer.item == ConsentItem.id))
            .join(Consent, on=(ConsentItem.consent == Consent.id))
            .switch(ConsentAnswer)
            .join(ConsentVersion, on=(ConsentAnswer.version == ConsentVersion.id))
            .switch(ConsentAnswer)
            .join(answerer, on=(ConsentAnswer.guardian == answerer.id))
            .switch(ConsentAnswer)
            .join(recorder, on=(ConsentAnswer.recorded_by == recorder.id))
            .where(ConsentAnswer.child.in_(ids))
            .order_by(ConsentAnswer.at, ConsentAnswer.id).tuples()):
        key = (child, consent_id)
        if key not in consents:
            consents[key] = {"consent": consent_id, "kind": kind, "versions": {},
                             "answers": []}
            records[child]["consents"].append(consents[key])
        consents[key]["versions"].setdefault(str(number), json.loads(texts))
        consents[key]["answers"].append({
            "item": item, "version": number, "answer": answer, "channel": channel,
            "guardian": _name(g_first, g_last), "recorded_by": _name(r_first, r_last),
            "at": _iso(at)})


def _caregivers(ids, records):
    grants = {}
    for row in (CaregiverGrant.select().where(CaregiverGrant.child.in_(ids))
                .order_by(CaregiverGrant.created_at)):
        grants[row.id] = {
            "name": _name(row.first_name, row.last_name), "relation": row.relation,
            "email": row.email, "phone": row.phone, "asked_at": _iso(row.created_at),
            "confirmed_at": _iso(row.confirmed_at), "accepted_at": _iso(row.accepted_at),
            "ended_at": _iso(row.revoked_at), "end_reason": row.end_reason or None,
            "approved_by": []}
        records[row.child_id]["caregivers"].append(grants[row.id])
    if grants:
        for grant, first, last, at in (
                CaregiverApproval.select(CaregiverApproval.grant, User.first_name,
                                         User.last_name, CaregiverApproval.approved_at)
                .join(User, on=(CaregiverApproval.guardian == User.id))
                .where(CaregiverApproval.grant.in_(list(grants))).tuples()):
            grants[grant]["approved_by"].append({"guardian": _name(first, last),
                                                 "at": _iso(at)})


def _pickup(ids, records):
    people = {}
    for row in (PickupPerson.select().where(PickupPerson.child.in_(ids))
                .order_by(PickupPerson.created_at)):
        people[row.id] = {"name": _name(row.first_name, row.last_name),
                          "relation": row.relation, "phone": row.phone,
                          "added_at": _iso(row.created_at),
                          "removed_at": _iso(row.removed_at), "approved_by": []}
        records[row.child_id]["pickup_list"].append(people[row.id])
    if people:
        for person, first, last, at in (
                PickupApproval.select(PickupApproval.person, User.first_name, User.last_name,
                                      PickupApproval.approved_at)
                .join(User, on=(PickupApproval.guardian == User.id))
                .where(PickupApproval.person.in_(list(people))).tuples()):
            people[person]["approved_by"].append({"guardian": _name(first, last),
                                                  "at": _iso(at)})
    for child, day, name, phone, at in (
            PickupToday.select(PickupToday.child, PickupToday.day, PickupToday.name,
                               PickupToday.phone, PickupToday.said_at)
            .where(PickupToday.child.in_(ids)).order_by(PickupToday.day).tuples()):
        records[child]["pickup_days"].append({"day": _iso(day), "name": name,
                                              "phone": phone, "said_at": _iso(at)})


def _posts(user, child, files):
    """The posts about the child the guardian may read: its own documentation, and
    group posts' photos and videos the child is in (as views/posts.py's archive)."""
    lines, stored = feed.about_child(user, child.id)
    posts = []
    for post in lines:
        photos = []
        for line in post.media:
            mine = any(c == child.id for c, _ in line.tags)
            if not line.shown or (post.group is not None and not mine):
                continue
            media = stored[line.id]
            extension = "mp4" if line.video else "jpg"
            path = (f"files/children/{child.id}/posts/"
                    f"{post.published_at:%Y-%m-%d}-{post.id}-{line.id}.{extension}")
            files.append((path, media.stored_name))
            photos.append(path)
        posts.append({"title": post.title, "text": post.body, "unit": post.unit,
                      "group": post.group, "by": post.author,
                      "published_at": _iso(post.published_at), "files": photos})
    return posts
