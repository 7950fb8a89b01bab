"""Reminding the guardians who have not answered a consent."""
from models import audit
from models.db import database
from models.messaging import inbox
from models.notifications.tables import CONSENT


def send_reminders(consent, group_id, unit_id, sender, reminders, ip=""):
    """One conversation per child, from the member of staff who asks, with the guardians
    who have not answered, and the audit row: all or nothing. `reminders` holds
    (child id, guardian ids, subject, text). Returns how many guardians were written to."""
    sent, reminded = 0, []
    with database.atomic():
        for child_id, guardians, subject, text in reminders:
            inbox.start_thread(unit_id, child_id, subject, text, sender, inbox.new_form_token(),
                               guardians=guardians, staff=[sender], as_guardian=False,
                               event=CONSENT)
            sent += len(guardians)
            reminded.append(child_id)
        audit.record("consent.reminded", actor=sender, ip=ip, consent=consent.id,
                     group=group_id, guardians=sent, children=reminded)
    return sent
