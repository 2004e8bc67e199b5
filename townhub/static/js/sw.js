/* Townhub service worker: offline page, static assets, recently seen hub pages, push. */
"use strict";

const VERSION = "__TOWNHUB_VERSION__";
const STATIC_CACHE = "townhub-static-" + VERSION;
const PAGE_CACHE = "townhub-pages";
// Saved offers (and the saved list) stay readable offline until the resident removes them.
const SAVED_CACHE = "townhub-saved";
const MAX_PAGES = 40;
// The server fingerprints every quoted static URL in this file when it serves /sw.js
// (js/app.js becomes js/app.<hash>.js), so the precache holds this release's files under
// the names this release's pages use.
const PRECACHE = [
  "/offline",
  "/static/css/townhub.css",
  "/static/js/app.js",
  "/static/vendor/htmx-2.0.11.min.js",
  "/static/icons/icon-192.png"
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC_CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting())
  );
});

function cacheablePage(url) {
  return url.origin === self.location.origin && !url.pathname.startsWith("/manage/");
}

// The page that registered this worker loaded before it ran: keep a copy of every open
// page now, so the first hub page a resident opens is readable offline too.
async function keepOpenPages() {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const cache = await caches.open(PAGE_CACHE);
  await Promise.all(windows.map(async (client) => {
    if (!cacheablePage(new URL(client.url))) { return; }
    try {
      const response = await fetch(client.url);
      if (response.ok) { await cache.put(client.url, response); }
    } catch (error) { /* offline already: nothing to keep */ }
  }));
}

self.addEventListener("activate", (event) => {
  // A new release: drop the old release's static cache, keep the open pages, then take
  // over open pages.
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(
      keys.filter((key) => key.startsWith("townhub-static-") && key !== STATIC_CACHE)
        .map((key) => caches.delete(key))
    )).then(keepOpenPages).then(() => self.clients.claim())
  );
});

async function trimPages(cache) {
  const keys = await cache.keys();
  for (let i = 0; i < keys.length - MAX_PAGES; i++) { await cache.delete(keys[i]); }
}

async function pageFromNetwork(request) {
  try {
    const response = await fetch(request);
    if (response.ok && request.method === "GET" && cacheablePage(new URL(request.url))) {
      const cache = await caches.open(PAGE_CACHE);
      await cache.put(request, response.clone());
      trimPages(cache);
      const saved = await caches.open(SAVED_CACHE);
      const mark = response.headers.get("Townhub-Saved");
      if (mark === "yes") { await saved.put(request, response.clone()); }
      if (mark === "no") { await saved.delete(request); }
    }
    return response;
  } catch (error) {
    const cached = (await caches.match(request, { cacheName: PAGE_CACHE })) ||
      (await caches.match(request, { cacheName: SAVED_CACHE }));
    return cached || caches.match("/offline");
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(pageFromNetwork(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  }
});

// A static file's path without its fingerprint: /static/js/app.<hash>.js -> /static/js/app.js.
function plainPath(url) {
  return new URL(url).pathname.replace(/\.[0-9a-f]{12}(\.[A-Za-z0-9]+)$/, "$1");
}

async function staticFile(request) {
  const cached = await caches.match(request);
  if (cached) { return cached; }
  try {
    const response = await fetch(request);
    if (response.ok) {
      const copy = response.clone();
      caches.open(STATIC_CACHE).then((cache) => cache.put(request, copy));
    }
    return response;
  } catch (error) {
    // Offline, and a page kept from an earlier release asks for that release's file: give
    // it this release's copy, so saved pages keep their styles.
    const cache = await caches.open(STATIC_CACHE);
    const wanted = plainPath(request.url);
    const same = (await cache.keys()).find((key) => plainPath(key.url) === wanted);
    if (same) { return cache.match(same); }
    throw error;
  }
}

self.addEventListener("push", (event) => {
  // Always show a notification: browsers revoke subscriptions that get silent pushes.
  let message = { title: "Town Hub", body: "", url: "/" };
  try { message = Object.assign(message, event.data ? event.data.json() : {}); } catch (e) { /* keep defaults */ }
  const options = {
    body: message.body,
    tag: message.tag,
    icon: "/static/icons/icon-192.png",
    data: { url: message.url, manage: message.manage }
  };
  // Every alert carries the way to change or stop alerts: a button where the platform
  // shows them, and the manage page is linked from every page the alert opens too.
  if (message.manage) {
    options.actions = [{ action: "manage", title: message.manage_label || "Alerts" }];
  }
  event.waitUntil(self.registration.showNotification(message.title, options));
});

function openOrFocus(path) {
  const target = new URL(path || "/", self.location.origin);
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    for (const client of windows) {
      if (client.url === target.href && "focus" in client) { return client.focus(); }
    }
    return self.clients.openWindow(target.href);
  });
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  event.waitUntil(openOrFocus(event.action === "manage" ? data.manage : data.url));
});

// The push service replaced this browser's subscription (keys rotated, or it expired):
// subscribe again with the same server key and tell the server, which knows this phone
// by its alerts cookie (or the old endpoint), so its choices carry over untouched.
// A named function so tests can run it: no browser lets a page fire this event.
self.renewSubscription = async (oldSubscription, newSubscription) => {
  let subscription = newSubscription;
  if (!subscription) {
    const response = await fetch("/push/vapid-public-key");
    const { publicKey } = await response.json();
    const padding = "=".repeat((4 - (publicKey.length % 4)) % 4);
    const raw = atob((publicKey + padding).replace(/-/g, "+").replace(/_/g, "/"));
    subscription = await self.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: Uint8Array.from(raw, (c) => c.charCodeAt(0))
    });
  }
  const body = subscription.toJSON();
  body.old_endpoint = oldSubscription ? oldSubscription.endpoint : null;
  return fetch("/alerts/renew", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body)
  });
};

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(self.renewSubscription(event.oldSubscription, event.newSubscription));
});
