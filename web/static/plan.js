// Draws each route of the plan on a Leaflet map, one colour per technician. Without a configured
// tile server the routes are drawn on a blank background, so the page works offline.
(function () {
  function draw() {
    const box = document.getElementById("map");
    const data = document.getElementById("plan-data");
    if (!box || !data || typeof L === "undefined") return;
    const routes = JSON.parse(data.textContent);
    const map = L.map(box, { preferCanvas: true });
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { maxZoom: 18 }).addTo(map);
    }
    const bounds = [];
    for (const route of routes) {
      const points = [route.depot, ...route.stops.map((s) => s.at), route.depot].filter(Boolean);
      L.polyline(points, { color: route.colour, weight: 3 }).addTo(map).bindTooltip(route.technician);
      route.stops.forEach((stop, i) => {
        L.circleMarker(stop.at, { radius: 5, color: route.colour, fillOpacity: 0.9 })
          .bindPopup(`${i + 1}. ${stop.label} (${stop.job})`).addTo(map);
      });
      if (route.depot) {
        L.circleMarker(route.depot, { radius: 7, color: "#000", fillColor: "#fff", fillOpacity: 1 }).addTo(map);
      }
      bounds.push(...points);
    }
    if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });
    else map.setView([23.13, 113.26], 11);
    box.dataset.ready = "yes";
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
