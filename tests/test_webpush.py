"""Web Push: the encrypted message a push service carries (decrypted here with the
independent http_ece package), the server's VAPID identity, what each answer of the
push service means, the key made once on first run, a browser's subscription (who may
add and remove one, where it may point), the manifest and the service worker."""
import datetime
import json
import re
import shutil
import stat
import subprocess
import sys
import threading
from io import BytesIO
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image

from app import StartupError
from models.audit import AuditEvent
from models.login.sessions import LoginSession
from models.notifications import sending, webpush
from models.notifications.tables import PushSubscription

from .cast import ROLES
from .matrix import Matrix, everyone
from .push_service import PushService, Receiver

ROOT = Path(__file__).resolve().parent.parent
SUBJECT = "mailto:postmottak@demo.kommune.no"
ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/131.0.0.0 Mobile Safari/537.36")
FCM = "https://fcm.googleapis.com/fcm/send/dXk3bWFnaWM6QVBBOTFiRz"
PUSH_HELP = ("Push notifications appear on the device like a text message. They only say "
             "that something has arrived, never what. Without push, your notifications "
             "come by e-mail.")


@pytest.fixture
def service():
    running = PushService()
    yield running
    running.close()


@pytest.fixture
def loopback(app, service):
    """The app accepts subscriptions on the test push service (http on loopback)."""
    app.config["PUSH_SERVICE_HOSTS"] = webpush.PUSH_SERVICE_HOSTS + (service.host,)
    app.config["PUSH_ALLOW_HTTP"] = True
    return service


def send(service, receiver, payload=b'{"title": "Ny melding"}', vapid=None, **options):
    vapid = vapid or webpush.Vapid.generate()
    return webpush.send(service.endpoint(), receiver.p256dh, receiver.auth, payload, vapid,
                        SUBJECT, **options)


# --- the message and its encryption -------------------------------------------------------

def test_the_device_decrypts_what_was_sent(service):
    receiver = Receiver()
    payload = json.dumps({"title": "Ny melding fra Solbakken skole", "body": "Åpne Kontaktbok",
                          "url": "/messages/12", "tag": "n7"}, ensure_ascii=False).encode()
    assert send(service, receiver, payload) == 201
    (request,) = service.received
    assert request.headers["Content-Encoding"] == "aes128gcm"
    assert request.headers["Content-Type"] == "application/octet-stream"
    assert payload not in request.body and b"Solbakken" not in request.body
    assert receiver.decrypt(request.body) == payload


def test_each_message_is_encrypted_afresh(service):
    receiver = Receiver()
    send(service, receiver, b"same")
    send(service, receiver, b"same")
    first, second = (r.body for r in service.received)
    assert first != second  # a new salt and key every time: nothing to correlate
    assert receiver.decrypt(first) == receiver.decrypt(second) == b"same"


def test_another_device_cannot_decrypt(service):
    send(service, Receiver(), b"for kari's phone")
    with pytest.raises(Exception):  # noqa: B017 - http_ece's own error types vary
        Receiver().decrypt(service.received[0].body)


def test_the_largest_message_fits_one_record_and_a_larger_one_is_refused(service):
    receiver = Receiver()
    largest = b"x" * webpush.MAX_PAYLOAD
    send(service, receiver, largest)
    assert receiver.decrypt(service.received[0].body) == largest
    assert len(service.received[0].body) == 4096  # the header and one full record
    with pytest.raises(ValueError):
        send(service, receiver, largest + b"x")


# --- VAPID ------------------------------------------------------------------------------------

def authorization(request):
    match = re.fullmatch(r"vapid t=([^,]+), k=([A-Za-z0-9_-]+)",
                         request.headers["Authorization"])
    assert match, request.headers["Authorization"]
    return match.group(1), match.group(2)


