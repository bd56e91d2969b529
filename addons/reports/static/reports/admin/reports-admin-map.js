/* The staff list's map: the filtered reports as points (progressive: the table is the
   accessible list; without JavaScript the map box stays empty). */
(function () {
  "use strict";
  var box = document.getElementById("reports-admin-map");
  if (!box || !window.L || !window.fetch) { return; }

  function centre(text) {
    var match = /POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)/i.exec(text || "");
    return match ? [parseFloat(match[2]), parseFloat(match[1])] : [48.5, 28.0];
  }

  box.classList.add("is-active");
  var map = L.map(box, {zoomControl: false, attributionControl: Boolean(box.dataset.tiles)})
    .setView(centre(box.dataset.center), 12);
  // the zoom buttons in the admin's language (Leaflet's own titles are English)
  L.control.zoom({
    zoomInTitle: box.dataset.zoomIn || "+", zoomOutTitle: box.dataset.zoomOut || "-"
  }).addTo(map);
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, {attribution: box.dataset.attribution || "", maxZoom: 19,
                                   referrerPolicy: "strict-origin-when-cross-origin"})
      .addTo(map);
    map.attributionControl.setPrefix(false);
  } else if (window.CivicDeskMap) {
    // no tile server: the city's own streets, districts and offices
    window.CivicDeskMap.drawCity(map, box.dataset.geometryUrl);
  }
  if (window.CivicDeskMap) { window.CivicDeskMap.localize(map, box); }
  // the reports above the city's streets and offices
  map.createPane("reports").style.zIndex = 620;
  fetch(box.dataset.url, {credentials: "same-origin", headers: {Accept: "application/json"}})
    .then(function (response) { return response.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, {
            radius: 6, weight: 1, pane: "reports",
            className: feature.properties.open ? "report-marker is-open" : "report-marker"
          });
        },
        onEachFeature: function (feature, marker) {
          var p = feature.properties;
          var link = document.createElement("a");
          link.href = p.url;
          link.textContent = p.number;
          var text = document.createElement("div");
          text.appendChild(link);
          text.appendChild(document.createTextNode(" · " + p.category + " · " + p.status));
          marker.bindPopup(text);
        }
      }).addTo(map);
      if (data.features.length) {
        map.fitBounds(layer.getBounds(), {maxZoom: 16, padding: [20, 20]});
      }
    })
    .catch(function () { box.classList.add("has-failed"); });
})();
