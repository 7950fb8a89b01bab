"""The municipality file: branding, contact details and policy of one installation.

Read once at start-up. Every problem is reported with the key it concerns, so the person
installing Kontaktbok can fix the file without reading code.
"""
import base64
import datetime
import hashlib
import re
import tomllib
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from languages import NAMES as LANGUAGES
from languages import OFFICIAL
from models.login import oidc
from models.notifications import sms
from models.translation import settings as translation_settings

COUNTRIES = ("NO", "SE")
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
TEXT_COLOUR = "#1b1b1b"  # static/css/app.css --text
# Every key the file may have; anything else is a mistake (a misspelt key would
# otherwise fall back to a default without a word).
KNOWN_KEYS = {
    "municipality": {"name", "country", "logo", "demo"},
    "colours": {"primary", "primary_text", "accent", "link"},
    "contact": {"phone", "email", "address", "opening_hours"},
    "links": {"privacy_statement", "accessibility_statement"},
    "languages": {"default", "enabled", "written"},
    "retention": {"documentation_years", "audit_log_years",
                  "guardian_data_months_after_leaving", "check_in_school_years",
                  "messages_years", "absence_school_years", "consent_history_years",
                  "child_records_months_after_leaving", "events_months", "meetings_months",
                  "week_plans_months"},
    "consents": {"pupils_answer_from_age"},
    "absence": {"report_days_back", "teacher_decides_leave_up_to_days"},
    "daycare": {"closes"},
    "archive": {"done_elsewhere"},
    "privacy": {"staff_by_role_for_protected"},
    "eid_login": {"providers"},
    "sms": {"provider", "url", "username", "password", "password_file", "sender",
            "monthly_cap", "dry_run"},
    "translation": translation_settings.KEYS,
    "messaging": {"confirm_above", "undo_seconds"},
}


class ConfigError(Exception):
    """The municipality file is missing a key or has a bad value."""


@dataclass(frozen=True)
class Logo:
    data: bytes
    mimetype: str
    version: str


@dataclass(frozen=True)
class Contact:
    phone: str
    email: str
    address: str
    opening_hours: str


@dataclass(frozen=True)
class Municipality:
    name: str
    country: str
    default_language: str
    languages: tuple
    # The default first, then the others staff write texts in (see load()).
    written_languages: tuple
    colours: dict
    contact: Contact
    privacy_url: str
    accessibility_url: str
    retention: dict
    logo: Logo | None = None
    demo: bool = False
    # From this age a pupil answers consents about themselves instead of their
    # guardians (None: guardians always answer, the default).
    pupil_consent_age: int | None = None
    # How many days back a guardian may report an absence; leave up to this many school
    # days the contact teacher decides, longer the unit leader.
    absence_days_back: int = 14
    teacher_leave_days: int = 2
    eid_login: tuple = ()  # models.oidc.Provider, from [[eid_login.providers]]
    # models.sms.Settings from [sms]; None without the section: SMS is not offered.
    sms: object = None
    # models.translation.settings.Settings from [translation]; None: no machine translation.
    translation: object = None
    # When kindergartens and after-school care close ([daycare] closes): the day list
    # shows who is still there, with their guardians' phones, from an hour before.
    daycare_closes: datetime.time = datetime.time(16, 30)
    # [archive] done_elsewhere: the municipality archives its records another way, so the
    # purge does not wait for Kontaktbok's archive packages to be confirmed.
    archive_done_elsewhere: bool = False
    # [privacy] staff_by_role_for_protected: a protected child's guardians see on "who
    # has seen" the staff's roles only, not their names (views/seen.py).
    staff_by_role_for_protected: bool = False
    # [messaging] (issue 22, safe sending): an announcement reaching more families than
    # confirm_above needs a tick naming the number; a sent one is held undo_seconds for
    # its sender to take back (0: sent at once).
    confirm_above: int = 100
    undo_seconds: int = 30

    @property
    def theme_css(self):
        c = self.colours
        return (
            ":root{"
            f"--brand:{c['primary']};--brand-text:{c['primary_text']};"
            f"--accent:{c['accent']};--link:{c['link']}"
            "}\n"
        )

    @property
    def _theme_digest(self):
        return hashlib.sha256(self.theme_css.encode()).digest()

    @property
    def theme_version(self):
        return self._theme_digest.hex()[:12]

    @property
    def theme_csp_hash(self):
        """The theme as a CSP source: pages carry it inline in a <style> (one request
        less before a phone can draw the first page), allowed by this hash alone."""
        return f"'sha256-{base64.b64encode(self._theme_digest).decode()}'"


