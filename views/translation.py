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
from flask import Blueprint, abort, request, url_for
from flask_login import current_user, login_required

from models.translation import offer, service, texts
from models.translation.tables import READY

from views.common import number_from, render

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


@bp.route(f"/<any({_KINDS}):kind>/<int:record_id>")
@login_required
def show(kind, record_id):
    reader = offer.reader_language()
    if reader is None:
        abort(404)  # nothing configured, or no model for the reader's language
    child_id = number_from(request.args, "child") if kind == "consent" else None
    source = texts.source_for(current_user._get_current_object(), kind, record_id, reader,
                              child_id)
    if source is None or not offer.offered(source.language):
        abort(404)
    result = service.request(source, reader)
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
