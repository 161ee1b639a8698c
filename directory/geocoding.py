"""Geocoding: turn an organization's address into a position.

Interface used by the rest of the app: ``locate(address) -> Location | None``.
(Skeleton: the offline gazetteer and the geopy path are built in the geocoding work.)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Address:
    street: str = ""
    postal_code: str = ""
    city: str = ""
    state: str = ""
    country: str = "DE"


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    precision: str  # "address", "postal_code" or "city" (Organization.Precision)
    source: str  # which geocoder found it, e.g. "offline" or "nominatim"


class GeocoderUnavailableError(Exception):
    """The geocoding service could not be reached; try again later."""


def locate(address: Address) -> Location | None:
    """Return the position of ``address``, or ``None`` if no geocoder knows the place."""
    return None