@pytest.mark.clock("2026-11-18 10:00", tick=False)
def test_the_vapid_token_is_signed_by_our_key_for_the_push_service(service, clock):
    vapid = webpush.Vapid.generate()
    before = clock.now()
    send(service, Receiver(), vapid=vapid)
    token, key = authorization(service.received[0])
    assert key == vapid.application_server_key
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                          webpush.b64url_decode(key))
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "typ": "JWT"}
    claims = jwt.decode(token, public, algorithms=["ES256"], audience=service.origin,
                        options={"verify_exp": False})  # PyJWT's clock: checked below
    assert claims["aud"] == service.origin  # the origin only: no path, no device
    assert claims["sub"] == SUBJECT
    expires = datetime.datetime.fromtimestamp(claims["exp"], datetime.timezone.utc)
    assert expires == before + webpush.TOKEN_LIFETIME  # on the app's clock, at most 24 h
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, webpush.Vapid.generate().private_key.public_key(),
                   algorithms=["ES256"], audience=service.origin)


def test_the_application_server_key_is_the_uncompressed_public_point():
    vapid = webpush.Vapid.generate()
    raw = webpush.b64url_decode(vapid.application_server_key)
    assert len(raw) == 65 and raw[0] == 4
    assert "=" not in vapid.application_server_key


def test_headers_ttl_urgency_and_topic(service):
    topic = webpush.topic("message:41:7:push")
    send(service, Receiver(), ttl=3600, urgency="high", topic=topic)
    send(service, Receiver())
    first, second = (r.headers for r in service.received)
    assert (first["TTL"], first["Urgency"], first["Topic"]) == ("3600", "high", topic)
    assert (second["TTL"], second["Urgency"]) == ("86400", "normal")
    assert "Topic" not in second


def test_a_retry_carries_the_same_topic_so_the_device_shows_it_once():
    key = "message:41:7:push"
    assert webpush.topic(key) == webpush.topic(key) != webpush.topic("message:42:7:push")
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,32}", webpush.topic(key))
    with pytest.raises(ValueError):
        webpush.send(FCM, Receiver().p256dh, Receiver().auth, b"x", webpush.Vapid.generate(),
                     SUBJECT, topic="not a topic!")


# --- what the push service answers --------------------------------------------------------

@pytest.mark.parametrize("status, raised", [
    (202, None), (404, webpush.Gone), (410, webpush.Gone), (429, sending.Transient),
    (500, sending.Transient), (503, sending.Transient), (400, sending.Undeliverable),
    (403, sending.Undeliverable), (413, sending.Undeliverable),
])
def test_each_answer_of_the_push_service(service, status, raised):
    service.status = status
    if raised is None:
        assert send(service, Receiver()) == status
        return
    with pytest.raises(raised):
        send(service, Receiver())


def test_a_gone_subscription_is_also_undeliverable():
    """A caller that only knows notify's exceptions falls back to e-mail."""
    assert issubclass(webpush.Gone, sending.Undeliverable)


def test_a_push_service_that_is_down_is_transient(service):
    endpoint = service.endpoint()
    service.close()
    receiver = Receiver()
    with pytest.raises(sending.Transient):
        webpush.send(endpoint, receiver.p256dh, receiver.auth, b"x",
                     webpush.Vapid.generate(), SUBJECT, timeout=2)


def test_the_log_names_the_push_service_but_never_the_device(service, caplog):
    caplog.set_level("INFO", logger="kontaktbok.push")
    receiver = Receiver()
    service.status = 410
    endpoint = service.endpoint("kari-phone-secret-path")
    with pytest.raises(webpush.Gone) as raised:
        webpush.send(endpoint, receiver.p256dh, receiver.auth, b"x",
                     webpush.Vapid.generate(), SUBJECT)
    assert service.host in caplog.text
    for secret in ("kari-phone-secret-path", receiver.p256dh, receiver.auth):
        assert secret not in caplog.text and secret not in str(raised.value)


# --- the key, made once -----------------------------------------------------------------------

def test_the_key_is_made_on_first_run_kept_private_and_reused(make_app, tmp_path):
    first = make_app()
    path = Path(first.instance_path) / "vapid_private.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    made = path.stat()
    second = make_app()
    assert (second.extensions["vapid"].application_server_key
            == first.extensions["vapid"].application_server_key)
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (made.st_ino, made.st_mtime_ns)
    assert [p.name for p in path.parent.iterdir() if "vapid" in p.name] == [path.name]


