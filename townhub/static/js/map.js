/* Townhub maps: draws each [data-map] element's GeoJSON (from its #<id>-data block) with
   the vendored Leaflet. Loaded only on pages with a map, after leaflet.js. The page's text
   list carries the same facts, so a map that cannot be drawn stays hidden. */
(function () {
  "use strict";

  // Colours keep 3:1 against the plain map background and typical light tiles (WCAG
  // 1.4.11); lines differ by dash and width too, so colour is never the only cue.
  // Matches the swatches in map.css and the key in components/map.html.
  var COLOURS = {
    roadwork: "#b3261e",
    diversion: "#1d70b8",
    hub: "#0b0c0c",
    business: "#1d3b6f",
    offer: "#00703c",
    event: "#4c2c92"
  };
  var LINES = {
    // Thick, and painted over the dots (PAINT_ORDER), so it shows along a street of shops.
    roadwork: { weight: 8 },
    diversion: { weight: 5, dashArray: "10 8" },
    hub: { weight: 2, dashArray: "4 4", fillOpacity: 0.05 }
  };
  // Close enough to read the street names around a single shop.
  var SINGLE_POINT_ZOOM = 17;

  function kindOf(feature) {
    return (feature && feature.properties && feature.properties.kind) || "";
  }

  function isPoint(feature) {
    var type = feature.geometry && feature.geometry.type;
    return type === "Point" || type === "MultiPoint";
  }

  function colourOf(feature) {
    return COLOURS[kindOf(feature)] || "#0b0c0c";
  }

  // Lines and areas; GeoJSON applies this to every layer, so dots opt out.
  function lineStyle(feature) {
    if (isPoint(feature)) { return {}; }
    return L.Util.extend({ color: colourOf(feature), opacity: 1 }, LINES[kindOf(feature)] || { weight: 4 });
  }

  // Points are vector dots: no marker images to load. The white ring keeps a dot
  // visible on dark tiles and where dots overlap.
  function dot(feature, latlng) {
    return L.circleMarker(latlng, {
      radius: 6,
      color: "#ffffff",
      weight: 2,
      opacity: 1,
      fillColor: colourOf(feature),
      fillOpacity: 1
    });
  }

  // Labels come from business owners: always text nodes, never HTML (Leaflet would
  // otherwise set a string as innerHTML).
  function textNode(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  // Only web addresses: a "javascript:" URL in the data must never run.
  function isWebAddress(url) {
    if (!url) { return false; }
    var link = document.createElement("a");
    link.href = url;
    return link.protocol === "http:" || link.protocol === "https:";
  }

  function linkNode(text, url) {
    var link = document.createElement("a");
    link.href = url;
    link.textContent = text;
    return link;
  }

  function describe(feature, layer) {
    var properties = feature.properties || {};
    if (!properties.label) { return; }
    // Sticky tooltips follow the pointer along long roadworks instead of sitting at
    // the middle of a line the pointer may be far from.
    layer.bindTooltip(textNode(properties.label), { sticky: !isPoint(feature) });
    if (isWebAddress(properties.url)) {
      // Narrow enough to fit, close button and all, on a map on a 320 px wide screen.
      layer.bindPopup(linkNode(properties.label, properties.url), { maxWidth: 220 });
    }
  }

  // Leaflet shows a feature's tooltip when the feature gets focus, and Chromium then puts
  // the feature in the Tab order; so each named feature gets its name and a role, and
  // one with a page behind it opens that page on Enter, as its popup's link would.
  function makeReachable(map, layer, properties) {
    if (layer.eachLayer) {
      // A MultiPoint is a group of dots, each reached on its own.
      layer.eachLayer(function (part) { makeReachable(map, part, properties); });
      return;
    }
    var element = layer.getElement();
    if (!element || !properties.label) { return; }
    var url = isWebAddress(properties.url) ? properties.url : null;
    element.setAttribute("tabindex", "0");
    element.setAttribute("role", url ? "link" : "img");
    element.setAttribute("aria-label", properties.label);
    if (url) {
      element.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { window.location.assign(url); }
      });
    }
    element.addEventListener("focus", function () {
      // After panning away with the arrow keys, Tab could land on a feature out of
      // sight: bring it into view.
      var place = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
      if (!map.getBounds().contains(place)) { map.panTo(place); }
    });
  }

  // Later features paint over earlier ones. Areas go underneath; roadworks and
  // diversions go on top, as they are what a travel map is for and the shops along a
  // closed street would otherwise hide the red line. (Also the Tab order.)
  var PAINT_ORDER = { Polygon: 0, MultiPolygon: 0, Point: 1, MultiPoint: 1 };

  function paintOrder(feature) {
    var type = feature.geometry && feature.geometry.type;
    return type in PAINT_ORDER ? PAINT_ORDER[type] : 2;
  }

  function inPaintOrder(features) {
    return features.slice().sort(function (a, b) { return paintOrder(a) - paintOrder(b); });
  }

  function readFeatures(element) {
    var block = document.getElementById(element.id + "-data");
    if (!block) { return null; }
    try {
      return JSON.parse(block.textContent);
    } catch (error) {
      console.warn("Map data is not valid JSON:", element.id, error);
      return null;
    }
  }

  function addTiles(map, element) {
    var url = element.getAttribute("data-tiles");
    // No tile server configured: the features still show on a plain background.
    if (!url) { return; }
    L.tileLayer(url, {
      maxZoom: 19,
      // Set by the council in the app's configuration (it may hold links), so trusted.
      attribution: element.getAttribute("data-attribution") || ""
    }).addTo(map);
  }

  function focusTarget(link) {
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return; }
    // A list is not focusable by itself; without this, following the link would only
    // scroll and the next Tab would land back near the map.
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    link.addEventListener("click", function () { target.focus(); });
  }

  function draw(element) {
    if (element.getAttribute("data-map-drawn") === "true") { return; }
    var data = readFeatures(element);
    if (!data || !data.features || !data.features.length) { return; }

    var figure = element.closest("[data-map-figure]");
    // The container needs its height before Leaflet measures it.
    if (figure) { figure.classList.add("map-figure--ready"); }

    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var map = L.map(element, {
      zoomControl: false,
      // Scrolling the page over the map must scroll the page, not zoom the map.
      scrollWheelZoom: false,
      maxZoom: 19,
      zoomAnimation: !still,
      fadeAnimation: !still,
      markerZoomAnimation: !still
    });
    L.control.zoom({
      zoomInTitle: element.getAttribute("data-zoom-in") || "Zoom in",
      zoomOutTitle: element.getAttribute("data-zoom-out") || "Zoom out"
    }).addTo(map);
    // Leaflet's own credit, without its default English tooltip text.
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    var closeLabel = element.getAttribute("data-close-popup");
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close && closeLabel) { close.setAttribute("aria-label", closeLabel); }
    });
    addTiles(map, element);

    var features = L.geoJSON(inPaintOrder(data.features), {
      filter: function (feature) { return Boolean(feature.geometry); },
      style: lineStyle,
      pointToLayer: dot,
      onEachFeature: describe
    }).addTo(map);
    map.fitBounds(features.getBounds(), { maxZoom: SINGLE_POINT_ZOOM, padding: [24, 24] });
    // Only now, with a view, has Leaflet made the features' SVG elements.
    features.eachLayer(function (layer) {
      makeReachable(map, layer, layer.feature.properties || {});
    });

    if (figure) {
      var skip = figure.querySelector("[data-map-skip]");
      if (skip) { focusTarget(skip); }
    }
    element.setAttribute("data-map-drawn", "true");
    element.townhubMap = map;
  }

  function drawAll(root) {
    if (typeof L === "undefined") { return; }
    var elements = root.querySelectorAll ? root.querySelectorAll("[data-map]") : [];
    for (var i = 0; i < elements.length; i++) { draw(elements[i]); }
    if (root.matches && root.matches("[data-map]")) { draw(root); }
  }

  drawAll(document);
  // A map inside content that HTMX swaps in is drawn too; one being swapped out is
  // removed so Leaflet lets go of its window listeners.
  document.addEventListener("htmx:load", function (event) { drawAll(event.detail.elt); });
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    var element = event.detail.elt;
    if (element && element.townhubMap) {
      element.townhubMap.remove();
      element.townhubMap = null;
    }
  });
})();
