"""Web Push: the protocol (RFC 8030), the payload's encryption (RFC 8291, with the
aes128gcm content coding of RFC 8188) and the server's identity (VAPID, RFC 8292).

The push services (Google's, Mozilla's, Apple's, Microsoft's) carry the message to the
device without being able to read it: only the browser that subscribed holds the key.
Our own key pair (VAPID) proves to the push service that a message for a subscription
comes from the server the browser subscribed with. It is made on first run and kept in
instance/vapid_private.pem; a new key would orphan every subscription.

The subscriptions themselves (models.notifications.tables.PushSubscription) are kept and
removed here too, with their audit rows.
"""
import base64
import datetime
import hashlib
import http.client
import logging
import os
import re
import struct
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import peewee
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from models import audit
from models.db import clock, database, utcnow
from models.notifications.sending import Transient, Undeliverable
from models.notifications.tables import PushSubscription

log = logging.getLogger("kontaktbok.push")

KEY_FILE = "vapid_private.pem"
# The push services of the browsers people use; an endpoint elsewhere is refused (a
# subscription is sent by the browser, so its address must not make the server call
# anything on the internal network). Matched as the host or a subdomain of it.
PUSH_SERVICE_HOSTS = ("fcm.googleapis.com", "updates.push.services.mozilla.com",
                      "push.services.mozilla.com", "web.push.apple.com",
                      "notify.windows.com", "push.apple.com")
RECORD_SIZE = 4096
# One record of 4096 octets: the header (86), the padding delimiter (1) and the
# authentication tag (16) leave this much for the message (RFC 8291 § 4).
MAX_PAYLOAD = RECORD_SIZE - 86 - 1 - 16
TOKEN_LIFETIME = datetime.timedelta(hours=12)
URGENCIES = ("very-low", "low", "normal", "high")
# Devices per person: more is a mistake or abuse (every notification goes to each), so
# the oldest go.
MAX_DEVICES = 10
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class Gone(Undeliverable):
    """The push service no longer knows the subscription (404/410): the browser
    unsubscribed or the app was removed. The caller deletes it; as an Undeliverable,
    a caller that does not know better falls back to e-mail."""


class KeyFileError(Exception):
    """The VAPID key file cannot be read or is not a P-256 private key."""


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    """Base64url with or without padding; ValueError for anything else."""
    if not isinstance(text, str):
        raise ValueError("not text")
    text = text.rstrip("=")
    if not _BASE64URL.match(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- the server's identity (VAPID) --------------------------------------------------

class Vapid:
    """The server's P-256 key pair, and the signed tokens made with it."""

    def __init__(self, private_key):
        if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
                private_key.curve, ec.SECP256R1):
            raise KeyFileError("the VAPID key must be an EC P-256 (prime256v1) private key")
        self.private_key = private_key
        self.public_bytes = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        self._tokens = {}  # (audience, subject) -> (token, expires)

    @classmethod
    def generate(cls):
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_pem(cls, data):
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise KeyFileError(f"not a PEM private key without a password: {exc}") from None
        return cls(key)

    def pem(self):
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())

    @property
    def application_server_key(self):
        """What the browser subscribes with (PushManager.subscribe's
        applicationServerKey): the public key as an uncompressed P-256 point,
        base64url without padding."""
        return b64url(self.public_bytes)

    def token(self, audience, subject, now=None):
        """A signed JWT for one push service (`audience`: its origin). Reused while it
        has more than half its life left: signing for every message of a school-wide
        announcement would cost more than the encryption."""
        now = now or clock.now()
        cached = self._tokens.get((audience, subject))
        if cached and cached[1] - now > TOKEN_LIFETIME / 2:
            return cached[0]
        expires = now + TOKEN_LIFETIME
        token = jwt.encode({"aud": audience, "exp": int(expires.timestamp()), "sub": subject},
                           self.private_key, algorithm="ES256", headers={"typ": "JWT"})
        self._tokens[(audience, subject)] = (token, expires)
        return token

    def authorization(self, endpoint, subject, now=None):
        """The Authorization header for a request to `endpoint` (RFC 8292 § 3)."""
        return (f"vapid t={self.token(origin(endpoint), subject, now)}, "
                f"k={self.application_server_key}")


def vapid_keys(instance_path, key_file=None):
    """The server's VAPID keys: from `key_file` when given (a key kept elsewhere, for
    several hosts sharing one), otherwise instance/vapid_private.pem, made on first run.
    Written whole to a temporary file and linked into place, so two processes starting
    at once agree on one key."""
    if key_file:
        try:
            return Vapid.from_pem(Path(key_file).read_bytes())
        except OSError as exc:
            raise KeyFileError(f"cannot read {key_file}: {exc.strerror}") from None
    path = Path(instance_path) / KEY_FILE
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=instance_path, prefix=f".{KEY_FILE}.")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(Vapid.generate().pem())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process was first: use its key
        finally:
            os.unlink(temporary)
    try:
        return Vapid.from_pem(path.read_bytes())
    except KeyFileError as exc:
        raise KeyFileError(f"{path}: {exc}") from None


# --- where a subscription may point --------------------------------------------------

def origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def allowed_endpoint(url, hosts=PUSH_SERVICE_HOSTS, allow_http=False):
    """Is `url` an https address on one of the push services' hosts (or a subdomain)?
    `allow_http` is for the tests' push service on loopback, never for production."""
    if not isinstance(url, str) or len(url) > 1000:
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or parts.username or parts.password:
        return False
    host = (parts.hostname or "").lower()
    return bool(host) and any(host == known or host.endswith("." + known)
                              for known in (h.strip().lower() for h in hosts) if known)