def test_processes_starting_at_once_agree_on_one_key(tmp_path):
    start = threading.Barrier(8)
    keys = []

    def make():
        start.wait()
        keys.append(webpush.vapid_keys(tmp_path).application_server_key)

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vapid_private.pem"]


def test_a_key_file_kept_elsewhere(make_app, tmp_path, monkeypatch):
    elsewhere = tmp_path / "secrets" / "vapid.pem"
    elsewhere.parent.mkdir()
    kept = webpush.Vapid.generate()
    elsewhere.write_bytes(kept.pem())
    monkeypatch.setenv("VAPID_PRIVATE_KEY_FILE", str(elsewhere))
    app = make_app()
    assert app.extensions["vapid"].application_server_key == kept.application_server_key
    assert not (Path(app.instance_path) / "vapid_private.pem").exists()


@pytest.mark.parametrize("content", [None, b"", b"not a key",
                                     ec.generate_private_key(ec.SECP384R1())])
def test_a_bad_key_file_stops_the_start(make_app, tmp_path, monkeypatch, content):
    from cryptography.hazmat.primitives import serialization
    path = tmp_path / "vapid.pem"
    if isinstance(content, ec.EllipticCurvePrivateKey):
        content = content.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setenv("VAPID_PRIVATE_KEY_FILE", str(path))
    with pytest.raises(StartupError, match="VAPID_PRIVATE_KEY_FILE"):
        make_app()


def test_push_service_hosts_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("PUSH_SERVICE_HOSTS", "push.example.org, other.example ,")
    assert make_app().config["PUSH_SERVICE_HOSTS"] == ("push.example.org", "other.example")


def test_production_refuses_plain_http_push(make_app):
    from .test_config import PRODUCTION
    make_app(**PRODUCTION)
    with pytest.raises(StartupError, match="PUSH_ALLOW_HTTP"):
        make_app(**PRODUCTION, PUSH_ALLOW_HTTP=True)


# --- where a subscription may point -----------------------------------------------------------

@pytest.mark.parametrize("url, allowed", [
    (FCM, True),
    ("https://updates.push.services.mozilla.com/wpush/v2/gAAAAA", True),
    ("https://web.push.apple.com/QGuQyavXutnMH7rs", True),
    ("https://wns2-par02p.notify.windows.com/w/?token=BQYAAA", True),
    ("http://fcm.googleapis.com/fcm/send/x", False),  # not https
    ("https://fcm.googleapis.com.evil.example/x", False),
    ("https://evilfcm.googleapis.com.example/x", False),
    ("https://notfcm.googleapis.com/x", False),  # not a subdomain, only a longer name
    ("https://169.254.169.254/latest/meta-data", False),
    ("https://localhost/push", False),
    ("https://user:pw@fcm.googleapis.com/x", False),
    ("https://fcm.googleapis.com:99999/x", False),
    ("ftp://fcm.googleapis.com/x", False),
    ("fcm.googleapis.com/x", False),
    ("https://fcm.googleapis.com/" + "x" * 1000, False),
])
def test_allowed_endpoint(url, allowed):
    assert webpush.allowed_endpoint(url, webpush.PUSH_SERVICE_HOSTS) is allowed


def test_http_only_on_a_named_test_host_and_only_when_allowed():
    hosts = webpush.PUSH_SERVICE_HOSTS + ("127.0.0.1",)
    assert webpush.allowed_endpoint("http://127.0.0.1:8123/push/x", hosts, allow_http=True)
    assert not webpush.allowed_endpoint("http://127.0.0.1:8123/push/x", hosts)
    assert not webpush.allowed_endpoint("http://10.0.0.1/push/x", hosts, allow_http=True)


# --- subscribing --------------------------------------------------------------------------------

def subscribe(client, body, user_agent=ANDROID_CHROME):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/notifications/push", data=data, content_type="application/json",
                       headers={"User-Agent": user_agent})


