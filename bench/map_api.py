"""The map API at scale (``BENCH_ORGS``, default 100,000), against two baselines of the same run.

Views are 1366×900 viewports at zooms 3 to 16 over the world, Europe, Germany and Berlin, each
without and with the kind filter, plus one filter the pre-aggregated cells cannot answer (live
grouping). Baselines: a trivial JSON view through the same stack (the floor of any response)
and ``COUNT(*)`` of the matches in the box (the least an exact answer must do).

The organizations are spread like a real directory: most in German cities, weighted by
population, some in the countryside, in other European cities and worldwide. On PostgreSQL
they are loaded by one set-based ``INSERT … SELECT … generate_series`` (the map cells' trigger
counts them in the same statement); SQLite gets them through ``bulk_create`` and is skipped
above ``BENCH_SQLITE_MAX_ORGS`` (default 200,000).
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import time

from django.db import connection
from django.http import QueryDict
from django.test import Client, override_settings
from django.utils import timezone

from bench import measure, print_table
from directory.clustering import TILE_PIXELS, mercator_latitude, mercator_y
from directory.filters import OrganizationFilter
from directory.models import Organization
from directory.querysets import BoundingBox

ORGANIZATIONS = int(os.environ.get("BENCH_ORGS", 100_000))
SQLITE_MAX = int(os.environ.get("BENCH_SQLITE_MAX_ORGS", 200_000))
SEED = 20240611
VIEW_WIDTH, VIEW_HEIGHT = 1366, 900

# (latitude, longitude, weight ~ population in millions)
GERMAN_CITIES = [
    (52.520, 13.405, 3.7),  # Berlin
    (53.551, 9.994, 1.9),  # Hamburg
    (48.137, 11.575, 1.5),  # München
    (50.938, 6.960, 1.1),  # Köln
    (50.110, 8.682, 0.76),  # Frankfurt am Main
    (48.776, 9.183, 0.63),  # Stuttgart
    (51.227, 6.773, 0.62),  # Düsseldorf
    (51.340, 12.375, 0.6),  # Leipzig
    (51.514, 7.468, 0.59),  # Dortmund
    (51.456, 7.012, 0.58),  # Essen
    (53.079, 8.802, 0.57),  # Bremen
    (51.050, 13.738, 0.56),  # Dresden
    (52.376, 9.732, 0.54),  # Hannover
    (49.452, 11.077, 0.52),  # Nürnberg
    (49.240, 6.997, 0.18),  # Saarbrücken
    (54.323, 10.123, 0.25),  # Kiel
    (47.999, 7.842, 0.23),  # Freiburg im Breisgau
]
EUROPEAN_CITIES = [
    (44.494, 11.343, 0.4),  # Bologna
    (48.857, 2.352, 2.1),  # Paris
    (52.370, 4.895, 0.9),  # Amsterdam
    (48.208, 16.373, 1.9),  # Wien
    (41.385, 2.173, 1.6),  # Barcelona
    (51.507, -0.128, 8.8),  # London
    (55.676, 12.568, 0.6),  # København
    (52.230, 21.012, 1.8),  # Warszawa
]
GERMANY = (47.3, 5.9, 55.0, 15.0)
WORLD = (-55.0, -180.0, 70.0, 180.0)
SHARES = (0.60, 0.15, 0.15, 0.10)  # German cities, German countryside, Europe, world

# (label, centre latitude, centre longitude, zoom)
VIEWS = [
    ("World", 30.0, 10.0, 3),
    ("Europe", 50.0, 10.0, 5),
    ("Germany", 51.16, 10.45, 6),
    ("Germany", 51.16, 10.45, 8),
    ("Berlin", 52.52, 13.405, 10),
    ("Berlin", 52.52, 13.405, 12),
    ("Berlin", 52.52, 13.405, 13),
    ("Berlin", 52.52, 13.405, 14),
    ("Berlin", 52.52, 13.405, 16),
]
FILTERS = [("", {}), ("kind", {"kind": "cooperative"})]
# A filter the cells cannot answer: grouped live, as before them.
LIVE_CASES = [("Germany", 51.16, 10.45, 6, "legal form", {"legal_form": "eg"})]


def viewport(latitude: float, longitude: float, zoom: int) -> str:
    """Return the bbox a 1366×900 map shows around (latitude, longitude) at ``zoom``."""
    pixels_per_degree = TILE_PIXELS * 2**zoom / 360
    half_width = VIEW_WIDTH / 2 / pixels_per_degree
    half_height = VIEW_HEIGHT / 2 / pixels_per_degree
    y = mercator_y(latitude)
    south = max(-90.0, mercator_latitude(y - half_height))
    north = min(90.0, mercator_latitude(y + half_height))
    west, east = longitude - half_width, longitude + half_width
    return f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}"


def position(rng: random.Random) -> tuple[float, float]:
    draw = rng.random()
    if draw < SHARES[0]:
        latitude, longitude, _ = rng.choices(GERMAN_CITIES, [c[2] for c in GERMAN_CITIES])[0]
        return rng.gauss(latitude, 0.12), rng.gauss(longitude, 0.18)
    if draw < SHARES[0] + SHARES[1]:
        south, west, north, east = GERMANY
        return rng.uniform(south, north), rng.uniform(west, east)
    if draw < SHARES[0] + SHARES[1] + SHARES[2]:
        latitude, longitude, _ = rng.choices(EUROPEAN_CITIES, [c[2] for c in EUROPEAN_CITIES])[0]
        return rng.gauss(latitude, 0.15), rng.gauss(longitude, 0.2)
    south, west, north, east = WORLD
    return rng.uniform(south, north), rng.uniform(west, east)


def create_organizations(count: int) -> None:
    """Create ``count`` organizations through the ORM (SQLite)."""
    rng = random.Random(SEED)
    kinds = [value for value, _label in Organization.Kind.choices]
    now = timezone.now()
    batch = []
    for index in range(count):
        latitude, longitude = position(rng)
        published = rng.random() < 0.9
        batch.append(
            Organization(
                name=f"Genossenschaft {index:07d} eG",
                slug=f"genossenschaft-{index:07d}",
                kind=rng.choice(kinds),
                legal_form=rng.choice(["eg", "ev", "gmbh"]),
                latitude=max(-90.0, min(90.0, latitude)),
                longitude=max(-180.0, min(180.0, longitude)),
                status="published" if published else "pending",
                published_at=now if published else None,
            )
        )
        if len(batch) == 5000:
            Organization.objects.bulk_create(batch)
            batch = []
    Organization.objects.bulk_create(batch)


def places() -> list[tuple]:
    """Return (low, high, gauss, a, b, c, d): a draw in [low, high) picks the place; gauss:
    centre (a, b) with deviations (c, d), else uniform in latitudes a..b, longitudes c..d."""
    rows, low = [], 0.0
    for share, cities, (deviation_lat, deviation_lon) in (
        (SHARES[0], GERMAN_CITIES, (0.12, 0.18)),
        (SHARES[2], EUROPEAN_CITIES, (0.15, 0.2)),
    ):
        weights = sum(city[2] for city in cities)
        for latitude, longitude, weight in cities:
            high = low + share * weight / weights
            rows.append((low, high, True, latitude, longitude, deviation_lat, deviation_lon))
            low = high
    for share, (south, west, north, east) in ((SHARES[1], GERMANY), (SHARES[3], WORLD)):
        rows.append((low, low + share, False, south, north, west, east))
        low += share
    rows[-1] = (*rows[-1][:1], 2.0, *rows[-1][2:])  # the last place takes the rounding rest
    return rows


LOAD_SQL = """
WITH places (low, high, gauss, a, b, c, d) AS (VALUES {places}),
draws AS (
    SELECT i, random() AS pick, 1 - random() AS u1, random() AS u2, random() AS published,
           1 + floor(random() * {kinds})::integer AS kind, 1 + floor(random() * 3)::integer AS form
    FROM generate_series(1, %s) AS i
),
positions AS (
    SELECT d.i, d.published, d.kind, d.form,
           CASE WHEN p.gauss THEN p.a + p.c * sqrt(-2 * ln(d.u1)) * cos(2 * pi() * d.u2)
                ELSE p.a + (p.b - p.a) * d.u1 END AS latitude,
           CASE WHEN p.gauss THEN p.b + p.d * sqrt(-2 * ln(d.u1)) * sin(2 * pi() * d.u2)
                ELSE p.c + (p.d - p.c) * d.u2 END AS longitude
    FROM draws AS d JOIN places AS p ON d.pick >= p.low AND d.pick < p.high
)
INSERT INTO directory_organization ({columns})
SELECT {values}
FROM positions, directory_organization AS template
WHERE template.id = %s
"""


def load_organizations(count: int) -> None:
    """Insert ``count`` organizations in one set-based statement (PostgreSQL)."""
    template = Organization.objects.create(
        name="Template eG", slug="template", status="pending", latitude=None, longitude=None
    )
    kinds = [value for value, _label in Organization.Kind.choices]
    overrides = {
        "name": "'Genossenschaft ' || lpad(positions.i::text, 7, '0') || ' eG'",
        "slug": "'genossenschaft-' || lpad(positions.i::text, 7, '0')",
        "kind": f"(ARRAY{kinds!r})[positions.kind]",
        "legal_form": "(ARRAY['eg', 'ev', 'gmbh'])[positions.form]",
        "latitude": "greatest(-90, least(90, positions.latitude))",
        "longitude": "greatest(-180, least(180, positions.longitude))",
        "status": "CASE WHEN positions.published < 0.9 THEN 'published' ELSE 'pending' END",
        "published_at": "CASE WHEN positions.published < 0.9 THEN now() END",
    }
    fields = [
        field
        for field in Organization._meta.concrete_fields
        if not field.primary_key and not field.generated
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = ", ".join(
        overrides.get(field.name, f"template.{connection.ops.quote_name(field.column)}")
        for field in fields
    )
    place_rows = ", ".join(
        "({}, {}, {}, {}, {}, {}, {})".format(*(repr(value).lower() for value in row))
        for row in places()
    )
    sql = LOAD_SQL.format(places=place_rows, kinds=len(kinds), columns=columns, values=values)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.4242)")
        cursor.execute(sql, [count, template.pk])
    template.delete()


def analyze() -> None:
    """Give the query planner statistics (and PostgreSQL its visibility map for index-only
    scans), as a production database has them after autovacuum."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def matches(bbox: str, filters: dict):
    box = BoundingBox.parse(bbox)
    params = QueryDict(mutable=True)
    for name, value in filters.items():
        params.setlist(name, value if isinstance(value, list) else [value])
    queryset = Organization.objects.published().with_position().in_bbox(box)
    return OrganizationFilter(params, queryset=queryset).qs


