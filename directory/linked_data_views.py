"""A published profile as linked data, for other maps to pull: JSON-LD and Murmurations."""

from collections.abc import Callable

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from .linked_data import organization_jsonld, organization_murmurations
from .models import Organization


def _linked_data(request: HttpRequest, slug: str, build: Callable[..., dict]) -> JsonResponse:
    queryset = Organization.objects.published().select_related("import_source")
    organization = get_object_or_404(queryset.prefetch_related("sectors"), slug=slug)
    data = build(organization, base_url=request.build_absolute_uri("/"))
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"  # public open data, meant to be read by others
    return response


@require_GET
def organization_jsonld_view(request: HttpRequest, slug: str) -> JsonResponse:
    response = _linked_data(request, slug, organization_jsonld)
    response["Content-Type"] = "application/ld+json"
    return response


@require_GET
def organization_murmurations_view(request: HttpRequest, slug: str) -> JsonResponse:
    return _linked_data(request, slug, organization_murmurations)
