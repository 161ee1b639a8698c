"""A local stand-in for an XYZ tile server (such as tile.openstreetmap.org), for the tile proxy.

It answers ``GET /{z}/{x}/{y}.png`` with a small PNG and the cache headers it is told to send,
records every request with its headers, and can simulate faults: an HTTP error status, a
missing tile, or a server that hangs before answering.

Use the ``fake_tiles`` fixture; it yields a running ``FakeTileServer``.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# A valid 1x1 PNG: what the fake serves for every tile.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f6e3e700"
    "00000049454e44ae426082"
)
TILE_PATH = re.compile(r"^/(\d+)/(\d+)/(\d+)\.png$")


class FakeTileServer:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.cache_control: str | None = "max-age=86400"
        self.status = 200
        self.hang_seconds = 0.0
        self.missing: set[tuple[int, int, int]] = set()
        self._server: ThreadingHTTPServer | None = None
        self._release = threading.Event()

    @property
    def url(self) -> str:
        """The URL template to set as MAP_TILES_URL."""
        host, port = self._server.server_address
        return f"http://{host}:{port}/{{z}}/{{x}}/{{y}}.png"

    def start(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._release.set()  # let hanging handlers finish
        self._server.shutdown()
        self._server.server_close()


def _handler_for(fake: FakeTileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.requests.append({"path": self.path, "headers": dict(self.headers)})
            if fake.hang_seconds:
                fake._release.wait(fake.hang_seconds)
            match = TILE_PATH.match(self.path)
            if not match or tuple(map(int, match.groups())) in fake.missing:
                self._answer(404, b"not found", "text/plain")
            elif fake.status != 200:
                self._answer(fake.status, b"unavailable", "text/plain")
            else:
                self._answer(200, PNG, "image/png")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if status == 200 and fake.cache_control is not None:
                self.send_header("Cache-Control", fake.cache_control)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args) -> None:
            pass

    return Handler


@pytest.fixture
def fake_tiles(settings, tmp_path):
    """Run a fake tile server and point the proxy at it, with an empty tile cache of its own."""
    server = FakeTileServer()
    server.start()
    settings.MAP_TILES_URL = server.url
    settings.MAP_TILES_TIMEOUT_SECONDS = 1.0
    settings.MAP_TILES_USER_AGENT = "CoopMap-test/1 (+http://testserver)"
    settings.CACHES = {
        **settings.CACHES,
        "tiles": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "tiles"),
            "OPTIONS": {"MAX_ENTRIES": 20},
        },
    }
    yield server
    server.stop()
