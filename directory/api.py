"""The map API: GeoJSON of published organizations in a box, clustered on the server."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from .filters import OrganizationFilter
from .models import Organization
from .querysets import BoundingBox


@require_GET
def map_features(request: HttpRequest) -> JsonResponse:
    """Return a GeoJSON FeatureCollection of the organizations in ``bbox`` (unclustered draft)."""
    try:
        box = BoundingBox.parse(request.GET.get("bbox", "-180,-90,180,90"))
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    queryset = OrganizationFilter(
        request.GET, queryset=Organization.objects.published().with_position().in_bbox(box)
    ).qs
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [org.longitude, org.latitude]},
            "properties": {
                "slug": org.slug,
                "name": org.name,
                "kind": org.kind,
                "url": org.get_absolute_url(),
            },
        }
        for org in queryset
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})
