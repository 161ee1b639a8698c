"""Celery tasks of the directory: thin wrappers that call one service each."""

from celery import shared_task

from . import geocoding, services


@shared_task(
    autoretry_for=(geocoding.GeocoderUnavailableError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
    acks_late=True,
)
def geocode_organization(organization_id: int) -> None:
    """Geocode one organization; retried with backoff while the geocoder is unreachable."""
    services.organization_geocode(organization_id=organization_id)
