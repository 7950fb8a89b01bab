"""Step-up pages in a real browser (issue 22): a school leader who logs in only through
the staff SSO (the loopback OpenID provider) is sent to the step-up page by a sensitive
thread, logs in again there without a second factor and is told what to do, then with
one and reads the thread; with an SSO that cannot show a second factor the page says to
ask the administrator; and the authenticator app's setup page, once its secret was
shown, does not show it again. nb and sv, 360 and 1280 px, axe on every page. The demo
database is left as it was found."""
from dataclasses import replace

import pytest

import municipality
from models.demo import PASSWORD
from tests.oidc_provider import idporten_settings, logging_in_through, staff_settings

from .test_pages import check_page, each_locale, each_viewport
from .test_sensitive_threads import kari_writes_about_emma

pytestmark = pytest.mark.browser

SUBJECT = "Bekymring for Emma"
SECRET = "Vi har sett noe vi vil snakke med dere om."


def sso_settings(issuer, **changes):
    defaults = municipality.PROVIDER_DEFAULTS["staff"]
    return replace(staff_settings(issuer), **{
        "step_up_acr": tuple(defaults["step_up_acr"]),
        "step_up_amr": tuple(defaults["step_up_amr"]), **changes})


@pytest.fixture(scope="module")
def provider(live_app, live_server, tmp_path_factory):
    with logging_in_through(live_app, live_server, tmp_path_factory.mktemp("oidc"),
                            staff=sso_settings) as running:
        yield running


@pytest.fixture
def sso_leader(live_app, provider):
    """A sensitive thread Kari started with the subject teacher, and the school leader
    without a password (an SSO-only account); all undone afterwards."""
    from models import db as dbmod
    from models.access_log.tables import AccessRecord
    from models.messaging.tables import Thread
    from models.notifications import notify
    from models.school.tables import User
    with live_app.app_context(), dbmod.database.connection_context(), notify.silenced():
        thread, users = kari_writes_about_emma(SUBJECT, SECRET, sensitive=True)
        password = users["rektor"].password_hash
        User.update(password_hash=None).where(User.id == users["rektor"].id).execute()
        last = AccessRecord.select(AccessRecord.id).order_by(
            AccessRecord.id.desc()).scalar() or 0
    yield thread.id
    with live_app.app_context(), dbmod.database.connection_context():
        Thread.delete().where(Thread.id == thread.id).execute()
        User.update(password_hash=password).where(User.id == users["rektor"].id).execute()
        AccessRecord.delete().where(AccessRecord.id > last).execute()


def log_in_at_provider(session, provider, amr):
    """On the provider's login page: the leader, at the lowest level, with `amr`."""
    page = session.page
    page.wait_for_url(f"{provider.issuer}/**")
    page.fill("input[name=pid]", "rektor")
    page.select_option("select[name=acr]", "idporten-loa-low")
    page.locator("input[name=amr]").evaluate("(field, value) => { field.value = value; }",
                                             amr)
    with page.expect_navigation(url=f"{session.base_url}/**"):
        page.get_by_role("button", name="Log in").click()


@each_locale
@each_viewport
def test_a_leader_steps_up_through_the_sso(open_session, provider, sso_leader, translate,
                                           locale, viewport):
    size = viewport[0]
    session = open_session(locale=locale, viewport=viewport)
    session.context.route(f"{provider.issuer}/**", lambda route: route.continue_())
    page = session.page
    session.goto("/login/eid/feide")
    log_in_at_provider(session, provider, "pwd")
    session.goto(f"/messages/{sso_leader}")
    assert "/step-up?next=" in page.url
    check_page(session, f"sso-step-up-{size}", locale, viewport)
    feide = translate(locale, "Log in again with %(provider)s", provider="Feide")

    page.get_by_role("link", name=feide).click()
    log_in_at_provider(session, provider, "pwd")  # no second factor
    page.wait_for_url(f"{session.base_url}/step-up?**")
    text = page.inner_text("main")
    assert translate(locale, "%(provider)s did not confirm a second factor",
                     provider="Feide") in text
    assert SECRET not in text
    check_page(session, f"sso-step-up-weak-{size}", locale, viewport)

    page.get_by_role("link", name=feide).click()
    log_in_at_provider(session, provider, "pwd mfa")
    page.wait_for_url(f"{session.base_url}/messages/{sso_leader}")
    text = page.inner_text("main")
    assert SUBJECT in text and SECRET in text
    check_page(session, f"sso-step-up-done-{size}", locale, viewport)
    session.assert_clean()


@each_locale
def test_without_a_second_factor_at_the_sso_the_page_says_whom_to_ask(
        open_session, live_app, provider, sso_leader, translate, locale):
    session = open_session(locale=locale, viewport=(360, 740))
    session.context.route(f"{provider.issuer}/**", lambda route: route.continue_())
    session.goto("/login/eid/feide")
    log_in_at_provider(session, provider, "pwd")
    configured = live_app.config["MUNICIPALITY"]
    live_app.config["MUNICIPALITY"] = replace(configured, eid_login=(
        idporten_settings(provider.issuer),
        sso_settings(provider.issuer, step_up_acr=(), step_up_amr=())))
    try:
        session.goto(f"/messages/{sso_leader}")
        text = session.page.inner_text("main")
        assert translate(locale, "A second factor is needed") in text
        assert translate(locale, "Ask the municipality's administrator to set up a second "
                                 "factor for your account, and to set which logins "
                                 "Kontaktbok accepts as having one.") in text
        assert session.page.locator("main a[href^='/login/eid/']").count() == 0
        check_page(session, "sso-step-up-impossible", locale, (360, 740))
    finally:
        live_app.config["MUNICIPALITY"] = configured
    session.assert_clean()


@each_locale
def test_the_setup_secret_is_shown_once(open_session, live_app, translate, locale):
    from models import db as dbmod
    from models.login.totp import TotpSecret
    from models.school.tables import User
    with live_app.app_context(), dbmod.database.connection_context():
        larer = User.get(User.username == "larer1a").id
        TotpSecret.delete().where(TotpSecret.user == larer).execute()
    try:
        session = open_session(locale=locale, viewport=(360, 740))
        session.log_in("larer1a")
        session.goto("/account/two-factor")
        first = session.page.inner_text("code.secret")
        session.goto("/account/two-factor")  # back again: not shown
        page = session.page
        assert page.locator("code.secret").count() == 0
        assert page.locator("figure.qr").count() == 0 and first not in page.content()
        check_page(session, "two-factor-waiting", locale, (360, 740))
        page.locator("#two-factor-restart-password").fill(PASSWORD)
        session.submit("form button[type=submit] >> text=" +
                       translate(locale, "Start again"))
        assert page.locator("figure.qr svg").count() == 1
        assert page.inner_text("code.secret") != first
        session.assert_clean()
    finally:
        with live_app.app_context(), dbmod.database.connection_context():
            TotpSecret.delete().where(TotpSecret.user == larer).execute()
