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
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, F, QuerySet, Value, When
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Floor
from django.urls import reverse

from .models import pick_language
from .querysets import BoundingBox

TILE_PIXELS = 256
CELL_PIXELS = 64
MAX_ZOOM = 22
# From this zoom on, the map shows organizations one by one (when there are not too many).
INDIVIDUAL_ZOOM = 14
# Up to this many, one by one: about what the grid of a 1366x900 view shows at most (22 x 15
# cells), so that a response stays under 100 KB however dense the view.
MAX_INDIVIDUAL = 300
# Up to this many organizations in the box, the response lists them all by name.
LIST_LIMIT = 100
# What a marker's popup shows besides the link: name, kind, city and the short description.
POPUP_FIELDS = ("slug", "name", "kind", "city", "summary_de", "summary_en")
# A view larger than this (in pixels, either way) is clustered as if zoomed out: this bounds the
# grid to 64 x 64 cells, whatever box a client sends.
MAX_VIEW_PIXELS = 4096
# Web Mercator stops here; organizations nearer the poles are counted in the outermost row.
MERCATOR_MAX_LATITUDE = 85.0511287798066
COORDINATE_DECIMALS = 6
CELL_AGGREGATES = (
    "COUNT(*), AVG(latitude), AVG(longitude),"
    " MIN(latitude), MAX(latitude), MIN(longitude), MAX(longitude)"
)
CELL_COLUMNS = (
    "cell",
    "count",
    "mean_latitude",
    "mean_longitude",
    "south",
    "north",
    "west",
    "east",
)


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

    @property
    def stride(self) -> int:
        """Return the step between the cell numbers of two rows: more than there are columns
        (column 4 * 2**zoom holds longitude 180 exactly)."""
        return round(360 / self.size) + 1

    def cell_expression(self) -> CombinedExpression:
        """Return the SQL for an organization's cell, one number: row * stride + column.

        Rows come from comparing the latitude with row starts computed here, which keeps SQL free
        of LN/TAN (portable, and exact: an organization on a boundary belongs to the row north
        of it). One number sorts and hashes (GROUP BY) faster than two.
        """
        return self.row_offset_expression(0, len(self.row_starts)) + self.column_expression()

    def row_offset_expression(self, first: int, last: int) -> Case | Value:
        """Return the SQL for ``row * stride`` of an organization in rows ``first``..``last``
        (counted from ``first_row``): nested CASEs that halve the rows, so that the database
        makes a handful of comparisons per organization, not one per row."""
        if first == last:
            return Value((self.first_row + first) * self.stride)
        middle = (first + last + 1) // 2
        return Case(
            When(
                latitude__lt=self.row_starts[middle - 1],
                then=self.row_offset_expression(first, middle - 1),
            ),
            default=self.row_offset_expression(middle, last),
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


def grouped_cells(queryset: QuerySet, grid: Grid, *, cell_expression=None) -> list[dict]:
    """Return one row per occupied cell: its count, mean position and extent (one query).

    It reads positions only: the database may answer from the (status, latitude, longitude)
    index without visiting the table.
    """
    try:
        positions, params = (
            queryset.annotate(cell=cell_expression or grid.cell_expression())
            .order_by()
            .values("cell", "latitude", "longitude")
            .query.sql_with_params()
        )
    except EmptyResultSet:
        return []
    connection = connections[queryset.db]
    if connection.vendor == "postgresql":
        # Kept apart by OFFSET 0, the subquery's cell has no statistics, so PostgreSQL expects
        # few groups and hashes them. Merged, it expects a group per organization and sorts
        # them all instead (on disk at the default work_mem): twice as slow at 60,000 matches.
        positions += " OFFSET 0"
    # ``positions`` is SQL compiled by the ORM; every value in it is a parameter.
    sql = f"SELECT cell, {CELL_AGGREGATES} FROM ({positions}) AS positions GROUP BY cell"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(CELL_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def cell_members(
    queryset: QuerySet, grid: Grid, cells: list[dict] | None = None, *, cell_expression=None
) -> list[dict]:
    """Return the organizations of ``cells`` (default: all), sorted by name (one query).

    A cell of one organization knows its exact position (its MIN), so the database seeks
    those positions in the index before it checks the cell. ``cell_expression`` numbers the
    cells as the query that found them did (default: ``grid.cell_expression()``).
    """
    cell_expression = cell_expression or grid.cell_expression()
    if cells is not None:
        queryset = (
            queryset.filter(
                latitude__in={cell["south"] for cell in cells},
                longitude__in={cell["west"] for cell in cells},
            )
            .alias(cell=cell_expression)
            .filter(cell__in=[cell["cell"] for cell in cells])
        )
    return list(
        queryset.annotate(cell=cell_expression)
        .order_by("name", "pk")
        .values(*POPUP_FIELDS, "latitude", "longitude", "cell")
    )


def map_features(
    queryset: QuerySet, *, box: BoundingBox, zoom: int, kinds: list[str] | None = None
) -> dict:
    """Return the GeoJSON FeatureCollection of ``queryset`` (already limited to ``box``).

    A cell holding several organizations becomes a cluster, a cell holding one becomes that
    organization; from ``INDIVIDUAL_ZOOM`` on, every organization is a feature of its own.
    ``total`` counts every match in the box; ``organizations`` names them all, sorted by name,
    when there are at most ``LIST_LIMIT``. Two queries at most, however many organizations exist.

    ``kinds`` (not None) says that ``queryset`` holds the published organizations of these kinds
    (all for []) and nothing else filters it: the pre-aggregated cells may then answer
    (map_cells.py, on PostgreSQL); otherwise the matches are grouped live.
    """
    from . import map_cells  # (it builds on this module)

    if queryset.query.distinct:
        # A filter across a many-to-many relation (sectors) joins rows that GROUP BY would
        # count twice: group the distinct organizations instead.
        queryset = queryset.model.objects.filter(pk__in=queryset.values("pk"))
    grid = Grid.for_view(box, zoom)
    profile_url = profile_urls()
    if connections[queryset.db].vendor == "postgresql":
        # The cells' own SQL, so that both ways put an organization into the same cell.
        cell_expression = map_cells.cell_expression(grid)
    else:
        cell_expression = grid.cell_expression()
    if kinds is not None and map_cells.usable(queryset, grid):
        cells = map_cells.grouped_cells(queryset, box, grid, kinds)
    else:
        cells = grouped_cells(queryset, grid, cell_expression=cell_expression)
    total = sum(cell["count"] for cell in cells)
    individual = grid.zoom >= INDIVIDUAL_ZOOM and total <= MAX_INDIVIDUAL
    singles = [cell for cell in cells if cell["count"] == 1]
    if individual or total <= LIST_LIMIT:
        members = cell_members(queryset, grid, cell_expression=cell_expression) if total else []
    elif singles:
        members = cell_members(queryset, grid, singles, cell_expression=cell_expression)
    else:
        members = []

    if individual:
        features = [organization_feature(row, box, profile_url) for row in members]
    else:
        members_by_cell = {row["cell"]: row for row in members}
        features = []
        for cell in cells:
            if cell["count"] > 1:
                features.append(cluster_feature(cell, box, grid))
            elif cell["cell"] in members_by_cell:  # (not if unpublished since the first query)
                features.append(
                    organization_feature(members_by_cell[cell["cell"]], box, profile_url)
                )
    collection = {"type": "FeatureCollection", "features": features, "total": total}
    if total <= LIST_LIMIT:
        collection["organizations"] = [
            {"slug": row["slug"], "name": row["name"], "kind": row["kind"]}
            | {"url": profile_url(row["slug"])}
            for row in members
        ]
    return collection


def organization_feature(row: dict, box: BoundingBox, profile_url: Callable[[str], str]) -> dict:
    return {
        "type": "Feature",
        "geometry": point(box.to_view_longitude(row["longitude"]), row["latitude"]),
        "properties": {
            "slug": row["slug"],
            "name": row["name"],
            "kind": row["kind"],
            "city": row["city"],
            "summary": pick_language(row["summary_de"], row["summary_en"]),
            "url": profile_url(row["slug"]),
        },
    }


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


def profile_urls() -> Callable[[str], str]:
    """Return a function from slug to profile URL that calls reverse() once, not once per
    organization (a quarter of the time of a response with a hundred organizations)."""
    placeholder = "slug-placeholder"
    template = reverse("directory:detail", kwargs={"slug": placeholder})
    return lambda slug: template.replace(placeholder, slug)
