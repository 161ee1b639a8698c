"""The map API: GeoJSON of published organizations in a box, clustered on the server."""

from django import forms
from django.http import HttpRequest, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import conditional_page, require_safe

from . import clustering, map_cells
from .filters import OrganizationFilter
from .models import Organization
from .querysets import BoundingBox

# Long enough to spare the database when many visitors look at the same view, short enough for
# a newly published organization to appear soon.
MAX_AGE_SECONDS = 60


class MapViewForm(forms.Form):
    bbox = forms.CharField(
        help_text=_("WEST,SOUTH,EAST,NORTH in degrees, e.g. 5.9,47.3,15.0,55.1"),
        error_messages={"required": _("Give the box to show as bbox=WEST,SOUTH,EAST,NORTH.")},
    )
    zoom = forms.IntegerField(
        min_value=0,
        max_value=clustering.MAX_ZOOM,
        error_messages={"required": _("Give the map's zoom level as zoom=0…22.")},
    )

    def clean_bbox(self) -> BoundingBox:
        try:
            return BoundingBox.parse(self.cleaned_data["bbox"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


@require_safe
@conditional_page
def map_features(request: HttpRequest) -> JsonResponse:
    """Return the organizations matching the list filters in ``bbox``, clustered for ``zoom``."""
    view = MapViewForm(request.GET)
    if not view.is_valid():
        return bad_request(view.errors)
    box = view.cleaned_data["bbox"]
    filterset = OrganizationFilter(
        request.GET, queryset=Organization.objects.published().with_position().in_bbox(box)
    )
    if not filterset.is_valid():
        return bad_request(filterset.errors)
    features = clustering.map_features(
        filterset.qs,
        box=box,
        zoom=view.cleaned_data["zoom"],
        kinds=map_cells.cell_kinds(filterset.form.cleaned_data),
    )
    # Compact separators: a tenth less to send for a view of a few hundred features.
    response = JsonResponse(features, json_dumps_params={"separators": (",", ":")})
    patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
    return response


def bad_request(errors: dict) -> JsonResponse:
    message = " ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
    return JsonResponse({"error": message, "errors": errors}, status=400)
