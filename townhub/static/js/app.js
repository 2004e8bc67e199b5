/* Townhub: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function (error) {
        console.warn("Service worker not registered:", error);
      });
    });
  }

  function announce(message) {
    var region = document.getElementById("announcer");
    if (region) {
      region.textContent = "";
      window.setTimeout(function () { region.textContent = message; }, 50);
    }
  }

  // After HTMX swaps a region, move focus to its error summary or heading so keyboard
  // and screen-reader users land on what changed.
  document.addEventListener("htmx:afterSwap", function (event) {
    // After an outerHTML swap the old target is detached: find the new region by its id.
    var old = event.detail.target;
    var target = (old.id && document.getElementById(old.id)) || event.target;
    if (!target || !target.isConnected) { return; }
    var focusable = target.querySelector(".error-summary") || target.querySelector("h1, h2");
    if (focusable) {
      if (!focusable.hasAttribute("tabindex")) { focusable.setAttribute("tabindex", "-1"); }
      focusable.focus();
      announce(focusable.textContent.trim());
    }
  });

  function urlBase64ToUint8Array(base64String) {
    var padding = "=".repeat((4 - (base64String.length % 4)) % 4);
    var base64 = (base64String + padding).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(base64);
    var output = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { output[i] = raw.charCodeAt(i); }
    return output;
  }

  function setUpAlerts() {
    var optin = document.querySelector("[data-alerts-optin]");
    if (!optin) { return; }
    var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
    if (!supported) { return; }
    optin.hidden = false;
    var unsupported = document.querySelector("[data-alerts-unsupported]");
    if (unsupported) { unsupported.hidden = true; }
    var form = optin.querySelector("form");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var hub = form.querySelector("[name=hub]").value;
      // The permission prompt comes only now, after the resident's tap.
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") {
          throw new Error("Notifications are turned off for this site.");
        }
        return Promise.all([
          navigator.serviceWorker.ready,
          fetch("/push/vapid-public-key").then(function (r) { return r.json(); })
        ]);
      }).then(function (results) {
        return results[0].pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: urlBase64ToUint8Array(results[1].publicKey)
        });
      }).then(function (subscription) {
        var body = subscription.toJSON();
        body.hub = hub;
        body.topics = ["offers"];
        body.area = { type: "hub" };
        return fetch("/push/subscriptions", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body)
        });
      }).then(function (response) {
        if (!response.ok) { throw new Error("The server could not save your alerts."); }
        announce("Alerts are on for this phone.");
      }).catch(function (error) {
        announce(error.message || "Alerts could not be turned on.");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", setUpAlerts);
})();