def topic(key):
    """A Topic header value for a notification's own key: at most 32 base64url
    characters, the same for every try of the same notification, so the push service
    replaces an undelivered earlier try instead of delivering both."""
    return b64url(hashlib.sha256(key.encode()).digest())[:32]


# --- the message's encryption (RFC 8291) ---------------------------------------------

def _hkdf(salt, ikm, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def encrypt(payload, p256dh, auth, salt=None, server_key=None):
    """The request body for a subscription with these keys (base64url): one aes128gcm
    record. `salt` and `server_key` (a fresh ephemeral key) are for tests only."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"a push message holds at most {MAX_PAYLOAD} bytes")
    receiver_bytes = b64url_decode(p256dh)
    auth_secret = b64url_decode(auth)
    receiver = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), receiver_bytes)
    server_key = server_key or ec.generate_private_key(ec.SECP256R1())
    server_bytes = server_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    salt = salt or os.urandom(16)
    shared = server_key.exchange(ec.ECDH(), receiver)
    ikm = _hkdf(auth_secret, shared, b"WebPush: info\x00" + receiver_bytes + server_bytes, 32)
    key = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    # The last (and only) record ends with the delimiter 0x02 and no further padding.
    record = AESGCM(key).encrypt(nonce, payload + b"\x02", None)
    header = salt + struct.pack("!IB", RECORD_SIZE, len(server_bytes)) + server_bytes
    return header + record


# --- sending ---------------------------------------------------------------------------

class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A push service answers, it does not redirect; following one could lead the
    server anywhere."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def send(endpoint, p256dh, auth, payload, vapid, subject, ttl=86400, topic=None,
         urgency="normal", timeout=10):
    """Deliver `payload` (bytes, at most MAX_PAYLOAD) to one subscription through its
    push service. `subject` is a mailto: or https: address the push service can
    contact the operator at. Returns the push service's status (201 or 202).

    Raises Gone when the subscription is no more, sending.Transient when trying again
    later may work (429, 5xx, a network error or timeout), sending.Undeliverable when it
    will not (any other refusal)."""
    if urgency not in URGENCIES:
        raise ValueError(f"urgency must be one of {', '.join(URGENCIES)}")
    host = urlsplit(endpoint).hostname or "?"
    headers = {
        "TTL": str(int(ttl)),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "Urgency": urgency,
        "Authorization": vapid.authorization(endpoint, subject),
    }
    if topic:
        if len(topic) > 32 or not _BASE64URL.match(topic):
            raise ValueError("a topic is at most 32 base64url characters")
        headers["Topic"] = topic
    body = encrypt(payload, p256dh, auth)
    request = urllib.request.Request(endpoint, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
            response.read(4096)
    except urllib.error.HTTPError as error:
        status = error.code
        error.close()
    except (OSError, ValueError, http.client.HTTPException) as error:
        # URLError, timeouts, refused or dropped connections, a garbled answer.
        # Only the host: the endpoint's path identifies the device.
        log.warning("push to %s failed: %s", host, type(error).__name__)
        raise Transient(f"push service {host}: {type(error).__name__}") from None
    if status in (201, 202):
        log.info("push to %s: %s", host, status)
        return status
    log.warning("push to %s refused: %s", host, status)
    if status in (404, 410):
        raise Gone(f"push service {host}: {status}")
    if status == 429 or status >= 500:
        raise Transient(f"push service {host}: {status}")
    raise Undeliverable(f"push service {host}: {status}")


# --- subscriptions ---------------------------------------------------------------------

def subscribe(user, endpoint, p256dh, auth, label, ip=""):
    """Keep a browser's subscription (checked by the caller) for `user`. A device has
    one subscription: on a shared tablet it moves to whoever turned push on last, and
    the person before is no longer notified there."""
    try:
        return _subscribe(user, endpoint, p256dh, auth, label, ip)
    except peewee.IntegrityError:  # the same device subscribed twice at once
        return _subscribe(user, endpoint, p256dh, auth, label, ip)


def _subscribe(user, endpoint, p256dh, auth, label, ip):
    now = utcnow()
    moved = {}
    with database.atomic():
        device = PushSubscription.get_or_none(PushSubscription.endpoint == endpoint)
        if device is None:
            device = PushSubscription.create(user=user.id, endpoint=endpoint, p256dh=p256dh,
                                             auth=auth, label=label, created_at=now)
        else:
            if device.user_id != user.id:
                moved = {"moved_from": device.user_id}
            PushSubscription.update(
                user=user.id, p256dh=p256dh, auth=auth, label=label, last_sent_at=None,
                created_at=now if moved else device.created_at,
            ).where(PushSubscription.id == device.id).execute()
        newest = (PushSubscription.select(PushSubscription.id)
                  .where(PushSubscription.user == user.id)
                  .order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc())
                  .limit(MAX_DEVICES))
        (PushSubscription.delete()
         .where(PushSubscription.user == user.id, PushSubscription.id.not_in(newest))
         .execute())
        # The push service's host only: the endpoint's path identifies the device.
        audit.record("push.subscribed", actor=user, obj=device, ip=ip, device=label,
                     service=urlsplit(endpoint).hostname, **moved)
    return device


def unsubscribe(user, subscription_id, ip=""):
    """Remove one of the person's own devices; False if it is not theirs."""
    with database.atomic():
        device = PushSubscription.get_or_none(PushSubscription.id == subscription_id,
                                              PushSubscription.user == user.id)
        if device is None:
            return False
        device.delete_instance()
        audit.record("push.removed", actor=user, obj=device, ip=ip, device=device.label)
    return True
