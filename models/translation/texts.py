"""Which texts a person may have translated: exactly those the pages show them, found
through the very access functions those pages use — a thread through thread_or_none, a
post through the feed's post_condition, an event through event_view, a child's consents
as the consent page reads them. A text the person may not read is None (the view
answers 404) and no translation is asked for.
"""
from dataclasses import dataclass, field

from flask import current_app

from models import access
from models.access import events as event_rules
from models.consent import consent_book
from models.messaging.tables import Message
from models.posts import feed
from models.translation.tables import item_fields

KINDS = ("message", "post", "event", "consent")


@dataclass(frozen=True)
class Source:
    kind: str
    record_id: int          # of the record the cache refers to (a consent: its version)
    fields: dict            # {name: original text}, in the order shown
    language: str | None    # the text's language, when known
    # Where the text is shown: {"thread": id}, {"post": id}, {"event": id} or
    # {"child": id} (a consent), for the link back.
    place: dict = field(default_factory=dict)
    own: bool = False  # written by the reader: nothing to translate for them


def _message(user, message_id):
    row = (Message.select(Message.thread, Message.body, Message.language, Message.sender)
           .where((Message.id == message_id) & Message.withdrawn_at.is_null())
           .tuples().first())
    if row is None:
        return None
    thread_id, body, language, sender_id = row
    thread = access.thread_or_none(user, thread_id)
    if thread is None:
        return None
    return Source("message", message_id, {"body": body}, language,
                  {"thread": thread_id, "child": thread.child_id, "unit": thread.unit_id,
                   "sensitive": thread.sensitive},
                  own=sender_id == user.id)


def _post(user, post_id):
    lines, _ = feed.page(user, post_id=post_id)
    if not lines:
        return None
    post = lines[0]
    return Source("post", post.id, {"title": post.title, "body": post.body}, post.language,
                  {"post": post.id})


def _event(user, event_id, reader):
    event, _ = event_rules.event_view(user, event_id, reader)
    if event is None or event.text_title:  # none, or written in the reader's language
        return None
    return Source("event", event.id, {"title": event.title, "body": event.body,
                                      "bring": event.bring}, event.language,
                  {"event": event.id})


def _consent(user, consent_id, reader, child_id):
    """As the child's consent page (views/consents.py) finds them."""
    if child_id is None:
        return None
    child, role = access.consent_child(user, child_id)
    staff = None
    if child is None:
        child, role, staff = access.staff_child_or_none(user, child_id), "staff", user
        if child is None:
            return None
    municipality = current_app.config["MUNICIPALITY"]
    page = consent_book.for_child(child, reader, municipality.default_language,
                                  pupil_age=municipality.pupil_consent_age, staff=staff)
    if access.may_answer_consents(role, page.pupil) is None:
        return None
    line = next((c for c, _ in page.consents if c.id == consent_id), None)
    if line is None:
        return None
    return Source("consent", line.version_id, item_fields(line.source), line.language,
                  {"child": child.id})


def source_for(user, kind, record_id, reader, child_id=None):
    """The text of `kind` (KINDS) with `record_id` (a consent's id, with the child whose
    page shows it), if `user` may read it, as the reader (`reader`: their language) is
    shown it; otherwise None."""
    if kind == "message":
        return _message(user, record_id)
    if kind == "post":
        return _post(user, record_id)
    if kind == "event":
        return _event(user, record_id, reader)
    if kind == "consent":
        return _consent(user, record_id, reader, child_id)
    return None
