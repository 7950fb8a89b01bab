"""The access rows that follow from the demo's own history, so that Kari's "who has seen"
page for Emma is not empty: the contact teacher read Kari's absence report yesterday and
answered her message about the dentist, and took the register this morning; the
principal looked at the conversation too."""
import datetime

from models.school.tables import CONTACT_TEACHER, UNIT_LEADER

from models.access_log.tables import AccessRecord


def opened(now, child, unit, contact_teacher, leader):
    hours = datetime.timedelta(hours=1)
    rows = [(now - 20 * hours, contact_teacher, CONTACT_TEACHER, "absence"),
            (now - 3 * hours, contact_teacher, CONTACT_TEACHER, "register"),
            (now - 2 * hours, contact_teacher, CONTACT_TEACHER, "thread"),
            (now - hours, leader, UNIT_LEADER, "thread")]
    AccessRecord.insert_many([
        {"at": at, "child": child.id, "viewer_id": who.id, "viewer_name": who.name,
         "roles": role, "page": page, "unit": unit.id} for at, who, role, page in rows
    ]).execute()
