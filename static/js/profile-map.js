// The small map of a profile page: one marker at the organization's position.
// The page says in text where the organization is; the map only adds the picture.
import { createMap, placeZoom } from "./basemap.js";

const data = JSON.parse(document.getElementById("profile-map-data").textContent);
const container = document.getElementById("profile-map");

container.hidden = false;
const position = [data.latitude, data.longitude];
const map = createMap(container, {
  center: position,
  zoom: placeZoom(data.zoom),
  scrollWheelZoom: false,
});
L.marker(position, { title: data.name, alt: data.name, keyboard: false }).addTo(map);
