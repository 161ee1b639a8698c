"""Fetch map tiles from the configured tile server and cache them, for the proxy at /tiles/.

Visitors' browsers ask only CoopMap for tiles; CoopMap asks the tile server (``MAP_TILES_URL``)
with its own User-Agent, keeps each tile as long as the server's cache headers allow, and never
waits longer than ``MAP_TILES_TIMEOUT_SECONDS`` for it. After an outage it leaves the server
alone for ``MAP_TILES_RETRY_SECONDS`` and answers at once.
"""

from __future__ import annotations

import email.utils
import http.client
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches

MIN_CACHE_SECONDS = 60
MAX_CACHE_SECONDS = 30 * 24 * 3600
# Without cache headers, keep a tile a week (the OpenStreetMap tile usage policy's minimum).
DEFAULT_CACHE_SECONDS = 7 * 24 * 3600
DOWN_KEY = "tiles:upstream-down"
READ_CHUNK = 16 * 1024
PASSED_CONTENT_TYPES = {"image/png", "image/jpeg", "image/webp"}


class TileNotFoundError(Exception):
    """The tile does not exist (bad coordinates, or the server has none)."""


class TileUpstreamError(Exception):
    """The tile server failed, timed out or answered something that is not a tile."""


@dataclass(frozen=True)
class Tile:
    """One tile's bytes, type, and for how many more seconds it may be cached."""

    content: bytes
    content_type: str
    max_age: int


def tile_exists(z: int, x: int, y: int) -> bool:
    """Return whether (z, x, y) names a tile of the XYZ scheme up to the configured zoom."""
    return 0 <= z <= settings.MAP_TILES_MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def cache_seconds(headers: http.client.HTTPMessage) -> int | None:
    """Return how long the upstream's headers let us keep the tile; None for not at all."""
    cache_control = headers.get("Cache-Control", "").lower()
    if "no-store" in cache_control or "private" in cache_control:
        return None
    match = re.search(r"s-maxage=(\d+)", cache_control) or re.search(
        r"max-age=(\d+)", cache_control
    )
    if match:
        seconds = int(match.group(1))
    elif expires := headers.get("Expires"):
        try:
            remaining = email.utils.parsedate_to_datetime(expires) - datetime.now(UTC)
            seconds = int(remaining.total_seconds())
        except (TypeError, ValueError):
            seconds = 0
    else:
        seconds = DEFAULT_CACHE_SECONDS
    if "no-cache" in cache_control:
        seconds = 0
    # A tile the server wants revalidated at once is still kept a minute: a page asks for the
    # same tiles many times while it is panned.
    return min(max(seconds, MIN_CACHE_SECONDS), MAX_CACHE_SECONDS)


def _read_bounded(response, deadline: float) -> bytes:
    chunks, size = [], 0
    while chunk := response.read(READ_CHUNK):
        size += len(chunk)
        if size > settings.MAP_TILES_MAX_BYTES:
            raise TileUpstreamError("tile larger than MAP_TILES_MAX_BYTES")
        if time.monotonic() > deadline:
            raise TileUpstreamError("tile server too slow")
        chunks.append(chunk)
    return b"".join(chunks)


def _fetch(z: int, x: int, y: int) -> tuple[Tile, int | None]:
    url = settings.MAP_TILES_URL.format(z=z, x=x, y=y, s="a")
    request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
        url, headers={"User-Agent": settings.MAP_TILES_USER_AGENT, "Accept": "image/*"}
    )
    timeout = settings.MAP_TILES_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            content = _read_bounded(response, deadline)
            headers = response.headers
    except urllib.error.HTTPError as error:
        if error.code in {400, 404, 410}:
            raise TileNotFoundError(url) from error
        raise TileUpstreamError(f"tile server answered {error.code}") from error
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise TileUpstreamError(str(error)) from error
    content_type = headers.get_content_type()
    if content_type not in PASSED_CONTENT_TYPES or not content:
        raise TileUpstreamError(f"tile server sent {content_type}, not an image")
    seconds = cache_seconds(headers)
    return Tile(content, content_type, seconds or 0), seconds


def tile_get(*, z: int, x: int, y: int) -> Tile:
    """Return the tile (z, x, y), from the cache or the tile server.

    Raise ``TileNotFoundError`` for a tile that cannot or does not exist and
    ``TileUpstreamError`` when the server fails, within the configured time.
    """
    if not settings.MAP_TILES_URL or not tile_exists(z, x, y):
        raise TileNotFoundError(f"{z}/{x}/{y}")
    cache = caches["tiles"]
    key = f"tile:{z}:{x}:{y}"
    if cached := cache.get(key):
        content, content_type, expires_at = cached
        return Tile(content, content_type, max(int(expires_at - time.time()), 0))
    if cache.get(DOWN_KEY):
        raise TileUpstreamError("tile server failed recently")
    try:
        tile, seconds = _fetch(z, x, y)
    except TileUpstreamError:
        cache.set(DOWN_KEY, True, settings.MAP_TILES_RETRY_SECONDS)
        raise
    if seconds:
        cache.set(key, (tile.content, tile.content_type, time.time() + seconds), seconds)
    return tile
