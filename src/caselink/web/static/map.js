/* Maps: points (and links) over the bundled Natural Earth basemap, or a configured tile server.
   Data comes from a <script type="application/json"> block named by the map's data-map attribute. */
(function () {
  "use strict";
  function draw(el) {
    var data = JSON.parse(document.getElementById(el.getAttribute("data-map")).textContent);
    var map = L.map(el, { zoomControl: true, attributionControl: true });
    var points = data.points || [];
    var byId = {};
    if (data.tile_url) {
      L.tileLayer(data.tile_url, { maxZoom: 19 }).addTo(map);
    } else {
      map.attributionControl.addAttribution("Natural Earth (bundled basemap)");
      fetch("/static/vendor/world-atlas/countries-50m.json").then(function (r) { return r.json(); })
        .then(function (topo) {
          var land = L.geoJSON(topojson.feature(topo, topo.objects.countries), {
            style: { color: "#aeb8c2", weight: 1, fillColor: "#f1efe8", fillOpacity: 1 }, interactive: false
          }).addTo(map);
          land.bringToBack();
        });
    }
    (data.links || []).forEach(function (lk) {
      var a = points.filter(function (p) { return p.id === lk.a; })[0];
      var b = points.filter(function (p) { return p.id === lk.b; })[0];
      if (!a || !b) { return; }
      L.polyline([[a.lat, a.lon], [b.lat, b.lon]], {
        color: "#c0392b", weight: 1 + 4 * (lk.p || 0), opacity: 0.35 + 0.5 * (lk.p || 0)
      }).bindTooltip(lk.a + " – " + lk.b + (lk.p != null ? " (p=" + lk.p.toFixed(2) + ")" : "")).addTo(map);
    });
    points.forEach(function (p) {
      var m = L.circleMarker([p.lat, p.lon], {
        radius: p.main ? 9 : 6, color: p.main ? "#1b4f72" : "#2e86c1", weight: 2,
        fillColor: p.main ? "#2874a6" : "#85c1e9", fillOpacity: 0.9
      }).bindTooltip(p.label || p.id).addTo(map);
      m.on("click", function () { window.location.href = "/cases/" + encodeURIComponent(p.id); });
      byId[p.id] = m;
    });
    L.control.scale({ imperial: false }).addTo(map);
    if (points.length === 1) {
      map.setView([points[0].lat, points[0].lon], 13);
    } else if (points.length > 1) {
      map.fitBounds(L.latLngBounds(points.map(function (p) { return [p.lat, p.lon]; })).pad(0.2), { maxZoom: 15 });
    } else {
      map.setView([51.5, -0.1], 5);
    }
    el.setAttribute("data-ready", "true");
  }
  var maps = document.querySelectorAll("[data-map]");
  for (var i = 0; i < maps.length; i++) { draw(maps[i]); }
})();
