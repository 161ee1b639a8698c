"""The map API at a million organizations: clusters added up from pre-aggregated cells.

``MapCell`` holds, per zoom 0..``MAX_CELL_ZOOM`` and kind, the count, position sums and extent
of the published organizations in each cell of the clustering grid (clustering.py). PostgreSQL
keeps it exact in the same transaction as every insert, update, delete or truncate of an
organization (statement triggers with transition tables, migration 0011): a visitor never sees
a count that disagrees with the directory, whichever code path (services, admin, imports, raw
SQL) wrote. ``directory_map_cells_rebuild()`` counts from scratch, for repairs.

A view's box rarely follows cell edges, so one answer adds up three disjoint parts:

1. the view's cells that lie wholly inside the box, read from the cells at the view's zoom;
2. rings along the box's edges of finer cells, one zoom finer each (``FINER_ZOOMS`` in all):
   the cells wholly inside the box around those of the zoom before, each added to the view's
   cell it lies in (four rectangles per ring, read by the row-major and column-major indexes);
3. the organizations of the box outside the finest cells, in strips a few pixels wide along the
   edges, grouped live (index-only range scans on latitude or longitude).

Every organization of the box lies in exactly one part, so counts add up to every match.
All three place an organization in a cell by the same SQL (``directory_map_y``), and a cell
counts as inside only with a margin of ``MARGIN`` degrees, so floating point rounding cannot
put an organization on both sides of an edge. Only the kind filter can use the cells; any other
filter (search, sector, legal form, state, country, …) groups the matches live.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BigIntegerField, F, FloatField, Func, Q, QuerySet, Value
from django.db.models.functions import Cast, Floor

from .clustering import CELL_COLUMNS, Grid, cell_degrees, mercator_latitude, mercator_y
from .querysets import BoundingBox

# The migration creates cells for these zooms (its MAX_CELL_ZOOM says the same).
MAX_CELL_ZOOM = 14
# Views clustered at this zoom or coarser read the cells; finer views hold few enough
# organizations to group live (a city at zoom 14: a few thousand).
MAX_VIEW_ZOOM = 13
FINER_ZOOMS = 4
MARGIN = 1e-9  # degrees; far above rounding differences (1e-13), far below any real distance
# Cells wholly inside the box stay clear of the Mercator clamp (see directory_map_y).
INNER_LATITUDE = 85.0
# Filters the cells can answer: by kind, a column of the cells; and parameters that narrow
# nothing by themselves (the list's order, the radius of a ``near`` that is not given).
CELL_FILTERS = {"kind", "order", "km"}

# Cells at a zoom as fine as the view's or finer, each numbered as the view's cell it lies in.
CELLS_SQL = """
    SELECT (grid_row >> %s)::bigint * %s + (grid_column >> %s), count, latitude_sum,
           longitude_sum, south, north, west, east
    FROM directory_mapcell
    WHERE zoom = %s AND grid_row BETWEEN %s AND %s AND grid_column BETWEEN %s AND %s
      AND (%s OR kind = ANY(%s))
"""
# Organizations outside the cells (``residual``: SQL the ORM compiled, values as parameters).
STRIP_SQL = """
    SELECT cell, 1, latitude, longitude, latitude, latitude, longitude, longitude
    FROM ({residual}) AS strip
"""
TOTALS_SQL = """
    SELECT cell, SUM(count), SUM(latitude_sum) / SUM(count), SUM(longitude_sum) / SUM(count),
           MIN(south), MAX(north), MIN(west), MAX(east)
    FROM ({parts}) AS parts (cell, count, latitude_sum, longitude_sum, south, north, west, east)
    GROUP BY cell
