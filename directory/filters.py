"""The one FilterSet behind the directory list, its exports and the map API.

The query parameters are part of the public contract (DESIGN.md): ``q``, ``kind``, ``sector``,
``legal_form``, ``state``, ``country``, ``near`` with ``km``, and ``order`` (the list's order;
the exports and the map ignore it); ``kind``, ``sector`` and ``legal_form`` may repeat
(``?kind=platform_coop&kind=cooperative`` means either).
"""

import functools
import logging

from django import forms
from django.core.cache import cache
from django.core.validators import MaxLengthValidator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_filters import (
    CharFilter,
    ChoiceFilter,
    FilterSet,
    ModelMultipleChoiceFilter,
    MultipleChoiceFilter,
    NumberFilter,
)

from .geo.gazetteer import canonical_state
from .models import Organization, Sector
from .querysets import Nearby
from .search import MAX_QUERY_LENGTH, ParsedQuery, find_place, parse_query

logger = logging.getLogger(__name__)

PLACES_CACHE_KEY = "directory:published-places"
PLACES_CACHE_SECONDS = 5 * 60
DEFAULT_KM = 25
MAX_KM = 500
# The distinct (country, state) pairs, one index probe each (a "loose index scan" of
# org_status_place) instead of reading every published row.
PLACES_SQL = """
WITH RECURSIVE places AS (
    (SELECT country, state FROM directory_organization WHERE status = 'published'
     ORDER BY country, state LIMIT 1)
    UNION ALL
    SELECT next.country, next.state FROM places, LATERAL (
        SELECT country, state FROM directory_organization
        WHERE status = 'published' AND (country, state) > (places.country, places.state)
        ORDER BY country, state LIMIT 1
    ) AS next
)
SELECT country, state FROM places
"""


def published_places() -> list[tuple[str, str]]:
    """Return the distinct (country, state) pairs of published entries, in that order.

    Cached for a few minutes: a place that gets its first entry appears in the selects a little
    later (its filter works at once). A cache that is down is skipped, not a failure.
    """
    try:
        places = cache.get(PLACES_CACHE_KEY)
    except Exception:  # a cache outage must not break the page (Redis down)
        logger.warning("Cache unavailable: place choices read from the database", exc_info=True)
        return _read_places()
    if places is None:
        places = _read_places()
        try:
            cache.set(PLACES_CACHE_KEY, places, PLACES_CACHE_SECONDS)
        except Exception:
            logger.warning("Cache unavailable: place choices not cached", exc_info=True)
    return places


