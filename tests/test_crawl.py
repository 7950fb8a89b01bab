"""The whole app, crawled as every member of the cast, against the rules that must hold
on every page (DESIGN.md rules 1, 3, 7 and 11).

Each user follows every link, GET form and hx-get from the home page, and every page is
fetched plain and as an htmx fragment; then every page any other user reached is replayed
as this user. On every response:

- no server error;
- no child the user may not see (rules 1–3) is named, and no adult of another family
  (name, e-mail, phone, address) appears — except what that family ticked in a class list
  the user sees (rule 7), and a child tagged in a post marked for names whose name
  consent is given (rule 11);
- a child or guardian with a protected address is named only to their own family and to
  staff with access, whatever they ticked or consented to;
- no national identity number but one's own, and that one masked;
- a consent a unit asks is named only to that unit's staff and to the families of its
  children (staff of another unit never see it).

Who may see whom is read from the database (guardianships, grants, class-list shares,
post tags), so a new page, fragment or demo object is covered without being listed.
"""
import json
import re
import time
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qs, urlsplit

import pytest


from models import access
from models.absence.tables import Absence
from models.access.pickup import pickup_viewer
from models.consent.tables import PHOTO, Consent, ConsentVersion
from models.pickup.tables import PickupPerson, PickupToday
from models.posts.photo_consent import missing_consent
from models.posts.tables import MediaTag, Post, PostMedia
from models.messaging.tables import Message, Thread
from models.protect import mask
from models.school.tables import (ADMINISTRATOR, CaregiverGrant, Child, ClassListShare, Enrolment,
                                  Group, Guardianship, StaffRole, User)

from . import search_crawl
from .cast import CAST
from .crawl import crawl, replay
from .libretranslate import FakeLibreTranslate
from .test_machine_translation import translating

CLASS_LIST = re.compile(r"^/groups/(\d+)/class-list")


@dataclass(frozen=True)
class Trace:
    """One thing that tells who a person is, as it could appear on a page."""
    owner: tuple  # ("child", id) or ("adult", id)
    kind: str
    pattern: re.Pattern

    @property
    def text(self):
        """The words themselves: a page without them cannot match the pattern, and a
        substring test is a hundred times cheaper than the search (the crawl checks
        about a hundred traces on each of 50,000 pages)."""
        return _LITERALS[self.pattern.pattern]


_LITERALS = {}


def _word(text, before=r"\w"):
    pattern = re.compile(rf"(?<![{before}])" + re.escape(text) + r"(?![\w])")
    _LITERALS[pattern.pattern] = text
    return pattern


def traces():
    """Every trace of every child and every adult who is not staff."""
    found = []
    for child in Child.select():
        owner = ("child", child.id)
        found += [Trace(owner, "name", _word(child.name)),
                  Trace(owner, "child_name", _word(child.first_name))]
        if child.address:
            found.append(Trace(owner, "address", _word(child.address)))
    adults = (User.select().where(User.id.in_(Guardianship.select(Guardianship.guardian))
                                  | User.id.in_(CaregiverGrant.select(
                                      CaregiverGrant.caregiver))))
    # A member of staff who is also a parent (the SFO's Siri, Ida's mother) is named
    # wherever their work is shown; their family stays traced (the child, the address).
    staff = {user for (user,) in StaffRole.select(StaffRole.user).tuples()}
    for adult in adults:
        owner = ("adult", adult.id)
        if adult.id not in staff:
            found.append(Trace(owner, "my_name", _word(adult.name)))
        for kind in ("email", "phone", "address"):
            if getattr(adult, kind):
                # An e-mail address inside another one (sfo@… in solbakken.sfo@…) is not it.
                found.append(Trace(owner, kind, _word(getattr(adult, kind),
                                                      r"\w.+-" if kind == "email" else r"\w")))
    return found


def consent_traces():
    """The titles of the consents units ask, in every language."""
    found = []
    for version in ConsentVersion.select().join(Consent).where(Consent.kind != PHOTO):
        for text in json.loads(version.texts).values():
            found.append(Trace(("consent", version.consent_id), "title",
                               _word(text["title"])))
    return found


def national_ids():
    """(owner, number) of everyone with a national identity number."""
    return ([(("child", c.id), c.national_id.reveal()) for c in Child.select()
             if c.national_id] +
            [(("adult", u.id), u.national_id.reveal()) for u in User.select()
             if u.national_id])