"""


def cell_kinds(cleaned_filters: dict) -> list[str] | None:
    """Return the kinds to read from the cells ([] for all), or None when a filter other than
    the kind is in use (the matches are then grouped live)."""
    if any(value for name, value in cleaned_filters.items() if name not in CELL_FILTERS):
        return None
    return list(cleaned_filters.get("kind") or [])


def usable(queryset: QuerySet, grid: Grid) -> bool:
    return (
        connections[queryset.db].vendor == "postgresql"
        and grid.zoom <= MAX_VIEW_ZOOM
        and not queryset.query.distinct
    )


def map_y() -> Func:
    return Func(F("latitude"), function="directory_map_y", output_field=FloatField())


def grid_row(zoom: int):
    # Big integers: a cell's number (row * stride + column) passes 2**31 from zoom 14 on.
    return Cast(Floor(map_y() / Value(cell_degrees(zoom))), BigIntegerField())


def grid_column(zoom: int):
    return Cast(Floor((F("longitude") + 180) / Value(cell_degrees(zoom))), BigIntegerField())


def cell_expression(grid: Grid):
    """Return the SQL for an organization's cell number in ``grid``, as the cells count it."""
    return grid_row(grid.zoom) * Value(grid.stride) + grid_column(grid.zoom)


@dataclass(frozen=True)
class Span:
    """The grid rows (or columns) wholly inside a box along one axis, ``first``..``last``.

    ``low``/``high``: organizations below/above these coordinates may lie outside the span
    (None: none can, the span reaches the end of the world).
    """

    first: int
    last: int
    low: float | None
    high: float | None

    @property
    def empty(self) -> bool:
        return self.last < self.first

    def scaled(self, levels: int) -> tuple[int, int]:
        """Return this span in the rows (columns) of the grid ``levels`` zooms finer."""
        return self.first << levels, ((self.last + 1) << levels) - 1


def column_span(west: float, east: float, zoom: int) -> Span:
    size = cell_degrees(zoom)
    if west <= -180:
        first, low = 0, None
    else:
        first = math.ceil((west + MARGIN + 180) / size)
        while first * size - 180 < west + MARGIN:
            first += 1
        low = first * size - 180 + MARGIN
    if east >= 180:
        # Longitude 180 itself has a column of its own: 4 * 2**zoom.
        last, high = 4 * 2**zoom, None
    else:
        last = math.floor((east - MARGIN + 180) / size) - 1
        while (last + 1) * size - 180 > east - MARGIN:
            last -= 1
        high = (last + 1) * size - 180 - MARGIN
    return Span(first, last, low, high)


def row_span(south: float, north: float, zoom: int) -> Span:
    size = cell_degrees(zoom)
    # Beyond these rows lies nothing: Web-Mercator y stays within about ±180 degrees.
    outermost = 4 * 2**zoom + 2
    if south <= -90:
        first, low = -outermost, None
    else:
        bottom = max(south + MARGIN, -INNER_LATITUDE)
        first = math.ceil(mercator_y(bottom) / size)
        while mercator_latitude(first * size) < bottom:
            first += 1
        while mercator_latitude((first - 1) * size) >= bottom:
            first -= 1
        low = mercator_latitude(first * size) + MARGIN
    if north >= 90:
        last, high = outermost, None
    else:
        top = min(north - MARGIN, INNER_LATITUDE)
        last = math.floor(mercator_y(top) / size) - 1
        while mercator_latitude((last + 1) * size) > top:
            last -= 1
        while mercator_latitude((last + 2) * size) <= top:
            last += 1
        high = mercator_latitude((last + 1) * size) - MARGIN
    return Span(first, last, low, high)


def box_parts(box: BoundingBox) -> list[tuple[float, float]]:
    """Return the box's longitude ranges, split at the antimeridian (cells never cross it)."""
    if box.crosses_antimeridian:
        return [(box.west, 180.0), (-180.0, box.east)]
    return [(box.west, box.east)]


