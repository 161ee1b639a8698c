"""Reads of the directory: chainable queryset methods shared by pages, exports and the map API."""

from __future__ import annotations

import functools
import math
import operator
import re
from dataclasses import dataclass

from django.db import models
from django.db.models.functions import Sqrt
from django.utils import translation
from django.utils.translation import gettext

from .search import ParsedQuery, SearchWord, parse_query, search_fold

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


@dataclass(frozen=True)
class Nearby:
    """A circle around a place: "within ``km`` km of ``label``"."""

    label: str
    latitude: float
    longitude: float
    km: float

    def box(self) -> tuple[float, float, float, float]:
        """Return the south, west, north and east edges of a box around the circle."""
        latitude_span = self.km / KM_PER_DEGREE
        longitude_span = self.km / (
            KM_PER_DEGREE * max(math.cos(math.radians(self.latitude)), 0.01)
        )
        return (
            max(self.latitude - latitude_span, -90.0),
            max(self.longitude - longitude_span, -180.0),
            min(self.latitude + latitude_span, 90.0),
            min(self.longitude + longitude_span, 180.0),
        )


KM_PER_DEGREE = 111.2  # of latitude; of longitude times the cosine of the latitude


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

    def search(self, query: str | ParsedQuery) -> OrganizationQuerySet:
        """Return entries matching every word of ``query``.

        A word matches the folded name, postal code, place, state or descriptions (its stem as
        a substring: "Genossenschaften" finds "Mitarbeitergenossenschaft"; "Saarbrucken",
        "Saarbruecken" and "Saarbrücken" find each other), or the name of a sector (German or
        English), legal form or kind. The same on every database (see directory/search.py);
        on PostgreSQL a trigram index serves the substring matches (migration 0004).
        """
        parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
        if not parsed:
            return self
        sectors = sector_names(self.db)
        return self.filter(*(self._word_matches(word, sectors) for word in parsed.words))

    def _word_matches(self, word: SearchWord, sectors: list[tuple[int, str]]) -> models.Q:
        matches = models.Q(search_text__contains=word.pattern)
        labels = choice_labels()
        for field_name in ("kind", "legal_form"):
            values = [value for value, label in labels[field_name] if word.matches(label)]
            if values:
                matches |= models.Q(**{f"{field_name}__in": values})
        matching_sectors = [pk for pk, name in sectors if word.matches(name)]
        if matching_sectors:
            memberships = self.model.sectors.through.objects.filter(sector__in=matching_sectors)
            matches |= models.Q(pk__in=memberships.values("organization_id"))
        return matches

    def near(self, nearby: Nearby) -> OrganizationQuerySet:
        """Return entries within ``nearby.km`` of its place, with their ``distance`` in km.

        Distances are those of a flat map around the place (accurate to well under 1 % at a few
        hundred kilometres); the box around the circle lets the position index narrow it down.
        """
        south, west, north, east = nearby.box()
        east_west = models.Value(KM_PER_DEGREE * math.cos(math.radians(nearby.latitude)))
        north_south = (models.F("latitude") - nearby.latitude) * KM_PER_DEGREE
        east_west = (models.F("longitude") - nearby.longitude) * east_west
        return (
            self.filter(
                latitude__gte=south,
                latitude__lte=north,
                longitude__gte=west,
                longitude__lte=east,
            )
            .alias(distance_squared=north_south * north_south + east_west * east_west)
            .filter(distance_squared__lte=nearby.km * nearby.km)
            .annotate(distance=Sqrt("distance_squared"))
        )

    def nearest(self, nearby: Nearby, *, limit: int) -> OrganizationQuerySet:
        """Return the entries of ``near(nearby)`` nearest first, at least the ``limit`` nearest.

        Sorting every entry of a wide circle around a big city would read tens of thousands of
        rows: the smallest of the radii km/16, km/8, km/4 and km/2 that holds more than
        ``limit`` entries is sorted instead, found by counts of at most ``limit`` + 1 rows.
        """
        for fraction in (16, 8, 4, 2):
            inner = Nearby(nearby.label, nearby.latitude, nearby.longitude, nearby.km / fraction)
            south, west, north, east = inner.box()
            narrowed = self.filter(
                latitude__gte=south,
                latitude__lte=north,
                longitude__gte=west,
                longitude__lte=east,
                distance_squared__lte=inner.km * inner.km,
            )
            if narrowed.order_by()[: limit + 1].count() > limit:
                return narrowed.order_by("distance", "sort_name", "pk")
        return self.order_by("distance", "sort_name", "pk")

    def name_hits(self, parsed: ParsedQuery) -> OrganizationQuerySet:
        """Annotate ``name_hits``: how many words of ``parsed`` the name holds."""
        hits = [
            models.Case(models.When(name_contains(word), then=1), default=0)
            for word in parsed.words
        ]
        return self.annotate(
            name_hits=functools.reduce(operator.add, hits, models.Value(0))
            if hits
            else models.Value(0)
        )

    def by_relevance(self, parsed: ParsedQuery, *, limit: int) -> OrganizationQuerySet:
        """Return up to about ``limit`` matches, entries whose name matches first, then by name.

        Ranking every match of a common word would read most of the table: ranked are the
        first ``limit`` matches found, and as many whose name matches (so that those come
        first however many there are). Two queries of at most ``limit`` ids each.
        """
        matches = self.order_by()
        ids = list(matches.values_list("pk", flat=True)[: limit + 1])
        if len(ids) > limit and parsed:
            name_matches = matches.filter(
                functools.reduce(operator.or_, (name_contains(word) for word in parsed.words))
            )
            ids = list(name_matches.values_list("pk", flat=True)[:limit]) + ids
        return (
            self.model.objects.filter(pk__in=set(ids))
            .name_hits(parsed)
            .order_by("-name_hits", "sort_name", "pk")
        )

    def newest_first(self) -> OrganizationQuerySet:
        return self.order_by("-published_at", "-pk")

    def for_listing(self) -> OrganizationQuerySet:
        """Load what list pages show: sectors prefetched (O(1) queries), long texts left out."""
        return self.prefetch_related("sectors").defer(*LISTING_DEFERRED_FIELDS)


def name_contains(word: SearchWord) -> models.Q:
    """Return the condition that the folded name holds ``word`` (a short word as a whole)."""
    if not word.whole_word:
        return models.Q(sort_name__contains=word.stem)
    return (
        models.Q(sort_name=word.stem)
        | models.Q(sort_name__startswith=f"{word.stem} ")
        | models.Q(sort_name__endswith=f" {word.stem}")
        | models.Q(sort_name__contains=f" {word.stem} ")
    )


@functools.cache
def choice_labels() -> dict[str, list[tuple[str, str]]]:
    """Return the folded German and English labels of the kinds and legal forms."""
    from .models import Organization

    labels: dict[str, list[tuple[str, str]]] = {}
    for field_name, choices in (
        ("kind", Organization.Kind.choices),
        ("legal_form", Organization.LegalForm.choices),
    ):
        labels[field_name] = []
        for value, label in choices:
            if not value:
                continue
            for language in ("de", "en"):
                with translation.override(language):
                    labels[field_name].append((value, search_fold(str(label))))
    return labels


def sector_names(using: str) -> list[tuple[int, str]]:
    """Return each sector's id with its folded names (German, English, slug) in one text."""
    from .models import Sector

    return [
        (pk, search_fold(f"{name_de} {name_en} {slug}"))
        for pk, name_de, name_en, slug in Sector.objects.using(using).values_list(
            "pk", "name_de", "name_en", "slug"
        )
    ]
