"""The channels and processors this installation is configured with, read from the live
configuration (the app's settings and the municipality file) and, for push, from the
devices that turned it on: what the record of processing activities and the DPIA name
as recipients. Hosts only: never a password, a username or a key."""
from dataclasses import dataclass
from urllib.parse import urlsplit

from peewee import Case, fn

from models.notifications.tables import PushSubscription
from models.school.tables import DATA_PROTECTION_OFFICER, StaffRole, User

# Who runs each known push service (the browser's maker chooses it, not the person).
PUSH_OPERATORS = {
    "fcm.googleapis.com": "Google (Firebase Cloud Messaging)",
    "updates.push.services.mozilla.com": "Mozilla",
    "push.services.mozilla.com": "Mozilla",
    "web.push.apple.com": "Apple",
    "push.apple.com": "Apple",
    "notify.windows.com": "Microsoft (Windows Push Notification Services)",
}
# Kinds of processor, as the templates and documents name them.
EMAIL, SMS, PUSH, EID, DATABASE, FILES, QUEUE, TRANSLATION = (
    "email", "sms", "push", "eid", "database", "files", "queue", "translation")


@dataclass(frozen=True)
class Processor:
    kind: str
    name: str           # who or what: a host, a company, a service
    detail: str = ""    # a host, an audience, a count: never a secret
    configured: bool = True
    devices: int = 0    # push: the devices registered with this service
    audience: str = ""  # eID: "guardians" or "staff"


def host_of(url):
    """The host of a URL, without credentials or port; "" when there is none."""
    try:
        return urlsplit(url or "").hostname or ""
    except ValueError:
        return ""


def _push_counts(hosts):
    """{host: devices}: each configured push service's registered devices, one query."""
    if not hosts:
        return {}
    columns = []
    for host in hosts:
        matches = (PushSubscription.endpoint.startswith(f"https://{host}/")
                   | PushSubscription.endpoint.contains(f".{host}/"))
        columns.append(fn.SUM(Case(None, [(matches, 1)], 0)))
    row = PushSubscription.select(*columns).tuples().get()
    return {host: int(number or 0) for host, number in zip(hosts, row, strict=True)}


def in_use(config, municipality):
    """[Processor, …]: e-mail, SMS, push, eID, and where the data is stored. One query
    (the push devices per service)."""
    found = []
    smtp = config.get("SMTP_HOST")
    found.append(Processor(EMAIL, smtp or "", configured=bool(smtp)))
    sms = municipality.sms
    found.append(Processor(SMS, sms.provider if sms else "46elks",
                           host_of(sms.url) if sms else "", configured=sms is not None))
    hosts = tuple(config.get("PUSH_SERVICE_HOSTS") or ())
    for host, devices in _push_counts(hosts).items():
        found.append(Processor(PUSH, PUSH_OPERATORS.get(host, host), host, devices=devices))
    for provider in municipality.eid_login:
        found.append(Processor(EID, provider.label, host_of(provider.issuer),
                               audience=provider.audience))
    database = str(config.get("DATABASE_URL") or "")
    scheme = database.split(":", 1)[0]
    found.append(Processor(DATABASE, "PostgreSQL" if scheme.startswith("postgres") else
                           "SQLite", host_of(database) if "://" in database else ""))
    found.append(Processor(FILES, "", ""))
    redis = config.get("REDIS_URL")
    if redis:
        found.append(Processor(QUEUE, "Redis", host_of(redis)))
    if municipality.translation is not None:
        found.append(Processor(TRANSLATION, "LibreTranslate",
                               host_of(municipality.translation.url)))
    return found


def officers():
    """[(name, e-mail), …] of the data-protection officers: the contact the documents
    name. One query."""
    rows = (User.select(User.first_name, User.last_name, User.email)
            .where(User.id.in_(StaffRole.select(StaffRole.user).where(
                StaffRole.role == DATA_PROTECTION_OFFICER)) & (User.is_active == True))  # noqa: E712
            .order_by(User.last_name, User.first_name).tuples())
    return [(f"{first} {last}", email) for first, last, email in rows]
