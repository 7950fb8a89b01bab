"""The message search in the whole-app crawl (tests/test_crawl.py, issue 22): every
member of the cast searches for words taken from every thread of the database — other
people's threads included — and the crawl's rules hold on each answer, plus the
search's own: every thread found is one the user reads (rule 3); a word found in one
thread only is counted once by its readers and not at all by anyone else; a sensitive
thread's words are shown to nobody in a result, and without a fresh strong login it is
not found at all."""
import re
from urllib.parse import urlencode

from models import access
from models.login import step_up
from models.messaging.search_index import stems, tokens
from models.messaging.tables import Attachment, Message, Thread
from models.school.tables import Child, User

RESULTS = re.compile(r'<section id="search-results".*?</section>', re.S)
COUNT = re.compile(r'class="results-count">\s*(\d+)')
LINK = re.compile(r'href="/messages/(\d+)"')
PER_THREAD = 3


def _names():
    """Every person's name in lower case: a name is not looked for (it is echoed in the
    search field, and the crawl's rules look for names already)."""
    names = set()
    for first, last in (list(Child.select(Child.first_name, Child.last_name).tuples())
                        + list(User.select(User.first_name, User.last_name).tuples())):
        names |= {w for w, _, _ in tokens(f"{first} {last}")}
    return names


def _words_by_thread():
    """{thread id: {words of its subject, messages and file names}} (withdrawn ones left
    out: nobody finds them)."""
    words = {}
    for thread_id, subject in Thread.select(Thread.id, Thread.subject).tuples():
        words[thread_id] = {w for w, _, _ in tokens(subject)}
    for thread_id, body in (Message.select(Message.thread, Message.body)
                            .where(Message.withdrawn_at.is_null()).tuples()):
        words[thread_id] |= {w for w, _, _ in tokens(body)}
    for thread_id, name in (Attachment.select(Message.thread, Attachment.filename)
                            .join(Message).where(Message.withdrawn_at.is_null()).tuples()):
        words[thread_id] |= {w for w, _, _ in tokens(name)}
    return words


def searches():
    """{search address: the one thread its word is found in, or None for a subject}."""
    names = _names()
    words = _words_by_thread()
    seen_in = {}  # stem: the threads with a word of that stem (search finds by stems)
    for thread_id, found in words.items():
        for word in found:
            for stem in stems(word):
                seen_in.setdefault(stem, set()).add(thread_id)
    urls = {}
    for thread_id, found in sorted(words.items()):
        distinctive = sorted(
            w for w in found if len(w) >= 4 and not w.isdigit() and w not in names
            and set().union(*(seen_in[s] for s in stems(w))) == {thread_id})
        for word in distinctive[:PER_THREAD]:
            urls["/messages/search?" + urlencode({"q": word})] = thread_id
    for thread_id, subject in Thread.select(Thread.id, Thread.subject).tuples():
        if not {w for w, _, _ in tokens(subject)} & names:
            urls.setdefault("/messages/search?" + urlencode({"q": subject}), None)
    return urls


def _searchable(user, thread_id, sensitive):
    """May the user's search find the thread: they read it (rule 3) and, for a
    sensitive thread, have logged in strongly within the last minutes (the crawl's
    sessions never have)."""
    return (user is not None and access.thread_or_none(user, thread_id) is not None
            and (thread_id not in sensitive or step_up.is_fresh(user)))


def violations(pages, user, wanted):
    """What breaks the search's own rules on the crawled search pages of `user`."""
    sensitive = {t for (t,) in Thread.select(Thread.id).where(
        Thread.sensitive == True).tuples()}  # noqa: E712
    words = _words_by_thread()
    elsewhere = set().union(set(), *(w for t, w in words.items() if t not in sensitive))
    hidden = set().union(set(), *(w for t, w in words.items() if t in sensitive)) - elsewhere
    found = []
    for page in pages:
        if page.url not in wanted or page.status != 200:
            continue
        where = (user.username if user else "anonymous", page.url,
                 "htmx" if page.htmx else "page")
        section = RESULTS.search(page.text)
        if section is None:
            found.append((*where, "no results section"))
            continue
        html = section.group(0)
        for thread_id in {int(i) for i in LINK.findall(html)}:
            if not _searchable(user, thread_id, sensitive):
                found.append((*where, f"thread {thread_id} found, not readable"))
        count = COUNT.search(html)
        shown = int(count.group(1)) if count else 0
        thread_id = wanted[page.url]
        if thread_id is not None:
            readable = _searchable(user, thread_id, sensitive)
            if shown != (1 if readable else 0):
                found.append((*where, f"counted {shown}, reads thread: {readable}"))
        text = re.sub(r"<[^>]+>", " ", html).lower()
        for word in hidden:
            if len(word) >= 4 and re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text):
                found.append((*where, f"a sensitive thread's word {word!r} shown"))
    return found
