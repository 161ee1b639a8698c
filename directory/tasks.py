"""Celery tasks of the directory: thin wrappers that call one service each."""

from datetime import timedelta

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from coopmap.queue import enqueue_on_commit

from . import services
from .geo import geocoding
from .imports import services as import_services

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


# --- Imports of organization lists ------------------------------------------------------------


@shared_task(acks_late=True)
def preview_import_job(job_id: int) -> None:
    """Work out the preview of an uploaded list; writes no entry."""
    import_services.import_job_preview(job_id=job_id)


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> None:
    """Write a confirmed import in batches; carries on after the last committed batch."""
    import_services.import_job_run(job_id=job_id)


@shared_task(
    autoretry_for=(geocoding.GeocoderUnavailableError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
    acks_late=True,
)
def geocode_import_job(job_id: int) -> None:
    """Locate one batch of an import's addresses, then send itself again for the next batch."""
    if import_services.import_job_geocode_batch(job_id=job_id):
        enqueue_on_commit(geocode_import_job, job_id)


@shared_task
def resume_import_jobs() -> None:
    """Send again the tasks of imports that stalled (a dead worker, a broker outage)."""
    import_services.import_jobs_resume()


PERIODIC_TASKS = {
    "directory-geocode-stale-organizations": {
        "task": "directory.tasks.geocode_stale_organizations",
        "schedule": 900.0,
    },
    "directory-delete-unconfirmed-signups": {
        "task": "directory.tasks.delete_unconfirmed_signups",
        "schedule": 3600.0,
    },
    "resume-import-jobs": {"task": "directory.tasks.resume_import_jobs", "schedule": 600.0},
}
