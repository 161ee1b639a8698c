"""A published profile as linked data, for other maps to pull: JSON-LD and Murmurations."""

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from .linked_data import organization_jsonld, organization_murmurations
from .models import Organization


def _published(slug: str) -> Organization:
    queryset = Organization.objects.published().select_related("import_source")
    return get_object_or_404(queryset.prefetch_related("sectors"), slug=slug)


@require_GET
def organization_jsonld_view(request: HttpRequest, slug: str) -> JsonResponse:
    organization = _published(slug)
    data = organization_jsonld(organization, base_url=request.build_absolute_uri("/"))
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/ld+json"
    response["Access-Control-Allow-Origin"] = "*"  # public open data, meant to be read by others
    return response


@require_GET
def organization_murmurations_view(request: HttpRequest, slug: str) -> JsonResponse:
    organization = _published(slug)
    data = organization_murmurations(organization, base_url=request.build_absolute_uri("/"))
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
