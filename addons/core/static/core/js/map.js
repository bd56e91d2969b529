/* Public maps: draws every <div class="map" data-lat data-lng> with Leaflet (served from
 * this site). Progressive: without JavaScript the element stays hidden and the page's
 * address text says where the place is. Keyboard: the map takes focus (arrows pan, +/- zoom)
 * and the marker is reachable with Tab.
 *
 * Without a tile server (empty data-tile-url) the map draws the city itself from its own
 * data: window.CivicDeskMap.drawCity(map, url, options) loads the site's GeoJSON of streets
 * (lines with their names), districts (outlines) and offices (points) and adds them as vector
 * layers. The report form and the situational map use the same function. */
(function () {
  "use strict";

  var STREET_LABELS_FROM_ZOOM = 15;
  var STREET_DETAIL_FROM_ZOOM = 16;
  var DISTRICT_LABELS_UP_TO_ZOOM = 15;
  var SCRIPT = document.currentScript;

  /* The labels' stylesheet sits next to this script: added once, from this site. */
  function addStyles() {
    if (document.querySelector("link[data-city-map-css]") || !SCRIPT || !SCRIPT.src) {
      return;
    }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = SCRIPT.src.replace(/js\/map\.js(\?.*)?$/, "css/map.css");
    link.setAttribute("data-city-map-css", "1");
    document.head.appendChild(link);
  }

  function zoomClasses(map) {
    var box = map.getContainer();
    var zoom = map.getZoom();
    box.classList.toggle("city-streets-unlabelled", zoom < STREET_LABELS_FROM_ZOOM);
    box.classList.toggle("city-districts-unlabelled", zoom > DISTRICT_LABELS_UP_TO_ZOOM);
    box.classList.toggle("city-streets-detailed", zoom >= STREET_DETAIL_FROM_ZOOM);
  }

  function officePopup(properties) {
    var box = document.createElement("div");
    var names = properties.names || [];
    for (var i = 0; i < names.length; i++) {
      var line = document.createElement("p");
      if (names[i].url) {
        var link = document.createElement("a");
        link.href = names[i].url;
        link.textContent = names[i].title;
        line.appendChild(link);
      } else {
        line.textContent = names[i].title;
      }
      box.appendChild(line);
    }
    if (properties.address) {
      var address = document.createElement("p");
      address.className = "city-office-address";
      address.textContent = properties.address;
      box.appendChild(address);
    }
    return box;
  }

  function officeTitle(properties) {
    var names = (properties.names || []).map(function (n) { return n.title; });
    return names.concat(properties.address ? [properties.address] : []).join(" · ");
  }

  /* A text label on the map: a standalone tooltip in the labels' pane, turned to ``angle``
   * degrees (text, never HTML: names are the city's data). Labels and offices are tooltips,
   * not markers: the map's markers stay the page's own (the place, the reports). */
  function label(L, latlng, text, className, angle) {
    var span = document.createElement("span");
    span.className = "city-label-text";
    span.textContent = text;
    if (angle) {
      span.style.transform = "rotate(" + angle.toFixed(1) + "deg)";
    }
    return L.tooltip({
      permanent: true, direction: "center", interactive: false, opacity: 1,
      className: "city-label " + className, pane: "cityLabels"
    }).setLatLng(latlng).setContent(span);
  }

  /* The angle of the segment a-b on screen, kept between -90 and 90 so text never reads
   * upside down (Web Mercator keeps angles, so one zoom serves all). */
  function angleOf(map, a, b) {
    var pa = map.project(a, 15);
    var pb = map.project(b, 15);
    var degrees = Math.atan2(pb.y - pa.y, pb.x - pa.x) * 180 / Math.PI;
    if (degrees > 90) { degrees -= 180; }
    if (degrees < -90) { degrees += 180; }
    return degrees;
  }

  /* Labels of a street: one at the middle of its course (from zoom 15), and one on every
   * other segment when zoomed in close (from zoom 16). */
  function streetLabels(L, map, line, name, group) {
    var middle = Math.floor((line.length - 1) / 2);
    for (var i = 0; i < line.length - 1; i++) {
      var a = L.latLng(line[i]);
      var b = L.latLng(line[i + 1]);
      var at = L.latLng((a.lat + b.lat) / 2, (a.lng + b.lng) / 2);
      var extra = i === middle ? "" : " city-street-label-more";
      label(L, at, name, "city-street-label" + extra, angleOf(map, a, b)).addTo(group);
    }
  }

  function ringCentre(ring) {
    var lat = 0;
    var lng = 0;
    for (var i = 0; i < ring.length; i++) {
      lat += ring[i][0];
      lng += ring[i][1];
    }
    return [lat / ring.length, lng / ring.length];
  }

  var OFFICE_ICON = '<svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">' +
    '<rect x="1" y="1" width="18" height="18" rx="3" fill="#24303d" stroke="#ffffff" stroke-width="1.5"/>' +
    '<path d="M5 15V8l5-3 5 3v7h-3v-4H8v4z" fill="#ffffff"/></svg>';

  /* An office: its building sign; on an interactive map a button that opens who sits
   * there (names linked to their pages) and the address. */
  function office(L, map, latlng, properties, interactive) {
    var title = officeTitle(properties);
    var sign;
    if (interactive) {
      sign = document.createElement("button");
      sign.type = "button";
      sign.setAttribute("aria-label", title);
      sign.title = title;
      sign.addEventListener("click", function () {
        L.popup({ maxHeight: 240, offset: [0, -6] }).setLatLng(latlng)
          .setContent(officePopup(properties)).openOn(map);
      });
    } else {
      sign = document.createElement("span");
    }
    sign.className = "city-office-sign";
    sign.innerHTML = OFFICE_ICON;
    return L.tooltip({
      permanent: true, direction: "center", interactive: interactive, opacity: 1,
      className: "city-office", pane: "cityOffices"
    }).setLatLng(latlng).setContent(sign);
  }

  /* Draws the city's streets, districts and offices on ``map``. options.interactive=false
   * (the report form) lets every click through to the map; options.fit shows the whole
   * city. Returns a promise. */
  function drawCity(map, url, options) {
    var L = window.L;
    options = options || {};
    if (!url || typeof window.fetch === "undefined") {
      return Promise.resolve(null);
    }
    addStyles();
    var interactive = options.interactive !== false;
    var box = map.getContainer();
    box.classList.add("city-map");
    // labels above the streets, offices above the labels, both below the map's own
    // markers (the report pins, the addressee's marker: markerPane, 600)
    if (!map.getPane("cityLabels")) {
      var pane = map.createPane("cityLabels");
      pane.style.zIndex = 450;
      pane.style.pointerEvents = "none";
      map.createPane("cityOffices").style.zIndex = 550;
    }
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.features) {
          return null;
        }
        var districts = L.layerGroup();
        var casings = L.layerGroup();
        var streets = L.layerGroup();
        var labels = L.layerGroup();
        var offices = L.layerGroup();
        var extent = L.latLngBounds([]);
        data.features.forEach(function (feature) {
          var p = feature.properties || {};
          var g = feature.geometry || {};
          if (p.kind === "district" && g.type === "Polygon") {
            var ring = g.coordinates[0].map(function (c) { return [c[1], c[0]]; });
            L.polygon(ring, {
              className: "city-district", interactive: false,
              color: "#6a5d8f", weight: 2, dashArray: "6 5", fillColor: "#6a5d8f", fillOpacity: 0.05
            }).addTo(districts);
            label(L, ringCentre(ring.slice(0, -1)), p.name, "city-district-label", 0).addTo(labels);
          } else if (p.kind === "street" && g.type === "LineString") {
            var line = g.coordinates.map(function (c) { return [c[1], c[0]]; });
            L.polyline(line, { className: "city-street-casing", interactive: false,
              color: "#a8a193", weight: 8, opacity: 1 }).addTo(casings);
            L.polyline(line, { className: "city-street", interactive: false,
              color: "#ffffff", weight: 5, opacity: 1 }).addTo(streets);
            streetLabels(L, map, line, p.name, labels);
            extent.extend(line);
          } else if (p.kind === "office" && g.type === "Point") {
            office(L, map, [g.coordinates[1], g.coordinates[0]], p, interactive).addTo(offices);
          }
        });
        districts.addTo(map);
        casings.addTo(map);
        streets.addTo(map);
        labels.addTo(map);
        offices.addTo(map);
        // They are the map's drawing, not tooltips of anything: no "tooltip" role; the
        // labels and the offices of a map that takes clicks are hidden from screen readers
        // (the page's text says the place), an office's button has its own name.
        [labels, offices].forEach(function (group) {
          group.eachLayer(function (layer) {
            var element = layer.getElement && layer.getElement();
            if (!element) {
              return;
            }
            element.removeAttribute("role");
            if (group === labels || !interactive) {
              element.setAttribute("aria-hidden", "true");
            }
          });
        });
        if (options.fit && extent.isValid()) {
          map.fitBounds(extent);
        }
        zoomClasses(map);
        map.on("zoomend", function () { zoomClasses(map); });
        box.setAttribute("data-city-drawn", String(data.features.length));
        return data;
      })
      .catch(function () { return null; });
  }

  /* Leaflet's own texts in the page's language: the popup's close button. */
  function localize(map, element) {
    var close = element.getAttribute("data-close") || "";
    if (!close) {
      return;
    }
    map.on("popupopen", function (event) {
      var button = event.popup.getElement() &&
        event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (button) {
        button.setAttribute("aria-label", close);
        button.setAttribute("title", close);
      }
    });
  }

  window.CivicDeskMap = { drawCity: drawCity, localize: localize };
})();

