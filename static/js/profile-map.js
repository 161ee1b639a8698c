// The small map of a profile page: one marker at the organization's position.
// The page says in text where the organization is; the map only adds the picture.
const data = JSON.parse(document.getElementById("profile-map-data").textContent);
const container = document.getElementById("profile-map");

container.hidden = false;
const position = [data.latitude, data.longitude];
const map = L.map(container, { scrollWheelZoom: false }).setView(position, data.zoom);
L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 19 }).addTo(map);
L.marker(position, { title: data.name, alt: data.name, keyboard: false }).addTo(map);