def test_anonymous_cannot_subscribe(client, t):
    response = subscribe(client, Receiver().subscription(FCM))
    assert response.status_code == 401
    assert response.get_json() == {"ok": False,
                                   "error": t("Your session has ended. Log in again.")}
    assert not PushSubscription.select().exists()


def test_a_guardian_turns_on_push(client, login, users, t):
    login("kari")
    receiver = Receiver()
    response = subscribe(client, receiver.subscription(FCM))
    assert response.status_code == 201 and response.get_json() == {"ok": True}
    (device,) = PushSubscription.select()
    assert (device.user_id, device.endpoint, device.p256dh, device.auth) == (
        users["kari"].id, FCM, receiver.p256dh, receiver.auth)
    assert device.label == t("%(browser)s on %(system)s", browser="Chrome", system="Android")
    (event,) = AuditEvent.select().where(AuditEvent.action == "push.subscribed")
    assert event.actor_id == users["kari"].id and event.object_id == device.id
    assert event.details["service"] == "fcm.googleapis.com"
    assert "dXk3bWFnaWM6QVBBOTFiRz" not in event.detail  # the device's address stays out


BAD_SUBSCRIPTIONS = {
    "not json": "{endpoint: nope",
    "a list": [FCM],
    "no keys": {"endpoint": FCM},
    "keys not an object": {"endpoint": FCM, "keys": "p256dh"},
    "no endpoint": {"keys": Receiver().subscription(FCM)["keys"]},
    "endpoint not text": {**Receiver().subscription(FCM), "endpoint": 12},
    "p256dh not base64url": {"endpoint": FCM, "keys": {"p256dh": "a+b/" * 22, "auth": "A" * 22}},
    "p256dh too short": {"endpoint": FCM, "keys": {"p256dh": webpush.b64url(b"\x04" + b"a" * 63),
                                                   "auth": webpush.b64url(b"a" * 16)}},
    "p256dh compressed": {"endpoint": FCM, "keys": {"p256dh": webpush.b64url(b"\x02" + b"a" * 64),
                                                    "auth": webpush.b64url(b"a" * 16)}},
    "auth too short": {"endpoint": FCM, "keys": {"p256dh": Receiver().p256dh,
                                                 "auth": webpush.b64url(b"a" * 15)}},
}


@pytest.mark.parametrize("name", list(BAD_SUBSCRIPTIONS))
def test_a_bad_subscription_is_refused_with_a_translated_error(client, login, t, name):
    login("kari")
    response = subscribe(client, BAD_SUBSCRIPTIONS[name])
    assert response.status_code == 400, name
    assert response.get_json()["error"] == t(
        "The browser sent a subscription that could not be read. Try again.")
    assert not PushSubscription.select().exists()


@pytest.mark.parametrize("endpoint", [
    "https://push.evil.example/subscription/1",
    "https://169.254.169.254/latest/meta-data/",
    "http://fcm.googleapis.com/fcm/send/abc",
])
def test_a_subscription_elsewhere_than_a_push_service_is_refused(client, login, t, endpoint):
    login("kari")
    response = subscribe(client, Receiver().subscription(endpoint))
    assert response.status_code == 400
    assert response.get_json()["error"] == t(
        "This browser's push service is not supported. Notifications will come by e-mail.")
    assert not PushSubscription.select().exists()


def test_http_is_refused_unless_the_tests_allow_it(app, client, login, service):
    login("kari")
    app.config["PUSH_SERVICE_HOSTS"] = webpush.PUSH_SERVICE_HOSTS + (service.host,)
    endpoint = service.endpoint()
    assert subscribe(client, Receiver().subscription(endpoint)).status_code == 400
    app.config["PUSH_ALLOW_HTTP"] = True
    assert subscribe(client, Receiver().subscription(endpoint)).status_code == 201


