"""The map API at a million organizations: clusters added up from pre-aggregated cells.

``MapCell`` holds, per zoom 0..``MAX_CELL_ZOOM`` and kind, the count, position sums and extent
of the published organizations in each cell of the clustering grid (clustering.py). PostgreSQL
keeps it exact in the same transaction as every insert, update, delete or truncate of an
organization (statement triggers with transition tables, migration 0011): a visitor never sees
a count that disagrees with the directory, whichever code path (services, admin, imports, raw
SQL) wrote. ``directory_map_cells_rebuild()`` counts from scratch, for repairs.

A view's box rarely follows cell edges, so one answer adds up three disjoint parts:

1. the view's cells that lie wholly inside the box, read from the cells at the view's zoom;
2. the finer cells (``FINER_ZOOMS`` zooms down) wholly inside the box but not in part 1: a
   ring along the box's edges, each added to the view cell it lies in;
3. the organizations of the box outside both, a strip a few pixels wide along the edges,
   grouped live (index range scans on latitude or longitude).

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
FINER_ZOOMS = 3
MARGIN = 1e-9  # degrees; far above rounding differences (1e-13), far below any real distance
# Cells wholly inside the box stay clear of the Mercator clamp (see directory_map_y).
INNER_LATITUDE = 85.0
# Filters the cells can answer: by kind, a column of the cells; and parameters that narrow
# nothing by themselves (the list's order, the radius of a ``near`` that is not given).
CELL_FILTERS = {"kind", "order", "km"}

# The view's cells wholly inside the box.
INNER_CELLS_SQL = """
    SELECT grid_row::bigint * %s + grid_column, count, latitude_sum, longitude_sum,
           south, north, west, east
    FROM directory_mapcell
    WHERE zoom = %s AND grid_row BETWEEN %s AND %s AND grid_column BETWEEN %s AND %s
      AND (%s OR kind = ANY(%s))
"""
# The finer cells inside the box around them, each numbered as the view's cell it lies in.
RING_CELLS_SQL = """
    SELECT (grid_row >> %s)::bigint * %s + (grid_column >> %s), count, latitude_sum,
           longitude_sum, south, north, west, east
    FROM directory_mapcell
    WHERE zoom = %s AND grid_row BETWEEN %s AND %s AND grid_column BETWEEN %s AND %s
      AND (%s OR kind = ANY(%s))
      AND NOT (grid_row BETWEEN %s AND %s AND grid_column BETWEEN %s AND %s)
"""
# The organizations outside both (``residual``: SQL the ORM compiled, values as parameters).
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
    fine_zoom = min(grid.zoom + FINER_ZOOMS, MAX_CELL_ZOOM)
    levels = fine_zoom - grid.zoom
    kind_params = [not kinds, kinds]
    parts_sql, params = [], []
    for west, east in box_parts(box):
        rows = row_span(box.south, box.north, grid.zoom)
        columns = column_span(west, east, grid.zoom)
        fine_rows = row_span(box.south, box.north, fine_zoom)
        fine_columns = column_span(west, east, fine_zoom)
        if not rows.empty and not columns.empty:
            parts_sql.append(INNER_CELLS_SQL)
            params += [grid.stride, grid.zoom, rows.first, rows.last, columns.first]
            params += [columns.last, *kind_params]
        if fine_rows.empty or fine_columns.empty:
            residual = queryset.filter(longitude__gte=west, longitude__lte=east)
        else:
            first_row, last_row = rows.scaled(levels)
            first_column, last_column = columns.scaled(levels)
            parts_sql.append(RING_CELLS_SQL)
            params += [levels, grid.stride, levels, fine_zoom, fine_rows.first, fine_rows.last]
            params += [fine_columns.first, fine_columns.last, *kind_params]
            params += [first_row, last_row, first_column, last_column]
            strips = Q()
            for condition, bound in (
                ("latitude__lt", fine_rows.low),
                ("latitude__gt", fine_rows.high),
                ("longitude__lt", fine_columns.low),
                ("longitude__gt", fine_columns.high),
            ):
                if bound is not None:
                    strips |= Q(**{condition: bound})
            if not strips:
                continue  # the finer cells cover this part of the box entirely
            residual = (
                queryset.filter(longitude__gte=west, longitude__lte=east)
                .filter(strips)
                .alias(fine_row=grid_row(fine_zoom), fine_column=grid_column(fine_zoom))
                .exclude(
                    fine_row__range=(fine_rows.first, fine_rows.last),
                    fine_column__range=(fine_columns.first, fine_columns.last),
                )
            )
        try:
            residual_sql, residual_params = (
                residual.annotate(cell=cell_expression(grid))
                .order_by()
                .values("cell", "latitude", "longitude")
                .query.sql_with_params()
            )
        except EmptyResultSet:
            continue
        parts_sql.append(STRIP_SQL.format(residual=residual_sql))
        params += list(residual_params)
    if not parts_sql:
        return []
    union = " UNION ALL ".join(f"({part})" for part in parts_sql)
    sql = TOTALS_SQL.format(parts=union)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(CELL_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
