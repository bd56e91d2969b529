/* The reporting form, progressively: a map to pick the point (fills latitude/longitude),
 * "use my location", nearby open reports of the chosen category, and category suggestions
 * from the description. Without JavaScript the form works with its own buttons. */
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
  var marker = null;
  var map = null;

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
    if (map) {
      if (marker) { marker.setLatLng([latValue, lngValue]); }
      else { marker = window.L.marker([latValue, lngValue], { keyboard: true }).addTo(map); }
      if (pan) { map.setView([latValue, lngValue], 17); }
    }
    refreshNearby();
  }

  if (mapBox && typeof window.L !== "undefined") {
    var cLat = parseFloat(lat.value || mapBox.getAttribute("data-lat"));
    var cLng = parseFloat(lng.value || mapBox.getAttribute("data-lng"));
    if (isFinite(cLat) && isFinite(cLng)) {
      mapBox.hidden = false;
      mapBox.setAttribute("role", "region");
      mapBox.setAttribute("aria-label", mapBox.getAttribute("data-label") || "");
      map = window.L.map(mapBox, { keyboard: true, scrollWheelZoom: false, zoomControl: false });
      // The zoom buttons speak the page's language (Leaflet's own titles are English).
      window.L.control.zoom({
        zoomInTitle: mapBox.getAttribute("data-zoom-in") || "+",
        zoomOutTitle: mapBox.getAttribute("data-zoom-out") || "-"
      }).addTo(map);
      map.setView([cLat, cLng], lat.value ? 17 : 14);
      var tiles = mapBox.getAttribute("data-tile-url");
      if (tiles) { window.L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
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
