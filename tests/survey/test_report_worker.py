"""Reports built by a real Celery worker on PostgreSQL and Redis, including a worker's death."""

import time
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from survey.models import Report
from survey.reporting import services

from .reporting import build_answered_survey

pytestmark = pytest.mark.services

DELAY_PER_QUESTION = 0.4  # seconds; the test survey has 11 questions


@pytest.fixture
def celery_worker_env():
    """Slow the worker's builds down, so that a test can watch and kill one midway."""
    return {"REPORT_BUILD_DELAY_SECONDS": str(DELAY_PER_QUESTION)}


@pytest.fixture
def worker_media(celery_worker_process, settings):
    """Read the files where the worker writes them (its ``VAR_DIR``)."""
    settings.MEDIA_ROOT = Path(celery_worker_process.env["VAR_DIR"]) / "media"
    return settings.MEDIA_ROOT


def follow(report: Report, *, until, timeout: float) -> list[int]:
    """Poll the report's row until ``until(report)``; return the progress values seen."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if not seen or seen[-1] != report.progress:
            seen.append(report.progress)
        if until(report):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"report {report.pk} is {report.status} at {report.progress} %: {seen}")


def test_a_report_runs_in_the_worker_and_its_files_download(
    celery_worker_process, worker_media, client, manager
):
    survey = build_answered_survey()
    client.force_login(manager)
    client.cookies["django_language"] = "en"

    response = client.post(
        reverse("manage:survey-manage:reports", args=[survey.slug]),
        {"breakdown": "kind", "formats": ["csv", "xlsx", "pdf", "json"]},
    )
    report = Report.objects.get()
    seen = follow(report, until=lambda r: r.status in ("done", "failed"), timeout=60)

    print(f"progress seen while the worker built report {report.pk}: {seen}")  # noqa: T201
    assert response.url == report.get_absolute_url()
    assert report.status == Report.Status.DONE, report.error
    assert seen[0] == 0
    assert seen[-1] == 100
    assert seen == sorted(seen)
    assert len(seen) >= 5
    for kind in ("csv", "xlsx", "pdf", "json"):
        download = client.get(
            reverse("manage:survey-manage:report-download", args=[survey.slug, report.pk, kind])
        )
        assert download.status_code == 200
        assert b"".join(download.streaming_content)
    xlsx = worker_media / report.files.get(kind="xlsx").file.name
    assert load_workbook(xlsx).sheetnames[0] == "Summary"


def test_killing_the_worker_midway_still_yields_one_complete_report(
    celery_worker_process, worker_media
):
    survey = build_answered_survey()
    report, _created = services.report_request(survey=survey, breakdown="kind", language="en")

    before = follow(report, until=lambda r: r.status == "running" and r.progress >= 20, timeout=60)
    celery_worker_process.kill()
    report.refresh_from_db()
    assert report.status == Report.Status.RUNNING
    assert report.progress < 100
    assert not report.files.exists()

    celery_worker_process.start()
    after = follow(report, until=lambda r: r.status in ("done", "failed"), timeout=120)

    print(f"progress before the kill: {before}; after the restart: {after}")  # noqa: T201
    assert report.status == Report.Status.DONE, report.error
    assert report.attempts == 2
    assert Report.objects.count() == 1
    assert min(after[1:]) < before[-1]  # the rerun started again from scratch
    assert sorted(report.files.values_list("kind", flat=True)) == [
        "csv",
        "csv_excel_de",
        "json",
        "pdf",
        "xlsx",
    ]
    directory = worker_media / f"reports/{survey.slug}/{report.pk}"
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        f.filename for f in report.files.all()
    )
    assert load_workbook(worker_media / report.files.get(kind="xlsx").file.name)
    pdf = PdfReader(worker_media / report.files.get(kind="pdf").file.name)
    assert "Method" in "".join(page.extract_text() for page in pdf.pages)
