"""Celery tasks of the directory: thin wrappers that call one service each."""

from celery import shared_task

from coopmap.queue import enqueue_on_commit

from . import geocoding, import_services, services


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
    "resume-import-jobs": {"task": "directory.tasks.resume_import_jobs", "schedule": 600.0},
}
