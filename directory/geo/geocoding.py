"""Geocoding: turn an organization's address into a position.

The rest of the app calls ``locate(address) -> Location | None``. Two geocoders stand behind it,
both speaking geopy's ``Geocoder`` interface:

- ``OfflineGeocoder``, the embedded default: the GeoNames gazetteer in ``fixtures/gazetteer/``
  (see ``directory.geo.gazetteer``). It finds a German postal code (precision "postal_code"), or
  else a town by name in Germany or a city in Europe (precision "city"): "München",
  "Muenchen" and "Munich" are the same place.
- The geopy service named by the ``GEOCODER`` setting ("nominatim", "photon", …) at
  ``GEOCODER_URL``, asked for the full address, at most once per
  ``GEOCODER_MIN_DELAY_SECONDS`` across all processes (``wait_for_turn``, held in Redis).
  Its answers, found or not, are cached (``GEOCODER_CACHE_SECONDS``,
  ``GEOCODER_CACHE_MISS_SECONDS``). When it finds nothing, the offline gazetteer answers instead.

When the service cannot be reached (connection refused, timeout, HTTP 5xx, rate limit), the
offline gazetteer stands in:

- its position is as good as the service's could be when the address has no street (the
  service, too, would only find the postal code or town): it is used, source "offline";
- it is coarser when the address has a street: it is used for now, with source
  ``OFFLINE_FALLBACK``, so that the organization is on the map at once; the geocoding task
  asks again later for the street-level position (and nothing of it is cached);
- it finds nothing: ``GeocoderUnavailableError`` is raised, since only a later retry can
  locate the address.

A service that rejects us (bad query, refused credentials) is a configuration error, not an
outage: it is logged as an error and the offline gazetteer answers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from geopy import exc as geopy_exc
from geopy.distance import great_circle
from geopy.geocoders import Nominatim, get_geocoder_for_service
from geopy.geocoders.base import Geocoder
from geopy.location import Location as GeopyLocation

from coopmap.text import fold

from .gazetteer import Gazetteer, Place, PostalCode, canonical_state, get_gazetteer

logger = logging.getLogger(__name__)

OFFLINE = "offline"
# Source of a position that the offline gazetteer gave because the configured service was
# unreachable, though the service could have given a finer one: the task retries for that.
OFFLINE_FALLBACK = "offline-fallback"

ADDRESS, POSTAL_CODE, CITY = "address", "postal_code", "city"  # Organization.Precision values
PRECISION_RANK = {CITY: 0, POSTAL_CODE: 1, ADDRESS: 2}

# A postal code farther than this from every town of the given name contradicts the town.
# Generous enough for Berlin or Hamburg, whose postal areas lie up to ~25 km from the centre.
POSTAL_CODE_CITY_TOLERANCE_KM = 50

# Errors saying that the service rejects our requests, or that our settings for it are wrong:
# a retry would get the same answer.
REJECTED_ERRORS = (
    geopy_exc.ConfigurationError,
    geopy_exc.GeocoderNotFound,
    geopy_exc.GeocoderQueryError,
    geopy_exc.GeocoderAuthenticationFailure,
    geopy_exc.GeocoderInsufficientPrivileges,
)


@dataclass(frozen=True)
class Address:
    street: str = ""
    postal_code: str = ""
    city: str = ""
    state: str = ""
    country: str = "DE"

    @property
    def best_precision(self) -> str:
        """Return the finest precision any geocoder could reach for this address."""
        if self.street:
            return ADDRESS
        return POSTAL_CODE if self.postal_code else CITY

    def as_query(self) -> dict[str, str]:
        """Return the address as a structured query (Nominatim's parameter names)."""
        query = {
            "street": self.street,
            "postalcode": self.postal_code,
            "city": self.city,
            "state": self.state,
            "country": self.country,
        }
        return {key: value.strip() for key, value in query.items() if value and value.strip()}

    def as_line(self) -> str:
        """Return the address as one line of text, for services without structured queries."""
        town = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (self.street, town, self.state, self.country) if part)


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    precision: str  # "address", "postal_code" or "city" (Organization.Precision)
    source: str  # which geocoder found it: "offline", "nominatim", … or OFFLINE_FALLBACK
    state: str = ""  # the federal state or region the geocoder puts it in, as it spells it


class GeocoderUnavailableError(Exception):
    """The geocoding service could not be reached; try again later."""


def locate(address: Address) -> Location | None:
    """Return the position of ``address``, or ``None`` if no geocoder knows the place.

    Raise ``GeocoderUnavailableError`` when the configured service is unreachable and the
    offline gazetteer does not know the place either.
    """
    service = settings.GEOCODER
    if service == OFFLINE:
        # No cache: a gazetteer lookup takes microseconds, a cache round trip longer.
        return locate_offline(address)
    key = _cache_key(service, address)
    cached = cache.get(key, _MISSING)
    if cached is not _MISSING:
        return cached
    try:
        location = _locate_online(service, address)
    except geopy_exc.GeopyError as error:
        return _locate_during_outage(service, address, error)
    if location is None:
        location = locate_offline(address)
    cache.set(
        key,
        location,
        settings.GEOCODER_CACHE_SECONDS if location else settings.GEOCODER_CACHE_MISS_SECONDS,
    )
    return location


