// The map page: shows the organizations in view, clustered by the map API on the server.
// Leaflet (window.L) comes from django-leaflet's files, the background from basemap.js; the page
// works without this module (its form leads to the directory).
import { createMap } from "./basemap.js";

const DEBOUNCE_MS = 250;
const GERMANY = { center: [51.1, 10.4], zoom: 6 };

const config = document.getElementById("map-config").dataset;
const kindLabels = JSON.parse(document.getElementById("map-kind-labels").textContent);
const form = document.querySelector("[data-map-filters]");
const status = document.getElementById("map-status");
const list = document.getElementById("map-list");
const directoryLink = document.getElementById("map-directory-link");
const numberFormat = new Intl.NumberFormat(document.documentElement.lang || undefined);

let pending = null; // the AbortController of the request in flight

function debounce(callback, delay) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(callback, delay);
  };
}

function element(tag, { className, text, href } = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (href) node.href = href;
  return node;
}

function withCount(template, count) {
  return template.replace("{count}", numberFormat.format(count));
}

function filterParams() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (value.trim()) params.append(name, value.trim());
  }
  return params;
}

function directoryUrl() {
  const filters = filterParams().toString();
  return filters ? `${config.directoryUrl}?${filters}` : config.directoryUrl;
}

// The view a shared link asks for: ?lat=..&lng=..&z=..
function applyViewFromUrl(map) {
  const params = new URLSearchParams(window.location.search);
  const lat = Number.parseFloat(params.get("lat"));
  const lng = Number.parseFloat(params.get("lng"));
  const zoom = Number.parseInt(params.get("z"), 10);
  if (![lat, lng, zoom].every(Number.isFinite) || Math.abs(lat) > 90) return;
  const clamped = Math.min(Math.max(zoom, map.getMinZoom()), map.getMaxZoom());
  map.setView([lat, lng], clamped, { animate: false });
}

function syncUrl(map) {
  const params = filterParams();
  const center = map.wrapLatLng(map.getCenter());
  params.set("lat", center.lat.toFixed(5));
  params.set("lng", center.lng.toFixed(5));
  params.set("z", String(map.getZoom()));
  window.history.replaceState(null, "", `${window.location.pathname}?${params}`);
  directoryLink.href = directoryUrl();
}

function kindClass(kind) {
  return `map-kind-${String(kind).replace(/[^a-z_]/g, "")}`;
}

function clusterMarker(map, feature) {
  const [lng, lat] = feature.geometry.coordinates;
  const { count, expansion_zoom: expansionZoom } = feature.properties;
  // The area grows with the count, gently: 32 px for 2, 44 for 100, 56 for 10,000.
  const size = Math.round(26 + 7.5 * Math.log10(count));
  const label = element("span", { text: numberFormat.format(count) });
  const title = withCount(config.clusterTitle, count);
  const marker = L.marker([lat, lng], {
    icon: L.divIcon({ html: label, className: "map-cluster", iconSize: [size, size] }),
    title,
    alt: title,
    keyboard: true,
    riseOnHover: true,
  });
  marker.on("click", () => {
    const [west, south, east, north] = feature.bbox;
    map.fitBounds(
      [
        [south, west],
        [north, east],
      ],
      { padding: [48, 48], maxZoom: Math.max(expansionZoom, map.getZoom() + 1) },
    );
  });
  return marker;
}

function popupEntry(organization) {
  const entry = element("div", { className: "map-popup-entry" });
  entry.append(element("p", { className: "map-popup-name", text: organization.name }));
  const where = [kindLabels[organization.kind] ?? organization.kind, organization.city]
    .filter(Boolean)
    .join(" · ");
  entry.append(element("p", { className: "map-popup-kind", text: where }));
  if (organization.summary) {
    entry.append(element("p", { className: "map-popup-summary", text: organization.summary }));
  }
  const link = element("a", { text: config.profileLink, href: organization.url });
  link.setAttribute("aria-label", `${config.profileLink}: ${organization.name}`);
  const more = element("p");
  more.append(link);
  entry.append(more);
  return entry;
}

// One organization, or the list of those that share the very same position.
function popupContent(organizations) {
  const content = element("div", { className: "map-popup" });
  if (organizations.length > 1) {
    content.classList.add("map-popup-many");
    content.append(
      element("p", {
        className: "map-popup-here",
        text: withCount(config.here, organizations.length),
      }),
    );
  }
  for (const organization of organizations) content.append(popupEntry(organization));
  return content;
}

// Organizations at the very same place (located by city, say) share one marker.
function organizationMarker(lat, lng, organizations) {
  const title = organizations.map((organization) => organization.name).join(", ");
  const marker = L.marker([lat, lng], {
    icon: L.divIcon({
      html: organizations.length > 1 ? element("span", { text: organizations.length }) : "",
      className: `map-marker ${kindClass(organizations[0].kind)}`,
      iconSize: [22, 22],
      popupAnchor: [0, -8],
    }),
    title,
    alt: title,
    keyboard: true,
    riseOnHover: true,
  });
  marker.bindPopup(() => popupContent(organizations), {
    maxWidth: 280,
    maxHeight: 320,
    autoPanPaddingTopLeft: [16, 64], // clear of the phone bar over the map
  });
  return marker;
}