def test_a_shared_device_moves_to_whoever_turned_push_on_last(client, login, users):
    login("kari")
    receiver = Receiver()
    assert subscribe(client, receiver.subscription(FCM)).status_code == 201
    kari_since = PushSubscription.get().created_at
    assert subscribe(client, receiver.subscription(FCM)).status_code == 201
    assert PushSubscription.get().created_at == kari_since  # the same person again
    login("ola")
    fresh = Receiver()
    assert subscribe(client, fresh.subscription(FCM)).status_code == 201
    (device,) = PushSubscription.select()
    assert device.user_id == users["ola"].id and device.p256dh == fresh.p256dh
    moved = (AuditEvent.select().where(AuditEvent.action == "push.subscribed")
             .order_by(AuditEvent.id.desc()).first())
    assert moved.actor_id == users["ola"].id
    assert moved.details["moved_from"] == users["kari"].id


def test_a_person_has_at_most_ten_devices_the_oldest_go(client, login, users):
    login("kari")
    endpoints = [f"{FCM}-{n}" for n in range(webpush.MAX_DEVICES + 2)]
    for endpoint in endpoints:
        assert subscribe(client, Receiver().subscription(endpoint)).status_code == 201
    kept = [d.endpoint for d in PushSubscription.select().order_by(PushSubscription.id)]
    assert kept == endpoints[2:]


def test_a_subscription_works_end_to_end(app, client, login, loopback):
    """Subscribed through the app, sent with the app's key, read on the device."""
    login("kari")
    receiver = Receiver()
    assert subscribe(client, receiver.subscription(loopback.endpoint("kari"))).status_code == 201
    device = PushSubscription.get()
    webpush.send(device.endpoint, device.p256dh, device.auth, b'{"title": "Hei"}',
                 app.extensions["vapid"], SUBJECT)
    (request,) = loopback.received
    assert request.path == "/push/kari"
    assert receiver.decrypt(request.body) == b'{"title": "Hei"}'
    assert authorization(request)[1] == app.extensions["vapid"].application_server_key


@pytest.mark.parametrize("user_agent, label", [
    (ANDROID_CHROME, ("Chrome", "Android")),
    (("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
      "like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"), ("Safari", "iPhone")),
    (("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"), ("Edge", "Windows")),
    (("Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) "
      "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36"),
     ("Samsung Internet", "Android")),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
     ("Firefox", "macOS")),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
     ("Firefox", "Linux")),
])
def test_the_device_label_names_browser_and_system_without_versions(
        client, login, t, user_agent, label):
    login("kari")
    subscribe(client, Receiver().subscription(FCM), user_agent=user_agent)
    stored = PushSubscription.get().label
    assert stored == t("%(browser)s on %(system)s", browser=label[0], system=label[1])
    assert not re.search(r"\d", stored)


def test_an_unknown_browser(client, login, t):
    login("kari")
    subscribe(client, Receiver().subscription(FCM), user_agent="curl/8.5")
    assert PushSubscription.get().label == t("Unknown browser")


def test_subscribing_needs_the_csrf_token(app, make_app, users):
    strict = make_app(WTF_CSRF_ENABLED=True).test_client()
    with strict.session_transaction() as session:
        session["_user_id"] = LoginSession.start(users["kari"])
        session["_fresh"] = True
    body = json.dumps(Receiver().subscription(FCM))
    refused = strict.post("/notifications/push", data=body, content_type="application/json")
    assert refused.status_code == 400
    assert not PushSubscription.select().exists()
    page = strict.get("/").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    accepted = strict.post("/notifications/push", data=body, content_type="application/json",
                           headers={"X-CSRFToken": token})
    assert accepted.status_code == 201
    device = PushSubscription.get()
    removed = strict.post(f"/notifications/push/{device.id}/remove")
    assert removed.status_code == 400 and PushSubscription.select().exists()


# --- removing -----------------------------------------------------------------------------------

def kari_device(client, login):
    login("kari")
    assert subscribe(client, Receiver().subscription(FCM)).status_code == 201
    return PushSubscription.get()


