"""Issue 20 in a real browser at phone size: the event page of a guardian (with the reply
form, answered with htmx and without JavaScript), the staff's replies, and the new-event
form with its error summary. Each page passes axe in Norwegian and Swedish at 360 px;
screenshots also go to /work/tmp/shots/. Each test leaves the shared demo database as it
found it."""
import shutil
from pathlib import Path

import pytest

from .conftest import SCREENSHOTS
from .test_pages import check_page, each_locale

pytestmark = pytest.mark.browser

PHONE = (360, 740)
SHOTS = Path("/work/tmp/shots")


def _checked(session, name, locale):
    check_page(session, name, locale, PHONE)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}-{locale}-{PHONE[0]}x{PHONE[1]}.png"
    shutil.copy(shot, SHOTS / shot.name)


def _demo(live_app):
    from models import db as dbmod
    from models.events.tables import Event
    from models.school.tables import Child
    with live_app.app_context(), dbmod.database.connection_context():
        event = Event.get(Event.title == "Aktivitetsdag")
        return event.id, {c.first_name: c.id for c in Child.select()}


def _forget_replies(live_app, event_id, child_id):
    from models import db as dbmod
    from models.events.tables import EventReply
    with live_app.app_context(), dbmod.database.connection_context():
        EventReply.delete().where((EventReply.event == event_id)
                                  & (EventReply.child == child_id)).execute()


@each_locale
def test_a_guardian_answers_and_the_teacher_sees_it_on_a_phone(open_session, live_app,
                                                               translate, locale):
    event_id, children = _demo(live_app)
    try:
        unanswered = open_session(locale=locale, viewport=PHONE)
        unanswered.log_in("lise")
        unanswered.goto(f"/events/{event_id}")
        assert translate(locale, "Not answered yet") in unanswered.page.inner_text("main")
        _checked(unanswered, "event-guardian-lise", locale)

        guardian = open_session(locale=locale, viewport=PHONE)
        guardian.log_in("nina")
        guardian.goto(f"/events/{event_id}")
        page = guardian.page
        box = f"#reply-{children['Jonas']}"
        page.check(f"{box} input[value=yes]")
        page.fill(f"{box} input[name=children]", "2")
        page.fill(f"{box} input[name=adults]", "1")
        page.click(f"{box} button.primary")  # htmx: the reply swaps itself
        page.wait_for_selector(f"{box} .saved")
        assert translate(locale, "Your reply is saved.") in page.locator(box).inner_text()
        _checked(guardian, "event-guardian-answered-nina", locale)

        teacher = open_session(locale=locale, viewport=PHONE)
        teacher.log_in("larer1a")
        teacher.goto(f"/events/{event_id}")
        text = teacher.page.locator("main").inner_text()
        assert "Jonas Lie" in text and "Sara Berg" in text
        _checked(teacher, "event-staff-larer1a", locale)
    finally:
        _forget_replies(live_app, event_id, children["Jonas"])


@each_locale
def test_a_reply_without_javascript(open_session, live_app, translate, locale):
    event_id, children = _demo(live_app)
    try:
        guardian = open_session(locale=locale, viewport=PHONE, js=False)
        guardian.log_in("nina")
        guardian.goto(f"/events/{event_id}")
        box = f"#reply-{children['Jonas']}"
        guardian.page.check(f"{box} input[value=maybe]")
        guardian.submit(f"{box} button.primary")
        assert translate(locale, "Your reply is saved.") in guardian.page.inner_text("main")
    finally:
        _forget_replies(live_app, event_id, children["Jonas"])


@each_locale
def test_the_new_event_form_on_a_phone(open_session, live_app, translate, locale):
    teacher = open_session(locale=locale, viewport=PHONE)
    teacher.log_in("larer1a")
    teacher.goto("/events/new")
    _checked(teacher, "event-new-larer1a", locale)
    page = teacher.page
    page.fill("#title_nb", "Juleavslutning")
    page.fill("#first_day", "2000-01-01")
    teacher.submit("form.form button.primary")  # in the past, nobody invited: 400
    assert page.locator("#error-summary").is_visible()
    assert page.locator("#title_nb").input_value() == "Juleavslutning"
    expected = [e for e in teacher.console_errors if "status of 400" in e]
    assert len(expected) == 1, teacher.console_errors
    teacher.console_errors.remove(expected[0])
    _checked(teacher, "event-new-errors-larer1a", locale)
