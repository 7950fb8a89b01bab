/* The service worker makes Kontaktbok installable and shows push notifications
   (static/sw.js). Without it everything still works. */
"use strict";
if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(() => {});
  });
}
