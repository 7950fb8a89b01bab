"""Web Push in Chromium: turning it on from the notification settings, the subscription
the server stores (its key the server's own VAPID key), a message to it decrypted here;
the service worker that keeps only static files; the settings page accessible (axe) in
Norwegian and Swedish at 320 px, and usable without JavaScript.

Chromium cannot reach Google's push service from the test machine, so the browser's
PushManager.subscribe is replaced (before the page's scripts run) by one that records
what it was called with and returns a subscription on tests/push_service.py's loopback
service, with the keys of a Receiver that stands in for the browser's own."""
import json

import pytest

from models import db as dbmod
from models.notifications import webpush
from models.notifications.tables import PushSubscription
from models.school.tables import User

from ..push_service import PushService, Receiver
from .test_pages import check_page

pytestmark = pytest.mark.browser

SETTINGS = "/account/notifications"
SUBJECT = "mailto:postmottak@demo.kommune.no"
PUSH_HELP = ("Push notifications appear on the device like a text message. They only say "
             "that something has arrived, never what. Without push, your notifications "
             "come by e-mail.")

# Runs in every page before its own scripts: PushManager.subscribe answers with the
# test's subscription and reports the applicationServerKey it was given.
FAKE_SUBSCRIBE = """
(() => {
  if (!window.PushManager) return;
  const subscription = %s;
  PushManager.prototype.subscribe = async function (options) {
    const key = options.applicationServerKey;
    const bytes = typeof key === "string" ? null
      : new Uint8Array(key instanceof ArrayBuffer ? key : key.buffer);
    const text = bytes ? btoa(String.fromCharCode(...bytes)).replace(/\\+/g, "-")
      .replace(/\\//g, "_").replace(/=+$/, "") : key;
    await window.recordSubscribe({key: text, userVisibleOnly: options.userVisibleOnly});
    return {endpoint: subscription.endpoint, options, toJSON: () => subscription,
            unsubscribe: async () => true};
  };
})();
"""

CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.push(request.url);
  }
  return urls;
}"""


@pytest.fixture(scope="module")
def push_service(live_app):
    """The loopback push service, and the live app told to accept it (http)."""
    service = PushService()
    saved = (live_app.config["PUSH_SERVICE_HOSTS"], live_app.config["PUSH_ALLOW_HTTP"])
    live_app.config["PUSH_SERVICE_HOSTS"] = webpush.PUSH_SERVICE_HOSTS + (service.host,)
    live_app.config["PUSH_ALLOW_HTTP"] = True
    try:
        yield service
    finally:
        live_app.config["PUSH_SERVICE_HOSTS"], live_app.config["PUSH_ALLOW_HTTP"] = saved
        service.close()


def devices_of(live_app, username):
    with live_app.app_context(), dbmod.database.connection_context():
        return list(PushSubscription.select().join(User)
                    .where(User.username == username).order_by(PushSubscription.id))


def forget_devices(live_app, username):
    with live_app.app_context(), dbmod.database.connection_context():
        user = User.get(User.username == username)
        PushSubscription.delete().where(PushSubscription.user == user.id).execute()


def add_device(live_app, username, endpoint, label):
    receiver = Receiver()
    with live_app.app_context(), dbmod.database.connection_context():
        PushSubscription.create(user=User.get(User.username == username), endpoint=endpoint,
                                p256dh=receiver.p256dh, auth=receiver.auth, label=label)


def test_turning_on_push_stores_the_subscription_and_a_message_reaches_it(
        open_session, live_app, live_server, push_service, translate):
    forget_devices(live_app, "kari")
    receiver = Receiver()
    endpoint = push_service.endpoint("kari-chromium")
    session = open_session(locale="nb")
    page = session.page
    session.context.grant_permissions(["notifications"], origin=live_server)
    recorded = []
    page.expose_binding("recordSubscribe", lambda source, call: recorded.append(call))
    page.add_init_script(FAKE_SUBSCRIBE % json.dumps(receiver.subscription(endpoint)))
    session.log_in("kari")
    session.goto(SETTINGS)
    button = page.get_by_role("button", name=translate("nb", "Turn on notifications on "
                                                             "this device"))
    button.wait_for(state="visible")
    with page.expect_navigation():  # push.js reloads the page once the server has it
        button.click()

    assert recorded == [{"key": live_app.extensions["vapid"].application_server_key,
                         "userVisibleOnly": True}]
    (device,) = devices_of(live_app, "kari")
    assert (device.endpoint, device.p256dh, device.auth) == (
        endpoint, receiver.p256dh, receiver.auth)
    label = translate("nb", "%(browser)s on %(system)s", browser="Chrome", system="Linux")
    assert device.label == label
    assert label in page.locator("[data-push]").inner_text()

    payload = json.dumps({"title": "Ny melding fra Solbakken skole", "body": "Åpne Kontaktbok",
                          "url": "/messages", "tag": "n1"}, ensure_ascii=False).encode()
    webpush.send(device.endpoint, device.p256dh, device.auth, payload,
                 live_app.extensions["vapid"], SUBJECT, topic=webpush.topic("n1"))
    (request,) = [r for r in push_service.received if r.path == "/push/kari-chromium"]
    assert receiver.decrypt(request.body) == payload
    session.assert_clean()

    # Removing it again, from the list on the same page.
    session.submit("[data-push] form button[type=submit]")
    assert page.url == session.url(SETTINGS)
    assert devices_of(live_app, "kari") == []
    session.assert_clean()


def test_the_service_worker_keeps_only_static_files(open_session):
    session = open_session(locale="nb")
    page = session.page
    session.log_in("kari")
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == session.url("/")
    # Now controlled by the worker: pages with personal data and static files load
    # through it.
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    for path in ("/", SETTINGS, "/messages", "/posts"):
        session.goto(path)
    page.wait_for_load_state("networkidle")
    cached = page.evaluate(CACHED_URLS)
    static = session.url("/static/")
    assert any(url.startswith(session.url("/static/css/app.css?v=")) for url in cached), cached
    assert cached and all(url.startswith(static) and "?v=" in url for url in cached), cached
    session.assert_clean()


@pytest.mark.parametrize("locale", ["nb", "sv"])
@pytest.mark.parametrize("viewport", [(320, 640), (1280, 800)], ids=["320x640", "1280x800"])
def test_the_settings_page_is_accessible(open_session, live_app, push_service, locale,
                                         viewport):
    forget_devices(live_app, "ola")
    add_device(live_app, "ola", push_service.endpoint(), "Firefox on Android")
    session = open_session(locale=locale, viewport=viewport)
    session.context.grant_permissions(["notifications"], origin=session.base_url)
    session.log_in("ola")
    session.goto(SETTINGS)
    session.page.locator("[data-push-on]").wait_for(state="visible")
    assert "Firefox on Android" in session.page.locator("[data-push]").inner_text()
    check_page(session, "notifications-push", locale, viewport)


def test_without_javascript_devices_are_listed_and_removed(open_session, live_app,
                                                           push_service, translate):
    forget_devices(live_app, "nina")
    add_device(live_app, "nina", push_service.endpoint(), "Safari on iPhone")
    session = open_session(locale="nb", js=False)
    page = session.page
    session.log_in("nina")
    session.goto(SETTINGS)
    assert not page.locator("[data-push-on]").is_visible()  # it needs the browser's push
    section = page.locator("[data-push]").inner_text()
    assert "Safari on iPhone" in section
    assert translate("nb", PUSH_HELP) in section
    session.submit("[data-push] form button[type=submit]")
    assert page.url == session.url(SETTINGS)
    assert devices_of(live_app, "nina") == []
    assert not page.locator("[data-push] form").count()
    session.assert_clean()


IPHONE_SAFARI = """
delete window.PushManager;
Object.defineProperty(navigator, "userAgent", {get: () =>
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 " +
  "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"});
"""
DENIED = "Notification.requestPermission = async () => 'denied';"


@pytest.mark.parametrize("script, message, offered", [
    (IPHONE_SAFARI, ("On iPhone and iPad, add Kontaktbok to the home screen first: tap "
                     "Share, then Add to Home Screen. Open Kontaktbok from the home screen "
                     "and turn on notifications there."), False),
    ("delete window.PushManager;", ("This browser cannot receive push notifications. You "
                                    "get your notifications by e-mail instead."), False),
    (DENIED, ("Notifications are blocked for Kontaktbok in this browser. Allow them in the "
              "browser’s settings for this site, then try again."), True),
], ids=["iphone", "no-push", "denied"])
def test_a_clear_message_when_push_cannot_be_turned_on(open_session, live_app, translate,
                                                       script, message, offered):
    forget_devices(live_app, "lise")
    session = open_session(locale="sv")
    page = session.page
    page.add_init_script(script)
    session.log_in("lise")
    session.goto(SETTINGS)
    status = page.locator("[data-push-status]")
    if offered:
        page.locator("[data-push-on]").click()
    expected = translate("sv", message)
    page.wait_for_function("text => document.querySelector('[data-push-status]')"
                           ".textContent === text", arg=expected)
    assert status.inner_text() == expected
    assert page.locator("[data-push-on]").is_visible() is offered
    assert devices_of(live_app, "lise") == []
    session.assert_clean()
