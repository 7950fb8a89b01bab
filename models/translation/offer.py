"""Whether a reader is offered a machine translation of a text.

Only where the municipality's file names a server ([translation]), only into and from
the languages the server's models cover among the interface's ([translation] languages;
README: "Machine translation"), and only when the text's language, known or not, differs
from the reader's. LibreTranslate has no model for Nynorsk, Northern Sámi or Somali: by
default a reader with one of them as interface language is offered nothing, and a text
known to be written in one of them is not offered for translation.
"""
from babel import Locale, UnknownLocaleError
from flask import current_app, g, has_request_context
from flask_babel import get_locale

from languages import NAMES


def settings():
    """The server's settings (models/translation/settings.py), or None."""
    return current_app.config["MUNICIPALITY"].translation


def reader_language():
    """The language the reader of this request is offered translations into, or None:
    nothing configured, no request, or an interface language without a model."""
    if not has_request_context():
        return None
    found = g.get("translation_reader", False)
    if found is False:
        locale = str(get_locale())
        server = settings()
        found = locale if server is not None and locale in server.languages else None
        g.translation_reader = found
    return found


def target_language():
    """The language a page joins cached translations in ("" when none is offered, which
    no row has)."""
    return reader_language() or ""


def offered(language, cached=None):
    """Is the reader offered a translation of a text in `language` (None: unknown)?
    `cached`: its translation (models/translation/tables.Cached), whose detected source
    language counts when the writer's was not known."""
    reader = reader_language()
    if reader is None:
        return False
    if language is None and cached is not None:
        language = cached.source_language
    return language != reader and (language is None or language in settings().languages)


def language_name(code, in_language):
    """A language's name for the mark "Machine translation from …": its own name for
    the interface's languages, otherwise Babel's name in the reader's language."""
    if code in NAMES:
        return NAMES[code]
    try:
        return Locale.parse(code).get_display_name(in_language) or code
    except (ValueError, UnknownLocaleError):
        return code