def locate_offline(address: Address) -> Location | None:
    """Return the position of ``address`` in the offline gazetteer, or ``None``."""
    result = _offline_geocoder().geocode(address.as_query())
    if result is None:
        return None
    return Location(
        result.latitude,
        result.longitude,
        result.raw["precision"],
        OFFLINE,
        state=result.raw.get("state", ""),
    )


@lru_cache(maxsize=1)
def _offline_geocoder() -> OfflineGeocoder:
    return OfflineGeocoder()  # one per process: geopy's base class sets up an HTTP adapter


class OfflineGeocoder(Geocoder):
    """A geopy geocoder over the offline gazetteer: German postal codes and towns, European cities.

    ``geocode`` takes a structured query (a mapping with Nominatim's keys ``street``,
    ``postalcode``, ``city``, ``state``, ``country``) or one line of text
    ("Mehringplatz 8, 10969 Berlin"). Each result's ``raw`` says its ``precision``
    ("postal_code" or "city"). Streets are not in the gazetteer: a street alone finds nothing.
    """

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        super().__init__()
        self.gazetteer = gazetteer or get_gazetteer()

    def geocode(self, query, *, exactly_one=True, timeout=None):
        query = query if isinstance(query, Mapping) else _parse_line(query)
        country = (query.get("country") or "DE").strip().upper()
        postal_code, city = query.get("postalcode", ""), query.get("city", "")
        places = self.gazetteer.places_named(city, country, query.get("state", "")) if city else []
        area = self.gazetteer.postal_code(postal_code, country) if postal_code else None
        if area and places and not any(_near(area, place) for place in places):
            # "10969 München": a mistyped postal code is likelier than a mistyped town.
            logger.info("Postal code %s is not in %s; using the town", postal_code, city)
            area = None
        if area:
            results = [
                GeopyLocation(
                    " ".join(part for part in (area.postal_code, area.place) if part)
                    + f", {area.state}, {country}",
                    (area.latitude, area.longitude),
                    {
                        "precision": POSTAL_CODE,
                        "source": OFFLINE,
                        "country": country,
                        "state": area.state,
                    },
                )
            ]
        else:
            results = [
                GeopyLocation(
                    ", ".join(part for part in (place.name, place.state, country) if part),
                    (place.latitude, place.longitude),
                    {
                        "precision": CITY,
                        "source": OFFLINE,
                        "country": country,
                        "state": place.state,
                        "population": place.population,
                    },
                )
                for place in (places[:1] if exactly_one else places)
            ]
        if not results:
            return None
        return results[0] if exactly_one else results


def _near(area: PostalCode, place: Place) -> bool:
    return (
        great_circle((area.latitude, area.longitude), (place.latitude, place.longitude)).km
        <= POSTAL_CODE_CITY_TOLERANCE_KM
    )


_POSTAL_CODE_IN_LINE = re.compile(r"\b(?:D-)?(\d{4,5})\b")


def _parse_line(line: str) -> dict[str, str]:
    """Split "Street 1, 12345 Town, DE" into a structured query (best effort)."""
    parts = [part.strip() for part in line.split(",") if part.strip()]
    query = {}
    if len(parts) > 1 and re.fullmatch(r"[A-Za-z]{2}", parts[-1]):
        query["country"] = parts.pop()
    for part in reversed(parts):
        match = _POSTAL_CODE_IN_LINE.search(part)
        if match:
            query["postalcode"] = match.group(1)
            town = (part[: match.start()] + part[match.end() :]).strip()
            if town:
                query["city"] = town
            break
    else:
        if parts:
            query["city"] = parts[-1]
    return query


# --- The configured service -----------------------------------------------------------------


def _locate_online(service: str, address: Address) -> Location | None:
    geocoder, geocode = _service_geocoder(
        service,
        settings.GEOCODER_URL,
        settings.GEOCODER_USER_AGENT,
        settings.GEOCODER_TIMEOUT_SECONDS,
        settings.GEOCODER_MIN_DELAY_SECONDS,
    )
    if isinstance(geocoder, Nominatim):
        query = address.as_query()
        query.pop("country", None)  # countrycodes restricts the search instead
        query.pop("state", None)
        # Structured searches are strict: send a German state only in a spelling OSM uses.
        state = canonical_state(address.state) if address.country == "DE" else address.state
        if state:
            query["state"] = state
        result = geocode(
            query, addressdetails=True, country_codes=(address.country or "").lower() or None
        )
    else:
        result = geocode(address.as_line())
    if result is None:
        return None
    return Location(
        result.latitude,
        result.longitude,
        judge_precision(result.raw),
        service,
        state=_reported_state(result.raw),
    )


