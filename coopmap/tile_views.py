"""The tile proxy: the maps' background tiles, fetched from the configured tile server."""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from .tiles import TileNotFoundError, TileUpstreamError, tile_get


@require_GET
def tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    """Answer one tile; 404 for a tile that cannot exist, 502 when the tile server fails."""
    try:
        found = tile_get(z=z, x=x, y=y)
    except TileNotFoundError:
        return HttpResponse(b"No such tile.\n", status=404, content_type="text/plain")
    except TileUpstreamError:
        response = HttpResponse(
            b"The tile server is not available.\n", status=502, content_type="text/plain"
        )
        patch_cache_control(response, no_store=True)
        return response
    response = HttpResponse(found.content, content_type=found.content_type)
    if found.max_age:
        patch_cache_control(response, public=True, max_age=found.max_age)
    else:
        patch_cache_control(response, no_cache=True)
    return response
