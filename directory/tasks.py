"""Celery tasks of the directory: thin wrappers that call one service each."""

from datetime import timedelta

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from . import geocoding, services

GEOCODE_MAX_RETRIES = 8  # with the default 30 s first delay: retries over about two hours


@shared_task(bind=True, acks_late=True, max_retries=GEOCODE_MAX_RETRIES)
def geocode_organization(self, organization_id: int) -> None:
    """Geocode one organization; retry with backoff while the geocoding service is unreachable.

    It retries too when the offline gazetteer stood in with a coarser position than the service
    could give (the organization is on the map meanwhile). Tasks that run eagerly (no broker)
    do not retry: a retry would run at once, against the same outage, inside a web request;
    the organization keeps its "location pending" status instead.
    """
    try:
        organization = services.organization_geocode(organization_id=organization_id)
    except geocoding.GeocoderUnavailableError as error:
        if self.request.is_eager:
            return
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from error
    if (
        organization.geocode_source == geocoding.OFFLINE_FALLBACK
        and not self.request.is_eager
        and self.request.retries < self.max_retries
    ):
        raise self.retry(countdown=_backoff(self.request.retries))


def _backoff(retries: int) -> int:
    return get_exponential_backoff_interval(
        factor=settings.GEOCODER_RETRY_DELAY_SECONDS,
        retries=retries,
        maximum=3600,
        full_jitter=False,
    )


@shared_task
def delete_unconfirmed_signups() -> int:
    """Delete signups whose contact did not confirm the e-mail address in time."""
    days = settings.SIGNUP_CONFIRMATION_DAYS
    return services.organizations_delete_unconfirmed(older_than=timedelta(days=days))


@shared_task
def geocode_stale_organizations() -> int:
    """Geocode entries left "location pending" (the broker was down, or a worker died)."""
    return services.organizations_geocode_stale(older_than=timedelta(minutes=30))


PERIODIC_TASKS = {
    "directory-geocode-stale-organizations": {
        "task": "directory.tasks.geocode_stale_organizations",
        "schedule": 900.0,
    },
    "directory-delete-unconfirmed-signups": {
        "task": "directory.tasks.delete_unconfirmed_signups",
        "schedule": 3600.0,
    },
}
