/* Townhub roadworks form (/manage/hubs/<hub>/roadworks/new and .../edit): a map to draw
   the works and the diversion by tapping, or by moving the map with the keyboard and
   adding its middle. The boxes of points stay the source of truth: the map writes lines
   into them and redraws from them whenever they change. Without JavaScript, or if
   Leaflet does not load, the boxes are the whole form and the server checks them. */
(function () {
  "use strict";

  // As the server reads them (roadworks/forms.py): "51.3975, -0.0752", "51.3975 -0.0752"...
  var NUMBER = "[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)";
  var POINT = new RegExp("^\\(?\\s*(" + NUMBER + ")\\s*(?:[,;]\\s*|\\s+)(" + NUMBER + ")\\s*\\)?$");
  // Matches js/map.js: roadworks solid red, diversions dashed blue.
  var STYLES = {
    works: { color: "#b3261e", weight: 6, opacity: 1 },
    diversion: { color: "#1d70b8", weight: 5, opacity: 1, dashArray: "10 8" }
  };

  // app.js (loaded first) owns the live region.
  function announce(message) {
    if (window.Townhub && message) { window.Townhub.announce(message); }
  }

  function words(form, name, values) {
    var text = form.getAttribute("data-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(String(values[key]));
    });
    return text;
  }

  // The lines that are points; the others are left for the server to explain.
  function readPoints(text) {
    var points = [];
    text.replace(/[\u2212\u2013\u2012]/g, "-").split(/\r?\n/).forEach(function (line) {
      var match = POINT.exec(line.trim());
      if (!match) { return; }
      var lat = parseFloat(match[1]);
      var lng = parseFloat(match[2]);
      if (isFinite(lat) && isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) {
        points.push(L.latLng(lat, lng));
      }
    });
    return points;
  }

  function checkedValue(form, name, fallback) {
    var checked = form.querySelector("input[name=" + name + "]:checked");
    return checked ? checked.value : fallback;
  }

  // "Something else" asks what: the box shows only with that answer (or when it has
  // something in it, or an error, so nothing typed is hidden).
  function setUpTrafficOther(form) {
    var block = form.querySelector("[data-traffic-other]");
    var radios = form.querySelectorAll("input[name=traffic_management]");
    if (!block || !radios.length) { return; }
    var input = block.querySelector("input");
    var keep = Boolean(input && input.value) || Boolean(block.querySelector(".error-message"));
    function update() {
      block.hidden = !keep && checkedValue(form, "traffic_management", "") !== "other";
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", function () { keep = false; update(); });
    });
    update();
  }

  function setUpMap(form) {
    var container = form.querySelector("[data-roadwork-map]");
    var panel = form.querySelector("[data-draw]");
    if (!container || !panel || typeof L === "undefined") { return; }
    var boxes = {
      works: form.querySelector("[name=works_points]"),
      diversion: form.querySelector("[name=diversion_points]")
    };
    var counts = form.querySelector("[data-draw-counts]");
    panel.hidden = false;

    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var map = L.map(container, {
      zoomControl: false,
      // Scrolling the page over the map scrolls the page; the buttons zoom.
      scrollWheelZoom: false,
      maxZoom: 19,
      zoomAnimation: !still,
      fadeAnimation: !still
    });
    L.control.zoom({
      zoomInTitle: container.getAttribute("data-zoom-in") || "Zoom in",
      zoomOutTitle: container.getAttribute("data-zoom-out") || "Zoom out"
    }).addTo(map);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    var tiles = container.getAttribute("data-tiles");
    if (tiles) {
      // Set by the council in the app's configuration, so trusted.
      L.tileLayer(tiles, { attribution: container.getAttribute("data-attribution") || "", maxZoom: 19 }).addTo(map);
    }
    var outline = L.geoJSON(JSON.parse(document.getElementById("roadwork-map-data").textContent), {
      style: { color: "#0b0c0c", weight: 2, dashArray: "4 4", fillOpacity: 0.05 },
      interactive: false
    }).addTo(map);
    var layers = { works: L.layerGroup().addTo(map), diversion: L.layerGroup().addTo(map) };

    function isArea() { return checkedValue(form, "works_shape", "line") === "area"; }

    function showCounts() {
      counts.textContent = words(form, "counts", {
        works: readPoints(boxes.works.value).length,
        diversion: readPoints(boxes.diversion.value).length
      });
    }

    function redraw(which) {
      var points = readPoints(boxes[which].value);
      var group = layers[which];
      var style = L.Util.extend({ interactive: false }, STYLES[which]);
      group.clearLayers();
      if (which === "works" && isArea() && points.length >= 3) {
        L.polygon(points, L.Util.extend({ fillOpacity: 0.2 }, style)).addTo(group);
      } else if (points.length >= 2) {
        L.polyline(points, style).addTo(group);
      }
      points.forEach(function (point) {
        L.circleMarker(point, {
          radius: 6, color: "#ffffff", weight: 2, fillColor: STYLES[which].color, fillOpacity: 1, interactive: false
        }).addTo(group);
      });
      showCounts();
    }

    function add(latlng) {
      var which = checkedValue(form, "draw", "works");
      var box = boxes[which];
      var kept = box.value.replace(/\s+$/, "");
      var line = latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5);
      box.value = kept ? kept + "\n" + line : line;
      cleared[which] = "";
      redraw(which);
      announce(words(form, "added-" + which, { number: readPoints(box.value).length }));
    }

    // What "Clear" took away, so a mistaken tap on it can be undone.
    var cleared = { works: "", diversion: "" };

    function undo() {
      var which = checkedValue(form, "draw", "works");
      var box = boxes[which];
      if (!box.value.trim() && cleared[which]) {
        box.value = cleared[which];
        cleared[which] = "";
        redraw(which);
        announce(words(form, "restored-" + which));
        return;
      }
      if (!box.value.trim()) {
        announce(words(form, "nothing"));
        return;
      }
      var lines = box.value.replace(/\s+$/, "").split(/\r?\n/);
      lines.pop();
      box.value = lines.join("\n");
      redraw(which);
      announce(words(form, "undone-" + which));
    }

    function clear() {
      var which = checkedValue(form, "draw", "works");
      if (!boxes[which].value.trim()) {
        announce(words(form, "nothing"));
        return;
      }
      cleared[which] = boxes[which].value;
      boxes[which].value = "";
      redraw(which);
      announce(words(form, "cleared-" + which));
    }

    map.on("click", function (event) { add(event.latlng); });
    form.querySelector("[data-draw-middle]").addEventListener("click", function () { add(map.getCenter()); });
    form.querySelector("[data-draw-undo]").addEventListener("click", undo);
    form.querySelector("[data-draw-clear]").addEventListener("click", clear);
    Object.keys(boxes).forEach(function (which) {
      boxes[which].addEventListener("input", function () { redraw(which); });
    });
    form.querySelectorAll("input[name=works_shape]").forEach(function (radio) {
      radio.addEventListener("change", function () { redraw("works"); });
    });

    redraw("works");
    redraw("diversion");
    // Start on what is drawn already, or on the high street.
    var drawn = readPoints(boxes.works.value).concat(readPoints(boxes.diversion.value));
    if (drawn.length) {
      map.fitBounds(L.latLngBounds(drawn), { maxZoom: 18, padding: [24, 24] });
    } else {
      map.fitBounds(outline.getBounds(), { padding: [10, 10] });
    }
  }

  // After "Preview", the page comes back with the preview at the top: start there.
  function focusPreview() {
    var preview = document.querySelector("[data-roadwork-preview]");
    if (!preview) { return; }
    preview.focus();
    var heading = preview.querySelector("h2");
    if (heading) { announce(heading.textContent.trim()); }
  }

  function setUp() {
    var form = document.querySelector("[data-roadwork-form]");
    if (!form) { return; }
    setUpTrafficOther(form);
    setUpMap(form);
    focusPreview();
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
