"""Server-side clustering for the map: organizations grouped on a grid of screen-sized cells.

The grid is square on screen: columns are equal steps of longitude, rows equal steps of the
Web-Mercator y coordinate, both ``CELL_PIXELS`` wide at the requested zoom. Cells are aligned to
the world (not to the view), so clusters stay put while a visitor pans. The database groups the
organizations of the box by cell (portable SQL: FLOOR for columns, a CASE over precomputed row
boundaries for rows) and returns one row per occupied cell, whatever the number of organizations;
every organization lies in exactly one cell, so the counts always add up to every match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Avg, Case, Count, F, Max, Min, QuerySet, Value, When
from django.db.models.functions import Floor
from django.urls import reverse

from .querysets import BoundingBox

TILE_PIXELS = 256
CELL_PIXELS = 64
MAX_ZOOM = 22
# From this zoom on, the map shows organizations one by one (when there are not too many).
INDIVIDUAL_ZOOM = 14
MAX_INDIVIDUAL = 1000
# Up to this many organizations in the box, the response lists them all by name.
LIST_LIMIT = 100
# A view larger than this (in pixels, either way) is clustered as if zoomed out: this bounds the
# grid to 64 x 64 cells, whatever box a client sends.
MAX_VIEW_PIXELS = 4096
# Web Mercator stops here; organizations nearer the poles are counted in the outermost row.
MERCATOR_MAX_LATITUDE = 85.0511287798066
COORDINATE_DECIMALS = 6


def mercator_y(latitude: float) -> float:
    """Return the Web-Mercator y of ``latitude``, in the same degrees as longitude."""
    latitude = max(-MERCATOR_MAX_LATITUDE, min(MERCATOR_MAX_LATITUDE, latitude))
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2)))


def mercator_latitude(y: float) -> float:
    """Return the latitude whose Web-Mercator y is ``y`` (the inverse of ``mercator_y``)."""
    return math.degrees(2 * math.atan(math.exp(math.radians(y))) - math.pi / 2)


def cell_degrees(zoom: int) -> float:
    """Return the side of a grid cell at ``zoom``, in degrees of longitude (or Mercator y)."""
    return 360 * CELL_PIXELS / (TILE_PIXELS * 2**zoom)


def view_pixels(box: BoundingBox, zoom: int) -> tuple[float, float]:
    """Return the width and height of ``box`` on screen at ``zoom``, in pixels."""
    pixels_per_degree = TILE_PIXELS * 2**zoom / 360
    height = mercator_y(box.north) - mercator_y(box.south)
    return box.width * pixels_per_degree, height * pixels_per_degree


@dataclass(frozen=True)
class Grid:
    """The cells that cover a box at one zoom."""

    zoom: int
    size: float  # side of a cell in degrees of longitude and of Mercator y
    first_row: int
    # Latitudes where row ``first_row + 1``, ``first_row + 2``, … begin (south to north).
    row_starts: tuple[float, ...]

    @classmethod
    def for_view(cls, box: BoundingBox, zoom: int) -> Grid:
        """Return the grid for ``box`` at ``zoom``, coarsened if the box is huge on screen."""
        while zoom > 0 and max(view_pixels(box, zoom)) > MAX_VIEW_PIXELS:
            zoom -= 1
        size = cell_degrees(zoom)
        first_row = math.floor(mercator_y(box.south) / size)
        last_row = math.floor(mercator_y(box.north) / size)
        row_starts = tuple(
            mercator_latitude(row * size) for row in range(first_row + 1, last_row + 1)
        )
        return cls(zoom=zoom, size=size, first_row=first_row, row_starts=row_starts)

    def column_expression(self) -> Floor:
        """Return the SQL for an organization's column; column 0 starts at longitude -180."""
        return Floor((F("longitude") + 180) / Value(self.size))

    def row_expression(self) -> Case | Value:
        """Return the SQL for an organization's row.

        Comparing with boundaries computed here keeps SQL free of LN/TAN (portable and exact:
        an organization on a boundary belongs to the row north of it, in SQL as in Python).
        """
        if not self.row_starts:
            return Value(self.first_row)
        return Case(
            *(
                When(latitude__lt=start, then=Value(self.first_row + index))
                for index, start in enumerate(self.row_starts)
            ),
            default=Value(self.first_row + len(self.row_starts)),
        )

    def expansion_zoom(self, *, west: float, south: float, east: float, north: float) -> int:
        """Return the zoom at which members spread this far apart fall into different cells."""
        spread = max(east - west, mercator_y(north) - mercator_y(south))
        # cell_degrees(zoom) <= spread  <=>  zoom >= log2(360 * CELL_PIXELS / TILE_PIXELS / spread)
        target = (
            math.ceil(math.log2(360 * CELL_PIXELS / TILE_PIXELS / spread))
            if spread > 0
            else INDIVIDUAL_ZOOM
        )
        return min(max(target, self.zoom + 1), max(INDIVIDUAL_ZOOM, self.zoom + 1), MAX_ZOOM)


