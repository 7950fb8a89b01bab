"""The domain. `MODELS` lists every table in creation order."""
from .absence import Absence, LeaveApplication
from .audit import AuditChild, AuditEvent
from .class_list import ClassListShare
from .consents import Consent, ConsentAnswer, ConsentChild, ConsentItem, ConsentVersion
from .email_change import EmailChange
from .messages import Attachment, Message, Thread, ThreadParticipant
from .notify import (Notification, NotificationChoice, NotificationSchedule,
                     PushSubscription, Setting)
from .people import (CaregiverApproval, CaregiverGrant, Child, EndedGuardianship, Enrolment,
                     Guardianship, StaffRole, User)
from .posts import MediaTag, Post, PostMedia
from .roster import ImportRun
from .school import Group, Unit
from .sessions import LoginSession

MODELS = [Unit, Group, User, Child, Enrolment, Guardianship, CaregiverGrant,
          CaregiverApproval, StaffRole, LoginSession, AuditEvent, Thread, ThreadParticipant,
          Message, Attachment, Consent, ConsentItem, ConsentVersion, ConsentChild,
          ConsentAnswer, ClassListShare, LeaveApplication, Absence, Post, PostMedia,
          MediaTag, EndedGuardianship, ImportRun, NotificationChoice,
          NotificationSchedule, PushSubscription, Notification, Setting, AuditChild,
          EmailChange]

__all__ = ["MODELS", "Absence", "LeaveApplication", "Attachment", "AuditChild", "AuditEvent",
           "EmailChange",
           "CaregiverApproval", "CaregiverGrant", "Child",
           "ClassListShare", "MediaTag", "Post", "PostMedia",
           "Consent", "ConsentAnswer", "ConsentChild", "ConsentItem", "ConsentVersion",
           "EndedGuardianship", "Enrolment", "Group", "ImportRun", "Guardianship",
           "LoginSession", "Message", "Notification", "NotificationChoice",
           "NotificationSchedule", "PushSubscription", "Setting", "StaffRole",
           "Thread", "ThreadParticipant", "Unit", "User"]
