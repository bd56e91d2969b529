/* Situational map: draws every <div class="situational-map" data-geojson-url> with Leaflet
 * (this site's static files). For the visible area it asks the server for a GeoJSON
 * FeatureCollection of clusters (a "count") and single reports, and draws clusters as
 * numbered circles (activating one zooms into it) and reports as markers whose popup links
 * to the report's page. A report's pin takes its shape and colour from its status (copied
 * from the legend under the map, which says in words what each one means). Without a tile
 * server the city's own streets, districts and offices are drawn. Progressive: without JavaScript the map stays hidden and the filter
 * form and the list of reports next to it do the work. Texts come from data- attributes
 * (translated by the server); report texts are inserted as text, never as HTML. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;

  function attr(element, name, fallback) {
    var value = element.getAttribute("data-" + name);
    return value === null || value === "" ? fallback : value;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  /* Leaflet may already be on the page (another map loaded it); load it once otherwise. */
  function withLeaflet(element, callback) {
    if (typeof window.L !== "undefined") {
      callback();
      return;
    }
    var src = attr(element, "leaflet-js", "");
    if (!src) {
      return;
    }
    var existing = document.querySelector("script[data-leaflet-loader]");
    if (existing) {
      existing.addEventListener("load", callback);
      return;
    }
    var script = document.createElement("script");
    script.src = src;
    script.setAttribute("data-leaflet-loader", "1");
    script.addEventListener("load", callback);
    document.head.appendChild(script);
  }

  function clusterSize(count) {
    if (count >= 1000) {
      return "large";
    }
    if (count >= 100) {
      return "medium";
    }
    return "small";
  }

  /* "2026-03-01" in the page's language ("1 березня 2026 р."); the ISO date otherwise. */
  function localDate(iso) {
    if (!iso) {
      return "";
    }
    var parts = iso.split("-");
    var date = new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2]));
    try {
      return date.toLocaleDateString(document.documentElement.lang || undefined, {
        year: "numeric", month: "long", day: "numeric"
      });
    } catch (error) {
      return iso;
    }
  }

  function popupFor(properties, texts) {
    var box = document.createElement("div");
    box.className = "situational-popup";
    var title = document.createElement("p");
    title.className = "situational-popup-title";
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.number || texts.report;
    title.appendChild(link);
    box.appendChild(title);
    var lines = [properties.category_label, properties.status_label, localDate(properties.date)];
    for (var i = 0; i < lines.length; i++) {
      if (lines[i]) {
        var line = document.createElement("p");
        line.textContent = lines[i];
        box.appendChild(line);
      }
    }
    return box;
  }

  function draw(element) {
    if (element.getAttribute("data-map-ready")) {
      return;
    }
    var L = window.L;
    var lat = parseFloat(attr(element, "lat", ""));
    var lng = parseFloat(attr(element, "lng", ""));
    var zoom = parseInt(attr(element, "zoom", "13"), 10);
    var endpoint = attr(element, "geojson-url", "");
    if (!endpoint || !isFinite(lat) || !isFinite(lng)) {
      return;
    }
    var filters = attr(element, "filters", "");
    var tileUrl = attr(element, "tile-url", "");
    var statusBox = element.id ? document.getElementById(element.id + "-status") : null;
    var texts = {
      report: attr(element, "text-report", "Report"),
      cluster: attr(element, "text-cluster", "%(count)s reports: zoom in"),
      shown: attr(element, "text-shown", "%(count)s reports in this area."),
      failed: attr(element, "text-failed", "The reports could not be loaded.")
    };

    element.hidden = false;
    element.setAttribute("data-map-ready", "1");
    element.setAttribute("role", "region");
    element.setAttribute("aria-label", attr(element, "map-label", "Map"));

    var map = L.map(element, {
      keyboard: true,
      zoomSnap: 0.5,
      scrollWheelZoom: false,
      zoomControl: false,
      attributionControl: Boolean(tileUrl)
    });
    L.control.zoom({
      zoomInTitle: attr(element, "zoom-in", "+"),
      zoomOutTitle: attr(element, "zoom-out", "-")
    }).addTo(map);
    if (tileUrl) {
      L.tileLayer(tileUrl, {
        attribution: attr(element, "attribution", ""), maxZoom: 19,
        referrerPolicy: "strict-origin-when-cross-origin"
      }).addTo(map);
      if (map.attributionControl) {
        map.attributionControl.setPrefix(false);
      }
    } else {
      element.classList.add("map-plain");
      if (window.CivicDeskMap) {
        // the whole city in view, unless the map names its own zoom
        window.CivicDeskMap.drawCity(map, attr(element, "geometry-url", ""), {
          fit: Boolean(attr(element, "bounds", ""))
        });
      }
    }
    if (window.CivicDeskMap) {
      window.CivicDeskMap.localize(map, element);
    }
    var legend = document.getElementById(attr(element, "legend", "")) || null;
    var pins = {};
    try {
      pins = JSON.parse(attr(element, "status-pins", "{}"));
    } catch (error) {
      pins = {};
    }
    if (legend) {
      legend.hidden = false;
    }

    /* The pin of a status: the legend's own drawing of its kind. */
    function pinIcon(properties) {
      var group = pins[properties.status] || (properties.open ? "progress" : "closed");
      var sample = legend && legend.querySelector('[data-pin="' + group + '"] svg');
      if (!sample) {
        return null;
      }
      return L.divIcon({
        className: "report-pin report-pin-" + group,
        html: sample.outerHTML,
        iconSize: [24, 24],
        iconAnchor: [12, 12],
        popupAnchor: [0, -12]
      });
    }
    var layer = L.layerGroup().addTo(map);
    var timer = null;
    var controller = null;

    function announce(text) {
      if (statusBox) {
        statusBox.textContent = text;
      }
    }

    function addCluster(feature, latlng) {
      var p = feature.properties;
      var label = format(texts.cluster, { count: p.count });
      var marker = L.marker(latlng, {
        icon: L.divIcon({
          className: "situational-cluster situational-cluster-" + clusterSize(p.count),
          html: "<span>" + Number(p.count) + "</span>",
          iconSize: null
        }),
        title: label,
        keyboard: true
      });
      marker.on("click", function () {
        var b = p.bounds;
        if (b && (b[0] !== b[2] || b[1] !== b[3])) {
          map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [24, 24] });
        } else {
          map.setView(latlng, Math.min(map.getZoom() + 2, 19));
        }
      });
      marker.addTo(layer);
      var icon = marker.getElement();
      if (icon) {
        icon.setAttribute("aria-label", label);
      }
    }

    function addReport(feature, latlng) {
      var p = feature.properties;
      var label = [p.number, p.category_label].filter(Boolean).join(": ") +
        (p.status_label ? " (" + p.status_label + ")" : "");
      var options = { title: label, alt: label, keyboard: true };
      var icon = pinIcon(p);
      if (icon) {
        options.icon = icon;
      }
      var marker = L.marker(latlng, options);
      marker.bindPopup(popupFor(p, texts));
      marker.addTo(layer);
      var pinElement = marker.getElement();
      if (pinElement && icon) {
        pinElement.setAttribute("aria-label", label);
      }
    }

    function render(data) {
      layer.clearLayers();
      var total = 0;
      var features = (data && data.features) || [];
      for (var i = 0; i < features.length; i++) {
        var feature = features[i];
        var c = feature.geometry && feature.geometry.coordinates;
        if (!c) {
          continue;
        }
        var latlng = L.latLng(c[1], c[0]);
        if (feature.properties.cluster) {
          total += feature.properties.count;
          addCluster(feature, latlng);
        } else {
          total += 1;
          addReport(feature, latlng);
        }
      }
      element.setAttribute("data-loaded", String(total));
      element.setAttribute("data-zoom", String(map.getZoom()));
      announce(format(texts.shown, { count: total }));
    }

    function load() {
      var b = map.getBounds();
      var clamp = function (value, limit) {
        return Math.max(-limit, Math.min(limit, value));
      };
      var bbox = [
        clamp(b.getWest(), 180), clamp(b.getSouth(), 90),
        clamp(b.getEast(), 180), clamp(b.getNorth(), 90)
      ].map(function (value) { return value.toFixed(6); }).join(",");
      var url = endpoint + "?bbox=" + bbox + "&zoom=" + Math.floor(map.getZoom()) +
        (filters ? "&" + filters : "");
      if (controller) {
        controller.abort();
      }
      controller = typeof AbortController !== "undefined" ? new AbortController() : null;
      element.setAttribute("aria-busy", "true");
      fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/geo+json, application/json" },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      }).then(function (data) {
        element.removeAttribute("aria-busy");
        render(data);
      }).catch(function (error) {
        if (error && error.name === "AbortError") {
          return;
        }
        element.removeAttribute("aria-busy");
        announce(texts.failed);
      });
    }

    map.on("moveend", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(load, DEBOUNCE_MS);
    });

    var bounds = attr(element, "bounds", "").split(",").map(parseFloat);
    if (bounds.length === 4 && bounds.every(isFinite)) {
      map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]]);
    } else {
      map.setView([lat, lng], isFinite(zoom) ? zoom : 13);
    }
  }

  function drawAll() {
    var maps = document.querySelectorAll(".situational-map[data-geojson-url]");
    for (var i = 0; i < maps.length; i++) {
      (function (element) {
        withLeaflet(element, function () { draw(element); });
      })(maps[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