def postgres_sizes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('directory_organization')),"
            " pg_size_pretty(pg_total_relation_size('directory_mapcell')),"
            " pg_size_pretty(pg_indexes_size('directory_mapcell')),"
            " (SELECT count(*) FROM directory_mapcell)"
        )
        organizations, cells, cell_indexes, cell_rows = cursor.fetchone()
        started = time.perf_counter()
        cursor.execute("SELECT directory_map_cells_rebuild()")
        rebuild = time.perf_counter() - started
    return [
        f"organizations table with indexes: {organizations}",
        f"map cells: {cell_rows:,} rows, {cells} with indexes ({cell_indexes} of it indexes)",
        f"rebuilding the map cells from scratch: {rebuild:.1f} s",
    ]


def run() -> None:
    if connection.vendor != "postgresql" and ORGANIZATIONS > SQLITE_MAX:
        print(f"skipped: {ORGANIZATIONS:,} organizations exceed BENCH_SQLITE_MAX_ORGS on SQLite")
        return
    print(f"creating {ORGANIZATIONS:,} organizations on {connection.vendor} …", flush=True)
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        load_organizations(ORGANIZATIONS)
    else:
        create_organizations(ORGANIZATIONS)
    loaded = time.perf_counter() - started
    analyze()
    analyzed = time.perf_counter() - started - loaded
    print(f"loaded in {loaded:.1f} s (with the map cells), VACUUM ANALYZE {analyzed:.1f} s")
    with override_settings(ROOT_URLCONF="bench._floor_urls"):
        measure_views()
    if connection.vendor == "postgresql":
        for line in postgres_sizes():
            print(line)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:.0f} MiB")