def grouped_cells(queryset: QuerySet, box: BoundingBox, grid: Grid, kinds: list[str]) -> list:
    """Return one row per occupied cell of ``grid`` in ``box`` (as clustering.grouped_cells),
    added up from the cells and a live strip along the edges: one query."""
    parts = CellQuery(grid=grid, kinds=kinds)
    finest = min(grid.zoom + FINER_ZOOMS, MAX_CELL_ZOOM)
    for west, east in box_parts(box):
        inner_rows = row_span(box.south, box.north, grid.zoom)
        inner_columns = column_span(west, east, grid.zoom)
        parts.add_cells(grid.zoom, inner_rows.first, inner_rows.last, inner_columns)
        # Rings of finer cells, each within the box and around the cells of the zoom before.
        for zoom in range(grid.zoom + 1, finest + 1):
            rows = row_span(box.south, box.north, zoom)
            columns = column_span(west, east, zoom)
            if inner_rows.empty or inner_columns.empty:
                parts.add_cells(zoom, rows.first, rows.last, columns)
            else:
                first_row, last_row = inner_rows.scaled(1)
                first_column, last_column = inner_columns.scaled(1)
                parts.add_cells(zoom, rows.first, min(first_row - 1, rows.last), columns)
                parts.add_cells(zoom, max(last_row + 1, rows.first), rows.last, columns)
                middle = (max(first_row, rows.first), min(last_row, rows.last))
                parts.add_cells(zoom, *middle, Span(columns.first, first_column - 1, None, None))
                parts.add_cells(zoom, *middle, Span(last_column + 1, columns.last, None, None))
            inner_rows, inner_columns = rows, columns
        parts.add_strips(
            queryset.filter(longitude__gte=west, longitude__lte=east),
            zoom=finest,
            rows=inner_rows,
            columns=inner_columns,
        )
    return parts.fetch(connections[queryset.db])


class CellQuery:
    """One SQL query adding up parts of a box: rectangles of cells and strips of organizations,
    each numbered by the cell of ``grid`` it lies in."""

    def __init__(self, *, grid: Grid, kinds: list[str]) -> None:
        self.grid = grid
        self.kind_params = [not kinds, kinds]
        self.parts: list[str] = []
        self.params: list = []

    def add_cells(self, zoom: int, first_row: int, last_row: int, columns: Span) -> None:
        """Add the cells at ``zoom`` in rows ``first_row..last_row`` and ``columns``."""
        if last_row < first_row or columns.empty:
            return
        shift = zoom - self.grid.zoom
        self.parts.append(CELLS_SQL)
        self.params += [shift, self.grid.stride, shift, zoom, first_row, last_row]
        self.params += [columns.first, columns.last, *self.kind_params]

    def add_strips(self, queryset: QuerySet, *, zoom: int, rows: Span, columns: Span) -> None:
        """Add the organizations of ``queryset`` outside the cells at ``zoom`` in ``rows`` and
        ``columns``: up to four disjoint strips along the edges, each an index range scan."""
        if rows.empty or columns.empty:
            self.add_organizations(queryset)
            return
        # The strips' margins hold some organizations of the cells: the exact test leaves
        # them out, placing each organization as the cells do.
        queryset = queryset.alias(fine_row=grid_row(zoom), fine_column=grid_column(zoom)).exclude(
            fine_row__range=(rows.first, rows.last),
            fine_column__range=(columns.first, columns.last),
        )
        inside_rows = Q()
        if rows.low is not None:
            self.add_organizations(queryset.filter(latitude__lt=rows.low))
            inside_rows &= Q(latitude__gte=rows.low)
        if rows.high is not None:
            self.add_organizations(queryset.filter(inside_rows, latitude__gt=rows.high))
            inside_rows &= Q(latitude__lte=rows.high)
        if columns.low is not None:
            self.add_organizations(queryset.filter(inside_rows, longitude__lt=columns.low))
        if columns.high is not None:
            west_edge = Q() if columns.low is None else Q(longitude__gte=columns.low)
            self.add_organizations(
                queryset.filter(inside_rows, west_edge, longitude__gt=columns.high)
            )

    def add_organizations(self, queryset: QuerySet) -> None:
        try:
            sql, params = (
                queryset.annotate(cell=cell_expression(self.grid))
                .order_by()
                .values("cell", "latitude", "longitude")
                .query.sql_with_params()
            )
        except EmptyResultSet:
            return
        self.parts.append(STRIP_SQL.format(residual=sql))
        self.params += list(params)

    def fetch(self, connection) -> list[dict]:
        if not self.parts:
            return []
        union = " UNION ALL ".join(f"({part})" for part in self.parts)
        with connection.cursor() as cursor:
            cursor.execute(TOTALS_SQL.format(parts=union), self.params)
            return [dict(zip(CELL_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
