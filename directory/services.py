"""Writes of the directory: each change of an organization goes through one of these."""

from __future__ import annotations

import logging

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from . import geocoding
from .models import Organization

logger = logging.getLogger(__name__)


def organization_schedule_geocoding(*, organization: Organization) -> None:
    """Mark ``organization`` as awaiting a position and geocode it once the transaction commits."""
    from .tasks import geocode_organization

    Organization.objects.filter(pk=organization.pk).update(
        geocode_status=Organization.GeocodeStatus.PENDING
    )
    organization.geocode_status = Organization.GeocodeStatus.PENDING
    transaction.on_commit(lambda: geocode_organization.delay(organization.pk))


@transaction.atomic
def organization_geocode(*, organization_id: int) -> Organization:
    """Look up the position of an organization's address and store it.

    Raises ``geocoding.GeocoderUnavailableError`` when the geocoder is down, so the task retries;
    an address that no geocoder knows leaves the organization without a position.
    """
    organization = Organization.objects.select_for_update().get(pk=organization_id)
    if organization.geocode_status == Organization.GeocodeStatus.MANUAL:
        return organization  # a manager placed the pin by hand: keep it
    address = geocoding.Address(
        street=organization.street,
        postal_code=organization.postal_code,
        city=organization.city,
        state=organization.state,
        country=organization.country,
    )
    if not (address.postal_code or address.city):
        organization.geocode_status = Organization.GeocodeStatus.NO_ADDRESS
        location = None
    else:
        location = geocoding.locate(address)
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


# --- Publication ------------------------------------------------------------------------------


@transaction.atomic
def organization_publish(*, organization: Organization, by: AbstractBaseUser) -> Organization:
    """Make ``organization`` public in the directory, on the map and in the exports.

    ``published_at`` records the first publication and is kept when an archived entry returns.
    Publishing an entry that is already public changes nothing.
    """
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.status == Organization.Status.PUBLISHED:
        return organization
    organization.status = Organization.Status.PUBLISHED
    organization.published_at = organization.published_at or timezone.now()
    organization.save(update_fields=["status", "published_at", "updated_at"])
    logger.info("%s published organization %s", by, organization.pk)
    return organization


@transaction.atomic
def organization_archive(*, organization: Organization, by: AbstractBaseUser) -> Organization:
    """Take ``organization`` out of public view while keeping its data; publishing restores it."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.status == Organization.Status.ARCHIVED:
        return organization
    organization.status = Organization.Status.ARCHIVED
    organization.save(update_fields=["status", "updated_at"])
    logger.info("%s archived organization %s", by, organization.pk)
    return organization
