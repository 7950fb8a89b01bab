"""Translated names for codes stored in the database."""
from flask_babel import lazy_gettext as _l

from models.notifications.tables import (ABSENCE_CALL, ABSENCE_NOTICE, CONSENT, DROPPED,
                                         EMAIL, FAILED, FELL_BACK, GUARDIAN_MESSAGE, LEAVE,
                                         LEAVE_APPLICATION, MESSAGE, PENDING, PICKUP, POST, PUSH,
                                         REPLY, SENDING, SENT, SMS)
from models.notifications.tables import RECTIFICATION, RECTIFIED

ROLE_NAMES = {
    "unit_leader": _l("Leader of the unit (principal or head)"),
    "contact_teacher": _l("Contact teacher"),
    "group_staff": _l("Staff attached to the group"),
    "sfo_staff": _l("After-school care staff"),
    "kindergarten_staff": _l("Kindergarten staff"),
    "administrator": _l("Municipal administrator"),
    "data_protection_officer": _l("Data-protection officer"),
}

# What an entry of the audit log records.
AUDIT_EVENT_NAMES = {
    "login": _l("Logged in"),
    "login.failed": _l("Failed login"),
    "login.blocked": _l("Login blocked after too many attempts"),
    "logout": _l("Logged out"),
    "demo.loaded": _l("Demo data loaded"),
    "audit_log.read": _l("Access log read"),
    "audit.verified": _l("Access log's hash chain checked"),
    "audit.purged": _l("Old access log entries deleted"),
    "purge.run": _l("Retention purge run (counts per kind of data)"),
    "calendar.day_off_added": _l("Day off added to a unit's calendar"),
    "calendar.day_off_removed": _l("Day off removed from a unit's calendar"),
    "calendar.feed_renewed": _l("Calendar subscription address made or renewed"),
    "calendar.feed_stopped": _l("Calendar subscription stopped"),
    "event.created": _l("Event created"),
    "event.changed": _l("Event changed"),
    "event.cancelled": _l("Event cancelled"),
    "event.reminded": _l("Guardians reminded to reply to an event"),
    "event.replied": _l("Reply to an event given"),
    "events.purged": _l("Old events deleted"),
    "meetings.opened": _l("Parent–teacher meeting round opened"),
    "meetings.agenda": _l("Agenda of a parent–teacher meeting saved"),
    "meetings.place": _l("Place of a parent–teacher meeting time changed"),
    "meetings.reminded": _l("Guardians reminded to book a parent–teacher meeting"),
    "meetings.booked": _l("Parent–teacher meeting booked"),
    "meetings.moved": _l("Parent–teacher meeting moved to another time"),
    "meetings.cancelled": _l("Parent–teacher meeting cancelled"),
    "meetings.separate": _l("Separate parent–teacher meetings asked for"),
    "meetings.together": _l("Separate parent–teacher meetings no longer asked for"),
    "meetings.purged": _l("Old parent–teacher meeting rounds deleted"),
    "weekplan.copied": _l("Last week's plan copied"),
    "weekplan.entry_added": _l("Entry added to a weekly plan"),
    "weekplan.entry_changed": _l("Entry in a weekly plan changed"),
    "weekplan.entry_deleted": _l("Entry in a weekly plan deleted"),
    "weekplan.note_changed": _l("A weekly plan's message changed"),
    "weekplan.published": _l("Weekly plan published or scheduled"),
    "weekplan.unpublished": _l("Weekly plan taken back to draft"),
    "archive.exported": _l("Archive package made"),
    "archive.downloaded": _l("Archive package downloaded"),
    "archive.confirmed": _l("Archive package confirmed as taken by the archive"),
    "account.created": _l("Account created"),
    "thread.started": _l("Conversation started"),
    "message.withdrawn": _l("Message withdrawn"),
    "announcement.sent": _l("Announcement sent"),
    "announcement.not_sent": _l("Announcement not sent (kept in its sender's outbox)"),
    "unit.office_hours": _l("A unit's office hours or urgent phone changed"),
    "thread.inspected": _l("Conversation opened by an administrator"),
    "thread.marked_sensitive": _l("Conversation marked sensitive"),
    "login.step_up": _l("Secure login confirmed again (for a sensitive conversation)"),
    "login.step_up_failed": _l("Wrong password or code when confirming a secure login"),
    "login.step_up_blocked": _l("Secure login blocked after too many wrong codes"),
    "login.step_up_weak": _l("Secure login not confirmed: no second factor, or not a new "
                             "login"),
    "login.step_up_other_person": _l("Secure login refused: the provider answered "
                                     "for another person"),
    "two_factor.added": _l("Authenticator app set up"),
    "two_factor.removed": _l("Authenticator app removed"),
    "two_factor.restarted": _l("Authenticator app setup started again"),
    "consent.answered": _l("Consent answered"),
    "consent.reminded": _l("Consent reminder sent"),
    "consent.defined": _l("Consent made or changed"),
    "consent.closed": _l("Consent closed"),
    "caregiver.requested": _l("Caregiver access asked for"),
    "caregiver.approved": _l("Caregiver access approved by a guardian"),
    "caregiver.declined": _l("Caregiver access declined"),
    "caregiver.withdrawn": _l("Caregiver access withdrawn"),
    "caregiver.confirmed": _l("Caregiver access confirmed"),
    "caregiver.invited": _l("Caregiver invitation sent again"),
    "caregiver.accepted": _l("Caregiver access accepted by the invited person"),
    "email.change_asked": _l("New e-mail address waiting for confirmation"),
    "email.changed": _l("E-mail address changed"),
    "class_list.changed": _l("Class list sharing changed"),
    "absence.reported": _l("Absence reported"),
    "absence.changed": _l("Absence report changed"),
    "absence.withdrawn": _l("Absence report withdrawn"),
    "calendar.day_off_added": _l("Holiday or day off added to a unit's calendar"),
    "calendar.day_off_removed": _l("Holiday or day off removed from a unit's calendar"),
    "attendance.marked": _l("Attendance register marked"),
    "presence.checked_in": _l("Child checked in at kindergarten or after-school care"),
    "presence.checked_out": _l("Child checked out of kindergarten or after-school care"),
    "presence.corrected": _l("Check-in or check-out time corrected"),
    "presence.purged": _l("Old check-in times deleted by the retention purge"),
    "attendance.settings_changed": _l("Attendance settings of a unit changed"),
    "attendance.notice_answered": _l("Notice of an unexplained absence answered"),
    "leave.applied": _l("Leave applied for"),
    "leave.approved": _l("Leave approved"),
    "leave.declined": _l("Leave declined"),
    "leave.withdrawn": _l("Leave application withdrawn"),
    "pickup.proposed": _l("Person put on a pick-up list"),
    "pickup.approved": _l("Person on a pick-up list approved by a guardian"),
    "pickup.removed": _l("Person taken off a pick-up list"),
    "pickup.said": _l("Who picks up on a day said"),
    "pickup.withdrawn": _l("Who picks up on a day withdrawn"),
    "post.published": _l("Post published"),
    "post.purged": _l("Post deleted by the retention purge"),
    "media.withdrawn": _l("Photos withdrawn after consent was withdrawn"),
    "media.republished": _l("Photo shown again"),
    "media.removed": _l("Photo removed"),
    "posts.archived": _l("Archive of a child's posts downloaded"),
    "post.edited": _l("Post edited"),
    "media.tagged": _l("Who is in a photo changed"),
    "login.eid_failed": _l("eID login refused"),
    "login.eid_unknown": _l("eID login by a person not registered"),
    "login.eid_unavailable": _l("eID provider not answering"),
    "roster.previewed": _l("Roster import previewed"),
    "roster.imported": _l("Roster imported"),
    "unit.created": _l("Unit added"),
    "group.created": _l("Group added"),
    "unit.renamed": _l("Unit renamed"),
    "group.renamed": _l("Group renamed"),
    "role.added": _l("Staff role added"),
    "role.ended": _l("Staff role ended"),
    "code_login.allowed": _l("Code login allowed"),
    "code_login.sent": _l("Login code sent"),
    "code_login.stopped": _l("Code login stopped"),
    "guardian.paper_letters": _l("Letters on paper turned on or off for a guardian"),
    "letters.printed": _l("Letters on paper printed"),
    "notifications.chosen": _l("Notification settings saved"),
    "push.subscribed": _l("Push turned on for a device"),
    "push.removed": _l("Push turned off for a device"),
    "sms.cap_set": _l("Monthly SMS limit changed"),
    "device.paired": _l("Shared tablet paired"),
    "device.unpaired": _l("Shared tablet unpaired"),
    "device.unlocked": _l("Shared tablet unlocked"),
    "device.pin_failed": _l("Wrong PIN on a shared tablet"),
    "device.locked": _l("Shared tablet locked after wrong PINs"),
    "device.used": _l("Check-in or check-out on a shared tablet"),
    "pin.set": _l("PIN for shared tablets set"),
    "export.requested": _l("Copy of own data asked for"),
    "export.downloaded": _l("Copy of own data downloaded"),
    "rectification.requested": _l("Correction of personal data asked for"),
    "rectification.answered": _l("Request to correct personal data answered"),
    "rectification.withdrawn": _l("Request to correct personal data withdrawn"),
    "rectification.commented": _l("Comment on a request to correct personal data"),
    "rectification.read": _l("Request to correct personal data read by the administrator"),
    "dpo.viewed": _l("Privacy overview read by the data-protection officer"),
    "dpo.document": _l("Privacy document downloaded by the data-protection officer"),
}

