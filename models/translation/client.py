"""The LibreTranslate HTTP API, as the worker calls it.

One POST to `{url}/translate` per text, whose body is exactly {"q", "source", "target",
"format": "text"} (and "api_key" when the server wants one): the text and nothing about
who wrote it, to whom, or where it is stored. Only the configured address is ever
asked: no proxy from the environment, no redirect followed (a redirect elsewhere would
carry the text off the municipality's network).
"""
import json
import logging
import urllib.error
import urllib.request

log = logging.getLogger("kontaktbok.translation")
AUTO = "auto"
MAX_ANSWER = 1_000_000  # bytes read of an answer at most


class Unavailable(Exception):
    """The server did not translate: down, slow, refusing, or answering nonsense."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, "redirect not followed", headers, fp)


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def request_body(settings, text, source, target):
    """What is sent for one text: the text, its language (or "auto"), the target."""
    body = {"q": text, "source": source or AUTO, "target": target, "format": "text"}
    if settings.api_key:
        body["api_key"] = settings.api_key
    return body


def translate(settings, text, source, target):
    """(translated text, the source language detected or None) of one text, from the
    server of `settings` (models/translation/settings.py). Raises Unavailable."""
    data = json.dumps(request_body(settings, text, source, target)).encode("utf-8")
    request = urllib.request.Request(
        f"{settings.url}/translate", data=data, method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json",
                 "User-Agent": "Kontaktbok"})
    try:
        with _opener.open(request, timeout=settings.timeout) as response:
            answer = json.loads(response.read(MAX_ANSWER))
    except urllib.error.HTTPError as exc:
        exc.close()
        # Never the text or the key in the log: only what the server answered.
        log.warning("translation server answered %s", exc.code)
        raise Unavailable(f"HTTP {exc.code}") from None
    except (OSError, ValueError) as exc:  # refused, timed out, not JSON
        log.warning("translation server unavailable: %s", type(exc).__name__)
        raise Unavailable(type(exc).__name__) from None
    translated = answer.get("translatedText") if isinstance(answer, dict) else None
    if not isinstance(translated, str):
        raise Unavailable("no translatedText in the answer")
    detected = answer.get("detectedLanguage")
    language = detected.get("language") if isinstance(detected, dict) else None
    return translated, language if isinstance(language, str) and language else None