def grouped_cells(queryset: QuerySet, grid: Grid) -> list[dict]:
    """Return one row per occupied cell: count, mean position, extent (one query).

    For a cell holding one organization, MIN() of its slug, name and kind is that organization:
    singles need no second query.
    """
    return list(
        queryset.annotate(cell_row=grid.row_expression(), cell_column=grid.column_expression())
        .order_by()
        .values("cell_row", "cell_column")
        .annotate(
            count=Count("pk"),
            mean_latitude=Avg("latitude"),
            mean_longitude=Avg("longitude"),
            south=Min("latitude"),
            north=Max("latitude"),
            west=Min("longitude"),
            east=Max("longitude"),
            slug=Min("slug"),
            name=Min("name"),
            kind=Min("kind"),
        )
    )


def map_features(queryset: QuerySet, *, box: BoundingBox, zoom: int) -> dict:
    """Return the GeoJSON FeatureCollection of ``queryset`` (already limited to ``box``).

    A cell holding several organizations becomes a cluster, a cell holding one becomes that
    organization; from ``INDIVIDUAL_ZOOM`` on, every organization is a feature of its own.
    ``total`` counts every match in the box; ``organizations`` names them all, sorted by name,
    when there are at most ``LIST_LIMIT``. Two queries at most, however many organizations exist.
    """
    if queryset.query.distinct:
        # A filter across a many-to-many relation (sectors) joins rows that GROUP BY would
        # count twice: group the distinct organizations instead.
        queryset = queryset.model.objects.filter(pk__in=queryset.values("pk"))
    grid = Grid.for_view(box, zoom)
    cells = grouped_cells(queryset, grid)
    total = sum(cell["count"] for cell in cells)
    individual = grid.zoom >= INDIVIDUAL_ZOOM and total <= MAX_INDIVIDUAL
    rows = []
    if total and (individual or total <= LIST_LIMIT):
        rows = list(
            queryset.order_by("name", "pk").values("slug", "name", "kind", "latitude", "longitude")
        )

    if individual:
        features = [organization_feature(row, box) for row in rows]
    else:
        features = [
            cluster_feature(cell, box, grid) if cell["count"] > 1 else single_feature(cell, box)
            for cell in cells
        ]
    collection = {"type": "FeatureCollection", "features": features, "total": total}
    if total <= LIST_LIMIT:
        collection["organizations"] = [
            {"slug": row["slug"], "name": row["name"], "kind": row["kind"]}
            | {"url": profile_url(row["slug"])}
            for row in rows
        ]
    return collection


def organization_feature(row: dict, box: BoundingBox) -> dict:
    return {
        "type": "Feature",
        "geometry": point(box.to_view_longitude(row["longitude"]), row["latitude"]),
        "properties": {
            "slug": row["slug"],
            "name": row["name"],
            "kind": row["kind"],
            "url": profile_url(row["slug"]),
        },
    }


def single_feature(cell: dict, box: BoundingBox) -> dict:
    # MIN() of one value is that value, exact, unlike AVG().
    return organization_feature({**cell, "latitude": cell["south"], "longitude": cell["west"]}, box)


def cluster_feature(cell: dict, box: BoundingBox, grid: Grid) -> dict:
    # A cell never straddles the antimeridian, so one shift places all of it in the view's frame.
    shift = box.to_view_longitude(cell["west"]) - cell["west"]
    extent = (cell["west"] + shift, cell["south"], cell["east"] + shift, cell["north"])
    return {
        "type": "Feature",
        "bbox": [round(value, COORDINATE_DECIMALS) for value in extent],
        "geometry": point(cell["mean_longitude"] + shift, cell["mean_latitude"]),
        "properties": {
            "cluster": True,
            "count": cell["count"],
            "expansion_zoom": grid.expansion_zoom(
                west=cell["west"], south=cell["south"], east=cell["east"], north=cell["north"]
            ),
        },
    }


def point(longitude: float, latitude: float) -> dict:
    return {
        "type": "Point",
        "coordinates": [
            round(longitude, COORDINATE_DECIMALS),
            round(latitude, COORDINATE_DECIMALS),
        ],
    }


def profile_url(slug: str) -> str:
    return reverse("directory:detail", kwargs={"slug": slug})