def _read_places() -> list[tuple[str, str]]:
    connection = connections[Organization.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(PLACES_SQL)
            return [tuple(row) for row in cursor.fetchall()]
    return list(
        Organization.objects.published()
        .order_by("country", "state")
        .values_list("country", "state")
        .distinct()
    )


def _format(message: str, **values) -> str:
    return message % values


# Formats a translatable message in the language of the request that shows it.
lazy_format = lazy(_format, str)


class RadiusFilter(NumberFilter):
    """A radius in km: its own bounds say the limit, not django-filter's general 1e50 as well."""

    def get_max_validator(self):
        return None


class OrganizationFilterForm(forms.Form):
    """The filters' form: finds the place of ``near`` and checks that ``order`` can be kept."""

    def clean(self) -> dict:
        cleaned = super().clean()
        near = cleaned.get("near")
        if near:
            place = find_place(near)
            if place is None:
                self.add_error(
                    "near",
                    _(
                        "We do not know the place “%(place)s”. Give a town or a German postal "
                        "code, e.g. Kassel or 34117."
                    )
                    % {"place": near[:100]},
                )
            else:
                cleaned["near"] = Nearby(
                    label=place.label,
                    latitude=place.latitude,
                    longitude=place.longitude,
                    km=float(cleaned.get("km") or DEFAULT_KM),
                )
        if cleaned.get("order") == "distance" and not self.data.get("near"):
            self.add_error("order", _("To sort by distance, give a place (near)."))
        return cleaned


def select_choices(empty_label: str, values: set[str]) -> list[tuple[str, str]]:
    return [("", empty_label), *((value, value) for value in sorted(values))]


class OrganizationFilter(FilterSet):
    """Filter organizations by the directory's query parameters.

    An invalid value (an unknown kind, a sector that does not exist) matches nothing rather
    than being ignored, so that a mistyped link never shows the whole directory as its result.
    """

    q = CharFilter(
        method="filter_search",
        label=_("Search"),
        max_length=MAX_QUERY_LENGTH,
        error_messages={"max_length": _("Please search with at most %(limit_value)d characters.")},
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, place, postal code, topic")}
        ),
    )
    kind = MultipleChoiceFilter(
        choices=Organization.Kind.choices,
        label=_("Kind"),
        widget=forms.CheckboxSelectMultiple,
        # Filtering one table needs no DISTINCT (which would compare every column).
        distinct=False,
    )
    sector = ModelMultipleChoiceFilter(
        queryset=Sector.objects.all(),
        to_field_name="slug",
        method="filter_sectors",
        label=_("Sector"),
        widget=forms.CheckboxSelectMultiple,
    )
    legal_form = MultipleChoiceFilter(
        choices=[choice for choice in Organization.LegalForm.choices if choice[0]],
        label=_("Legal form"),
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    # Free text as filters, selects of the places present as widgets (see __init__): a state
    # without entries yet finds none rather than being refused.
    # Exact: the stored values are normalized, and an index (org_status_state_name) serves it.
    state = CharFilter(
        method="filter_state",
        validators=[MaxLengthValidator(120)],
        label=_("State or region"),
    )
    country = CharFilter(
        method="filter_country", validators=[MaxLengthValidator(2)], label=_("Country")
    )
    near = CharFilter(
        method="filter_near",
        max_length=100,
        label=_("Near (place or postal code)"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Kassel or 34117")}),
    )
    km = RadiusFilter(
        method="filter_nothing",  # applied with near
        label=_("Within (km)"),
        min_value=1,
        max_value=MAX_KM,
        error_messages={
            "invalid": lazy_format(
                _("Give the radius as a number of kilometres from 1 to %(max)d."), max=MAX_KM
            ),
            "min_value": _("Give a radius of at least %(limit_value)s km."),
            "max_value": _("Give a radius of at most %(limit_value)s km."),
        },
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_KM, "placeholder": DEFAULT_KM}),
    )
    order = ChoiceFilter(
        method="filter_nothing",  # the list orders (see ``listing``); exports keep names
        label=_("Sort by"),
        empty_label=_("Best match"),
        choices=[
            ("name", _("Name")),
            ("distance", _("Distance")),
            ("newest", _("Newest")),
        ],
    )

    class Meta:
        model = Organization
        fields = ["q", "kind", "sector", "legal_form", "state", "country", "near", "km", "order"]
        form = OrganizationFilterForm

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Queried once, and only when a page renders the form (not for exports or the map API).
        places = functools.cache(published_places)
        self.filters["state"].extra["widget"] = forms.Select(
            choices=lambda: select_choices(
                _("All states and regions"), {state for country, state in places() if state}
            )
        )
        self.filters["country"].extra["widget"] = forms.Select(
            choices=lambda: select_choices(
                _("All countries"), {country for country, state in places()}
            )
        )

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.form.errors:
            return queryset.none()
        return super().filter_queryset(queryset)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(self.parsed_query)

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(state=canonical_state(value) or value)

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(country=value.upper())

    def filter_near(self, queryset: QuerySet, name: str, value: Nearby) -> QuerySet:
        return queryset.with_position().near(value)

    def filter_nothing(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    @functools.cached_property
    def parsed_query(self) -> ParsedQuery:
        """Return the words searched for, and those left out (too common, too many)."""
        return parse_query(self.search_query)

    @property
    def nearby(self) -> Nearby | None:
        """Return the circle of ``near`` and ``km``, if valid."""
        if not self.is_bound or not self.form.is_valid():
            return None
        return self.form.cleaned_data.get("near") or None

    @property
    def list_order(self) -> str:
        """Return the list's order: ``name``, ``distance``, ``newest`` or ``relevance``."""
        chosen = (
            self.form.cleaned_data.get("order") if self.is_bound and self.form.is_valid() else ""
        )
        if chosen:
            return chosen
        if self.parsed_query:
            return "relevance"
        return "distance" if self.nearby else "name"

    def filter_sectors(self, queryset: QuerySet, name: str, sectors: list[Sector]) -> QuerySet:
        if not sectors:
            return queryset
        # A subquery instead of a join: an entry in two of the sectors appears once, no DISTINCT.
        memberships = Organization.sectors.through.objects.filter(sector__in=sectors)
        return queryset.filter(pk__in=memberships.values("organization_id"))

    @property
    def search_query(self) -> str:
        """Return the validated search text, or "" when there is none."""
        if not self.is_bound or not self.form.is_valid():
            return ""
        return self.form.cleaned_data["q"] or ""

    def listing(self, *, limit: int) -> QuerySet:
        """Return the matches in the list's ``order``; by relevance, about ``limit`` of them."""
        organizations = self.qs
        match self.list_order:
            case "relevance":
                return organizations.by_relevance(self.parsed_query, limit=limit)
            case "distance":
                return organizations.nearest(self.nearby, limit=limit)
            case "newest":
                return organizations.newest_first()
        return organizations.order_by("sort_name", "pk")

    @property
    def chosen_filter_count(self) -> int:
        """Return how many filter values (search aside) the visitor chose."""
        if not self.is_bound:
            return 0
        return sum(
            1
            for name in self.filters
            if name not in ("q", "order")
            for value in self.data.getlist(name)
            if value
        )