(function () {
  "use strict";

  function draw(element) {
    if (element.getAttribute("data-map-ready") || typeof window.L === "undefined") {
      return;
    }
    var lat = parseFloat(element.getAttribute("data-lat"));
    var lng = parseFloat(element.getAttribute("data-lng"));
    if (!isFinite(lat) || !isFinite(lng)) {
      return;
    }
    var zoom = parseInt(element.getAttribute("data-zoom") || "15", 10);
    var tileUrl = element.getAttribute("data-tile-url") || "";
    var attribution = element.getAttribute("data-attribution") || "";
    var label = element.getAttribute("data-label") || "";

    element.hidden = false;
    element.setAttribute("data-map-ready", "1");
    element.setAttribute("role", "region");
    element.setAttribute("aria-label", element.getAttribute("data-map-label") || label);

    var map = window.L.map(element, {
      keyboard: true,
      scrollWheelZoom: false,
      zoomControl: false,
      attributionControl: Boolean(tileUrl)
    });
    window.L.control.zoom({
      zoomInTitle: element.getAttribute("data-zoom-in") || "+",
      zoomOutTitle: element.getAttribute("data-zoom-out") || "-"
    }).addTo(map);
    map.setView([lat, lng], isFinite(zoom) ? zoom : 15);

    if (tileUrl) {
      // the tile server sees this site's origin (not the page): tile usage policies ask for it
      window.L.tileLayer(tileUrl, {
        attribution: attribution, maxZoom: 19, referrerPolicy: "strict-origin-when-cross-origin"
      }).addTo(map);
      if (map.attributionControl) {
        map.attributionControl.setPrefix(false);
      }
    } else {
      element.classList.add("map-plain");
      window.CivicDeskMap.drawCity(map, element.getAttribute("data-geometry-url") ||
        "/api/v1/map.geojson");
    }
    window.CivicDeskMap.localize(map, element);

    var marker = window.L.marker([lat, lng], {
      title: label,
      alt: label,
      keyboard: true
    }).addTo(map);
    if (label) {
      var text = document.createElement("p");
      text.textContent = label;
      marker.bindPopup(text);
    }
  }

  function drawAll() {
    var maps = document.querySelectorAll(".map[data-lat][data-lng]");
    for (var i = 0; i < maps.length; i++) {
      draw(maps[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
