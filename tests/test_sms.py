"""SMS: the 46elks gateway against a fake of its HTTP API on loopback, the phone numbers
SMS accepts, and the [sms] section of the municipality file."""
import base64
import logging
import re
import socket
import time
from pathlib import Path

import pytest

import municipality
from models.notifications import sms
from models.notifications.sending import Transient, Undeliverable

from .sms_gateway import PASSWORD, USERNAME, FakeElks

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (ROOT / "municipality.example.toml").read_text(encoding="utf-8")
TEXT = "Ny melding fra Solbakken skole i Kontaktbok. Åpne: https://kontaktbok.demo.no/m/41"
TO = "+4791234567"


@pytest.fixture
def elks():
    with FakeElks() as gateway:
        yield gateway


def gateway_for(elks, **options):
    return sms.FortySixElks(username=options.pop("username", USERNAME),
                            password=options.pop("password", PASSWORD),
                            sender="Demokommune", url=elks.url, **options)


def leaked(caplog, *secrets):
    """Any log line that says one of the secrets (a number, a text, a password)."""
    return [r.getMessage() for r in caplog.records
            if any(secret in r.getMessage() for secret in secrets)]


# --- the gateway ----------------------------------------------------------------------

def test_an_sms_is_posted_as_a_form_with_basic_auth(elks):
    message_id = gateway_for(elks).send(TO, TEXT)
    (request,) = elks.requests
    assert request["content_type"] == "application/x-www-form-urlencoded"
    scheme, token = request["authorization"].split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(token).decode() == f"{USERNAME}:{PASSWORD}"
    assert request["form"] == {"from": "Demokommune", "to": TO, "message": TEXT}
    assert elks.sent == [request["form"]]  # the letters æøå arrive as they were written
    assert re.fullmatch(r"s[0-9a-f]{32}", message_id)  # the gateway's own id


def test_dry_run_asks_the_gateway_not_to_send(elks):
    gateway = gateway_for(elks, dry_run=True)
    assert gateway.send(TO, TEXT) == "dryrun"
    (request,) = elks.requests
    assert request["form"]["dryrun"] == "yes"
    assert elks.sent == []


def test_refused_credentials_make_sms_undeliverable_and_are_logged_once(elks, caplog):
    gateway = gateway_for(elks, password="wrong-password")
    with caplog.at_level(logging.INFO, logger="kontaktbok.sms"):
        for _ in range(3):
            with pytest.raises(Undeliverable, match="gateway refused the credentials"):
                gateway.send(TO, TEXT)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "credentials" in errors[0].getMessage()
    assert not leaked(caplog, "wrong-password", USERNAME, TO, "91234567", TEXT)
    assert elks.sent == []


@pytest.mark.parametrize("status, error", [
    (400, Undeliverable), (404, Undeliverable), (403, Undeliverable),
    (429, Transient), (500, Transient), (503, Transient),
])
def test_each_gateway_answer_is_a_retry_or_a_fallback(elks, caplog, status, error):
    elks.answer_next(status)
    with caplog.at_level(logging.INFO, logger="kontaktbok.sms"), pytest.raises(error):
        gateway_for(elks).send(TO, TEXT)
    assert not leaked(caplog, TO, "91234567", TEXT, PASSWORD)
    # The next SMS goes through: nothing is stuck after an error.
    assert gateway_for(elks).send("+4741234567", TEXT)
    assert [form["to"] for form in elks.sent] == ["+4741234567"]


def test_a_gateway_that_does_not_answer_is_retried_later(elks, caplog):
    elks.answer_next("hang")
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="kontaktbok.sms"), pytest.raises(Transient):
        gateway_for(elks, timeout=0.5).send(TO, TEXT)
    assert time.monotonic() - started < 5
    assert "…67" in caplog.text  # the last two digits, no more
    assert not leaked(caplog, "91234567", TEXT)


def test_a_gateway_that_is_down_is_retried_later():
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = sms.FortySixElks(USERNAME, PASSWORD, "Demokommune",
                               url=f"http://127.0.0.1:{port}/a1/sms", timeout=2)
    with pytest.raises(Transient):
        gateway.send(TO, TEXT)


