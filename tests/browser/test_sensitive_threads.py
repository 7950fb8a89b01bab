"""Sensitive threads in a real browser (issue 22): Kari marks her conversation about Emma
sensitive, after the confirmation on its page; Emma's contact teacher, who read it
before, no longer finds it; the school leader is sent to the step-up page, confirms it
is her with her password and a code from her authenticator app (computed here with
pyotp), and reads it. Norwegian and Swedish, at 360 and 1280 px, axe on every page. The
test leaves the shared demo database as it found it."""
import pyotp
import pytest

from .test_pages import check_page

pytestmark = pytest.mark.browser

PHONE, DESKTOP = (360, 740), (1280, 800)
SUBJECT = "Astma og medisiner"
SECRET = "Emma bruker inhalator hver morgen, og noen ganger i friminuttet."


def kari_writes_about_emma(subject, text, sensitive=False):
    """(Kari's new conversation with the subject teacher about Emma, {username: User} of
    kari, faglarer and rektor); in the live app's context, notifications silenced."""
    from models.messaging import inbox
    from models.school.tables import Child, Unit, User
    users = {u.username: u for u in User.select().where(
        User.username.in_(["kari", "faglarer", "rektor"]))}
    thread = inbox.start_thread(
        Unit.get(Unit.name == "Solbakken skole"), Child.get(Child.first_name == "Emma"),
        subject, text, users["kari"], inbox.new_form_token(), guardians=[users["kari"]],
        staff=[users["faglarer"]], as_guardian=True, sensitive=sensitive)
    return thread, users


def _setup(live_app):
    """A conversation between Kari and the subject teacher about Emma (the contact
    teacher reads it under rule 3), and an authenticator app for the school leader."""
    from models import db as dbmod
    from models.access_log.tables import AccessRecord
    from models.login import totp
    from models.notifications import notify
    with live_app.app_context(), dbmod.database.connection_context(), notify.silenced():
        thread, users = kari_writes_about_emma(SUBJECT, SECRET)
        totp.remove(users["rektor"])
        secret = totp.pending_secret(users["rektor"])
        totp.TotpSecret.update(confirmed_at=dbmod.utcnow()).where(
            totp.TotpSecret.user == users["rektor"].id).execute()
        last = AccessRecord.select(AccessRecord.id).order_by(
            AccessRecord.id.desc()).scalar() or 0
    return thread.id, pyotp.TOTP(secret), users["rektor"].id, last


def _clean(live_app, thread_id, rektor_id, last):
    from models import db as dbmod
    from models.access_log.tables import AccessRecord
    from models.login.totp import TotpSecret
    from models.messaging.tables import Thread
    with live_app.app_context(), dbmod.database.connection_context():
        Thread.delete().where(Thread.id == thread_id).execute()
        TotpSecret.delete().where(TotpSecret.user == rektor_id).execute()
        AccessRecord.delete().where(AccessRecord.id > last).execute()


