/* "Turn on notifications on this device" on /account/notifications
   (templates/notifications/_push.html): asks for permission, subscribes with the
   server's key, and sends the subscription to the server. The messages come from the
   page, translated. Without push the person gets e-mail, so every failure is calm. */
"use strict";
(function () {
  const root = document.querySelector("[data-push]");
  if (!root) return;
  const offer = root.querySelector("[data-push-offer]");
  const button = root.querySelector("[data-push-on]");
  const status = root.querySelector("[data-push-status]");
  const say = (name) => { status.textContent = root.dataset[name] || ""; };

  function keyBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  }

  function sameKey(buffer, bytes) {
    if (!buffer) return false;
    const old = new Uint8Array(buffer);
    return old.length === bytes.length && old.every((b, i) => b === bytes[i]);
  }

  const apple = /iPhone|iPad|iPod/.test(navigator.userAgent)
    || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  const installed = window.matchMedia("(display-mode: standalone)").matches
    || navigator.standalone === true;
  if (!("serviceWorker" in navigator) || !("PushManager" in window)
      || !("Notification" in window)) {
    // Safari on iPhone and iPad has push only for an app added to the home screen.
    say(apple && !installed ? "ios" : "unsupported");
    return;
  }
  offer.hidden = false;
  if (Notification.permission === "denied") say("denied");

  async function turnOn() {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      say(permission === "denied" ? "denied" : "dismissed");
      return;
    }
    say("working");
    const key = keyBytes(root.dataset.key);
    const registration = await navigator.serviceWorker.ready;
    let subscription = await registration.pushManager.getSubscription();
    if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
      await subscription.unsubscribe();  // made with an earlier server key
      subscription = null;
    }
    if (!subscription) {
      subscription = await registration.pushManager.subscribe(
        {userVisibleOnly: true, applicationServerKey: key});
    }
    const response = await fetch(root.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf},
      body: JSON.stringify(subscription.toJSON()),
    });
    if (!response.ok) {
      let answer = {};
      try { answer = await response.json(); } catch (error) { answer = {}; }
      status.textContent = answer.error || root.dataset.failed;
      return;
    }
    window.location.reload();
  }

  button.addEventListener("click", () => {
    button.disabled = true;
    turnOn().catch(() => say("failed")).finally(() => { button.disabled = false; });
  });
})();
