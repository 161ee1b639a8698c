"""Reads of the directory: chainable queryset methods shared by pages, exports and the map API."""

from __future__ import annotations

import functools
import math
import operator
import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections, models
from django.utils.translation import gettext

from coopmap.text import fold

TRIGRAM_LENGTH = 3
# A map view's longitudes may lie this far beyond ±180 (a visitor who panned around the world).
MAX_VIEW_LONGITUDE = 36000
MAX_BBOX_LENGTH = 200
# A plain decimal number, with an optional exponent: no "nan", "0x10" or "1_000".
DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?")
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
        """Parse ``"WEST,SOUTH,EAST,NORTH"``; raise ``ValueError`` with a readable message.

        Longitudes may lie beyond ±180 (Leaflet's frame after panning), up to
        ``MAX_VIEW_LONGITUDE``: beyond that a float has lost the digits that say where the box
        is. ``WEST > EAST`` crosses the antimeridian, which only makes sense within -180..180.
        """
        parts = [part.strip() for part in value.split(",")]
        numbers = len(value) <= MAX_BBOX_LENGTH and all(map(DECIMAL.fullmatch, parts))
        if len(parts) != 4 or not numbers:
            raise ValueError(
                gettext(
                    "Give the box as four numbers WEST,SOUTH,EAST,NORTH in degrees "
                    "(e.g. 5.9,47.3,15.0,55.1)."
                )
            )
        west, south, east, north = (float(part) for part in parts)
        if not all(math.isfinite(number) for number in (west, south, east, north)):
            raise ValueError(gettext("The box needs four finite numbers: WEST,SOUTH,EAST,NORTH."))
        if not (-90 <= south <= north <= 90):
            raise ValueError(
                gettext("SOUTH and NORTH must lie within -90..90, with SOUTH <= NORTH.")
            )
        if not (abs(west) <= MAX_VIEW_LONGITUDE and abs(east) <= MAX_VIEW_LONGITUDE):
            raise ValueError(
                gettext(
                    "WEST and EAST must lie within -%(limit)s..%(limit)s degrees "
                    "(a hundred turns around the world)."
                )
                % {"limit": MAX_VIEW_LONGITUDE}
            )
        if west > east and not (-180 <= west <= 180 and -180 <= east <= 180):
            raise ValueError(
                gettext(
                    "A box across the antimeridian (WEST > EAST) needs WEST and EAST within "
                    "-180..180, e.g. 170,-20,-170,-10."
                )
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

    return re.findall(r"[^\W_]+", fold(query, accents=True, punctuation=True))


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
