// The review page's map: drag the pin (or click the map) to correct an entry's position.
// The latitude/longitude inputs stay the source of truth, so the form works without JavaScript.
import { createMap, placeZoom } from "./basemap.js";

const GERMANY = { center: [51.1, 10.4], zoom: 5 };
const PLACED_ZOOM = 12;

const form = document.querySelector("form[data-position-form]");

function readPosition(latitude, longitude) {
  const lat = Number.parseFloat(latitude.value);
  const lng = Number.parseFloat(longitude.value);
  return Number.isFinite(lat) && Number.isFinite(lng) ? [lat, lng] : null;
}

function start() {
  const latitude = form.elements.latitude;
  const longitude = form.elements.longitude;
  const position = readPosition(latitude, longitude);
  const map = createMap(
    document.getElementById(form.dataset.map),
    position ? { center: position, zoom: placeZoom(PLACED_ZOOM) } : GERMANY,
  );
  let marker = null;

  const write = (latlng) => {
    latitude.value = latlng.lat.toFixed(6);
    longitude.value = latlng.lng.toFixed(6);
  };
  const place = (where) => {
    if (marker) {
      marker.setLatLng(where);
      return;
    }
    marker = L.marker(where, { draggable: true, title: form.dataset.pinLabel }).addTo(map);
    marker.on("dragend", () => write(marker.getLatLng()));
  };

  if (position) place(position);
  map.on("click", (click) => {
    place(click.latlng);
    write(click.latlng);
  });
  for (const input of [latitude, longitude]) {
    input.addEventListener("change", () => {
      const typed = readPosition(latitude, longitude);
      if (typed) {
        place(typed);
        map.panTo(typed);
      }
    });
  }
}

if (form) start();
