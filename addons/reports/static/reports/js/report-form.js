/* The reporting form, progressively: a map to pick the point (fills latitude/longitude),
 * the marker following a typed address (the street register's geocoder), "use my
 * location", nearby open reports of the chosen category, and category suggestions from the
 * description. Without a tile server the map draws the city's own streets and districts.
 * Without JavaScript the form works with its own buttons (and the typed address alone). */
(function () {
  "use strict";

  var form = document.querySelector(".report-form");
  if (!form) { return; }
  var lat = form.querySelector("[name=lat]");
  var lng = form.querySelector("[name=lng]");
  var category = form.querySelector("[name=category]");
  var description = form.querySelector("[name=description]");
  var nearbyBox = form.querySelector(".report-nearby");
  var suggestBox = form.querySelector(".report-suggestions");
  var mapBox = form.querySelector(".report-map");
  var locate = form.querySelector(".report-locate");
  var address = form.querySelector("[name=address]");
  var addressStatus = form.querySelector(".report-address-status");
  var marker = null;
  var map = null;
  var pointFromAddress = false;

  function refreshNearby() {
    if (!nearbyBox || !category.value || !lat.value || !lng.value) { return; }
    var url = form.getAttribute("data-nearby-url") + "?" + new URLSearchParams({
      category: category.value, lat: lat.value, lng: lng.value
    }).toString();
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : "";
    }).then(function (html) {
      if (html) { nearbyBox.innerHTML = html; }
    }).catch(function () {});
  }

  function setPoint(latValue, lngValue, pan) {
    lat.value = latValue.toFixed(6);
    lng.value = lngValue.toFixed(6);
    pointFromAddress = false;
    if (map) {
      var label = mapBox.getAttribute("data-marker-label") || "";
      if (marker) { marker.setLatLng([latValue, lngValue]); }
      else { marker = window.L.marker([latValue, lngValue], { keyboard: true, title: label, alt: label }).addTo(map); }
      if (pan) { map.setView([latValue, lngValue], Math.max(map.getZoom(), 16)); }
    }
    refreshNearby();
  }

  function clearPoint() {
    lat.value = "";
    lng.value = "";
    pointFromAddress = false;
    if (marker && map) { map.removeLayer(marker); }
    marker = null;
  }

  function say(text) {
    if (addressStatus) { addressStatus.textContent = text; }
  }

  /* The marker follows the typed address: the street register's geocoder on the server.
   * A point found this way is dropped again when the address no longer matches, so the
   * server reads the address itself and says what is wrong. */
  var geocodeTimer = null;
  var geocodeController = null;
  function followAddress() {
    var text = address.value.trim();
    var url = form.getAttribute("data-geocode-url");
    if (!url) { return; }
    if (text.length < 3) {
      if (pointFromAddress) { clearPoint(); }
      say("");
      return;
    }
    if (geocodeController) { geocodeController.abort(); }
    geocodeController = typeof AbortController !== "undefined" ? new AbortController() : null;
    fetch(url + "?" + new URLSearchParams({ q: text.slice(0, 300) }).toString(), {
      credentials: "same-origin", signal: geocodeController ? geocodeController.signal : undefined
    }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (data && data.found) {
        setPoint(data.lat, data.lng, true);
        pointFromAddress = true;
        say((form.getAttribute("data-text-found") || "%(address)s").replace("%(address)s", data.address));
      } else if (data) {
        if (pointFromAddress) { clearPoint(); }
        say(form.getAttribute("data-text-not-found") || "");
      }
    }).catch(function () {});
  }
  if (address) {
    address.addEventListener("input", function () {
      window.clearTimeout(geocodeTimer);
      geocodeTimer = window.setTimeout(followAddress, 500);
    });
    address.addEventListener("change", function () {
      window.clearTimeout(geocodeTimer);
      followAddress();
    });
  }

  if (mapBox && typeof window.L !== "undefined") {
    var cLat = parseFloat(lat.value || mapBox.getAttribute("data-lat"));
    var cLng = parseFloat(lng.value || mapBox.getAttribute("data-lng"));
    if (isFinite(cLat) && isFinite(cLng)) {
      mapBox.hidden = false;
      mapBox.setAttribute("role", "region");
      mapBox.setAttribute("aria-label", mapBox.getAttribute("data-label") || "");
      map = window.L.map(mapBox, {
        keyboard: true, scrollWheelZoom: false, zoomControl: false,
        attributionControl: Boolean(mapBox.getAttribute("data-tile-url"))
      });
      // The zoom buttons speak the page's language (Leaflet's own titles are English).
      window.L.control.zoom({
        zoomInTitle: mapBox.getAttribute("data-zoom-in") || "+",
        zoomOutTitle: mapBox.getAttribute("data-zoom-out") || "-"
      }).addTo(map);
      var tiles = mapBox.getAttribute("data-tile-url");
      map.setView([cLat, cLng], lat.value ? 17 : (tiles ? 14 : 15));
      if (tiles) {
        window.L.tileLayer(tiles, {
          attribution: mapBox.getAttribute("data-attribution") || "", maxZoom: 19,
          referrerPolicy: "strict-origin-when-cross-origin"
        }).addTo(map);
        if (map.attributionControl) { map.attributionControl.setPrefix(false); }
      } else if (window.CivicDeskMap) {
        // No tile server: the city's own streets and districts; clicks go through to the map.
        window.CivicDeskMap.drawCity(map, mapBox.getAttribute("data-geometry-url"), { interactive: false });
      }
      if (window.CivicDeskMap) { window.CivicDeskMap.localize(map, mapBox); }
      if (lat.value && lng.value) { setPoint(cLat, cLng, false); }
      map.on("click", function (event) { setPoint(event.latlng.lat, event.latlng.lng, false); });
    }
  }

  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        setPoint(position.coords.latitude, position.coords.longitude, true);
      }, function () {
        window.alert(locate.getAttribute("data-error"));
      }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }

  if (category) { category.addEventListener("change", refreshNearby); }
  [lat, lng].forEach(function (input) { input.addEventListener("change", refreshNearby); });

  var timer = null;
  if (description && suggestBox) {
    description.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var text = description.value.trim();
        if (text.length < 10) { return; }
        var url = form.getAttribute("data-suggest-url") + "?" + new URLSearchParams({
          text: text.slice(0, 1000), lat: lat.value, lng: lng.value
        }).toString();
        fetch(url, { credentials: "same-origin" }).then(function (r) {
          return r.ok ? r.json() : null;
        }).then(function (data) {
          if (!data) { return; }
          suggestBox.innerHTML = data.html || "";
          if (data.suggestions && data.suggestions.length && !category.value) {
            var code = data.suggestions[0].code || data.suggestions[0][0];
            category.value = code;
            refreshNearby();
          }
        }).catch(function () {});
      }, 600);
    });
  }
})();
