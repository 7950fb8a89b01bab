/* The service worker makes Kontaktbok installable and shows push notifications
   (static/sw.js). Without it everything still works. Logging out also stops push on
   this device: on a shared phone or computer the next person must not see that
   something arrived for the last one. */
"use strict";
if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(() => {});
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    // getAttribute: a form with a control named "action" shadows the form's action
    const action = form.getAttribute("action") || "";
    if (!action.endsWith("/logout") || form.dataset.unsubscribed) return;
    event.preventDefault();
    form.dataset.unsubscribed = "1";
    const done = () => form.submit();
    navigator.serviceWorker.getRegistration("/")
      .then((registration) => registration && registration.pushManager
        ? registration.pushManager.getSubscription() : null)
      .then((subscription) => subscription ? subscription.unsubscribe() : null)
      .then(done, done);
  });
}
