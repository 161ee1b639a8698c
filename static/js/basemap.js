// The background of every map: the app's own outlines (land, borders, German federal states,
// city labels) drawn as Leaflet vector layers, and on top of them the configured tile server's
// tiles through the app's proxy. Without a tile server, or when its tiles fail, the outlines
// alone show where things are, with a small notice. Nothing here contacts another host.
//
// The page provides its settings with {% basemap_config %} (a json_script element).

const TILE_ERRORS_BEFORE_FALLBACK = 4;
const LABEL_HEIGHT = 16; // px, for keeping city labels apart
const LABEL_CHAR_WIDTH = 7; // px, a rough width per character of the label font

let configCache = null;
const fileCache = new Map(); // url -> Promise of parsed JSON, shared by the maps of a page

function basemapConfig() {
  configCache ??= JSON.parse(document.getElementById("basemap-config").textContent);
  return configCache;
}

function loadJson(url) {
  if (!fileCache.has(url)) {
    fileCache.set(
      url,
      fetch(url).then((response) => {
        if (!response.ok) throw new Error(`${url} answered ${response.status}`);
        return response.json();
      }),
    );
  }
  return fileCache.get(url);
}

function addPane(map, name, zIndex) {
  const pane = map.createPane(name);
  pane.style.zIndex = String(zIndex);
  pane.classList.add(`leaflet-${name}-pane`);
  pane.style.pointerEvents = "none";
  return pane;
}

async function drawOutlines(map, config, renderer) {
  const [world, states] = await Promise.all([loadJson(config.world), loadJson(config.states)]);
  L.geoJSON(world, {
    pane: "basemap",
    renderer,
    interactive: false,
    style: (feature) =>
      feature.properties.layer === "land"
        ? { className: "basemap-land", stroke: true, weight: 1, fill: true, fillOpacity: 1 }
        : { className: "basemap-border", weight: 1, fill: false },
  }).addTo(map);
  L.geoJSON(states, {
    pane: "basemap",
    renderer,
    interactive: false,
    style: { className: "basemap-state", weight: 1, fill: false, dashArray: "4 3" },
  }).addTo(map);
}

// City labels: the largest first, each only where it does not cover a larger one's label.
function cityLabels(map, cities) {
  const layer = L.layerGroup();
  const redraw = () => {
    layer.clearLayers();
    const zoom = map.getZoom();
    const bounds = map.getBounds().pad(0.1);
    const taken = [];
    for (const [name, lat, lng, minZoom] of cities) {
      if (minZoom > zoom || !bounds.contains([lat, lng])) continue;
      const point = map.latLngToContainerPoint([lat, lng]);
      const width = name.length * LABEL_CHAR_WIDTH + 8;
      const box = [point.x - 4, point.y - LABEL_HEIGHT / 2, point.x + width, point.y + LABEL_HEIGHT / 2];
      const overlaps = taken.some(
        ([left, top, right, bottom]) =>
          box[0] < right && box[2] > left && box[1] < bottom && box[3] > top,
      );
      if (overlaps) continue;
      taken.push(box);
      const label = document.createElement("span");
      label.textContent = name;
      layer.addLayer(
        L.marker([lat, lng], {
          pane: "basemapLabels",
          interactive: false,
          keyboard: false,
          icon: L.divIcon({ className: "basemap-city", html: label, iconSize: null }),
        }),
      );
    }
  };
  map.on("zoomend moveend", redraw);
  map.whenReady(redraw);
  return layer;
}

function noticeControl(text) {
  const control = L.control({ position: "bottomleft" });
  control.onAdd = () => {
    const notice = L.DomUtil.create("p", "basemap-notice");
    notice.setAttribute("role", "status");
    notice.textContent = text;
    return notice;
  };
  return control;
}

// Draw the basemap on `map`; return a promise that resolves once the outlines are drawn.
export function addBasemap(map) {
  const config = basemapConfig();
  addPane(map, "basemap", 150); // below the tiles (200): the tiles cover it where they load
  addPane(map, "basemapLabels", 450); // above shapes (400), below markers (600)
  const container = map.getContainer();
  container.classList.add("basemap");
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(config.outline_attribution);

  let labels = null;
  const showLabels = () => {
    loadJson(config.cities)
      .then((cities) => {
        labels ??= cityLabels(map, cities).addTo(map);
      })
      .catch(() => {});
  };

  if (config.tiles) {
    const tiles = L.tileLayer(config.tiles, {
      attribution: config.tiles_attribution,
      minZoom: config.min_zoom,
      maxZoom: config.max_zoom,
    });
    let errorsInARow = 0;
    tiles.on("tileload", () => {
      errorsInARow = 0;
    });
    tiles.on("tileerror", () => {
      errorsInARow += 1;
      if (errorsInARow < TILE_ERRORS_BEFORE_FALLBACK || !map.hasLayer(tiles)) return;
      map.removeLayer(tiles);
      container.classList.add("basemap-offline");
      noticeControl(config.fallback_notice).addTo(map);
      showLabels();
    });
    tiles.addTo(map);
  } else {
    container.classList.add("basemap-offline");
    showLabels();
  }
  const renderer = L.svg({ pane: "basemap", padding: 0.5 });
  return drawOutlines(map, config, renderer).then(
    () => container.classList.add("basemap-ready"),
    () => container.classList.add("basemap-failed"),
  );
}

// The zoom to show a single place at: the outlines hold nothing finer than districts, so
// without tiles a closer view would show an empty square.
export function placeZoom(zoom) {
  const config = basemapConfig();
  return config.tiles ? zoom : Math.min(zoom, config.outline_place_zoom);
}

// Create a Leaflet map in `container` with the basemap; options as for L.map, with `center`
// and `zoom`.
export function createMap(container, options) {
  const config = basemapConfig();
  const map = L.map(container, {
    minZoom: config.min_zoom,
    maxZoom: config.max_zoom,
    ...options,
  });
  addBasemap(map);
  return map;
}
