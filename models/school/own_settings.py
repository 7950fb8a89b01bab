"""A person's own settings: their language, notification choices and the contact
details they change themselves (rule 8: the register wins at the next import)."""
from models import audit
from models.db import database
from models.login import email_change
from models.notifications import preferences
from models.school.tables import User


def save_notification_settings(user, choices, schedule, email, phone, ip=""):
    """Choices, schedule, a removed e-mail address and a new phone number, and the
    audit row, in one transaction. A new e-mail address (not a removed one) is used only
    once its link is opened: returns the link's one-time token, or None."""
    new_email = email if email and email != (user.email or "").lower() else None
    with database.atomic():
        preferences.save_choices(user, choices, schedule)
        changed = {}
        if not email and user.email:
            changed["email"] = True
        if phone != user.phone:
            changed["phone"] = True
        if changed:
            User.update(email=email if not new_email else user.email,
                        phone=phone).where(User.id == user.id).execute()
        audit.record("notifications.chosen", actor=user, obj=user, ip=ip, **changed)
        return email_change.ask(user, new_email, ip=ip) if new_email else None


def save_locale(user, locale):
    """The language the person chose, kept on the account."""
    User.update(locale=locale).where(User.id == user.id).execute()
