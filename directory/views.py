"""Public pages of the directory: the map, the list, profiles and open-data exports."""

from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET

from . import exports
from .filters import OrganizationFilter, published_places
from .linked_data import organization_jsonld
from .models import Organization
from .structured_data import profile_map_data

PAGE_SIZE = 20
# The list shows at most this many matches (50 pages): counting or paging deeper would read
# large parts of a large directory for each page; the open data has them all.
LIST_CAP = 1000


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` + 1 entries and pages through the first ``cap``."""

    def __init__(self, object_list, per_page: int, *, cap: int) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def total(self) -> int:
        """Return how many entries match, counted up to ``cap`` + 1 (their order aside)."""
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def more(self) -> bool:
        """Return whether more than ``cap`` entries match."""
        return self.total > self.cap

    @cached_property
    def count(self) -> int:
        return min(self.total, self.cap)


def map_page(request: HttpRequest) -> HttpResponse:
    """Show the map with search and filters; map.js fills it from the map API."""
    filterset = OrganizationFilter(request.GET, queryset=Organization.objects.published())
    states = sorted({state for country, state in published_places() if state})
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
    organizations = filterset.listing(limit=LIST_CAP).for_listing()
    paginator = CappedPaginator(organizations, PAGE_SIZE, cap=LIST_CAP)
    page = paginator.get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(
        request,
        "directory/organization_list.html",
        {
            "filter": filterset,
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number),
            "beyond_last_page": _asks_beyond(request.GET.get("page", ""), paginator.num_pages),
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
def export_csv(request: HttpRequest) -> HttpResponse:
    filterset = OrganizationFilter(request.GET, queryset=Organization.objects.published())
    if not filterset.is_valid():
        return _bad_filters(filterset)
    queryset = filterset.qs
    # No byte-order mark: data tools (pandas, R, csvkit, QGIS) read plain UTF-8, and a BOM
    # would end up in the first column's name there; spreadsheets import UTF-8 CSV fine.
    return _download(
        exports.csv_chunks(queryset, site_url=_site_url(request)),
        content_type="text/csv; charset=utf-8; header=present",
        extension="csv",
    )


@require_GET
def export_geojson(request: HttpRequest) -> HttpResponse:
    filterset = OrganizationFilter(request.GET, queryset=Organization.objects.published())
    if not filterset.is_valid():
        return _bad_filters(filterset)
    queryset = filterset.qs
    return _download(
        exports.geojson_chunks(queryset, site_url=_site_url(request)),
        content_type="application/geo+json",
        extension="geojson",
    )


def _bad_filters(filterset: OrganizationFilter) -> HttpResponse:
    """Answer a download with invalid filters with 400 and what is wrong, as plain text."""
    lines = [f"{name}: {' '.join(messages)}" for name, messages in filterset.form.errors.items()]
    return HttpResponse(
        "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
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


def _asks_beyond(page: str, num_pages: int) -> bool:
    """Return whether ``page`` asks for a page past the last one (which is shown instead)."""
    return page.isdigit() and (len(page) > 9 or int(page) > num_pages)


def _site_url(request: HttpRequest) -> str:
    """Return the scheme and host the visitor used, for absolute links in the exports."""
    return request.build_absolute_uri("/").rstrip("/")
