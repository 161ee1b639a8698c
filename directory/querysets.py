"""Reads of the directory: chainable queryset methods shared by pages, exports and the map API."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import connection, models
from django.utils.translation import gettext


@dataclass(frozen=True)
class BoundingBox:
    """A west/south/east/north box in degrees (WGS 84).

    ``west`` and ``east`` lie within -180..180; a box crossing the antimeridian has
    ``west > east``. Leaflet sends longitudes beyond ±180 once a visitor pans past them:
    ``view_west`` then keeps where the visitor's frame starts, to place results back into it.
    """

    west: float
    south: float
    east: float
    north: float
    view_west: float | None = None

    @classmethod
    def parse(cls, value: str) -> BoundingBox:
        """Parse ``"WEST,SOUTH,EAST,NORTH"``; raise ``ValueError`` with a readable message."""
        parts = [part.strip() for part in value.split(",")]
        try:
            west, south, east, north = (float(part) for part in parts)
        except ValueError as error:
            raise ValueError(
                gettext(
                    "Give the box as four numbers WEST,SOUTH,EAST,NORTH in degrees "
                    "(e.g. 5.9,47.3,15.0,55.1)."
                )
            ) from error
        if not all(math.isfinite(number) for number in (west, south, east, north)):
            raise ValueError(gettext("The box needs four finite numbers: WEST,SOUTH,EAST,NORTH."))
        if not (-90 <= south <= north <= 90):
            raise ValueError(
                gettext("SOUTH and NORTH must lie within -90..90, with SOUTH <= NORTH.")
            )
        return cls.from_view(west, south, east, north)

    @classmethod
    def from_view(cls, west: float, south: float, east: float, north: float) -> BoundingBox:
        """Return the box a map view shows, with longitudes in any frame (e.g. 170..190).

        ``west > east`` means the box crosses the antimeridian (170..-170 is 170..190).
        """
        in_range = -180 <= west <= 180 and -180 <= east <= 180
        if east < west:
            east += 360
        if east - west >= 360:
            # The whole world (a map zoomed far out), in the turn where the view is centered.
            view_west = None if in_range else (west + east) / 2 - 180
            return cls(-180.0, south, 180.0, north, view_west=view_west)
        # Whole turns only, and none for a box within -180..180: its edges stay exact.
        turns = 360 * math.floor((west + 180) / 360)
        normal_west, normal_east = west - turns, east - turns
        if normal_east > 180:
            normal_east -= 360
        return cls(normal_west, south, normal_east, north, view_west=None if in_range else west)

    @property
    def crosses_antimeridian(self) -> bool:
        return self.west > self.east

    @property
    def width(self) -> float:
        """Return the width in degrees of longitude."""
        return self.east - self.west + (360 if self.crosses_antimeridian else 0)

    def to_view_longitude(self, longitude: float) -> float:
        """Return ``longitude`` moved by whole turns into the frame the box was given in."""
        if self.view_west is None:
            return longitude
        return longitude + 360 * math.ceil((self.view_west - longitude) / 360)


class OrganizationQuerySet(models.QuerySet):
    def published(self) -> OrganizationQuerySet:
        """Return only entries that a network manager has published: the public directory."""
        return self.filter(status="published")

    def with_position(self) -> OrganizationQuerySet:
        return self.filter(latitude__isnull=False, longitude__isnull=False)

    def in_bbox(self, box: BoundingBox) -> OrganizationQuerySet:
        """Return entries inside ``box``; a box crossing the antimeridian (west > east) wraps."""
        queryset = self.filter(latitude__gte=box.south, latitude__lte=box.north)
        if box.west <= box.east:
            return queryset.filter(longitude__gte=box.west, longitude__lte=box.east)
        return queryset.filter(
            models.Q(longitude__gte=box.west) | models.Q(longitude__lte=box.east)
        )

    def search(self, query: str) -> OrganizationQuerySet:
        """Return entries matching ``query``.

        On PostgreSQL: German full-text search (stemming, so "Genossenschaften" finds
        "Genossenschaft"), or'ed with a substring match on the umlaut-folded text so that
        "Muenchen" finds "München" and partial words still match. On SQLite: the substring
        match alone, every word of the query required.
        """
        from .models import fold_text

        words = fold_text(query).split()
        if not words:
            return self
        substring = models.Q()
        for word in words:
            substring &= models.Q(search_text__contains=word)
        if connection.vendor != "postgresql":
            return self.filter(substring)

        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = SearchVector("name", "city", "summary_de", "description_de", config="german")
        vector += SearchVector("summary_en", "description_en", config="english")
        full_text = SearchQuery(query, config="german", search_type="websearch") | SearchQuery(
            query, config="english", search_type="websearch"
        )
        return self.annotate(_search=vector).filter(models.Q(_search=full_text) | substring)

    def for_listing(self) -> OrganizationQuerySet:
        """Prefetch what list pages and exports show, so they stay O(1) in queries."""
        return self.prefetch_related("sectors")
