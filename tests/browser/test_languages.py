"""Every page in every interface language the demo enables, on the narrowest phone:
accessible (axe, WCAG 2.1 AA), in the right language and direction, no sideways
scrolling. Bokmål and Swedish are checked page by page (test_pages.py, also at laptop
size); here each other language walks the same pages, one login per person, and Arabic
is checked for being mirrored, not merely translated."""
import pytest

from ..helpers import TEST_DATABASE_URL
from .conftest import SCREENSHOTS
from .test_pages import FEATURE_PAGES, HOME_PAGES, MESSAGE_PAGES, TOO_WIDE, AXE, \
    AXE_OPTIONS, axe_report

pytestmark = pytest.mark.browser

PHONE = (360, 740)
# The pages are the same HTML whatever the database; the PostgreSQL run (which also runs
# every other browser test on its data) walks them in Arabic, the one language that
# changes the layout, and the SQLite run in all seven.
OTHER_LANGUAGES = ["ar"] if TEST_DATABASE_URL else ["nn", "se", "en", "pl", "uk", "ar", "so"]
# The pages the issue names, saved as screenshots in every language to look at.
LOOKED_AT = {"home-kari", "messages-thread-kari", "consents-child-kari", "class-list-nina"}
CALENDAR_PAGES = [("kari", "events", "/events/"), ("kari", "meetings", "/meetings/"),
                  ("kari", "calendar-month", "/calendar/month"),
                  ("larer1a", "week-plans", "/week-plans"),
                  ("kari", "notifications", "/account/notifications"), ("kari", "my-data", "/my-data")]


def _pages(live_app):
    """(who, name, address) for every page of test_pages.py, ids filled in."""
    from models import db as dbmod
    from models.messaging.tables import Thread
    from models.posts.tables import Post
    from models.school.tables import Child, Group, StaffRole, User
    with live_app.app_context(), dbmod.database.connection_context():
        children = {c.first_name: c.id for c in Child.select()}
        ids = {
            "DENTIST": f"/messages/{Thread.get(Thread.subject == 'Tannlege torsdag').id}",
            "MEETING": f"/messages/{Thread.get(Thread.subject == 'Foreldremøte 1A').id}",
            "SKIS": f"/posts/{Post.get(Post.title == 'Første gang på ski').id}",
            "G1A": str(Group.get(Group.name == "1A").id),
            "LARER1A_ROLE": str(StaffRole.select(StaffRole.id).join(User).where(
                User.username == "larer1a").first().id),
            "SCHOOL": str(StaffRole.select(StaffRole.unit).join(User).where(
                (User.username == "rektor") & (StaffRole.role == "unit_leader"))
                .first().unit_id),
        }
    pages = [(who, "home", "/") for who in HOME_PAGES]
    pages += [(who, f"messages-{name}", url.replace("EMMA", f"/messages/new?child=EMMA"))
              for who, name, url in MESSAGE_PAGES]
    pages += FEATURE_PAGES + CALENDAR_PAGES
    filled = []
    for who, name, url in pages:
        for key, value in ids.items():
            url = url.replace(key, value)
        for first, child_id in children.items():
            url = url.replace(first.upper(), str(child_id))
        filled.append((who, name, url))
    return filled


def _problems(page, locale):
    problems = []
    lang, direction = page.evaluate(
        "[document.documentElement.lang, document.documentElement.dir]")
    if lang != locale:
        problems.append(f"<html lang={lang!r}>")
    if direction != ("rtl" if locale == "ar" else "ltr"):
        problems.append(f"<html dir={direction!r}>")
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > inner:
        problems.append(f"scrolls sideways ({width} > {inner}): {page.evaluate(TOO_WIDE)}")
    violations = AXE.run(page, options=AXE_OPTIONS).response["violations"]
    if violations:
        problems.append("axe:\n" + axe_report(violations))
    return problems


@pytest.mark.parametrize("locale", OTHER_LANGUAGES)
def test_every_page_in_every_language(open_session, live_app, locale):
    by_person = {}
    for who, name, url in _pages(live_app):
        by_person.setdefault(who, []).append((name, url))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for who, pages in by_person.items():
        session = open_session(locale=locale, viewport=PHONE)
        session.log_in(who)
        for name, url in pages:
            session.goto(url)
            if f"{name}-{who}" in LOOKED_AT:
                session.page.screenshot(
                    path=str(SCREENSHOTS / f"{name}-{who}-{locale}-360x740.png"),
                    full_page=True)
            problems += [f"{name} as {who} ({url}): {problem}"
                         for problem in _problems(session.page, locale)]
        session.assert_clean()
        session.context.close()
    assert not problems, f"{locale}:\n" + "\n".join(problems)


def test_arabic_pages_are_mirrored_and_keep_names_and_numbers_readable(open_session):
    """Right to left: the header's brand sits on the right, the menu reads from the
    right, a list's bullet side flips; a Norwegian name and a phone number inside the
    Arabic page keep their own order."""
    session = open_session(locale="ar", viewport=PHONE)
    session.log_in("kari")
    page = session.page
    assert page.evaluate("document.documentElement.dir") == "rtl"
    brand = page.locator("header.site .brand").bounding_box()
    assert brand["x"] + brand["width"] > PHONE[0] / 2  # starts at the right edge
    messages, posts = (page.locator(f"nav.user .{name}").bounding_box()
                       for name in ("nav-messages", "nav-posts"))
    if abs(messages["y"] - posts["y"]) < 5:  # on one line: the first is the rightmost
        assert messages["x"] > posts["x"]
    # The footer's phone number reads left to right inside the Arabic page.
    phone = page.locator("footer.site a[href^='tel:']")
    assert phone.evaluate("e => getComputedStyle(e).direction") == "ltr"
    # Names and links (Latin letters, digits) are isolated, so neighbouring Arabic and
    # punctuation cannot reorder them; the skip link sits off the right edge.
    link = page.locator(".card.child a").first
    assert link.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
    assert page.locator("a.skip").evaluate("e => getComputedStyle(e).right") == "-999px"
    session.assert_clean()