def _reported_state(raw: dict) -> str:
    """Return the state or region a service's result lies in (Nominatim's ``address.state``,
    Photon's ``properties.state``), "" when it says none."""
    details = raw.get("properties") or raw.get("address") or {}
    state = details.get("state") if isinstance(details, dict) else ""
    return state if isinstance(state, str) else ""


@lru_cache(maxsize=4)
def _service_geocoder(
    service: str, url: str, user_agent: str, timeout: float, min_delay: float
) -> tuple[Geocoder, Callable]:
    """Return the service's geocoder and its ``geocode`` that waits for its turn (see
    ``wait_for_turn``), one per process (keyed by the settings, so that tests may change them).
    """
    options = {"user_agent": user_agent, "timeout": timeout}
    if url:
        parts = urlsplit(url)
        options["scheme"] = parts.scheme or "https"
        options["domain"] = parts.netloc + parts.path.rstrip("/")
    geocoder = get_geocoder_for_service(service)(**options)

    # No retries here: the Celery task retries with backoff instead of blocking a worker.
    def geocode(*args, **kwargs):
        wait_for_turn(service, min_delay)
        return geocoder.geocode(*args, **kwargs)

    return geocoder, geocode


THROTTLE_MAX_WAIT_SECONDS = 10.0


def wait_for_turn(
    service: str, min_delay: float, *, clock=time.monotonic, sleep=time.sleep
) -> None:
    """Wait until this request is the only one to ``service`` in its ``min_delay`` window,
    counted across every process and host in Redis (one ``SET NX`` key per window).

    geopy's ``RateLimiter`` counted per process: two Celery workers sent twice the one request
    per second that Nominatim allows. Cached answers never get here, so they never wait. If
    Redis is unreachable (the fail-safe cache then refuses every key), a request goes after
    ``THROTTLE_MAX_WAIT_SECONDS``, which stays well below the allowed rate.
    """
    if min_delay <= 0:
        return
    window = max(1, math.ceil(min_delay))
    deadline = clock() + THROTTLE_MAX_WAIT_SECONDS
    while not cache.add(f"geocoder-turn:{service}", 1, window):
        if clock() >= deadline:
            logger.warning("No geocoder turn from the cache within %ss", THROTTLE_MAX_WAIT_SECONDS)
            return
        sleep(0.05)


def judge_precision(raw: dict) -> str:
    """Return how precise a service's result is, from what the service says about it.

    Nominatim reports the kind of object found (``addresstype``, ``type``, ``place_rank``,
    ``address``), Photon its ``properties.type``. A street without a house number counts as
    "postal_code", the nearest coarser class; what cannot be judged counts as "city", so a
    position is never claimed to be finer than it is.
    """
    if "properties" in raw:  # Photon: a GeoJSON feature
        properties = raw["properties"]
        if properties.get("type") == "house" or properties.get("housenumber"):
            return ADDRESS
        if properties.get("type") == "street" or properties.get("osm_value") == "postcode":
            return POSTAL_CODE
        return CITY
    details = raw.get("address") or {}
    kind = raw.get("addresstype") or raw.get("type") or ""
    rank = int(raw.get("place_rank") or 0)
    if details.get("house_number") or kind in {"house", "building"} or rank >= 28:
        return ADDRESS
    if kind == "postcode" or 26 <= rank <= 27:
        return POSTAL_CODE
    return CITY


def _locate_during_outage(service: str, address: Address, error: Exception) -> Location | None:
    location = locate_offline(address)
    if isinstance(error, REJECTED_ERRORS):
        logger.error("Geocoder %s rejects our request (%s): check its settings", service, error)
        return location
    logger.warning("Geocoder %s unavailable (%s); falling back to the gazetteer", service, error)
    if location is None:
        raise GeocoderUnavailableError(f"{service} unavailable: {error}") from error
    if PRECISION_RANK[location.precision] < PRECISION_RANK[address.best_precision]:
        return replace(location, source=OFFLINE_FALLBACK)
    return location


_MISSING = object()


def _cache_key(service: str, address: Address) -> str:
    normalized = [
        service,
        fold(address.street),
        re.sub(r"\s+", "", address.postal_code).upper(),
        fold(address.city),
        canonical_state(address.state) or fold(address.state),
        (address.country or "").upper(),
    ]
    digest = hashlib.sha256(json.dumps(normalized).encode()).hexdigest()
    return f"geocode:v1:{digest}"


def check_geocoder_setting() -> str | None:
    """Return what is wrong with the ``GEOCODER`` setting, or ``None``."""
    if settings.GEOCODER == OFFLINE:
        return None
    try:
        get_geocoder_for_service(settings.GEOCODER)
    except geopy_exc.GeocoderNotFound:
        return f"GEOCODER={settings.GEOCODER!r} is neither 'offline' nor a geopy geocoder name."
    return None
