"""The domain. `MODELS` lists every table in creation order."""
from models.absence.tables import Absence, LeaveApplication
from models.access_log.tables import AccessRecord
from models.archive.tables import ArchiveExport
from models.attendance.tables import AbsenceNotice, AttendanceMark, AttendanceSetting
from models.audit import AuditChild, AuditEvent
from models.audit_chain import AuditPurge, AuditSeal
from models.calendar.tables import CalendarFeed, CalendarStamp, DayOff
from models.consent.tables import Consent, ConsentAnswer, ConsentChild, ConsentItem, ConsentVersion
from models.daycare.tables import Presence
from models.data_export.tables import DataExport
from models.devices.tables import Device, StaffPin
from models.events.tables import Event, EventAudience, EventReply, EventText
from models.login.email_change import EmailChange
from models.meetings.tables import MeetingBooking, MeetingRound, MeetingRoundChild, MeetingSlot
from models.login.sessions import LoginSession
from models.login.totp import TotpSecret
from models.messaging.tables import (Attachment, Message, Thread, ThreadFollowUp,
                                     ThreadParticipant)
from models.messaging.message_templates import MessageTemplate
from models.messaging.office_hours import StaffOfficeHours, UnitOfficeHours
from models.messaging.outbox import OutgoingAnnouncement, OutgoingFile
from models.notifications.tables import (Notification, NotificationChoice, NotificationSchedule,
                                         PushSubscription, Setting)
from models.pickup.tables import PickupApproval, PickupPerson, PickupToday
from models.posts.tables import DraftUpload, MediaTag, Post, PostMedia
from models.rectification.tables import Rectification, RectificationEntry, RectificationUnit
from models.retention.jobs import JobLock
from models.roster.tables import ImportRun
from models.translation.tables import Translation
from models.weekplan.tables import WeekPlan, WeekPlanEntry
from models.school.tables import (CaregiverApproval, CaregiverGrant, Child, ClassListShare,
                                  EndedGuardianship, Enrolment, Group, Guardianship, StaffRole,
                                  Unit, User)

MODELS = [Unit, Group, User, Child, Enrolment, Guardianship, CaregiverGrant,
          CaregiverApproval, StaffRole, LoginSession, AuditEvent, Thread, ThreadParticipant,
          Message, Attachment, Consent, ConsentItem, ConsentVersion, ConsentChild,
          ConsentAnswer, ClassListShare, LeaveApplication, Absence, Post, PostMedia,
          MediaTag, EndedGuardianship, ImportRun, NotificationChoice,
          NotificationSchedule, PushSubscription, Notification, Setting, AuditChild,
          EmailChange, DraftUpload, DayOff, AttendanceMark, AttendanceSetting, AbsenceNotice,
          PickupPerson, PickupApproval, PickupToday, Presence, Device, StaffPin, JobLock,
          Rectification, RectificationUnit, RectificationEntry, DataExport,
          AccessRecord, ArchiveExport, AuditSeal, AuditPurge, Event, EventText, EventAudience,
          EventReply, MeetingRound, MeetingRoundChild, MeetingSlot, MeetingBooking, WeekPlan,
          WeekPlanEntry, CalendarFeed, CalendarStamp, Translation,
          StaffOfficeHours, UnitOfficeHours]
MODELS += [OutgoingAnnouncement, OutgoingFile, MessageTemplate]  # issue 22, safe sending
MODELS += [ThreadFollowUp]  # issue 22, folders (models/messaging/folders.py)
MODELS += [TotpSecret]  # issue 22, the step-up's second factor (models/login/totp.py)

__all__ = ["MODELS", "CalendarFeed", "CalendarStamp", "Event", "EventAudience", "EventReply",
           "EventText", "MeetingBooking", "MeetingRound", "MeetingRoundChild", "MeetingSlot",
           "WeekPlan", "WeekPlanEntry", "Absence", "LeaveApplication", "AttendanceMark", "AttendanceSetting", "AbsenceNotice", "Attachment", "AuditChild", "AuditEvent",
           "DayOff", "Device", "JobLock", "EmailChange", "PickupApproval", "PickupPerson", "PickupToday", "Presence",
           "CaregiverApproval", "CaregiverGrant", "Child",
           "ClassListShare", "DraftUpload", "MediaTag", "Post", "PostMedia",
           "Consent", "ConsentAnswer", "ConsentChild", "ConsentItem", "ConsentVersion",
           "EndedGuardianship", "Enrolment", "Group", "ImportRun", "Guardianship",
           "LoginSession", "Message", "Notification", "NotificationChoice",
           "NotificationSchedule", "PushSubscription", "Setting", "StaffPin", "StaffRole",
           "Thread", "ThreadFollowUp", "ThreadParticipant", "Unit", "User",
           "Rectification", "RectificationEntry", "RectificationUnit", "DataExport",
           "AccessRecord", "ArchiveExport", "AuditSeal", "AuditPurge", "Translation"]
