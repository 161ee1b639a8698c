"""The one FilterSet behind the directory list, its exports and the map API.

The query parameters are part of the public contract (DESIGN.md): ``q``, ``kind``, ``sector``,
``legal_form``, ``state`` and ``country``; ``kind``, ``sector`` and ``legal_form`` may repeat
(``?kind=platform_coop&kind=cooperative`` means either).
"""

import functools

from django import forms
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import (
    CharFilter,
    FilterSet,
    ModelMultipleChoiceFilter,
    MultipleChoiceFilter,
)

from .models import Organization, Sector

PLACES_CACHE_KEY = "directory:published-places"
PLACES_CACHE_SECONDS = 5 * 60


def published_places() -> list[tuple[str, str]]:
    """Return the distinct (country, state) pairs of published entries.

    Finding them reads every published row, so the answer is cached for a few minutes: a place
    that gets its first entry appears in the selects a little later (its filter works at once).
    """
    return cache.get_or_set(
        PLACES_CACHE_KEY,
        lambda: list(
            Organization.objects.published()
            .order_by("country", "state")
            .values_list("country", "state")
            .distinct()
        ),
        PLACES_CACHE_SECONDS,
    )


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
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, place, topic")}),
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
    state = CharFilter(field_name="state", lookup_expr="iexact", label=_("State or region"))
    country = CharFilter(field_name="country", lookup_expr="iexact", label=_("Country"))

    class Meta:
        model = Organization
        fields = ["q", "kind", "sector", "legal_form", "state", "country"]

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
        return queryset.search(value)

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
        return self.form.cleaned_data["q"]

    @property
    def chosen_filter_count(self) -> int:
        """Return how many filter values (search aside) the visitor chose."""
        if not self.is_bound:
            return 0
        return sum(
            1 for name in self.filters if name != "q" for value in self.data.getlist(name) if value
        )
