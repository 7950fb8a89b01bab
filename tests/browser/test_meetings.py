"""Issue 20 in a real browser: a guardian books a parent–teacher meeting on a phone, and
the contact teacher reads the schedule. Each page passes axe in Norwegian and Swedish at
360 px; screenshots also go to /work/tmp/shots/. The test leaves the shared demo
database as it found it (Kari's demo booking back on the first time)."""
import shutil
from pathlib import Path

import pytest

from .conftest import SCREENSHOTS
from .test_pages import check_page, each_locale

pytestmark = pytest.mark.browser

PHONE = (360, 740)
SHOTS = Path("/work/tmp/shots")


def _demo(live_app):
    from models import db as dbmod
    from models.meetings.tables import MeetingBooking, MeetingRound, MeetingSlot
    from models.school.tables import Child
    with live_app.app_context(), dbmod.database.connection_context():
        found = MeetingRound.get(MeetingRound.title == "Foreldresamtaler")
        slots = [s.id for s in MeetingSlot.select().where(MeetingSlot.round == found.id)
                 .order_by(MeetingSlot.starts_at)]
        emma = Child.get(Child.first_name == "Emma").id
        held = MeetingBooking.get((MeetingBooking.round == found.id)
                                  & (MeetingBooking.child == emma))
        return found.id, emma, slots, held.id


def _restore(live_app, booking_id, slot_id):
    from models import db as dbmod
    from models.meetings.tables import MeetingBooking
    with live_app.app_context(), dbmod.database.connection_context():
        MeetingBooking.update(slot=slot_id).where(MeetingBooking.id == booking_id).execute()


def _copy(name, locale):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for shot in SCREENSHOTS.glob(f"{name}-{locale}-*.png"):
        shutil.copy(shot, SHOTS / shot.name)


@each_locale
def test_a_guardian_books_and_the_teacher_reads_the_schedule_on_a_phone(
        open_session, live_app, locale):
    round_id, emma, slots, booking_id = _demo(live_app)
    try:
        guardian = open_session(locale=locale, viewport=PHONE)
        guardian.log_in("kari")
        guardian.goto(f"/meetings/{round_id}/children/{emma}")
        check_page(guardian, "meetings-booking-kari", locale, PHONE)
        _copy("meetings-booking-kari", locale)
        page = guardian.page
        page.check(f"#slot-{slots[2]}")
        guardian.submit("form.form button.primary")
        assert page.locator(f"#slot-{slots[0]}").count() == 1  # her old time is free again
        assert page.locator(f"#slot-{slots[2]}").count() == 0
        check_page(guardian, "meetings-booked-kari", locale, PHONE)
        _copy("meetings-booked-kari", locale)

        teacher = open_session(locale=locale, viewport=PHONE)
        teacher.log_in("larer1a")
        teacher.goto(f"/meetings/{round_id}")
        check_page(teacher, "meetings-schedule-larer1a", locale, PHONE)
        _copy("meetings-schedule-larer1a", locale)
    finally:
        _restore(live_app, booking_id, slots[0])
