"""National eID login in a real browser, against the ID-porten-like provider on loopback
(tests/oidc_provider.py): the login choices and the outcome pages pass axe at phone size
in nb and sv, and a guardian logs in and out through the provider."""
import pytest

from models import demo
from tests.oidc_provider import logging_in_through

from .test_pages import check_page, each_locale


@pytest.fixture(scope="module")
def provider(live_app, live_server, tmp_path_factory):
    with logging_in_through(live_app, live_server,
                            tmp_path_factory.mktemp("oidc")) as running:
        yield running


def at_provider(session, provider):
    """Let this browser reach the provider (every other origin stays blocked)."""
    session.context.route(f"{provider.issuer}/**", lambda route: route.continue_())


@each_locale
def test_a_guardian_logs_in_and_out_with_id_porten(open_session, provider, translate,
                                                   locale):
    session = open_session(locale=locale, viewport=(360, 740))
    at_provider(session, provider)
    session.goto("/login")
    check_page(session, "eid-login-choices", locale, (360, 740))
    page = session.page
    page.get_by_role("link", name=translate(locale, "Log in with %(provider)s",
                                            provider="ID-porten")).click()
    page.wait_for_url(f"{provider.issuer}/**")
    page.fill("input[name=pid]", demo.adult_national_id("kari"))
    with page.expect_navigation(url=f"{session.base_url}/"):
        page.get_by_role("button", name="Log in").click()
    assert "Kari Hansen" in page.inner_text("header")
    session.submit("form[action='/logout'] button")
    page.wait_for_url(f"{provider.issuer}/**")  # on to the provider's logout
    with page.expect_navigation(url=f"{session.base_url}/login?**"):
        page.get_by_role("button", name="Log out").click()
    assert page.locator("#username").is_visible()
    session.assert_clean()


@each_locale
def test_the_outcome_pages_are_plain_and_accessible(open_session, provider, translate,
                                                    locale):
    session = open_session(locale=locale, viewport=(360, 740))
    at_provider(session, provider)
    session.goto("/login/eid/idporten")
    page = session.page
    page.fill("input[name=pid]", "01017012345")  # nobody registered here
    with page.expect_navigation(url=f"{session.base_url}/login/eid/idporten/callback?**"):
        page.get_by_role("button", name="Log in").click()
    assert translate(locale, "You are not registered with a school or kindergarten in "
                             "%(municipality)s", municipality="Demo kommune") in page.inner_text("h1")
    # The page's own 403 is the answer, which the browser reports as a failed load.
    session.console_errors = [e for e in session.console_errors if "status of 403" not in e]
    check_page(session, "eid-not-registered", locale, (360, 740))
