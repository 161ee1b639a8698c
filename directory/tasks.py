"""Celery tasks of the directory: thin wrappers that call one service each."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

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


@shared_task
def delete_unconfirmed_signups() -> int:
    """Delete signups whose contact did not confirm the e-mail address in time."""
    days = settings.SIGNUP_CONFIRMATION_DAYS
    return services.organizations_delete_unconfirmed(older_than=timedelta(days=days))


PERIODIC_TASKS = {
    "directory-delete-unconfirmed-signups": {
        "task": "directory.tasks.delete_unconfirmed_signups",
        "schedule": 3600.0,
    },
}