def test_a_person_removes_their_own_device(client, login, users):
    device = kari_device(client, login)
    response = client.post(f"/notifications/push/{device.id}/remove")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/notifications"
    assert not PushSubscription.select().exists()
    (event,) = AuditEvent.select().where(AuditEvent.action == "push.removed")
    assert event.actor_id == users["kari"].id and event.object_id == device.id


def test_nobody_removes_someone_elses_device(client, login):
    device = kari_device(client, login)
    login("ola")  # shares Emma with kari, but not kari's phone
    assert client.post(f"/notifications/push/{device.id}/remove").status_code == 404
    assert PushSubscription.select().count() == 1


def test_anonymous_removing_is_sent_to_log_in(client, login):
    device = kari_device(client, login)
    with client.session_transaction() as session:
        session.clear()
    response = client.post(f"/notifications/push/{device.id}/remove")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert PushSubscription.select().count() == 1


# --- the installable app ------------------------------------------------------------------------

def test_the_manifest(client, app):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    assert response.cache_control.public and response.cache_control.max_age > 0
    town = app.config["MUNICIPALITY"]
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == "Kontaktbok – Demo kommune"
    assert manifest["short_name"] == "Kontaktbok"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/?source=app", "/", "standalone")
    assert manifest["lang"] == town.default_language == "nb"
    assert manifest["theme_color"] == town.colours["primary"]
    sizes = set()
    for icon in manifest["icons"]:
        found = client.get(icon["src"])
        assert found.status_code == 200 and found.mimetype == "image/png", icon
        with Image.open(BytesIO(found.data)) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
        found.close()
        sizes.add((icon["sizes"], icon["purpose"]))
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}


def test_every_page_links_the_manifest_and_registers_the_service_worker(client, login, app):
    login("kari")
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert f'<meta name="theme-color" content="{app.config["MUNICIPALITY"].colours["primary"]}">' in page
    assert re.search(r'<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png\?v=\w+">',
                     page)
    assert re.search(r'<script src="/static/js/sw-register.js\?v=\w+" defer></script>', page)


