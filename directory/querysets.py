"""Reads of the directory: chainable queryset methods shared by pages, exports and the map API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, models


@dataclass(frozen=True)
class BoundingBox:
    """A west/south/east/north box in degrees (WGS 84)."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, value: str) -> BoundingBox:
        """Parse ``"WEST,SOUTH,EAST,NORTH"``; raise ``ValueError`` with a readable message."""
        parts = [part.strip() for part in value.split(",")]
        if len(parts) != 4:
            raise ValueError("bbox needs four numbers: WEST,SOUTH,EAST,NORTH")
        try:
            west, south, east, north = (float(part) for part in parts)
        except ValueError as error:
            raise ValueError("bbox needs four numbers: WEST,SOUTH,EAST,NORTH") from error
        if not (-90 <= south <= north <= 90):
            raise ValueError("bbox: SOUTH and NORTH must lie within -90..90, SOUTH <= NORTH")
        if not (-180 <= west <= 180 and -180 <= east <= 180):
            raise ValueError("bbox: WEST and EAST must lie within -180..180")
        return cls(west, south, east, north)


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
