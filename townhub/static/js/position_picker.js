/* Placing a business on the map (/manage/businesses/<id>/position). The latitude and
   longitude fields are the answer and work without this script; the map only fills
   them in: by a tap, by the middle of the map (keyboard users pan with the arrow keys),
   or by the phone's position when the owner is standing in the shop. */
(function () {
  "use strict";

  function announce(message) {
    if (window.Townhub) { window.Townhub.announce(message); }
  }

  function setUp(picker) {
    if (!window.L) { return; }
    picker.hidden = false;
    var container = picker.querySelector("[data-map]");
    var latField = document.querySelector("[name=latitude]");
    var lonField = document.querySelector("[name=longitude]");
    var map = L.map(container, { zoomControl: true, attributionControl: true });
    var tiles = container.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { attribution: container.getAttribute("data-attribution") || "", maxZoom: 19 }).addTo(map);
    }
    var outline = L.geoJSON(JSON.parse(document.getElementById("position-map-data").textContent), {
      style: { color: "#0b0c0c", weight: 2, dashArray: "4 4", fillOpacity: 0.05 },
      interactive: false
    }).addTo(map);
    map.fitBounds(outline.getBounds(), { padding: [10, 10] });
    var marker = null;

    function show(latlng) {
      if (!marker) {
        marker = L.circleMarker(latlng, { radius: 8, color: "#ffffff", weight: 2, fillColor: "#1d70b8", fillOpacity: 1 }).addTo(map);
      } else {
        marker.setLatLng(latlng);
      }
    }

    function place(latlng) {
      latField.value = latlng.lat.toFixed(6);
      lonField.value = latlng.lng.toFixed(6);
      show(latlng);
      announce(picker.getAttribute("data-placed") + " " + latField.value + ", " + lonField.value);
    }

    function fromFields() {
      var lat = parseFloat(latField.value);
      var lon = parseFloat(lonField.value);
      if (isFinite(lat) && isFinite(lon)) { show(L.latLng(lat, lon)); }
    }

    map.on("click", function (event) { place(event.latlng); });
    picker.querySelector("[data-position-centre]").addEventListener("click", function () {
      place(map.getCenter());
    });
    latField.addEventListener("change", fromFields);
    lonField.addEventListener("change", fromFields);
    fromFields();

    var here = picker.querySelector("[data-position-here]");
    if (navigator.geolocation) {
      here.hidden = false;
      here.addEventListener("click", function () {
        announce(picker.getAttribute("data-locating"));
        navigator.geolocation.getCurrentPosition(function (position) {
          var latlng = L.latLng(position.coords.latitude, position.coords.longitude);
          place(latlng);
          map.setView(latlng, Math.max(map.getZoom(), 17));
        }, function () {
          announce(picker.getAttribute("data-no-position"));
        }, { enableHighAccuracy: true, timeout: 15000 });
      });
    }
  }

  document.querySelectorAll("[data-position-picker]").forEach(setUp);
}());