class Rules:
    """Who `user` may see, from the database."""

    def __init__(self, user):
        self.user = user
        children = {c.id for c in access.children(user)} if user else set()
        adults = {user.id} if user else set()
        adults |= {g for (g,) in Guardianship.select(Guardianship.guardian).where(
            Guardianship.child.in_(list(children))).tuples()}
        adults |= {g for (g,) in CaregiverGrant.select(CaregiverGrant.caregiver).where(
            CaregiverGrant.child.in_(list(children))
            & CaregiverGrant.caregiver.is_null(False)).tuples()}
        self.owners = ({("child", c) for c in children} | {("adult", a) for a in adults}
                       | self._consents(user, children))
        self.protected = ({("child", c.id) for c in Child.select() if c.is_protected} |
                          {("adult", u.id) for u in User.select() if u.is_protected})
        # Who picks a child up is typed by the family, for the staff who see the child.
        self.typed = [text for (text,) in Absence.select(Absence.picked_up_by).where(
            Absence.child.in_(list(children)) & (Absence.picked_up_by != "")).tuples()]
        # So are the pick-up list and who picks up on a day, for those who see the list.
        listed = [c for c in children if pickup_viewer(user, c)[0] is not None]
        self.typed += [text for person in PickupPerson.select().where(
            PickupPerson.child.in_(listed or [0])) for text in (person.name, person.phone)]
        self.typed += [text for said in PickupToday.select().where(
            PickupToday.child.in_(listed or [0])) for text in (said.name, said.phone) if text]
        self.shared = self._class_list_shares()
        self.named_in_posts = self._named_in_posts()

    @staticmethod
    def _consents(user, children):
        """The consents the user may know of: the municipality's, those of the units
        the user works in (all of them for the administrator), and those of the units
        and groups the user's or seen children attend."""
        if user is None:
            return set()
        roles = list(StaffRole.select().where(StaffRole.user == user))
        units = {r.unit_id for r in roles} | {g.unit_id for g in Group.select().where(
            Group.id.in_([r.group_id for r in roles if r.group_id]))}
        everything = any(r.role == ADMINISTRATOR for r in roles)
        attended = set(Enrolment.select(Enrolment.group).where(
            Enrolment.child.in_(list(children) or [0])).tuples())
        groups = {g for (g,) in attended}
        families = {u for (u,) in Group.select(Group.unit).where(
            Group.id.in_(list(groups) or [0])).tuples()}
        return {("consent", c.id) for c in Consent.select().where(Consent.kind != PHOTO)
                if everything or c.unit_id is None or c.unit_id in units
                or (c.group_id in groups if c.group_id else c.unit_id in families)}

    @staticmethod
    def _class_list_shares():
        """{group id: {(owner, kind)}}: what each family ticked in each class list."""
        shared = {}
        for share in ClassListShare.select():
            traces = shared.setdefault(share.group_id, set())
            if share.child_name:
                traces |= {(("child", share.child_id), "name"),
                           (("child", share.child_id), "child_name")}
            for kind in ("my_name", "email", "phone", "address"):
                if getattr(share, kind):
                    traces.add((("adult", share.guardian_id), kind))
            if share.address and share.guardian.address == share.child.address:
                # The address the guardian shares is the child's home too: the same words.
                traces.add((("child", share.child_id), "address"))
        return shared

    @staticmethod
    def _named_in_posts():
        """Children tagged in a post marked for names, with their name consent given."""
        tagged = {child for (child,) in MediaTag.select(MediaTag.child)
                  .join(PostMedia).join(Post).where(Post.with_names == True)  # noqa: E712
                  .tuples()}
        lacking = {child for child, _ in missing_consent(sorted(tagged), ["name"])}
        return {("child", child) for child in tagged - lacking}

    def allows(self, trace, url):
        if trace.owner in self.owners:
            return True
        if trace.owner in self.protected:
            return False  # never by a share or a consent
        group = CLASS_LIST.match(url)
        if group and (trace.owner, trace.kind) in self.shared.get(int(group[1]), ()):
            return True
        if url.startswith("/posts") and trace.owner in self.named_in_posts and \
                trace.kind in ("name", "child_name"):
            return True
        return False


