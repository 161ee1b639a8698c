"""The one FilterSet behind the directory list, its exports and the map API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Organization, Sector


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=Organization.Kind.choices, label=_("Kind"))
    sector = django_filters.ModelMultipleChoiceFilter(
        field_name="sectors__slug",
        to_field_name="slug",
        queryset=Sector.objects.all(),
        label=_("Sector"),
        distinct=True,
    )
    legal_form = django_filters.MultipleChoiceFilter(
        choices=[c for c in Organization.LegalForm.choices if c[0]], label=_("Legal form")
    )
    state = django_filters.CharFilter(field_name="state", lookup_expr="iexact", label=_("State"))
    country = django_filters.CharFilter(
        field_name="country", lookup_expr="iexact", label=_("Country")
    )

    class Meta:
        model = Organization
        fields = ["q", "kind", "sector", "legal_form", "state", "country"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
