"""The one FilterSet behind the directory list, its exports and the map API.

The query parameters are part of the public contract (DESIGN.md): ``q``, ``kind``, ``sector``,
``legal_form``, ``state`` and ``country``; ``kind``, ``sector`` and ``legal_form`` may repeat
(``?kind=platform_coop&kind=cooperative`` means either).
"""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import (
    CharFilter,
    FilterSet,
    ModelMultipleChoiceFilter,
    MultipleChoiceFilter,
)

from .models import Organization, Sector


def state_choices() -> list[tuple[str, str]]:
    """Return the states and regions of published entries, for the state select."""
    states = (
        Organization.objects.published()
        .exclude(state="")
        .order_by("state")
        .values_list("state", flat=True)
        .distinct()
    )
    return [("", _("All states and regions")), *((state, state) for state in states)]


def country_choices() -> list[tuple[str, str]]:
    """Return the country codes of published entries, for the country select."""
    countries = (
        Organization.objects.published().order_by("country").values_list("country", flat=True)
    ).distinct()
    return [("", _("All countries")), *((country, country) for country in countries)]


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
    # Free text as a filter, a select of the states present as a widget: choices are queried
    # only when the form is rendered, and a state without entries yet finds none (not all).
    state = CharFilter(
        field_name="state",
        lookup_expr="iexact",
        label=_("State or region"),
        widget=forms.Select(choices=state_choices),
    )
    country = CharFilter(
        field_name="country",
        lookup_expr="iexact",
        label=_("Country"),
        widget=forms.Select(choices=country_choices),
    )

    class Meta:
        model = Organization
        fields = ["q", "kind", "sector", "legal_form", "state", "country"]

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