@pytest.mark.parametrize("locale", ["nb", "sv"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_marked_sensitive_then_read_by_the_leader_after_step_up(open_session, live_app,
                                                                translate, locale,
                                                                viewport):
    thread_id, app_totp, rektor_id, last = _setup(live_app)
    size = viewport[0]
    try:
        teacher = open_session(locale=locale, viewport=viewport)
        teacher.log_in("larer1a")
        teacher.goto("/messages/")
        assert SUBJECT in teacher.page.inner_text("main")  # rule 3: the pupil's thread

        kari = open_session(locale=locale, viewport=viewport)
        kari.log_in("kari")
        kari.goto(f"/messages/{thread_id}")
        kari.page.click("details.sensitive-mark summary")
        text = kari.page.inner_text("details.sensitive-mark")
        assert translate(locale, "This cannot be undone: the conversation stays "
                                 "sensitive.") in text
        check_page(kari, f"sensitive-confirm-{size}", locale, viewport)
        kari.submit("details.sensitive-mark form button[type=submit]")
        # Now sensitive: Kari too confirms it is her first (the demo account has no
        # authenticator app: the page says how to set one up).
        assert "/step-up?next=" in kari.page.url
        body = kari.page.inner_text("main")
        assert translate(locale, "You need a second factor first") in body
        assert SECRET not in body
        check_page(kari, f"sensitive-step-up-no-app-{size}", locale, viewport)
        kari.goto("/messages/")
        inbox_text = kari.page.inner_text("main")
        assert translate(locale, "Sensitive thread") in inbox_text and "Emma" in inbox_text
        assert SUBJECT not in inbox_text
        check_page(kari, f"sensitive-inbox-{size}", locale, viewport)

        teacher.goto("/messages/")
        assert SUBJECT not in teacher.page.inner_text("main")
        assert teacher.page.goto(teacher.url(f"/messages/{thread_id}")).status == 404
        teacher.console_errors.clear()  # that expected 404, as Chromium reports it

        leader = open_session(locale=locale, viewport=viewport)
        leader.log_in("rektor")
        leader.page.goto(leader.url(f"/messages/{thread_id}"))
        assert "/step-up?next=" in leader.page.url
        check_page(leader, f"sensitive-step-up-{size}", locale, viewport)
        leader.page.locator("#step-up-password").fill("wrong")
        leader.page.locator("#step-up-code").fill("000000")
        leader.submit("form.form button[type=submit]")
        assert translate(locale, "The password or the code is wrong.") in \
            leader.page.inner_text("main")
        # The answer is a 401 (as a wrong password at login), which Chromium reports.
        assert leader.console_errors == [
            "Failed to load resource: the server responded with a status of 401 "
            "(UNAUTHORIZED)"]
        leader.console_errors.clear()
        check_page(leader, f"sensitive-step-up-wrong-{size}", locale, viewport)
        from models.demo import PASSWORD
        leader.page.locator("#step-up-password").fill(PASSWORD)
        leader.page.locator("#step-up-code").fill(app_totp.now())
        leader.submit("form.form button[type=submit]")
        assert leader.page.url.endswith(f"/messages/{thread_id}")
        text = leader.page.inner_text("main")
        assert SUBJECT in text and SECRET in text
        assert translate(locale, "Sensitive thread") in text
        check_page(leader, f"sensitive-thread-{size}", locale, viewport)
        for name, session in (("teacher", teacher), ("kari", kari), ("leader", leader)):
            assert not session.console_errors, (name, session.console_errors)
            session.assert_clean()
    finally:
        _clean(live_app, thread_id, rektor_id, last)


@pytest.mark.parametrize("locale", ["nb", "sv"])
def test_setting_up_the_authenticator_app(open_session, live_app, locale):
    from models import db as dbmod
    from models.login.totp import TotpSecret
    from models.school.tables import User
    with live_app.app_context(), dbmod.database.connection_context():
        larer = User.get(User.username == "larer1a").id
        TotpSecret.delete().where(TotpSecret.user == larer).execute()
    try:
        teacher = open_session(locale=locale, viewport=PHONE)
        teacher.log_in("larer1a")
        teacher.goto("/account/two-factor")
        assert teacher.page.locator("figure.qr svg").count() == 1
        check_page(teacher, "two-factor", locale, PHONE)
        secret = teacher.page.inner_text("code.secret")
        from models.demo import PASSWORD
        teacher.page.locator("#two-factor-password").fill(PASSWORD)
        teacher.page.locator("#two-factor-code").fill(pyotp.TOTP(secret).now())
        teacher.submit("form.form button[type=submit]")
        assert teacher.page.locator("figure.qr").count() == 0
        check_page(teacher, "two-factor-done", locale, PHONE)
        teacher.assert_clean()
    finally:
        with live_app.app_context(), dbmod.database.connection_context():
            TotpSecret.delete().where(TotpSecret.user == larer).execute()
