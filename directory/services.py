"""Writes of the directory: each change of an organization goes through one of these."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import geocoding
from .models import Organization


def organization_schedule_geocoding(*, organization: Organization) -> None:
    """Mark ``organization`` as awaiting a position and geocode it once the transaction commits."""
    from .tasks import geocode_organization

    Organization.objects.filter(pk=organization.pk).update(
        geocode_status=Organization.GeocodeStatus.PENDING
    )
    organization.geocode_status = Organization.GeocodeStatus.PENDING
    transaction.on_commit(lambda: geocode_organization.delay(organization.pk))


def organization_geocode(*, organization_id: int) -> Organization:
    """Look up the position of an organization's address and store it.

    Raises ``geocoding.GeocoderUnavailableError`` when the geocoder is down and the offline
    gazetteer does not know the place either, so the task retries; an address that no geocoder
    knows leaves the organization without a position ("not found"). The geocoder is asked
    outside the transaction, so that no row stays locked while a web service answers.
    """
    organization = Organization.objects.get(pk=organization_id)
    if organization.geocode_status == Organization.GeocodeStatus.MANUAL:
        return organization  # a manager placed the pin by hand: keep it
    address = _geocoding_address(organization)
    location = geocoding.locate(address) if (address.postal_code or address.city) else None
    return _organization_store_location(
        organization_id=organization_id, address=address, location=location
    )


@transaction.atomic
def _organization_store_location(
    *, organization_id: int, address: geocoding.Address, location: geocoding.Location | None
) -> Organization:
    organization = Organization.objects.select_for_update().get(pk=organization_id)
    if (
        organization.geocode_status == Organization.GeocodeStatus.MANUAL
        or _geocoding_address(organization) != address
    ):
        # Placed by hand or moved while the geocoder answered: that position is not ours to
        # overwrite (a changed address schedules its own geocoding).
        return organization
    if not (address.postal_code or address.city):
        organization.geocode_status = Organization.GeocodeStatus.NO_ADDRESS
    else:
        organization.geocode_status = (
            Organization.GeocodeStatus.LOCATED if location else Organization.GeocodeStatus.NOT_FOUND
        )
    organization.latitude = location.latitude if location else None
    organization.longitude = location.longitude if location else None
    organization.geocode_precision = location.precision if location else ""
    organization.geocode_source = location.source if location else ""
    organization.geocoded_at = timezone.now()
    organization.save(
        update_fields=[
            "latitude",
            "longitude",
            "geocode_status",
            "geocode_precision",
            "geocode_source",
            "geocoded_at",
        ]
    )
    return organization


def _geocoding_address(organization: Organization) -> geocoding.Address:
    return geocoding.Address(
        street=organization.street.strip(),
        postal_code=organization.postal_code.strip(),
        city=organization.city.strip(),
        state=organization.state.strip(),
        country=(organization.country or "DE").strip().upper(),
    )