UNIT_KIND_NAMES = {
    "school": _l("School"),
    "sfo": _l("After-school care"),
    "kindergarten": _l("Kindergarten"),
}

# Roster import preview (models/roster/roster.py): what kind of thing, and what happens to it.
IMPORT_KINDS = {
    "units": _l("Units"),
    "groups": _l("Groups"),
    "children": _l("Children"),
    "guardians": _l("Guardians"),
    "enrolments": _l("Group memberships"),
    "guardianships": _l("Guardianships"),
    "staff": _l("Staff"),
    "roles": _l("Staff roles"),
}
IMPORT_ACTIONS = {
    "added": _l("added"),
    "changed": _l("changed"),
    "ended": _l("ended"),
}

# The effective status of a consent item for a child (models/consent/tables.effective).
CONSENT_STATUS_NAMES = {
    "given": _l("Given"),
    "refused": _l("Not given"),
    "waiting": _l("Waiting for an answer"),
}

# The same, short, for the cells of the staff table (a legend explains them).
STATUS_SHORT = {
    "given": _l("Yes"),
    "refused": _l("No"),
    "waiting": _l("Waiting"),
}

# A guardian's current answer; None: not answered (yet, or again after a new version).
ANSWER_NAMES = {
    "yes": _l("Yes"),
    "no": _l("No"),
    "withdrawn": _l("Withdrawn"),
    None: _l("Not answered"),
}

