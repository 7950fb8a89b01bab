"""Machine translation of what people write, through the municipality's own LibreTranslate
server ([translation] in the municipality file; README: "Machine translation").

The pages (a thread, the feed and a post, an event, a child's consents) never call the
server: where a reader is offered a translation they show a control
(templates/translation/_control.html), with the translation already inside when it is
cached. The control asks this view, which answers the translation below the original,
"Translating…" (polling itself) while the worker makes it, or that translation is
unavailable now. Without JavaScript the control is a link to the same address, which
is then a page of its own. A text the reader may not read is a 404, and nothing is
asked of the server for it.
"""
from flask import Blueprint, abort, current_app, g, request, url_for
from flask_login import current_user, login_required

from models.translation import offer, service, texts
from models.translation.tables import READY

from views import seen
from views.common import number_from, render
from views.step_up import require_fresh

bp = Blueprint("translation", __name__, url_prefix="/translations")

_KINDS = ",".join(texts.KINDS)


def _back(source):
    """The page the text is shown on."""
    place = source.place
    if "thread" in place:
        return url_for("messages.thread", thread_id=place["thread"])
    if "post" in place:
        return url_for("posts.show", post_id=place["post"])
    if "event" in place:
        return url_for("events.show", event_id=place["event"])
    return url_for("consents.child", child_id=place["child"])


# New translations one person may ask the server for in an hour (cached ones are free):
# the server and the worker are shared, and a script must not take them over.
PER_HOUR = 60


def _may_queue(user):
    store = current_app.extensions["login_limiter"].store
    return lambda: store.hit(f"translate:{user.id}", 3600) <= PER_HOUR


@bp.route(f"/<any({_KINDS}):kind>/<int:record_id>")
@login_required
@seen.personal_page("thread", child_arg=None)
def show(kind, record_id):
    """One text's translation. Opening a conversation's message or a child's consent this
    way is opening the child's data (rule 12): logged as the page it comes from."""
    reader = offer.reader_language()
    if reader is None:
        abort(404)  # nothing configured, or no model for the reader's language
    user = current_user._get_current_object()
    child_id = number_from(request.args, "child") if kind == "consent" else None
    source = texts.source_for(user, kind, record_id, reader, child_id)
    if source is None or not offer.offered(source.language) or source.own:
        abort(404)  # not theirs to read, nothing to translate, or what they wrote
    if source.place.get("sensitive"):  # issue 22: not past the step-up, not to the server
        require_fresh(url_for("messages.thread", thread_id=source.place["thread"]))
    if kind == "message":
        seen.saw([source.place["child"]] if source.place.get("child") else [],
                 unit=source.place.get("unit"))
    elif kind == "consent":
        g.seen_pending.page = "consents"
        seen.saw([source.place["child"]])
    result = service.request(source, reader, may_queue=_may_queue(user))
    url = url_for("translation.show", kind=kind, record_id=record_id, child=child_id)
    return render("translation/page.html", "translation/_result.html", kind=kind,
                  source=source, result=result, url=url, back=_back(source),
                  same=result.status == READY and result.source_language == reader)


# For the pages' templates --------------------------------------------------------------

@bp.app_template_global()
def translation_offered(language, cached=None):
    """Show the control for a text in `language` (None: unknown)?"""
    return offer.offered(language, cached)


@bp.app_template_global()
def translation_reader():
    return offer.reader_language()


@bp.app_template_global()
def translation_language_name(code):
    return offer.language_name(code, offer.reader_language() or "en")