def test_the_service_worker_is_served_at_the_root_and_always_checked(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.cache_control.no_cache and not response.cache_control.no_store
    assert not response.cache_control.max_age
    assert response.data == (ROOT / "static" / "sw.js").read_bytes()
    response.close()


# The service worker run in Node.js with the browser's parts it uses stood in for: which
# requests it answers from its cache, what it keeps, what a push shows and where a click
# on a notification leads.
SW_HARNESS = r"""
const fs = require("fs"), vm = require("vm");
const [source, cases] = [fs.readFileSync(process.argv[2], "utf8"), JSON.parse(process.argv[3])];
const origin = "https://kontaktbok.test";
const handlers = {}, stored = new Map(), shown = [], opened = [], deleted = [];
const cache = {
  match: async (request) => stored.get(request.url),
  put: async (request, response) => { stored.set(request.url, response); },
  keys: async () => [...stored.keys()].map((url) => ({url})),
  delete: async (request) => stored.delete(request.url),
};
const sandbox = {
  URL, console,
  self: {
    location: new URL(origin + "/sw.js"),
    addEventListener: (type, handler) => { handlers[type] = handler; },
    skipWaiting: () => {},
    registration: {showNotification: async (title, options) => shown.push({title, options})},
    clients: {claim: async () => {}, matchAll: async () => [],
              openWindow: async (url) => opened.push(url)},
  },
  caches: {open: async () => cache, delete: async (name) => deleted.push(name),
           keys: async () => ["kontaktbok-static-0", "kontaktbok-static-1", "other"]},
  fetch: async (request) => ({ok: true, type: "basic", url: request.url,
                              clone() { return this; }}),
};
vm.runInNewContext(source, sandbox);
(async () => {
  const answered = [];
  for (const [method, url] of cases.fetch) {
    let promise = null;
    handlers.fetch({request: {method, url}, respondWith: (p) => { promise = p; }});
    if (promise) { await promise; answered.push(url); }
  }
  let waiting = [];
  const event = (extra) => ({waitUntil: (p) => waiting.push(p), ...extra});
  handlers.activate(event({}));
  handlers.push(event({data: {json: () => cases.push}}));
  for (const url of cases.clicks) {
    handlers.notificationclick(event({notification: {data: {url}, close: () => {}}}));
  }
  await Promise.all(waiting);
  console.log(JSON.stringify({answered, stored: [...stored.keys()], shown, opened, deleted}));
})();
"""


def node():
    beside = Path(sys.executable).parent / "node"
    return str(beside) if beside.exists() else shutil.which("node")


def test_the_service_worker_keeps_only_versioned_static_files(tmp_path):
    harness = tmp_path / "harness.js"
    harness.write_text(SW_HARNESS)
    o = "https://kontaktbok.test"
    cases = {
        "fetch": [
            ["GET", f"{o}/static/css/app.css?v=aaa"],
            ["GET", f"{o}/static/css/app.css?v=bbb"],  # a new release: the old one goes
            ["GET", f"{o}/static/js/push.js?v=ccc"],
            ["GET", f"{o}/static/css/app.css"],  # not versioned: could change any time
            ["GET", f"{o}/"],
            ["GET", f"{o}/messages/12"],
            ["GET", f"{o}/children/3/consents"],
            ["GET", f"{o}/posts/media/5?v=1"],
            ["GET", f"{o}/theme.css?v=abc"],
            ["GET", f"{o}/manifest.webmanifest"],
            ["GET", f"{o}/static-but-not/x.css?v=1"],
            ["POST", f"{o}/static/css/app.css?v=aaa"],
            ["GET", "https://elsewhere.example/static/x.js?v=1"],
        ],
        "push": {"title": "Ny melding fra Solbakken skole", "body": "Åpne Kontaktbok",
                 "url": "/messages/12", "tag": "n7"},
        "clicks": ["/messages/12", "https://evil.example/phish", "javascript:alert(1)"],
    }
    done = subprocess.run([node(), str(harness), str(ROOT / "static" / "sw.js"),
                           json.dumps(cases)], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["answered"] == [f"{o}/static/css/app.css?v=aaa", f"{o}/static/css/app.css?v=bbb",
                                f"{o}/static/js/push.js?v=ccc"]
    assert sorted(seen["stored"]) == [f"{o}/static/css/app.css?v=bbb",
                                      f"{o}/static/js/push.js?v=ccc"]
    assert seen["deleted"] == ["kontaktbok-static-0", "other"]
    (shown,) = seen["shown"]
    assert shown["title"] == "Ny melding fra Solbakken skole"
    assert shown["options"]["body"] == "Åpne Kontaktbok"
    assert shown["options"]["tag"] == "n7"
    assert shown["options"]["data"] == {"url": "/messages/12"}
    assert shown["options"]["icon"].startswith("/static/icons/")
    assert seen["opened"] == [f"{o}/messages/12", f"{o}/", f"{o}/"]


# --- the settings fragment ----------------------------------------------------------------------

def test_the_push_fragment_lists_devices_and_works_without_javascript(app, client, login, t):
    from views.common import render_template
    device = kari_device(client, login)
    with app.test_request_context("/account/notifications"):
        html = render_template("notifications/_push.html", push_devices=[device],
                               vapid_public_key=app.extensions["vapid"].application_server_key)
    assert f'action="/notifications/push/{device.id}/remove"' in html
    assert 'name="csrf_token"' in html
    assert f'data-key="{app.extensions["vapid"].application_server_key}"' in html
    assert re.search(r"<p data-push-offer hidden>", html)  # the button needs JavaScript
    assert device.label in html
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert t(PUSH_HELP) in text
    assert t("Turn on notifications on this device") in text


# --- every route × every role -------------------------------------------------------------------

ROUTES = Matrix({
    ("POST", "/notifications/push"): everyone(400, anonymous=401),  # 400: no subscription
    ("POST", "/notifications/push/999999/remove"): everyone(404),
    ("GET", "/manifest.webmanifest"): everyone(200, anonymous=200),
    ("GET", "/sw.js"): everyone(200, anonymous=200),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids)
