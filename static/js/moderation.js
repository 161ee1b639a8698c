// The review page's map: drag the pin (or click the map) to correct an entry's position.
// The latitude/longitude inputs stay the source of truth, so the form works without JavaScript.

const form = document.querySelector("form[data-position-form]");

function readPosition(latitude, longitude) {
  const lat = Number.parseFloat(latitude.value);
  const lng = Number.parseFloat(longitude.value);
  return Number.isFinite(lat) && Number.isFinite(lng) ? [lat, lng] : null;
}

window.addEventListener("map:init", (event) => {
  const { map, id } = event.detail;
  if (!form || id !== form.dataset.map) return;
  const latitude = form.elements.latitude;
  const longitude = form.elements.longitude;
  let marker = null;

  const write = (latlng) => {
    latitude.value = latlng.lat.toFixed(6);
    longitude.value = latlng.lng.toFixed(6);
  };
  const place = (position) => {
    if (marker) {
      marker.setLatLng(position);
      return;
    }
    marker = L.marker(position, { draggable: true, title: form.dataset.pinLabel }).addTo(map);
    marker.on("dragend", () => write(marker.getLatLng()));
  };

  const position = readPosition(latitude, longitude);
  if (position) {
    place(position);
    map.setView(position, 14);
  }
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
});