def violations(pages, rules, all_traces, numbers):
    own = {number for owner, number in numbers
           if rules.user and owner == ("adult", rules.user.id)}
    found = []
    for page in pages:
        where = (rules.user.username if rules.user else "anonymous", page.url,
                 "htmx" if page.htmx else "page")
        if page.status >= 500:
            found.append((*where, f"HTTP {page.status}"))
            continue
        text = page.text
        for typed in rules.typed:
            text = text.replace(typed, "").replace(escape(typed), "")
        if not text:
            continue
        for trace in all_traces:
            if trace.text in text and trace.pattern.search(text) \
                    and not rules.allows(trace, page.url):
                found.append((*where, f"{trace.kind} of {trace.owner}: "
                              f"{trace.pattern.pattern}"))
        for owner, number in numbers:
            if number in text:
                found.append((*where, f"national id of {owner} unmasked"))
            elif number not in own and owner not in rules.owners and \
                    mask(number) in text:
                found.append((*where, f"national id of {owner}, masked"))
    return found


@pytest.fixture
def make_app(make_app, tmp_path):
    """The crawled app has machine translation set up (a fake LibreTranslate on
    loopback), so the crawl also follows every "Show in …" control and replays each
    translation's address as everyone else."""
    with FakeLibreTranslate() as server:
        yield translating(make_app, tmp_path / "config", server.url)


# A conversation the family marked sensitive (issue 22). The crawl logs in without a
# strong login, so its subject and messages must be on nobody's pages at all: not in
# the inbox of the people in it, not in a count, a feed, a search or an export.
SENSITIVE = "Lekser i matte"


def sensitive_content():
    thread = Thread.get(Thread.subject == SENSITIVE)
    Thread.update(sensitive=True).where(Thread.id == thread.id).execute()
    return [thread.subject] + [body[:40] for (body,) in Message.select(Message.body).where(
        Message.thread == thread).tuples()]


def sensitive_violations(pages, user, content):
    found = []
    for page in pages:
        text = page.text
        query = parse_qs(urlsplit(page.url).query).get("q")
        if query:  # the search field shows what was typed
            text = text.replace(escape(query[0]), "")
        for words in content:
            if words in text or escape(words) in text:
                found.append((user or "anonymous", page.url, "htmx" if page.htmx else "page",
                              f"sensitive thread without a strong login: {words!r}"))
    return found


def test_no_page_or_fragment_shows_anyone_what_the_rules_keep_from_them(app, login, capsys):
    began = time.perf_counter()
    secret = sensitive_content()
    all_traces, numbers = traces() + consent_traces(), national_ids()
    crawls = {}
    anonymous = app.test_client()
    crawls[None] = crawl(anonymous, None, start="/login")
    for username in CAST:
        client = app.test_client()
        _login(client, username)
        crawls[username] = crawl(client, username)
    replays = {}
    every_url = set().union(*(c.urls for c in crawls.values()))
    searches = search_crawl.searches()  # issue 22: tests/search_crawl.py
    for username in [None] + CAST:
        client = app.test_client()
        if username:
            _login(client, username)
        # And every search for words of every thread, other people's included.
        replays[username] = replay(client, username,
                                   (every_url - crawls[username].urls) | set(searches))

    found = []
    for username in [None] + CAST:
        rules = Rules(User.get(User.username == username) if username else None)
        found += violations(crawls[username].pages + replays[username].pages, rules,
                            all_traces, numbers)
        found += search_crawl.violations(replays[username].pages, rules.user, searches)
        found += sensitive_violations(crawls[username].pages + replays[username].pages,
                                      username, secret)
    requests = sum(len(c.pages) for c in crawls.values()) + \
        sum(len(r.pages) for r in replays.values())
    with capsys.disabled():
        print(f"\ncrawl: {len(every_url)} pages × {len(CAST) + 1} users × 2 modes "
              f"(own {sum(len(c.pages) for c in crawls.values())}, replayed "
              f"{sum(len(r.pages) for r in replays.values())}; {requests} requests) "
              f"in {time.perf_counter() - began:.1f} s")
    assert not found, "\n".join(map(str, sorted(set(found))))
    # The crawl reaches what it must, or it proves nothing.
    assert len(every_url) > 50
    assert len(searches) > 10  # words of every demo thread were looked for
    assert any(url.startswith("/translations/") for url in every_url)
    for username in CAST:
        assert len(crawls[username].urls) > 3, username


def _login(client, username):
    from models.login.sessions import LoginSession
    token = LoginSession.start(User.get(User.username == username))
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
