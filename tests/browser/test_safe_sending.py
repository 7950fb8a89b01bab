"""Issue 22, safe sending, in a real browser: a contact teacher composes an announcement
to 1A on a phone, sees whom it reaches (updated by htmx as groups are ticked), sends it,
undoes it (the form comes back as typed), sends it again and, once the undo window has
passed and the worker has run, the guardian sees it; then schedules one and finds it in
the outbox. A kindergarten leader's scheduled announcement that the worker could not
send (nobody left in the group) stays in her outbox saying why, to change or cancel.
Norwegian and Swedish, at 360 px and 1280 px, axe on every page."""
import datetime

import pytest
from playwright.sync_api import expect

from models import db as dbmod
from models.db import today, utcnow
from models.school.tables import Group, Unit

from .test_pages import check_page, each_locale

pytestmark = pytest.mark.browser

PHONE, DESKTOP = (360, 740), (1280, 800)


@pytest.fixture(scope="module")
def live_config():
    return {"ANNOUNCE_UNDO_SECONDS": 30}


@each_locale
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_teacher_sends_undoes_and_schedules(open_session, live_app, locale, viewport,
                                              translate):
    size = f"{viewport[0]}"
    subject = f"Tur {locale} {size}"
    teacher = open_session(locale=locale, viewport=viewport)
    teacher.log_in("larer1a")
    teacher.goto("/messages/announce")
    page = teacher.page
    reach = page.locator("#reach")
    assert "1A" in reach.inner_text()
    check_page(teacher, f"announce-{size}", locale, viewport)
    # htmx: unticking the group replaces the reach.
    page.locator("input[name=to]").first.uncheck()
    expect(page.locator("#reach")).not_to_contain_text("1A")
    page.locator("input[name=to]").first.check()
    expect(page.locator("#reach")).to_contain_text("1A")
    page.locator("#subject").fill(subject)
    page.locator("#body").fill("Ta med matpakke og regntøy.")
    teacher.submit("form[enctype] button.primary")
    assert "/messages/outbox/" in page.url
    assert page.locator("#held form button").count() == 1
    check_page(teacher, f"announce-held-{size}", locale, viewport)
    teacher.submit("#held form button")  # Undo
    assert page.locator("#subject").input_value() == subject
    assert "matpakke" in page.locator("#body").input_value()
    check_page(teacher, f"announce-undone-{size}", locale, viewport)
    teacher.submit("form[enctype] button.primary")  # send it after all
    # The window passes; the worker sends it; the guardian sees it.
    queue = live_app.extensions["queue"]
    assert queue.send_announcements(now=utcnow() + datetime.timedelta(seconds=31)) >= 1
    guardian = open_session(locale=locale, viewport=viewport)
    guardian.log_in("kari")
    guardian.goto("/messages/")
    assert subject in guardian.page.locator("main").inner_text()
    guardian.assert_clean()
    # Scheduled for 07:30 the day after tomorrow (the app's clock).
    teacher.goto("/messages/announce")
    schedule(teacher, f"{subject} planlagt", "Husk lusesjampo.", days=2)
    assert page.url.endswith("/messages/outbox")
    assert f"{subject} planlagt" in page.locator("main").inner_text()
    check_page(teacher, f"announce-outbox-{size}", locale, viewport)
    teacher.submit("form[action$='/cancel'] button")
    teacher.assert_clean()


def schedule(session, subject, body, days):
    """On the announcement form: the text, sent at 07:30 in `days` days (the app's
    clock); sent to the outbox."""
    page = session.page
    page.locator("#subject").fill(subject)
    page.locator("#body").fill(body)
    page.locator("#when-later").check()
    page.locator("#send_date").fill((today() + datetime.timedelta(days=days)).isoformat())
    page.locator("#send_time").fill("07:30")
    session.submit("form[enctype] button.primary")


@each_locale
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_announcement_the_worker_could_not_send_waits_in_the_outbox(
        open_session, live_app, locale, viewport, translate):
    size = f"{viewport[0]}"
    subject = f"Ingen igjen {locale} {size}"
    with live_app.app_context(), dbmod.database.connection_context():
        kindergarten = Unit.get(Unit.name == "Regnbuen barnehage")
        empty, _ = Group.get_or_create(unit=kindergarten, name="Solsikken",
                                       school_year=today().year)
    leader = open_session(locale=locale, viewport=viewport)
    leader.log_in("styrer")
    leader.goto(f"/messages/announce?to=group:{empty.id}")
    page = leader.page
    schedule(leader, subject, "Husk varme klær.", days=1)
    assert page.url.endswith("/messages/outbox")
    queue = live_app.extensions["queue"]
    queue.send_announcements(now=utcnow() + datetime.timedelta(days=2))
    leader.goto("/messages/outbox")
    card = page.locator("li.card", has_text=subject)
    expect(card).to_contain_text(translate(
        locale, "Not sent: nobody was left in its groups to send it to. Change it and send "
        "it again, or cancel it."))
    check_page(leader, f"announce-not-sent-{size}", locale, viewport)
    card.locator("a.button").click()  # Change: the form again, as it was written
    page.wait_for_load_state()
    assert page.locator("#subject").input_value() == subject
    assert page.locator("#when-now").is_checked()
    check_page(leader, f"announce-not-sent-change-{size}", locale, viewport)
    leader.goto("/messages/outbox")
    leader.submit(f"li.card:has-text('{subject}') form[action$='/cancel'] button")
    assert subject not in page.locator("main").inner_text()
    leader.assert_clean()