# Column headings of the staff table for the photo consent's uses.
PHOTO_SHORT = {
    "app": _l("In the app"),
    "web": _l("Web and print"),
    "social": _l("Social media"),
    "name": _l("Name"),
}

# How a consent answer was given.
CONSENT_CHANNEL_NAMES = {
    "app": _l("In Kontaktbok"),
    "paper": _l("On paper"),
}

OBJECT_NAMES = {
    "thread": _l("conversation no. %(id)s"),
    "message": _l("message no. %(id)s"),
    "consentanswer": _l("consent answer no. %(id)s"),
    "caregivergrant": _l("caregiver access no. %(id)s"),
    "absence": _l("absence no. %(id)s"),
    "absencenotice": _l("notice of unexplained absence no. %(id)s"),
    "leaveapplication": _l("leave application no. %(id)s"),
    "pickupperson": _l("pick-up person no. %(id)s"),
    "pickuptoday": _l("pick-up on a day no. %(id)s"),
    "post": _l("post no. %(id)s"),
    "postmedia": _l("photo no. %(id)s"),
    "child": _l("child no. %(id)s"),
    "user": _l("account no. %(id)s"),
    "device": _l("shared tablet no. %(id)s"),
    "archive_export": _l("archive package no. %(id)s"),
    "rectification": _l("request to correct personal data no. %(id)s"),
}

