"""Staff's folders and copies to the other home in a real browser (issue 22).

Emma's contact teacher marks Kari's dentist conversation done from his inbox (one tap,
the line's toggle swaps itself), flags it to follow up by a day from the thread's page,
finds it in the Follow up and Done folders, and marks it not done again; without
JavaScript the same buttons post and come back. Kari writes a new conversation about
Emma and copies Ola; Ola finds it in his inbox, reads it and has the reply form in front
of him. Norwegian and Swedish, at 360 and 1280 px, axe on every page. The tests leave
the shared demo database as they found it."""
import datetime
import shutil
from pathlib import Path

import pytest

from .conftest import SCREENSHOTS
from .test_pages import check_page

pytestmark = pytest.mark.browser

PHONE, DESKTOP = (360, 740), (1280, 800)
DENTIST = "Tannlege torsdag"
SHOTS = Path("/work/tmp/shots")


def _keep(name, locale, viewport):
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}-{locale}-{viewport[0]}x{viewport[1]}.png"
    shutil.copy(shot, SHOTS / shot.name)


def _ids(live_app):
    from models import db as dbmod
    from models.messaging.tables import Thread
    from models.school.tables import Child
    with live_app.app_context(), dbmod.database.connection_context():
        return (Thread.get(Thread.subject == DENTIST).id,
                Child.get(Child.first_name == "Emma").id, dbmod.today())


def _shown_day(live_app):
    from models import db as dbmod
    from views.dates import TIME_ZONES
    return dbmod.now_local(TIME_ZONES[live_app.config["MUNICIPALITY"].country]).date()


def _unfile(live_app, thread_id):
    from models import db as dbmod
    from models.messaging.tables import Thread, ThreadFollowUp
    with live_app.app_context(), dbmod.database.connection_context():
        Thread.update(done_at=None, done_by=None).where(Thread.id == thread_id).execute()
        ThreadFollowUp.delete().where(ThreadFollowUp.thread == thread_id).execute()


@pytest.mark.parametrize("locale", ["nb", "sv"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_a_teacher_marks_done_and_follows_up(open_session, live_app, translate, locale,
                                             viewport):
    dentist, _, day = _ids(live_app)
    due = day + datetime.timedelta(days=2)
    try:
        teacher = open_session(locale=locale, viewport=viewport)
        teacher.log_in("larer1a")
        page = teacher.page
        teacher.goto("/messages/")
        line = page.locator("li.thread", has_text=DENTIST)
        check_page(teacher, "folders-inbox-larer1a", locale, viewport)
        line.locator(f"#done-button-{dentist}").click()
        # The day of the mark as the page shows it, in the municipality's time zone:
        # the live server's own "today" is the machine's (UTC here), a day behind
        # between 23:00 and midnight UTC.
        done = translate(locale, "Done — %(name)s, %(date)s", name="Lars Lærer",
                         date=_shown_day(live_app).strftime("%d.%m.%Y"))
        line.locator(".tag.done").wait_for()
        assert done in line.inner_text()
        assert page.locator(f"#done-button-{dentist}").evaluate(
            "button => button === document.activeElement")  # htmx kept the focus
        check_page(teacher, "folders-inbox-done-larer1a", locale, viewport)
        _keep("folders-inbox-done-larer1a", locale, viewport)

        teacher.goto(f"/messages/{dentist}")
        assert done in page.locator("main").inner_text()
        page.locator(f"#due-{dentist}").fill(due.isoformat())
        page.locator(f"#follow-up-button-{dentist}").click()
        page.locator(f"#follow-up-{dentist} .tag.follow-up").wait_for()
        check_page(teacher, "folders-thread-larer1a", locale, viewport)
        _keep("folders-thread-larer1a", locale, viewport)

        teacher.goto("/messages/?folder=follow-up")
        assert DENTIST in page.locator("#threads").inner_text()
        assert translate(locale, "Follow up by %(day)s", day=due.strftime("%d.%m.")) in \
            page.locator("#threads").inner_text()
        check_page(teacher, "folders-follow-up-larer1a", locale, viewport)
        teacher.goto("/messages/?folder=done")
        line = page.locator("li.thread", has_text=DENTIST)
        line.locator(f"#done-button-{dentist}").click()  # not done after all
        line.locator(".tag.done").wait_for(state="detached")
        check_page(teacher, "folders-done-larer1a", locale, viewport)
        teacher.goto("/messages/")
        assert DENTIST in page.locator("#threads").inner_text()
    finally:
        _unfile(live_app, dentist)


def test_the_folder_buttons_work_without_javascript(open_session, live_app, translate):
    dentist, _, _ = _ids(live_app)
    try:
        teacher = open_session(locale="nb", viewport=PHONE, js=False)
        teacher.log_in("larer1a")
        teacher.goto("/messages/")
        teacher.submit(f"#done-button-{dentist}")
        assert teacher.page.url.endswith("/messages/")  # back where it was
        assert DENTIST not in teacher.page.locator("#threads").inner_text()
        with teacher.page.expect_navigation():
            teacher.page.locator("nav.folders a", has_text=translate("nb", "Done")).click()
        assert DENTIST in teacher.page.locator("#threads").inner_text()
        teacher.submit(f"#follow-up-button-{dentist}")
        assert "folder=done" in teacher.page.url
        assert translate("nb", "To follow up") in teacher.page.locator("#threads").inner_text()
        teacher.assert_clean()  # (axe needs JavaScript: the pages are checked above)
    finally:
        _unfile(live_app, dentist)


@pytest.mark.parametrize("locale", ["nb", "sv"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_a_guardian_copies_the_other_home_who_reads_and_can_answer(
        open_session, live_app, translate, locale, viewport):
    _, emma, _ = _ids(live_app)
    subject = f"Gymsko {locale} {viewport[0]}"
    try:
        kari = open_session(locale=locale, viewport=viewport)
        kari.log_in("kari")
        kari.goto(f"/messages/new?child={emma}")
        page = kari.page
        copy = page.get_by_label("Ola Hansen")
        assert not copy.is_checked()  # a split home chooses
        check_page(kari, "copies-new-kari", locale, viewport)
        _keep("copies-new-kari", locale, viewport)
        copy.check()
        page.locator("#subject").fill(subject)
        page.locator("#body").fill("Emma trenger nye gymsko til fredag.")
        kari.submit("form.form button.primary")
        copied = translate(locale, "Copied: %(names)s", names="Ola Hansen")
        assert copied in page.locator("main").inner_text()
        check_page(kari, "copies-thread-kari", locale, viewport)

        ola = open_session(locale=locale, viewport=viewport)
        ola.log_in("ola")
        ola.goto("/messages/")
        ola.page.locator("li.thread.unread a", has_text=subject).click()
        ola.page.wait_for_load_state()
        main = ola.page.locator("main").inner_text()
        assert "Emma trenger nye gymsko til fredag." in main and copied in main
        assert ola.page.locator("textarea#body").is_editable()  # he can answer
        check_page(ola, "copies-thread-ola", locale, viewport)
        _keep("copies-thread-ola", locale, viewport)
    finally:
        from models import db as dbmod
        from models.messaging.tables import Thread
        with live_app.app_context(), dbmod.database.connection_context():
            Thread.delete().where(Thread.subject == subject).execute()
