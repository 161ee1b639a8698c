"""Public pages of the directory: the map, the list, profiles and open-data exports."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .filters import OrganizationFilter
from .models import Organization


def map_page(request: HttpRequest) -> HttpResponse:
    """Show the map with search and filters; map.js fills it from the map API."""
    filterset = OrganizationFilter(request.GET, queryset=Organization.objects.published())
    states = (
        Organization.objects.published()
        .exclude(state="")
        .order_by("state")
        .values_list("state", flat=True)
        .distinct()
    )
    return render(
        request,
        "directory/map.html",
        {
            "filter": filterset,
            "states": states,
            "kind_labels": dict(Organization.Kind.choices),
        },
    )


def organization_list(request: HttpRequest) -> HttpResponse:
    filterset = OrganizationFilter(
        request.GET, queryset=Organization.objects.published().for_listing()
    )
    return render(
        request,
        "directory/organization_list.html",
        {"filter": filterset, "organizations": filterset.qs},
    )


def organization_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organization = get_object_or_404(Organization.objects.published(), slug=slug)
    return render(request, "directory/organization_detail.html", {"organization": organization})


def export_csv(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def export_geojson(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