// The place whose popup is open: opening a popup may pan the map, which reloads the markers,
// and the popup is to stay open on the new marker at that place.
let openPlace = null;
let redrawing = false;

function drawFeatures(map, layer, features) {
  redrawing = true;
  layer.clearLayers();
  redrawing = false;
  const places = new Map();
  for (const feature of features) {
    if (feature.properties.cluster) {
      layer.addLayer(clusterMarker(map, feature));
      continue;
    }
    const key = feature.geometry.coordinates.join(",");
    if (!places.has(key)) places.set(key, []);
    places.get(key).push(feature.properties);
  }
  let reopen = null;
  for (const [key, organizations] of places) {
    const [lng, lat] = key.split(",").map(Number);
    const marker = organizationMarker(lat, lng, organizations);
    marker.on("popupopen", () => {
      openPlace = key;
    });
    marker.on("popupclose", () => {
      if (!redrawing) openPlace = null;
    });
    layer.addLayer(marker);
    if (key === openPlace) reopen = marker;
  }
  if (reopen) reopen.openPopup();
  else openPlace = null;
}

function showList(collection) {
  list.replaceChildren();
  const { total, organizations } = collection;
  if (!organizations) {
    // Too many to name: the directory pages through them.
    const link = element("a", { text: config.directoryLink, href: directoryUrl() });
    status.replaceChildren(withCount(config.tooMany, total), " ", link);
    return;
  }
  for (const organization of organizations) {
    const item = element("li");
    const kind = element("span", {
      className: `map-list-kind ${kindClass(organization.kind)}`,
      text: kindLabels[organization.kind] ?? organization.kind,
    });
    item.append(element("a", { text: organization.name, href: organization.url }), " ", kind);
    list.append(item);
  }
  if (total === 0) status.textContent = config.none;
  else if (total === 1) status.textContent = config.one;
  else status.textContent = withCount(config.many, total);
}

async function load(map, layer) {
  pending?.abort();
  const controller = new AbortController();
  pending = controller;
  const params = filterParams();
  params.set("bbox", map.getBounds().toBBoxString());
  params.set("zoom", String(Math.round(map.getZoom())));
  list.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(`${config.apiUrl}?${params}`, {
      signal: controller.signal,
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`map API answered ${response.status}`);
    const collection = await response.json();
    drawFeatures(map, layer, collection.features);
    showList(collection);
  } catch (error) {
    if (error.name === "AbortError") return;
    status.textContent = config.failed;
  } finally {
    if (pending === controller) list.removeAttribute("aria-busy");
  }
}

function clearFilters() {
  for (const field of form.elements) {
    if (field.type === "checkbox") field.checked = false;
    else if (field.tagName === "SELECT") field.selectedIndex = 0;
    else if (field.type === "search" || field.type === "text" || field.type === "hidden") {
      field.value = "";
    }
  }
}

// Phones: the filters open in a panel over the map, and close again once applied.
function foldFilters() {
  const layout = document.querySelector(".map-layout");
  const toggle = document.querySelector("[data-map-filters-toggle]");
  const close = document.querySelector("[data-map-filters-close]");
  const narrow = window.matchMedia("(max-width: 48rem)");
  const setOpen = (open) => {
    layout.classList.toggle("filters-open", open);
    toggle.setAttribute("aria-expanded", String(open));
    if (open) form.querySelector("input, select")?.focus();
  };
  layout.classList.add("filters-collapsible");
  document.querySelector("[data-map-phone-bar]").hidden = false;
  close.hidden = false;
  toggle.addEventListener("click", () => setOpen(!layout.classList.contains("filters-open")));
  close.addEventListener("click", () => {
    setOpen(false);
    toggle.focus();
  });
  form.addEventListener("submit", () => {
    if (narrow.matches) setOpen(false);
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && layout.classList.contains("filters-open")) {
      setOpen(false);
      toggle.focus();
    }
  });
}

function start() {
  foldFilters();
  const map = createMap(document.getElementById("coopmap"), GERMANY);
  applyViewFromUrl(map);
  const layer = L.layerGroup().addTo(map);
  const refresh = () => {
    syncUrl(map);
    load(map, layer);
  };
  const refreshSoon = debounce(refresh, DEBOUNCE_MS);
  map.on("moveend", refreshSoon);
  form.addEventListener("input", refreshSoon);
  form.addEventListener("change", refreshSoon);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  form.querySelector("[data-map-reset]").addEventListener("click", (event) => {
    event.preventDefault();
    clearFilters();
    refresh();
  });
  status.textContent = config.loading;
  refresh();
}

start();