def _relative_luminance(hex_colour):
    def channel(value):
        c = int(value, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(hex_colour[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first, second):
    """WCAG 2.1 contrast ratio between two #rrggbb colours."""
    a, b = sorted((_relative_luminance(first), _relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


class _Reader:
    """Typed access to the parsed TOML that names the key in every error."""

    def __init__(self, data, path):
        self.data = data
        self.path = path

    def fail(self, key, problem):
        raise ConfigError(f"{self.path}: {key}: {problem}")

    def secret(self, section, name):
        """(value, file name) of a secret given as `name` or read from `name_file`
        (relative to this file, so the secret can stay out of it); not both."""
        value = self.get(f"{section}.{name}", str, required=False)
        file_name = self.get(f"{section}.{name}_file", str, required=False)
        if name in self.data[section] and f"{name}_file" in self.data[section]:
            self.fail(f"{section}.{name}", f"give {name} or {name}_file, not both")
        if file_name:
            try:
                value = (self.path.parent / file_name).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                self.fail(f"{section}.{name}_file", f"cannot read {self.path.parent / file_name}")
        return value, file_name

    def get(self, key, kind, default=None, required=True):
        node = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if required and default is None:
                    self.fail(key, "is missing")
                return default
            node = node[part]
        if not isinstance(node, kind):
            self.fail(key, f"must be {_kind_name(kind)}, not {type(node).__name__}")
        if isinstance(node, str) and not node.strip() and required:
            self.fail(key, "must not be empty")
        return node

    def colour(self, key, default=None):
        value = self.get(key, str, default)
        if not HEX_COLOUR.match(value):
            self.fail(key, f"{value!r} is not a colour written as #rrggbb")
        return value.lower()

    def url(self, key):
        value = self.get(key, str)
        if not value.startswith("https://"):
            self.fail(key, f"{value!r} must be an https:// address")
        return value

    def positive_int(self, key, default):
        value = self.get(key, int, default)
        if isinstance(value, bool) or value < 1:
            self.fail(key, f"must be a whole number of at least 1, not {value!r}")
        return value


def _kind_name(kind):
    return {str: "text", int: "a whole number", bool: "true or false", list: "a list",
            dict: "a table"}.get(kind, kind.__name__)


def load(path):
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: the municipality file does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    r = _Reader(data, path)
    for table, value in data.items():
        if table not in KNOWN_KEYS:
            r.fail(table, "unknown section (misspelt?)")
        if KNOWN_KEYS[table] is not None and isinstance(value, dict):
            for key in value:
                if key not in KNOWN_KEYS[table]:
                    r.fail(f"{table}.{key}", "unknown key (misspelt?)")

    country = r.get("municipality.country", str)
    if country not in COUNTRIES:
        r.fail("municipality.country", f"{country!r} must be one of {', '.join(COUNTRIES)}")
    languages = r.get("languages.enabled", list)
    if not languages:
        r.fail("languages.enabled", "must name at least one language")
    for lang in languages:
        if lang not in LANGUAGES:
            r.fail("languages.enabled", f"{lang!r} is not one of {', '.join(LANGUAGES)}")
    default_language = r.get("languages.default", str)
    if default_language not in languages:
        r.fail("languages.default", f"{default_language!r} is not among languages.enabled")
    # The languages staff write consent texts and events in (each text once per written
    # language); families reading another language get the default's text, with machine
    # translation where [translation] is set up.
    written = r.get("languages.written", list, [code for code in languages
                                                if code in OFFICIAL], required=False)
    for lang in written:
        if lang not in languages:
            r.fail("languages.written", f"{lang!r} is not among languages.enabled")
    if default_language not in written:
        written = [default_language, *written]

    colours = {
        "primary": r.colour("colours.primary"),
        "primary_text": r.colour("colours.primary_text", "#ffffff"),
        "accent": r.colour("colours.accent", "#f2c300"),
        "link": r.colour("colours.link", "#1a4f8b"),
    }
    if contrast_ratio(colours["primary"], colours["primary_text"]) < 4.5:
        r.fail("colours.primary_text", "contrast with colours.primary is below 4.5:1 (WCAG AA)")
    # Where each colour meets which, as text (WCAG AA: 4.5:1).
    if contrast_ratio(colours["primary"], "#ffffff") < 4.5:
        r.fail("colours.primary", "contrast with the white page is below 4.5:1 (WCAG AA); "
                                  "it is the colour of buttons' text and borders")
    if contrast_ratio(colours["link"], "#ffffff") < 4.5:
        r.fail("colours.link", "contrast with the white page is below 4.5:1 (WCAG AA)")
    if contrast_ratio(colours["accent"], TEXT_COLOUR) < 4.5:
        r.fail("colours.accent", "contrast with the dark text on it is below 4.5:1 "
                                 "(WCAG AA); choose a lighter colour")

    contact = Contact(**{key: r.get(f"contact.{key}", str)
                         for key in ("phone", "email", "address", "opening_hours")})

    retention = {
        "documentation_years": r.positive_int("retention.documentation_years", 5),
        "audit_log_years": r.positive_int("retention.audit_log_years", 5),
        "guardian_data_months_after_leaving": r.positive_int(
            "retention.guardian_data_months_after_leaving", 3),
        "check_in_school_years": r.positive_int("retention.check_in_school_years", 2),
        # models/retention/: what each period deletes, and municipality.example.toml why.
        "messages_years": r.positive_int("retention.messages_years", 5),
        "absence_school_years": r.positive_int("retention.absence_school_years", 3),
        "consent_history_years": r.positive_int("retention.consent_history_years", 3),
        "child_records_months_after_leaving": r.positive_int(
            "retention.child_records_months_after_leaving", 12),
        # The calendar (issue 20): events with their replies, parent–teacher meeting
        # rounds with their slots, bookings and agendas, and weekly plans.
        "events_months": r.positive_int("retention.events_months", 12),
        "meetings_months": r.positive_int("retention.meetings_months", 12),
        "week_plans_months": r.positive_int("retention.week_plans_months", 12),
    }
    for key, most in (("documentation_years", 50), ("audit_log_years", 50),
                      ("messages_years", 50), ("absence_school_years", 50),
                      ("consent_history_years", 50), ("check_in_school_years", 50),
                      ("guardian_data_months_after_leaving", 600),
                      ("child_records_months_after_leaving", 600), ("events_months", 600),
                      ("meetings_months", 600), ("week_plans_months", 600)):
        if retention[key] > most:
            r.fail(f"retention.{key}", f"must be at most {most}, not {retention[key]}")
    # A child's record takes its guardianships along; the guardians' data must go first.
    if (retention["guardian_data_months_after_leaving"]
            > retention["child_records_months_after_leaving"]):
        r.fail("retention.guardian_data_months_after_leaving",
               "must not be longer than retention.child_records_months_after_leaving")

    logo = None
    logo_name = r.get("municipality.logo", str, required=False)
    if logo_name:
        logo_path = (path.parent / logo_name).resolve()
        mimetype = LOGO_TYPES.get(logo_path.suffix.lower())
        if mimetype is None:
            r.fail("municipality.logo", "must be an .svg or .png file")
        try:
            raw = logo_path.read_bytes()
        except OSError:
            r.fail("municipality.logo", f"cannot read {logo_path}")
        if mimetype == "image/png" and not raw.startswith(b"\x89PNG\r\n\x1a\n"):
            r.fail("municipality.logo", "is not a PNG image")
        if mimetype == "image/svg+xml" and b"<svg" not in raw[:2048]:
            r.fail("municipality.logo", "is not an SVG image")
        logo = Logo(raw, mimetype, hashlib.sha256(raw).hexdigest()[:12])

    pupil_age = r.get("consents.pupils_answer_from_age", int, 0, required=False)
    if pupil_age and not 13 <= pupil_age <= 18:
        r.fail("consents.pupils_answer_from_age", "must be an age from 13 to 18, or 0 for off")

    days_back = r.get("absence.report_days_back", int, 14, required=False)
    if not 0 <= days_back <= 90:
        r.fail("absence.report_days_back", "must be from 0 to 90 days")
    teacher_days = r.get("absence.teacher_decides_leave_up_to_days", int, 2, required=False)
    if not 0 <= teacher_days <= 20:
        r.fail("absence.teacher_decides_leave_up_to_days", "must be from 0 to 20 days")

    closes = r.get("daycare.closes", str, "16:30", required=False)
    if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", closes):
        r.fail("daycare.closes", f"{closes!r} must be a time written as HH:MM, like 16:30")

    confirm_above = r.get("messaging.confirm_above", int, 100, required=False)
    if isinstance(confirm_above, bool) or not 1 <= confirm_above <= 100_000:
        r.fail("messaging.confirm_above", "must be a number of families from 1 to 100000")
    undo_seconds = r.get("messaging.undo_seconds", int, 30, required=False)
    if isinstance(undo_seconds, bool) or not 0 <= undo_seconds <= 300:
        r.fail("messaging.undo_seconds", "must be from 0 (off) to 300 seconds")

    return Municipality(
        name=r.get("municipality.name", str),
        country=country,
        default_language=default_language,
        languages=tuple(languages),
        written_languages=(default_language,
                           *(code for code in written if code != default_language)),
        colours=colours,
        contact=contact,
        privacy_url=r.url("links.privacy_statement"),
        accessibility_url=r.url("links.accessibility_statement"),
        retention=retention,
        logo=logo,
        demo=r.get("municipality.demo", bool, False, required=False),
        pupil_consent_age=pupil_age or None,
        absence_days_back=days_back,
        teacher_leave_days=teacher_days,
        eid_login=_providers(r, path),
        sms=_sms(r, path),
        translation=translation_settings.read(r),
        daycare_closes=datetime.time.fromisoformat(closes),
        archive_done_elsewhere=r.get("archive.done_elsewhere", bool, False, required=False),
        staff_by_role_for_protected=r.get("privacy.staff_by_role_for_protected", bool,
                                          False, required=False),
        confirm_above=confirm_above,
        undo_seconds=undo_seconds,
    )


PROVIDER_KEYS = {"id", "label", "for", "issuer", "client_id", "client_secret",
                 "client_secret_file", "scopes", "acr_values", "minimum_acr", "acr_levels",
                 "identity_claim", "match", "step_up_acr", "step_up_amr"}
# What each kind of provider defaults to: ID-porten for guardians, an SSO by e-mail
# address for staff (Feide and Entra ID both send `email`).
PROVIDER_DEFAULTS = {
    "guardians": {"scopes": ["openid", "profile"], "acr_values": "idporten-loa-substantial",
                  "minimum_acr": "idporten-loa-substantial",
                  "acr_levels": list(oidc.IDPORTEN_LEVELS), "identity_claim": "pid",
                  "match": "national_id", "step_up_acr": [], "step_up_amr": []},
    "staff": {"scopes": ["openid", "email"], "acr_values": "", "minimum_acr": "",
              "acr_levels": [], "identity_claim": "email", "match": "email",
              "step_up_acr": list(oidc.STAFF_STEP_UP_ACR),
              "step_up_amr": list(oidc.STAFF_STEP_UP_AMR)},
}
MATCHES = {"guardians": ("national_id",), "staff": ("email", "username")}


def _providers(r, path):
    """[[eid_login.providers]]: the OpenID Connect providers, checked key by key."""
    found = r.get("eid_login.providers", list, [], required=False)
    providers = []
    for n, table in enumerate(found):
        where = f"eid_login.providers[{n}]"
        if not isinstance(table, dict):
            r.fail(where, "must be a table ([[eid_login.providers]])")
        for key in table:
            if key not in PROVIDER_KEYS:
                r.fail(f"{where}.{key}", "unknown key (misspelt?)")
        sub = _Reader(table, f"{path}: {where}")
        audience = sub.get("for", str)
        if audience not in PROVIDER_DEFAULTS:
            sub.fail("for", f"{audience!r} must be guardians or staff")
        defaults = PROVIDER_DEFAULTS[audience]
        ident = sub.get("id", str)
        if not re.fullmatch(r"[a-z0-9-]{1,30}", ident):
            sub.fail("id", "must be 1–30 lowercase letters, digits or hyphens (it is in URLs)")
        if ident in {p.id for p in providers}:
            sub.fail("id", f"{ident!r} is used by another provider")
        issuer = sub.get("issuer", str)
        host = urllib.parse.urlsplit(issuer).hostname
        if not (issuer.startswith("https://")
                or (issuer.startswith("http://") and host in ("127.0.0.1", "localhost"))):
            sub.fail("issuer", f"{issuer!r} must be an https:// address")
        secret = table.get("client_secret")
        secret_file = sub.get("client_secret_file", str, required=False)
        if secret_file:
            try:
                secret = (path.parent / secret_file).read_text(encoding="utf-8").strip()
            except OSError:
                sub.fail("client_secret_file", "cannot be read")
        if not isinstance(secret, str) or not secret:
            sub.fail("client_secret", "is missing (or give client_secret_file)")
        scopes = sub.get("scopes", list, defaults["scopes"], required=False)
        if "openid" not in scopes:
            sub.fail("scopes", "must include openid")
        levels = sub.get("acr_levels", list, defaults["acr_levels"], required=False)
        minimum = sub.get("minimum_acr", str, defaults["minimum_acr"], required=False)
        if minimum and minimum not in levels:
            sub.fail("minimum_acr", f"{minimum!r} is not among acr_levels")
        match = sub.get("match", str, defaults["match"], required=False)
        if match not in MATCHES[audience]:
            sub.fail("match", f"{match!r} must be one of {', '.join(MATCHES[audience])} for "
                              f"{audience}")
        step_up = {key: sub.get(key, list, defaults[key], required=False)
                   for key in ("step_up_acr", "step_up_amr")}
        for key, values in step_up.items():
            if not all(isinstance(value, str) and value.strip() for value in values):
                sub.fail(key, "must be a list of non-empty strings")
        providers.append(oidc.Provider(
            id=ident, label=sub.get("label", str), audience=audience, issuer=issuer,
            client_id=sub.get("client_id", str), client_secret=secret,
            scopes=tuple(scopes),
            acr_values=sub.get("acr_values", str, defaults["acr_values"], required=False),
            acr_levels=tuple(levels), minimum_acr=minimum,
            identity_claim=sub.get("identity_claim", str, defaults["identity_claim"],
                                   required=False),
            match=match, **{key: tuple(values) for key, values in step_up.items()}))
    return tuple(providers)


def _sms(r, path):
    """[sms]: the SMS gateway, or None when the section is absent."""
    if "sms" not in r.data:
        return None
    if not isinstance(r.data["sms"], dict):
        r.fail("sms", "must be a table ([sms])")
    provider = r.get("sms.provider", str)
    if provider not in sms.PROVIDERS:
        r.fail("sms.provider", f"{provider!r} is not supported; use one of "
                               f"{', '.join(sms.PROVIDERS)}")
    url = r.get("sms.url", str, sms.ELKS_URL, required=False)
    if not sms.url_allowed(url):
        r.fail("sms.url", f"{url!r} must be an https:// address")
    password, password_file = r.secret("sms", "password")
    if password_file and not password:
        r.fail("sms.password_file", "the file is empty")
    if not password:
        r.fail("sms.password", "is missing (or give password_file)")
    sender = r.get("sms.sender", str)
    if not sms.valid_sender(sender):
        r.fail("sms.sender", f"{sender!r} must be a name of at most 11 letters a–z and "
                             "digits, starting with a letter, or a number like +4791234567")
    cap = r.get("sms.monthly_cap", int, sms.DEFAULT_MONTHLY_CAP, required=False)
    if isinstance(cap, bool) or cap < 0:
        r.fail("sms.monthly_cap", f"must be a whole number of at least 0, not {cap!r}")
    return sms.Settings(
        provider=provider, url=url, username=r.get("sms.username", str),
        password=password, sender=sender, monthly_cap=cap,
        dry_run=r.get("sms.dry_run", bool, False, required=False))
