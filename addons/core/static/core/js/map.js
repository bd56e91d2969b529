/* Public maps: draws every <div class="map" data-lat data-lng> with Leaflet (served from
 * this site). Progressive: without JavaScript the element stays hidden and the page's
 * address text says where the place is. Without a tile server (empty data-tile-url) the
 * marker sits on a plain background. Keyboard: the map takes focus (arrows pan, +/- zoom)
 * and the marker is reachable with Tab. */
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
      window.L.tileLayer(tileUrl, { attribution: attribution, maxZoom: 19 }).addTo(map);
      if (map.attributionControl) {
        map.attributionControl.setPrefix(false);
      }
    } else {
      element.classList.add("map-plain");
    }

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