@pytest.mark.parametrize("status", [301, 302, 303, 307])
def test_a_redirect_is_not_followed_with_the_credentials(elks, status):
    elks.answer_next(status)
    with pytest.raises(Undeliverable):
        gateway_for(elks).send(TO, TEXT)
    assert len(elks.requests) == 1


# --- phone numbers ---------------------------------------------------------------------

@pytest.mark.parametrize("raw, country, number", [
    ("912 34 567", "NO", "+4791234567"),
    ("41234567", "NO", "+4741234567"),
    ("+47 912 34 567", "NO", "+4791234567"),
    ("0047 412-34-567", "NO", "+4741234567"),
    ("+4791234567", "SE", "+4791234567"),   # a Norwegian mobile in a Swedish municipality
    ("070-123 45 67", "SE", "+46701234567"),
    ("0731234567", "SE", "+46731234567"),
    ("+46 70 123 45 67", "SE", "+46701234567"),
    ("0046 76 123 45 67", "SE", "+46761234567"),
    ("+46 (0)79-123 45 67", "SE", "+46791234567"),
    ("+46701234567", "NO", "+46701234567"),
])
def test_nordic_mobile_numbers_are_written_in_e164(raw, country, number):
    assert sms.normalize_phone(raw, country) == number


@pytest.mark.parametrize("raw, country", [
    ("22 00 00 00", "NO"),        # a Norwegian landline
    ("812 34 567", "NO"),         # 8xx: not a mobile
    ("9123456", "NO"),            # a digit short
    ("912345678", "NO"),          # a digit too many
    ("08-123 456 78", "SE"),      # a Stockholm landline
    ("0741234567", "SE"),         # paging, not a mobile
    ("070123456", "SE"),          # a digit short
    ("0701234567", "NO"),         # a Swedish number without +46 in Norway
    ("91234567", "SE"),           # a Norwegian number without +47 in Sweden
    ("+45 20 12 34 56", "NO"),    # Denmark: not supported
    ("+47 912 34 567 ext 2", "NO"),
    ("tlf 91234567", "NO"),
    ("", "NO"),
    (None, "NO"),
])
def test_other_numbers_get_no_sms(raw, country):
    assert sms.normalize_phone(raw, country) is None


# --- the municipality file ---------------------------------------------------------------

SECTION = """
[sms]
provider = "46elks"
username = "u0123456789abcdef"
password_file = "sms-password.txt"
sender = "Demokommune"
"""


def write_config(tmp_path, text, password="elks-secret-from-file\n"):
    path = tmp_path / "municipality.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "static" / "img").mkdir(parents=True, exist_ok=True)
    (tmp_path / "static" / "img" / "demo-crest.svg").write_bytes(
        (ROOT / "static" / "img" / "demo-crest.svg").read_bytes())
    if password is not None:
        (tmp_path / "sms-password.txt").write_text(password, encoding="utf-8")
    return path


def test_without_an_sms_section_sms_is_not_offered(tmp_path):
    config = municipality.load(write_config(tmp_path, EXAMPLE))
    assert config.sms is None
    assert sms.from_settings(config.sms) is None


def test_the_sms_section_has_sensible_defaults_and_hides_the_password(tmp_path):
    config = municipality.load(write_config(tmp_path, EXAMPLE + SECTION))
    settings = config.sms
    assert settings.provider == "46elks" and settings.sender == "Demokommune"
    assert settings.url == "https://api.46elks.com/a1/sms"
    assert settings.password == "elks-secret-from-file"  # read at start-up, trimmed
    assert settings.monthly_cap == 1000 and settings.dry_run is False
    gateway = sms.from_settings(settings)
    assert isinstance(gateway, sms.FortySixElks) and not gateway.dry_run
    for text in (repr(settings), repr(config), repr(gateway)):
        assert "elks-secret-from-file" not in text  # never in a log line


