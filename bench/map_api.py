"""The map API with 100,000 organizations, against two baselines of the same run.

Baselines: ``COUNT(*)`` of the matches in the box (the least any answer must do) and the naive
answer that serializes every match as its own GeoJSON feature (what the map would need without
server-side clustering). The organizations are spread like a real directory: most in German
cities, weighted by population, some in the countryside, in other European cities and worldwide.
"""

from __future__ import annotations

import json
import random

from django.http import QueryDict
from django.test import Client
from django.utils import timezone

from bench import measure, print_table
from directory.clustering import profile_urls
from directory.filters import OrganizationFilter
from directory.models import Organization
from directory.querysets import BoundingBox

ORGANIZATIONS = 100_000
SEED = 20240611

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

CASES = [
    ("Germany, zoom 6", "5.8,47.2,15.1,55.1", 6, {}),
    ("Germany, zoom 6, one kind", "5.8,47.2,15.1,55.1", 6, {"kind": "platform_coop"}),
    ("Berlin, zoom 12", "13.24,52.43,13.56,52.61", 12, {}),
    ("Berlin Mitte, zoom 15", "13.38,52.505,13.42,52.525", 15, {}),
    ("World, zoom 3", "-180,-85,180,85", 3, {}),
]


def position(rng: random.Random) -> tuple[float, float]:
    draw = rng.random()
    if draw < 0.60:
        latitude, longitude, _ = rng.choices(GERMAN_CITIES, [c[2] for c in GERMAN_CITIES])[0]
        return rng.gauss(latitude, 0.12), rng.gauss(longitude, 0.18)
    if draw < 0.75:
        south, west, north, east = GERMANY
        return rng.uniform(south, north), rng.uniform(west, east)
    if draw < 0.90:
        latitude, longitude, _ = rng.choices(EUROPEAN_CITIES, [c[2] for c in EUROPEAN_CITIES])[0]
        return rng.gauss(latitude, 0.15), rng.gauss(longitude, 0.2)
    return rng.uniform(-55, 70), rng.uniform(-180, 180)


def create_organizations(count: int) -> None:
    rng = random.Random(SEED)
    kinds = [value for value, _label in Organization.Kind.choices]
    now = timezone.now()
    batch = []
    for index in range(count):
        latitude, longitude = position(rng)
        published = rng.random() < 0.9
        batch.append(
            Organization(
                name=f"Genossenschaft {index:06d} eG",
                slug=f"genossenschaft-{index:06d}",
                kind=rng.choice(kinds),
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


def analyze() -> None:
    """Give the query planner statistics (and PostgreSQL its visibility map for index-only
    scans), as a production database has them after autovacuum."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def matches(bbox: str, filters: dict):
    box = BoundingBox.parse(bbox)
    params = QueryDict(mutable=True)
    params.update(filters)
    queryset = Organization.objects.published().with_position().in_bbox(box)
    return box, OrganizationFilter(params, queryset=queryset).qs


def naive_geojson(bbox: str, filters: dict) -> bytes:
    """Serialize every match in the box as a feature: the map API without clustering."""
    _box, queryset = matches(bbox, filters)
    profile_url = profile_urls()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
            "properties": {
                "slug": row["slug"],
                "name": row["name"],
                "kind": row["kind"],
                "url": profile_url(row["slug"]),
            },
        }
        for row in queryset.values("slug", "name", "kind", "latitude", "longitude")
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def run() -> None:
    from django.db import connection

    print(f"creating {ORGANIZATIONS:,} organizations on {connection.vendor} …", flush=True)
    create_organizations(ORGANIZATIONS)
    analyze()
    client = Client()
    rows = []
    for label, bbox, zoom, filters in CASES:
        query = {"bbox": bbox, "zoom": zoom, **filters}

        def clustered(query=query):
            response = client.get("/api/map/", query)
            assert response.status_code == 200, response.content
            return response

        response = clustered()
        collection = response.json()
        naive_body = naive_geojson(bbox, filters)
        clustered_time = measure(clustered, repeat=7)
        count_time = measure(lambda bbox=bbox, filters=filters: matches(bbox, filters)[1].count())
        naive_time = measure(
            lambda bbox=bbox, filters=filters: naive_geojson(bbox, filters), repeat=3
        )
        rows.append(
            [
                label,
                f"{collection['total']:,}",
                len(collection["features"]),
                f"{len(response.content) / 1024:.0f} KiB",
                f"{clustered_time * 1000:.1f}",
                f"{count_time * 1000:.1f}",
                f"{clustered_time / count_time:.1f}x",
                f"{naive_time * 1000:.0f}",
                f"{len(naive_body) / 1024:.0f} KiB",
                f"{naive_time / clustered_time:.1f}x",
            ]
        )
    print_table(
        [
            "view",
            "matches",
            "features",
            "size",
            "API ms",
            "COUNT ms",
            "API/COUNT",
            "naive ms",
            "naive size",
            "naive/API",
        ],
        rows,
    )
    print(
        "API ms: GET /api/map/ through the Django test client (median of 7). COUNT ms: COUNT(*) "
        "of the matches in the box. naive: every match serialized as a feature, no clustering."
    )
