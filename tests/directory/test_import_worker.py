"""The production path of an import: PostgreSQL, Redis and a real Celery worker."""

import csv
import io
import time

import pytest

from directory.imports import services as import_services
from directory.models import ImportJob, Organization
from tests.directory.datasets import UK_COOPS, dataset

pytestmark = pytest.mark.services


def wait_for_status(job, status, *, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (status, ImportJob.Status.FAILED):
            return job
        time.sleep(0.3)
    return job


def test_a_real_worker_previews_and_runs_an_import_in_batches(
    celery_worker_process, settings, tmp_path
):
    # The worker stores and reads files under its own VAR_DIR; the test must write there too.
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    lines = dataset(UK_COOPS).read_text(encoding="utf-8").splitlines(keepends=True)
    # The first records, up to the last complete one (multi-line addresses): three batches.
    text = "".join(lines[:2500]).rsplit("\nR", 1)[0] + "\n"
    records = len(list(csv.DictReader(io.StringIO(text))))
    data = text.encode()
    source = import_services.import_source_save(name="Co-operatives UK", licence="ODC-By 1.0")
    job = import_services.import_job_create(data=data, filename="uk.csv", source=source)

    job = wait_for_status(job, ImportJob.Status.PREVIEWED)
    log = celery_worker_process.log_path
    assert job.status == ImportJob.Status.PREVIEWED, f"{job.error}; see {log}"
    assert not Organization.objects.exists()
    expected = job.preview["counts"]["create"]
    assert expected == records > 1000  # no duplicates among the first records

    import_services.import_job_confirm(job=job, publish=True)
    job = wait_for_status(job, ImportJob.Status.DONE)
    assert job.status == ImportJob.Status.DONE, f"{job.error}; see {log}"
    assert job.created_count == expected == Organization.objects.published().count()
    assert job.rows_done == job.rows_total