def test_the_configured_gateway_sends(tmp_path, elks):
    section = (SECTION.replace('password_file = "sms-password.txt"', f'password = "{PASSWORD}"')
               + f'url = "{elks.url}"\nmonthly_cap = 0\ndry_run = true\n')
    settings = municipality.load(write_config(tmp_path, EXAMPLE + section)).sms
    assert settings.monthly_cap == 0 and settings.dry_run is True
    sms.from_settings(settings).send(TO, TEXT)
    (request,) = elks.requests
    assert request["form"] == {"from": "Demokommune", "to": TO, "message": TEXT,
                               "dryrun": "yes"}


@pytest.mark.parametrize("old, new, message", [
    ('provider = "46elks"', 'provider = "twilio"',
     "sms.provider: 'twilio' is not supported; use one of 46elks"),
    ('provider = "46elks"\n', '', "sms.provider: is missing"),
    ('sender = "Demokommune"', 'sender = "Demokommune"\nurl = "http://api.46elks.com/a1/sms"',
     "sms.url: 'http://api.46elks.com/a1/sms' must be an https:// address"),
    ('password_file = "sms-password.txt"',
     'password_file = "sms-password.txt"\npassword = "also-here"',
     "sms.password: give password or password_file, not both"),
    ('password_file = "sms-password.txt"', '', "sms.password: is missing"),
    ('password_file = "sms-password.txt"', 'password_file = "missing.txt"',
     "sms.password_file: cannot read"),
    ('sender = "Demokommune"', 'sender = "Demo kommune"', "sms.sender: 'Demo kommune' must be"),
    ('sender = "Demokommune"', 'sender = "Demokommunen1"', "sms.sender: 'Demokommunen1'"),
    ('sender = "Demokommune"', 'sender = "1Kommune"', "sms.sender: '1Kommune'"),
    ('sender = "Demokommune"', 'sender = "Bærum"', "sms.sender: 'Bærum'"),
    ('sender = "Demokommune"', 'sender = "+47 22 00 00 00"', "sms.sender: '+47 22 00 00 00'"),
    ('sender = "Demokommune"', '', "sms.sender: is missing"),
    ('username = "u0123456789abcdef"', 'username = ""', "sms.username: must not be empty"),
    ('sender = "Demokommune"', 'sender = "Demokommune"\nmonthly_cap = -1',
     "sms.monthly_cap: must be a whole number of at least 0, not -1"),
    ('sender = "Demokommune"', 'sender = "Demokommune"\nmonthly_cap = "1000"',
     "sms.monthly_cap: must be a whole number"),
    ('sender = "Demokommune"', 'sender = "Demokommune"\ndry_run = "yes"',
     "sms.dry_run: must be true or false"),
    ('sender = "Demokommune"', 'sender = "Demokommune"\ncap = 100',
     "sms.cap: unknown key (misspelt?)"),
])
def test_a_bad_sms_section_is_refused_naming_the_key(tmp_path, old, new, message):
    assert old in SECTION
    path = write_config(tmp_path, EXAMPLE + SECTION.replace(old, new))
    with pytest.raises(municipality.ConfigError, match=re.escape(message)):
        municipality.load(path)


@pytest.mark.parametrize("content", ["", "  \n"])
def test_an_empty_password_file_is_refused(tmp_path, content):
    path = write_config(tmp_path, EXAMPLE + SECTION, password=content)
    with pytest.raises(municipality.ConfigError,
                       match=re.escape("sms.password_file: the file is empty")):
        municipality.load(path)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8025/a1/sms", "http://localhost/a1/sms",
                                 "https://sms.example.no/a1/sms"])
def test_plain_http_only_on_this_machine(tmp_path, url):
    path = write_config(tmp_path, EXAMPLE + SECTION + f'url = "{url}"\n')
    assert municipality.load(path).sms.url == url


def test_the_app_refuses_to_start_on_a_bad_sms_section(make_app, tmp_path):
    from app import StartupError
    path = write_config(tmp_path, EXAMPLE + SECTION.replace('"46elks"', '"twilio"'))
    with pytest.raises(StartupError, match=re.escape("sms.provider")):
        make_app(MUNICIPALITY_FILE=str(path))
