"""The tile proxy /tiles/z/x/y.png against a local fake tile server: browsers ask only us."""

import time
from pathlib import Path

import pytest

from tests.fakes.tiles import PNG, fake_tiles  # noqa: F401 - a fixture


@pytest.fixture
def tiles(fake_tiles):  # noqa: F811
    """The fake tile server that the proxy asks."""
    return fake_tiles


def test_a_tile_comes_from_the_tile_server_with_our_user_agent(client, tiles):
    response = client.get("/tiles/6/34/21.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == PNG
    [request] = tiles.requests
    assert request["path"] == "/6/34/21.png"
    assert request["headers"]["User-Agent"] == "CoopMap-test/1 (+http://testserver)"


def test_a_cached_tile_is_not_fetched_again_and_keeps_the_upstreams_lifetime(client, tiles):
    tiles.cache_control = "public, max-age=3600"

    first = client.get("/tiles/6/34/21.png")
    second = client.get("/tiles/6/34/21.png")

    assert second.content == first.content == PNG
    assert len(tiles.requests) == 1
    assert "max-age=3600" in first["Cache-Control"]
    assert "public" in second["Cache-Control"]


def test_a_tile_the_upstream_says_not_to_store_is_fetched_each_time(client, tiles):
    tiles.cache_control = "no-store"

    client.get("/tiles/6/34/21.png")
    response = client.get("/tiles/6/34/21.png")

    assert response.status_code == 200
    assert len(tiles.requests) == 2
    assert "no-cache" in response["Cache-Control"]


def test_the_tile_cache_is_bounded(client, tiles, settings):
    from django.core.cache import caches

    for x in range(40):
        assert client.get(f"/tiles/6/{x}/21.png").status_code == 200

    directory = Path(caches["tiles"]._dir)
    cached = list(directory.glob("*.djcache"))
    assert len(cached) <= 20


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/6/64/21.png",  # x beyond 2**6 - 1
        "/tiles/6/3/64.png",
        "/tiles/19/0/0.png",  # deeper than MAP_TILES_MAX_ZOOM
        "/tiles/99999999999999999999/0/0.png",
    ],
)
def test_a_tile_that_cannot_exist_is_404_without_asking_upstream(client, tiles, path):
    response = client.get(path)

    assert response.status_code == 404
    assert tiles.requests == []


def test_a_tile_the_server_lacks_is_404(client, tiles):
    tiles.missing.add((6, 34, 21))

    assert client.get("/tiles/6/34/21.png").status_code == 404


def test_an_upstream_outage_is_502_and_the_server_is_left_alone_for_a_while(client, tiles):
    tiles.status = 503

    first = client.get("/tiles/6/34/21.png")
    second = client.get("/tiles/6/35/21.png")

    assert first.status_code == second.status_code == 502
    assert "no-store" in first["Cache-Control"]
    assert len(tiles.requests) == 1  # the second answer came without asking


def test_a_hanging_upstream_is_502_within_the_timeout(client, tiles, settings):
    settings.MAP_TILES_TIMEOUT_SECONDS = 0.5
    tiles.hang_seconds = 10

    started = time.monotonic()
    response = client.get("/tiles/6/34/21.png")

    assert response.status_code == 502
    assert time.monotonic() - started < 3


def test_a_refused_connection_is_502(client, tiles, settings):
    settings.MAP_TILES_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"

    assert client.get("/tiles/6/34/21.png").status_code == 502


def test_without_a_tile_server_there_are_no_tiles(client, settings):
    settings.MAP_TILES_URL = ""

    assert client.get("/tiles/6/34/21.png").status_code == 404


def test_only_get_is_allowed(client, tiles):
    assert client.post("/tiles/6/34/21.png").status_code == 405