# How a caregiver is related to the child.
RELATION_NAMES = {
    "grandparent": _l("Grandparent"),
    "step_parent": _l("Step-parent"),
    "relative": _l("Other relative"),
    "family_friend": _l("Family friend"),
    "other": _l("Other adult close to the child"),
}

# The fields a guardian may share on the class list (rule 7).
SHARE_FIELDS = {
    "child_name": _l("My child's name"),
    "my_name": _l("My name"),
    "email": _l("My e-mail address"),
    "phone": _l("My phone number"),
    "address": _l("My address"),
}

# The same fields as the contact teacher's counts name them.
SHARED_FIELD_COUNTS = {
    "child_name": _l("The child's name"),
    "my_name": _l("A guardian's name"),
    "email": _l("E-mail address"),
    "phone": _l("Phone number"),
    "address": _l("Address"),
}

# Why a child is away: a structured choice, never free text about health (rule 6).
ABSENCE_REASONS = {
    "ill": _l("Ill"),
    "appointment": _l("Appointment (doctor, dentist, other)"),
    "other": _l("Other reason"),
    "noticed": _l("Absent, not reported"),
    "leave": _l("Leave"),
}

ABSENCE_PARTS = {
    "whole": _l("Whole day"),
    "late": _l("Arrives late"),
    "early": _l("Leaves early"),
}

LEAVE_STATUS = {
    "pending": _l("Waiting for a decision"),
    "approved": _l("Approved"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
}

# The uses of a photo, each needing its own consent (rule 5).
PHOTO_USES = {
    "app": _l("in the app"),
    "web": _l("on the website and in print"),
    "social": _l("on social media"),
    "name": _l("with the child's name"),
}

# Notifications: the kinds of event on the settings page, the state of a notification,
# and the channels it goes through.
NOTIFICATION_EVENT_NAMES = {
    MESSAGE: _l("New messages and announcements"),
    REPLY: _l("Replies in your conversations"),
    CONSENT: _l("Consents to answer, and reminders"),
    LEAVE: _l("Answers to leave applications"),
    POST: _l("New posts and photos from the group"),
    GUARDIAN_MESSAGE: _l("Messages from guardians"),
    LEAVE_APPLICATION: _l("Leave applications to decide"),
    ABSENCE_NOTICE: _l("Your child is absent without a report (urgent)"),
    ABSENCE_CALL: _l("A guardian asks to be called about an absence (urgent)"),
    PICKUP: _l("Persons on a pick-up list to approve"),
    RECTIFICATION: _l("Requests to correct personal data to answer"),
    RECTIFIED: _l("Replies to your requests to correct personal data"),
    "export_ready": _l("Your copy of your data is ready to download"),
    "event": _l("Invitations to events"),
    "event_changed": _l("Events changed or cancelled"),
    "event_reminder": _l("Reminders to reply to an event"),
    "meetings": _l("Parent–teacher meetings to book, and reminders"),
    "meeting_soon": _l("A reminder two days before a booked meeting"),
    "announcement_not_sent": _l("Your announcements that could not be sent"),
}
NOTIFICATION_STATUS_NAMES = {
    PENDING: _l("waiting"),
    SENDING: _l("being sent"),
    SENT: _l("sent"),
    FAILED: _l("failed"),
    DROPPED: _l("not sent"),
    FELL_BACK: _l("not reached, e-mail instead"),
}
NOTIFICATION_CHANNEL_NAMES = {PUSH: _l("Push"), EMAIL: _l("E-mail"), SMS: _l("SMS")}


_TRANSLATED = {}


def translated(**tables):
    """Label tables in the page's language, for a template: each label translated once
    per language and kept, not looked up again on every use (a page shows dozens)."""
    from flask_babel import get_locale
    locale = str(get_locale())
    result = {}
    for name, table in tables.items():
        # Kept per table, not per keyword: two pages pass different tables under one
        # name (status_names). The table is kept with it, so its id is never reused.
        key = (id(table), locale)
        found = _TRANSLATED.get(key)
        if found is None or found[0] is not table:
            found = _TRANSLATED[key] = (table, {code: str(label)
                                                for code, label in table.items()})
        result[name] = found[1]
    return result
