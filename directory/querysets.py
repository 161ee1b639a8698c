"""Reads of the directory: chainable queryset methods shared by pages, exports and the map API."""

from __future__ import annotations

import functools
import operator
import re
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections, models

TRIGRAM_LENGTH = 3
# Not shown in lists: long texts, the search index, and the private contact.
LISTING_DEFERRED_FIELDS = (
    "description_de",
    "description_en",
    "search_text",
    "search_vector",
    "contact_name",
    "contact_email",
)


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


class SearchDocument(SearchVector):
    """Compute the German full-text vector of an organization's ``search_text``.

    It is the expression of ``Organization.search_vector``, a column that PostgreSQL stores and
    indexes (migration 0003). SQLite has no full-text vector and stores NULL instead.
    """

    def __init__(self) -> None:
        super().__init__("search_text", config="german")

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []


def search_words(query: str) -> list[str]:
    """Split a search query into lower-case, umlaut-folded words of letters and digits."""
    from .models import fold_text

    return re.findall(r"[^\W_]+", fold_text(unicodedata.normalize("NFC", query)))


def prefix_query(word: str) -> SearchQuery:
    """Return a German full-text query for the words that start like ``word`` once stemmed."""
    # ``word`` holds letters and digits only (see search_words): no tsquery operator slips in.
    return SearchQuery(f"{word}:*", config="german", search_type="raw")


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
        """Return entries matching every word of ``query`` in name, city or descriptions.

        Words are compared umlaut-folded on both sides ("München", "Muenchen" and "MÜNCHEN" all
        become "muenchen"), so either spelling finds the other, and match as substrings
        ("genossenschaft" finds "Mitarbeitergenossenschaft"). On PostgreSQL a word also matches
        by German full-text search on stemmed prefixes, so "Genossenschaften" finds
        "Genossenschaft"; GIN indexes serve both conditions (migration 0003).
        """
        words = search_words(query)
        if not words:
            return self
        if connections[self.db].vendor != "postgresql":
            return self.filter(
                functools.reduce(
                    operator.and_, (models.Q(search_text__contains=word) for word in words)
                )
            )
        matches = models.Q()
        for word in words:
            word_matches = models.Q(search_vector=prefix_query(word))
            # A trigram index cannot narrow down words shorter than three letters; the
            # full-text index finds those ("eG", "IT") as words.
            if len(word) >= TRIGRAM_LENGTH:
                word_matches |= models.Q(search_text__contains=word)
            matches &= word_matches
        return self.filter(matches)

    def order_by_relevance(self, query: str) -> OrganizationQuerySet:
        """Order entries by how well their words match ``query``, best first, then by name.

        Only PostgreSQL ranks; elsewhere the order stays as it was.
        """
        words = search_words(query)
        if not words or connections[self.db].vendor != "postgresql":
            return self
        ranking = functools.reduce(operator.or_, (prefix_query(word) for word in words))
        return self.annotate(relevance=SearchRank(models.F("search_vector"), ranking)).order_by(
            "-relevance", "name"
        )

    def for_listing(self) -> OrganizationQuerySet:
        """Load what list pages show: sectors prefetched (O(1) queries), long texts left out."""
        return self.prefetch_related("sectors").defer(*LISTING_DEFERRED_FIELDS)
