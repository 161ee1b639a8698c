"""Public pages of the directory: the map, the list, profiles and open-data exports."""

from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import exports
from .filters import OrganizationFilter
from .linked_data import organization_jsonld
from .models import Organization
from .structured_data import profile_map_data

PAGE_SIZE = 20


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


@require_GET
def organization_list(request: HttpRequest) -> HttpResponse:
    filterset = OrganizationFilter(request.GET, queryset=Organization.objects.published())
    organizations = filterset.qs.order_by_relevance(filterset.search_query).for_listing()
    page = Paginator(organizations, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(
        request,
        "directory/organization_list.html",
        {
            "filter": filterset,
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number),
            "filter_query": filters.urlencode(),
            "license": exports.LICENSE,
        },
    )


@require_GET
def organization_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organization = get_object_or_404(
        Organization.objects.published()
        .select_related("import_source")
        .prefetch_related("sectors"),
        slug=slug,
    )
    return render(
        request,
        "directory/organization_detail.html",
        {
            "organization": organization,
            "sectors": organization.sectors.all(),
            "json_ld": organization_jsonld(organization, base_url=request.build_absolute_uri("/")),
            "map_data": profile_map_data(organization),
        },
    )


@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    queryset = OrganizationFilter(request.GET, queryset=Organization.objects.published()).qs
    # No byte-order mark: data tools (pandas, R, csvkit, QGIS) read plain UTF-8, and a BOM
    # would end up in the first column's name there; spreadsheets import UTF-8 CSV fine.
    return _download(
        exports.csv_chunks(queryset, site_url=_site_url(request)),
        content_type="text/csv; charset=utf-8; header=present",
        extension="csv",
    )


@require_GET
def export_geojson(request: HttpRequest) -> StreamingHttpResponse:
    queryset = OrganizationFilter(request.GET, queryset=Organization.objects.published()).qs
    return _download(
        exports.geojson_chunks(queryset, site_url=_site_url(request)),
        content_type="application/geo+json",
        extension="geojson",
    )


def _download(chunks: Iterator[str], *, content_type: str, extension: str) -> StreamingHttpResponse:
    today = timezone.localdate().isoformat()
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="coopmap-organizations-{today}.{extension}"'
    )
    response["Link"] = f'<{exports.LICENSE.url}>; rel="license"'
    # Open data: other sites' scripts may fetch it too.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _site_url(request: HttpRequest) -> str:
    """Return the scheme and host the visitor used, for absolute links in the exports."""
    return request.build_absolute_uri("/").rstrip("/")
