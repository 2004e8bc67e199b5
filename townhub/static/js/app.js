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
  // For the page scripts that load after this one (alerts.js).
  window.Townhub = { announce: announce };

  // A form sent back with errors: take keyboard and screen-reader users to the summary,
  // whose links lead to each field (the GOV.UK pattern).
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });

  // After HTMX swaps a region, move focus to its error summary or heading so keyboard
  // and screen-reader users land on what changed.
  document.addEventListener("htmx:afterSwap", function (event) {
    // After an outerHTML swap the old target is detached: find the new region by its id.
    var old = event.detail.target;
    var target = (old.id && document.getElementById(old.id)) || event.target;
    if (!target || !target.isConnected) { return; }
    // A region refreshed by a timer changes quietly: focus stays where the person is.
    var config = event.detail.requestConfig;
    if (target.hasAttribute("data-quiet-refresh") && !(config && config.triggeringEvent)) { return; }
    var focusable = target.querySelector(".error-summary") || target.querySelector("h1, h2");
    if (focusable) {
      if (!focusable.hasAttribute("tabindex")) { focusable.setAttribute("tabindex", "-1"); }
      focusable.focus();
      announce(focusable.textContent.trim());
    }
  });


  // "Find my nearest" and "sort by distance": the position is asked for only after the
  // tap, sent with that one request in the form body (never in the address, so it is not
  // logged), and never stored.
  function locate(form, done) {
    announce(form.getAttribute("data-locating") || "Finding your position…");
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.latitude.value = position.coords.latitude.toFixed(5);
      form.elements.longitude.value = position.coords.longitude.toFixed(5);
      done();
      form.elements.latitude.value = "";
      form.elements.longitude.value = "";
    }, function () {
      announce(form.getAttribute("data-no-position") || "Your position could not be found.");
      // Let the server say so in the page, with the list still there.
      done();
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 });
  }

  function setUpPositionForms() {
    if (!("geolocation" in navigator)) { return; }
    document.querySelectorAll("[data-position-form]").forEach(function (form) {
      form.hidden = false;
      form.addEventListener("submit", function (event) {
        if (window.htmx) { return; } // htmx:confirm below handles it
        event.preventDefault();
        locate(form, function () { form.submit(); });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", setUpPositionForms);

  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    if (!form.hasAttribute || !form.hasAttribute("data-position-form")) { return; }
    event.preventDefault();
    locate(form, function () { event.detail.issueRequest(true); });
  });

  // Installing: the browser's own prompt where it offers one; the poster that brought the
  // resident is remembered on this phone only, so an install can be credited to it.
  var installPrompt = null;
  function hubOfPage() {
    return document.body.getAttribute("data-hub");
  }
  function setUpInstall() {
    var hub = hubOfPage();
    if (!hub) { return; }
    var ref = new URLSearchParams(window.location.search).get("ref");
    try {
      if (ref) { window.localStorage.setItem("townhub-ref-" + hub, ref); }
    } catch (error) { /* storage off: the install is counted without its poster */ }
    var button = document.querySelector("[data-install-button]");
    if (button) {
      button.addEventListener("click", function () {
        if (!installPrompt) { return; }
        installPrompt.prompt();
        installPrompt = null;
        button.hidden = true;
      });
    }
  }
  document.addEventListener("DOMContentLoaded", setUpInstall);
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    installPrompt = event;
    var button = document.querySelector("[data-install-button]");
    if (button) { button.hidden = false; }
  });
  window.addEventListener("appinstalled", function () {
    var hub = hubOfPage();
    if (!hub || !navigator.sendBeacon) { return; }
    var body = new FormData();
    try { body.append("ref", window.localStorage.getItem("townhub-ref-" + hub) || ""); } catch (error) { /* none */ }
    navigator.sendBeacon("/" + hub + "/installs", body);
    var button = document.querySelector("[data-install-button]");
    if (button) { button.hidden = true; }
    announce(document.body.getAttribute("data-installed"));
  });
})();
