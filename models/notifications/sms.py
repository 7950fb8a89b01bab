"""SMS through a gateway: the adapter, and the one real gateway, 46elks.

An SMS leaves the secure channel, so what it says is decided elsewhere
(models/notifications/senders.py: that something arrived, never what). This module only
carries a finished text to one mobile number. It never logs the number (at most its last
two digits) nor the text, and never the gateway's password.

A gateway answers by raising sending.Undeliverable (this number or this account will not
work: e-mail takes over) or sending.Transient (try again later), or by returning the
gateway's id for the message.
"""
import base64
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from models.notifications.sending import Transient, Undeliverable

log = logging.getLogger("kontaktbok.sms")

PROVIDERS = ("46elks",)
ELKS_URL = "https://api.46elks.com/a1/sms"
HTTP_TIMEOUT = 10
DEFAULT_MONTHLY_CAP = 1000
LOOPBACK = ("127.0.0.1", "localhost", "::1")

# A text sender ID as operators accept it (46elks: at most 11 characters, a–z and
# digits, starting with a letter), or a number in E.164 that can receive replies.
TEXT_SENDER = re.compile(r"[A-Za-z][A-Za-z0-9]{0,10}")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


@dataclass(frozen=True)
class Settings:
    """The municipality file's [sms] section."""
    provider: str
    username: str
    password: str = field(repr=False)
    sender: str
    url: str = ELKS_URL
    monthly_cap: int = DEFAULT_MONTHLY_CAP  # the default; the administrator may change it
    dry_run: bool = False


def valid_sender(value):
    return bool(TEXT_SENDER.fullmatch(value) or E164.fullmatch(value))


def url_allowed(url):
    """https, or plain http to this machine only (the tests' fake gateway)."""
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)


# --- phone numbers ------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-\u00a0\u2010-\u2012]+")
# Swedish mobile series (PTS): 070, 072, 073, 076, 079. 071 is machine-to-machine and
# 074 paging; 075 and 077 are not mobiles.
_SE_MOBILE = re.compile(r"7[02369][0-9]{7}")
_NO_MOBILE = re.compile(r"[49][0-9]{7}")


def normalize_phone(raw, country):
    """A Norwegian or Swedish mobile number in E.164 ("+4791234567", "+46701234567"), or
    None for anything else (SMS is only for mobiles). A number without a country code
    is read as one of `country` ("NO" or "SE")."""
    if not isinstance(raw, str):
        return None
    number = _SEPARATORS.sub("", raw.strip())
    # "+46 (0)70 …" is a common way to write a Swedish number for foreigners.
    number = number.replace("(0)", "0", 1)
    if number.startswith("00"):
        number = "+" + number[2:]
    if number.startswith("+47"):
        national, country = number[3:], "NO"
    elif number.startswith("+46"):
        # "+46 070 …": the trunk 0 written after the country code.
        national, country = number[3:].removeprefix("0"), "SE"
    elif number.startswith("+"):
        return None
    elif country == "SE" and number.startswith("0"):
        national = number[1:]
    else:
        national = number
    if country == "NO" and _NO_MOBILE.fullmatch(national):
        return "+47" + national
    if country == "SE" and _SE_MOBILE.fullmatch(national):
        return "+46" + national
    return None


def tail(number):
    """What a log line may say about a number: its last two digits."""
    return "…" + number[-2:] if number else "(none)"


# --- gateways -----------------------------------------------------------------------

class Gateway:
    """Sends one SMS. Subclasses talk to one provider's API."""
    name = "gateway"

    def send(self, to, text):
        """Send `text` to `to` (E.164). Returns the gateway's id for the message; raises
        sending.Undeliverable or sending.Transient."""
        raise NotImplementedError


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would repeat the Authorization header to wherever a redirect points.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class FortySixElks(Gateway):
    """46elks (https://46elks.com/docs/send-sms): a form POST with HTTP Basic auth."""
    name = "46elks"

    def __init__(self, username, password, sender, url=ELKS_URL, dry_run=False,
                 timeout=HTTP_TIMEOUT):
        self.url = url
        self.sender = sender
        self.dry_run = dry_run
        self.timeout = timeout
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._authorization = f"Basic {token}"
        self._refusal_logged = False

    def __repr__(self):
        return f"FortySixElks(url={self.url!r}, sender={self.sender!r}, dry_run={self.dry_run})"

    def send(self, to, text):
        fields = {"from": self.sender, "to": to, "message": text}
        if self.dry_run:
            fields["dryrun"] = "yes"
        request = urllib.request.Request(
            self.url, data=urllib.parse.urlencode(fields).encode("ascii"), method="POST",
            headers={"Authorization": self._authorization, "Accept": "application/json",
                     "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            error.close()
            raise self._refused(error.code, to) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            log.warning("46elks: no answer (%s) for an SMS to %s", _reason(error), tail(to))
            raise Transient(f"46elks: {_reason(error)}") from None
        self._refusal_logged = False
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            # Accepted, so probably sent: a retry could send it twice.
            log.warning("46elks: accepted an SMS to %s without a JSON answer", tail(to))
            return ""
        if answer.get("status") == "failed":
            raise Undeliverable("46elks: failed")
        return str(answer.get("id") or ("dryrun" if self.dry_run else ""))

    def _refused(self, code, to):
        if code in (401, 403):
            if not self._refusal_logged:
                self._refusal_logged = True
                log.error("46elks refused the credentials (HTTP %s): check sms.username and "
                          "the password in the municipality file; SMS falls back to e-mail",
                          code)
            return Undeliverable("gateway refused the credentials")
        if code == 429 or code >= 500:
            log.warning("46elks: HTTP %s for an SMS to %s; will retry", code, tail(to))
            return Transient(f"46elks: HTTP {code}")
        if code in (400, 404):
            log.info("46elks: HTTP %s, the number ending %s was refused", code, tail(to))
            return Undeliverable(f"46elks: bad number (HTTP {code})")
        # 402 (no credit left), a redirect (sms.url is wrong) and the like: not this
        # number's fault, but no retry will help; someone has to look.
        log.error("46elks: unexpected HTTP %s; check the account and sms.url", code)
        return Undeliverable(f"46elks: HTTP {code}")


def _reason(error):
    reason = getattr(error, "reason", None)
    if isinstance(reason, BaseException):
        return type(reason).__name__
    return type(error).__name__


GATEWAYS = {"46elks": FortySixElks}


def from_settings(settings, timeout=HTTP_TIMEOUT):
    """The gateway for the municipality file's [sms] section (Municipality.sms), or None
    when SMS is not configured."""
    if settings is None:
        return None
    return GATEWAYS[settings.provider](
        username=settings.username, password=settings.password, sender=settings.sender,
        url=settings.url, dry_run=settings.dry_run, timeout=timeout)
