"""[translation] of the municipality file: the LibreTranslate server, or None."""
import urllib.parse
from dataclasses import dataclass

from languages import NAMES as LANGUAGES

DEFAULT_TIMEOUT = 10
KEYS = {"url", "api_key", "api_key_file", "timeout_seconds", "languages"}
# The interface languages LibreTranslate's models (Argos Translate) translate to and from;
# no model exists for Nynorsk, Northern Sámi or Somali. A server with more models lists
# them in [translation] languages.
DEFAULT_LANGUAGES = ("nb", "sv", "en", "pl", "uk", "ar")


@dataclass(frozen=True)
class Settings:
    url: str  # the server's base address, without a trailing slash
    api_key: str | None
    timeout: int  # seconds a worker waits for one translation
    languages: tuple = DEFAULT_LANGUAGES  # translated to and from

    @property
    def host(self):
        return urllib.parse.urlsplit(self.url).netloc


def read(r):
    """The section read through the municipality file's reader `r`; None without it."""
    if "translation" not in r.data:
        return None
    if not isinstance(r.data["translation"], dict):
        r.fail("translation", "must be a table ([translation])")
    url = r.get("translation.url", str).rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        r.fail("translation.url", f"{url!r} must be an http:// or https:// address of the "
                                  "municipality's own LibreTranslate server")
    key, _ = r.secret("translation", "api_key")
    timeout = r.get("translation.timeout_seconds", int, DEFAULT_TIMEOUT, required=False)
    if isinstance(timeout, bool) or not 1 <= timeout <= 120:
        r.fail("translation.timeout_seconds", "must be from 1 to 120 seconds")
    languages = r.get("translation.languages", list, list(DEFAULT_LANGUAGES), required=False)
    for code in languages:
        if code not in LANGUAGES:
            r.fail("translation.languages", f"{code!r} is not one of the interface's "
                                            f"languages ({', '.join(LANGUAGES)})")
    return Settings(url=url, api_key=key or None, timeout=timeout, languages=tuple(languages))
