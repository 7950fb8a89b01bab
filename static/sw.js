/* Kontaktbok's service worker: served from /sw.js so that its scope is the whole app.
   It keeps ONLY versioned files under /static/ (styles, scripts, icons; their address
   changes with their content) and never a page or anything else: pages hold personal
   data, which must not outlive the session on a shared or lost device. It also shows
   push notifications. */
"use strict";

const CACHE = "kontaktbok-static-1";

function cacheable(request) {
  if (request.method !== "GET") return false;
  const url = new URL(request.url);
  return url.origin === self.location.origin && url.pathname.startsWith("/static/")
    && url.searchParams.has("v");
}

async function fromCache(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    // An older version of the same file is no longer linked from any page.
    const path = new URL(request.url).pathname;
    for (const old of await cache.keys()) {
      if (new URL(old.url).pathname === path) await cache.delete(old);
    }
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== CACHE)
      .map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  // Anything else is left to the browser, as if there were no service worker.
  if (cacheable(event.request)) event.respondWith(fromCache(event.request));
});

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = {};
  }
  event.waitUntil(self.registration.showNotification(message.title || "Kontaktbok", {
    body: message.body || "",
    tag: message.tag || "",
    data: {url: message.url || "/"},
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/badge-96.png",
  }));
});

function sameOrigin(address) {
  try {
    const url = new URL(address, self.location.origin);
    return url.origin === self.location.origin ? url.href : null;
  } catch (error) {
    return null;
  }
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  const target = sameOrigin(data.url || "/") || new URL("/", self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({type: "window", includeUncontrolled: true});
    const same = windows.find((client) => client.url === target);
    if (same) return same.focus();
    // Bring the app to the front and show the page there, rather than a new window.
    const open = windows.find((client) => sameOrigin(client.url) && "navigate" in client);
    if (open) {
      try {
        const shown = await open.focus();
        return await shown.navigate(target);
      } catch (error) { /* not controlled by this worker: open a window instead */ }
    }
    return self.clients.openWindow(target);
  })());
});