def measure_views() -> None:
    client = Client()
    floor_time = measure(lambda: client.get("/bench/floor/"), repeat=21)
    cases = [
        (label, latitude, longitude, zoom, filter_label, filters)
        for label, latitude, longitude, zoom in VIEWS
        for filter_label, filters in FILTERS
    ] + LIVE_CASES
    rows, timings = [], []
    for label, latitude, longitude, zoom, filter_label, filters in cases:
        bbox = viewport(latitude, longitude, zoom)
        query = {"bbox": bbox, "zoom": zoom, **filters}

        def api(query=query):
            response = client.get("/api/map/", query)
            assert response.status_code == 200, response.content
            return response

        response = api()
        collection = json.loads(response.content)
        assert collection["total"] == sum(
            feature["properties"].get("count", 1) for feature in collection["features"]
        )
        api_time = measure(api, repeat=7)
        count = matches(bbox, filters).count()
        assert count == collection["total"], (count, collection["total"])
        count_time = measure(lambda bbox=bbox, filters=filters: matches(bbox, filters).count())
        if filter_label in {label for label, _filters in FILTERS}:
            timings.append(api_time)
        rows.append(
            [
                f"{label} z{zoom}",
                filter_label or "-",
                f"{collection['total']:,}",
                len(collection["features"]),
                f"{len(response.content) / 1024:.1f}",
                f"{api_time * 1000:.1f}",
                f"{api_time / floor_time:.1f}x",
                f"{count_time * 1000:.1f}",
                f"{api_time / count_time:.2f}x",
            ]
        )
    print_table(
        ["view", "filter", "matches", "features", "KiB", "API ms", "/floor", "COUNT ms", "/COUNT"],
        rows,
    )
    print(
        f"floor (a trivial JSON view, same stack): {floor_time * 1000:.2f} ms. API ms: median of"
        " 7 GETs of /api/map/ through the Django test client; COUNT ms: COUNT(*) of the matches"
        f" in the box. Over the views above: median {statistics.median(timings) * 1000:.1f} ms,"
        f" slowest {max(timings) * 1000:.1f} ms."
    )
