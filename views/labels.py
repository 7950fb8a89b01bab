"""Translated names for codes stored in the database."""
from flask_babel import lazy_gettext as _l

ROLE_NAMES = {
    "unit_leader": _l("Unit leader"),
    "contact_teacher": _l("Contact teacher"),
    "group_staff": _l("Staff attached to the group"),
    "sfo_staff": _l("After-school care staff"),
    "kindergarten_staff": _l("Kindergarten staff"),
    "administrator": _l("Municipal administrator"),
}

EVENT_NAMES = {
    "login": _l("Logged in"),
    "login.failed": _l("Failed login"),
    "login.blocked": _l("Login blocked after too many attempts"),
    "logout": _l("Logged out"),
    "demo.loaded": _l("Demo data loaded"),
    "audit_log.read": _l("Access log read"),
    "account.created": _l("Account created"),
    "thread.started": _l("Conversation started"),
    "message.withdrawn": _l("Message withdrawn"),
    "announcement.sent": _l("Announcement sent"),
    "thread.inspected": _l("Conversation opened by an administrator"),
}

OBJECT_NAMES = {
    "thread": _l("conversation no. %(id)s"),
    "message": _l("message no. %(id)s"),
    "user": _l("account no. %(id)s"),
}
