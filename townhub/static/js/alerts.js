/* Townhub alerts sign-up (/alerts): shows the form where this browser can receive Web
   Push, reveals the part of the form each choice needs, lets the resident place a point
   on a map, and asks for notification permission only after the tap on "Turn on alerts".
   The server validates the form and stores the choices; this only adds the browser's
   subscription to it. */
(function () {
  "use strict";

  // app.js (loaded first) owns the live region.
  function announce(message) {
    if (window.Townhub) { window.Townhub.announce(message); }
  }

  function urlBase64ToUint8Array(base64String) {
    var padding = "=".repeat((4 - (base64String.length % 4)) % 4);
    var base64 = (base64String + padding).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(base64);
    var output = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { output[i] = raw.charCodeAt(i); }
    return output;
  }

  function isAppleMobile() {
    return /iPad|iPhone|iPod/.test(navigator.userAgent) ||
      (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  }

  function isInstalled() {
    return window.navigator.standalone === true ||
      (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches);
  }

  function show(selector, visible) {
    var element = document.querySelector(selector);
    if (element) { element.hidden = !visible; }
  }

  // GOV.UK conditional reveals: only the chosen answer's follow-up questions show.
  function setUpReveals(form) {
    var radios = form.querySelectorAll("input[name=area]");
    function update() {
      var chosen = "hub";
      radios.forEach(function (radio) {
        if (radio.checked) { chosen = radio.value; }
      });
      form.querySelectorAll("[data-conditional]").forEach(function (block) {
        block.hidden = block.getAttribute("data-conditional") !== chosen;
      });
      show("[data-alerts-radius]", chosen !== "hub");
      if (chosen === "point" && form.pickerMap) { form.pickerMap.invalidateSize(); }
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  function setUpMap(form) {
    var container = form.querySelector("[data-alerts-map]");
    if (!container || !window.L) { return; }
    form.querySelector("[data-needs-map]").hidden = false;
    var map = L.map(container, { zoomControl: true, attributionControl: true });
    form.pickerMap = map;
    var tiles = container.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { attribution: container.getAttribute("data-attribution") || "", maxZoom: 19 }).addTo(map);
    }
    var outlines = L.geoJSON(JSON.parse(document.getElementById("alerts-map-data").textContent), {
      style: { color: "#0b0c0c", weight: 2, dashArray: "4 4", fillOpacity: 0.05 },
      interactive: false
    }).addTo(map);
    map.fitBounds(outlines.getBounds(), { padding: [10, 10] });
    var lon = form.querySelector("[name=lon]");
    var lat = form.querySelector("[name=lat]");
    var radius = form.querySelector("[name=radius_m]");
    var status = form.querySelector("[data-alerts-point-status]");
    var marker = null;
    var circle = null;

    function place(latlng) {
      lon.value = latlng.lng.toFixed(5);
      lat.value = latlng.lat.toFixed(5);
      var metres = parseInt(radius.value, 10) || 500;
      if (!marker) {
        marker = L.circleMarker(latlng, { radius: 7, color: "#ffffff", weight: 2, fillColor: "#1d70b8", fillOpacity: 1 }).addTo(map);
        circle = L.circle(latlng, { radius: metres, color: "#1d70b8", weight: 2, fillOpacity: 0.1, interactive: false }).addTo(map);
      } else {
        marker.setLatLng(latlng);
        circle.setLatLng(latlng);
        circle.setRadius(metres);
      }
      status.textContent = container.getAttribute("data-placed");
    }

    map.on("click", function (event) { place(event.latlng); });
    form.querySelector("[data-alerts-centre]").addEventListener("click", function () {
      place(map.getCenter());
    });
    radius.addEventListener("change", function () {
      if (circle) { circle.setRadius(parseInt(radius.value, 10) || 500); }
    });
    if (lon.value && lat.value) {
      place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)));
    }
  }

  function subscribe() {
    return Promise.all([
      navigator.serviceWorker.ready,
      fetch("/push/vapid-public-key").then(function (response) { return response.json(); })
    ]).then(function (results) {
      var registration = results[0];
      var key = urlBase64ToUint8Array(results[1].publicKey);
      return registration.pushManager.getSubscription().then(function (existing) {
        return existing || registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      });
    });
  }

  function setUpSubmit(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      announce(form.getAttribute("data-asking"));
      // The permission prompt comes only now, after the resident's tap.
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") {
          show("[data-alerts-denied]", true);
          throw new Error(form.getAttribute("data-denied"));
        }
        return subscribe();
      }).then(function (subscription) {
        var json = subscription.toJSON();
        form.querySelector("[name=endpoint]").value = json.endpoint;
        form.querySelector("[name=p256dh]").value = json.keys.p256dh;
        form.querySelector("[name=auth]").value = json.keys.auth;
        // form.submit() sends the form without firing this handler again.
        form.submit();
      }).catch(function (error) {
        button.disabled = false;
        announce((error && error.message) || form.getAttribute("data-failed"));
      });
    });
  }

  function setUp() {
    var form = document.querySelector("[data-alerts-form]");
    if (!form) { return; }
    if (isAppleMobile() && !isInstalled()) {
      show("[data-alerts-ios]", true);
      show("[data-alerts-unsupported]", false);
      return;
    }
    if (!("serviceWorker" in navigator && "PushManager" in window && "Notification" in window)) {
      return;
    }
    show("[data-alerts-unsupported]", false);
    if (Notification.permission === "denied") { show("[data-alerts-denied]", true); }
    form.hidden = false;
    setUpMap(form);
    setUpReveals(form);
    setUpSubmit(form);
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
