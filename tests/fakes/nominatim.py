"""A local stand-in for a Nominatim server, so that tests run geopy's real HTTP path offline.

It answers ``GET /search`` as Nominatim does (``format=json`` or ``jsonv2``; a free-form ``q``
or the structured ``street``, ``city``, ``postalcode``, ``state``, ``country``;
``countrycodes``, ``addressdetails``, ``limit``) from a small table of places, records every
request, and can simulate an outage: answering HTTP 503, or refusing connections altogether.

Use the ``fake_nominatim`` fixture; it yields a running ``FakeNominatim``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass(frozen=True)
class FakePlace:
    """One entry of the fake's table, with the fields Nominatim reports."""

    display_name: str
    lat: float
    lon: float
    category: str  # "class" in format=json
    type: str
    addresstype: str
    place_rank: int
    address: dict[str, str] = field(default_factory=dict)

    def matches(self, params: dict[str, str]) -> bool:
        if "q" in params:
            return all(_fold(word) in _fold(self.display_name) for word in params["q"].split())
        wanted = {
            "street": " ".join(
                part
                for part in (self.address.get("road"), self.address.get("house_number"))
                if part
            ),
            "postalcode": self.address.get("postcode", ""),
            "city": self.address.get("city", ""),
            "state": self.address.get("state", ""),
            "country": self.address.get("country", ""),
        }
        return all(
            _fold(params[key]) == _fold(value) for key, value in wanted.items() if key in params
        )

    def as_json(self, *, version2: bool, addressdetails: bool) -> dict:
        result = {
            "place_id": abs(hash(self.display_name)) % 10**8,
            "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
            "osm_type": "node",
            "lat": f"{self.lat:.7f}",
            "lon": f"{self.lon:.7f}",
            "category" if version2 else "class": self.category,
            "type": self.type,
            "place_rank": self.place_rank,
            "importance": 0.5,
            "addresstype": self.addresstype,
            "name": self.display_name.split(",")[0],
            "display_name": self.display_name,
            "boundingbox": [
                str(value)
                for value in (
                    self.lat - 0.001,
                    self.lat + 0.001,
                    self.lon - 0.001,
                    self.lon + 0.001,
                )
            ],
        }
        if addressdetails:
            result["address"] = dict(self.address)
        return result


def _fold(text: str) -> str:
    return " ".join(text.lower().replace("ß", "ss").split())


HOSTSHARING = FakePlace(
    display_name="52a, Flughafenstraße, Fuhlsbüttel, Hamburg-Nord, Hamburg, 22335, Deutschland",
    lat=53.6289,
    lon=10.0158,
    category="place",
    type="house",
    addresstype="place",
    place_rank=30,
    address={
        "house_number": "52a",
        "road": "Flughafenstraße",
        "suburb": "Fuhlsbüttel",
        "city": "Hamburg",
        "state": "Hamburg",
        "postcode": "22335",
        "country": "Deutschland",
        "country_code": "de",
    },
)
SMARTDE = FakePlace(
    display_name="8, Mehringplatz, Kreuzberg, Friedrichshain-Kreuzberg, Berlin, 10969, Deutschland",
    lat=52.4990,
    lon=13.3915,
    category="building",
    type="yes",
    addresstype="building",
    place_rank=30,
    address={
        "house_number": "8",
        "road": "Mehringplatz",
        "suburb": "Kreuzberg",
        "city": "Berlin",
        "state": "Berlin",
        "postcode": "10969",
        "country": "Deutschland",
        "country_code": "de",
    },
)
MEHRINGPLATZ = FakePlace(
    display_name="Mehringplatz, Kreuzberg, Friedrichshain-Kreuzberg, Berlin, 10969, Deutschland",
    lat=52.4993,
    lon=13.3917,
    category="highway",
    type="pedestrian",
    addresstype="road",
    place_rank=26,
    address={
        "road": "Mehringplatz",
        "city": "Berlin",
        "state": "Berlin",
        "postcode": "10969",
        "country": "Deutschland",
        "country_code": "de",
    },
)
# A village the offline gazetteer does not know (it is not in GeoNames' lists).
KLEINKLECKERSDORF = FakePlace(
    display_name="Kleinkleckersdorf, Landkreis Testhausen, Niedersachsen, Deutschland",
    lat=52.8,
    lon=9.6,
    category="place",
    type="hamlet",
    addresstype="hamlet",
    place_rank=20,
    address={
        "hamlet": "Kleinkleckersdorf",
        "city": "Kleinkleckersdorf",
        "state": "Niedersachsen",
        "country": "Deutschland",
        "country_code": "de",
    },
)
DEFAULT_PLACES = (HOSTSHARING, SMARTDE, MEHRINGPLATZ, KLEINKLECKERSDORF)


class FakeNominatim:
    """A Nominatim ``/search`` endpoint on 127.0.0.1, with switchable outages."""

    def __init__(self, places=DEFAULT_PLACES) -> None:
        self.places = list(places)
        self.requests: list[dict[str, str]] = []  # the query parameters of each request
        self.request_times: list[float] = []  # time.monotonic() of each request
        self.user_agents: list[str] = []
        self.status = 200  # the HTTP status of answers while the server listens
        self.failures_left = 0  # answer this many requests with 503 first, then recover
        self.latency = 0.0  # seconds to wait before answering (to make clients time out)
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen (again, on the same port after ``refuse_connections``)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def refuse_connections(self) -> None:
        """Stop listening: clients get "connection refused" until ``start()``."""
        self.stop()

    def fail_next(self, count: int) -> None:
        """Answer the next ``count`` requests with HTTP 503, then normally again."""
        self.failures_left = count

    def answer(self, params: dict[str, str]) -> tuple[int, object]:
        with self._lock:
            self.requests.append(params)
            self.request_times.append(time.monotonic())
            if self.failures_left:
                self.failures_left -= 1
                return 503, {"error": "Service temporarily unavailable"}
        if self.status != 200:
            return self.status, {"error": "Service temporarily unavailable"}
        countries = {code.strip().lower() for code in params.get("countrycodes", "").split(",")}
        countries.discard("")
        found = [
            place
            for place in self.places
            if place.matches(params)
            and (not countries or place.address.get("country_code") in countries)
        ]
        limit = int(params.get("limit", 10))
        return 200, [
            place.as_json(
                version2=params.get("format") == "jsonv2",
                addressdetails=params.get("addressdetails") == "1",
            )
            for place in found[:limit]
        ]


def _handler_for(fake: FakeNominatim) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = {key: values[-1] for key, values in parse_qs(url.query).items()}
            fake.user_agents.append(self.headers.get("User-Agent", ""))
            if url.path.rstrip("/") != "/search":
                status, body = 404, {"error": "not found"}
            elif params.get("format", "xml") not in {"json", "jsonv2"}:
                status, body = 400, {"error": "this fake speaks json and jsonv2 only"}
            else:
                status, body = fake.answer(params)
            time.sleep(fake.latency)
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

        def log_message(self, format, *args) -> None:
            pass  # keep test output clean

    return Handler


@pytest.fixture
def fake_nominatim():
    """Yield a running fake Nominatim server; it stops after the test."""
    fake = FakeNominatim()
    fake.start()
    yield fake
    fake.stop()
