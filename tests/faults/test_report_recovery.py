"""Exactly one complete report after its worker died, also the whole worker (item 2).

Redis redelivers a dead worker's message only after the visibility timeout (an hour in
production). The sweep must not fail the report before that, as it did, but send it again,
and the copy rebuilds it from scratch.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from survey.models import Report
from survey.reporting import services
from tests.survey.reporting import build_answered_survey

from .outage import wait_for

DELAY_PER_QUESTION = 0.4  # seconds; the test survey has 11 questions


@pytest.fixture
def survey(db):
    return build_answered_survey()


def died_while_running(report: Report, *, minutes_ago: float, attempts: int = 1) -> None:
    """Leave ``report`` as a worker leaves it when it is killed midway."""
    then = timezone.now() - timedelta(minutes=minutes_ago)
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.RUNNING,
        progress=40,
        attempts=attempts,
        started_at=then,
        heartbeat_at=then,
        enqueued_at=then,
    )


@pytest.mark.django_db
def test_the_sweep_rebuilds_a_report_whose_worker_died(
    survey, settings, django_capture_on_commit_callbacks
):
    report, _created = services.report_request(survey=survey, language="en", formats=["csv"])
    died_while_running(report, minutes_ago=settings.REPORT_RESEND_MINUTES + 1)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.reports_sweep()

    assert (outcome.failed, outcome.resent) == (0, 1)
    report.refresh_from_db()
    assert (report.status, report.progress, report.attempts) == ("done", 100, 2)
    assert report.files.exists()


@pytest.mark.django_db
def test_the_sweep_leaves_a_silent_build_alone_that_was_just_sent_again(survey, settings):
    report, _created = services.report_request(survey=survey, language="en")
    died_while_running(report, minutes_ago=settings.REPORT_RESEND_MINUTES + 1)
    Report.objects.filter(pk=report.pk).update(enqueued_at=timezone.now())

    assert services.reports_sweep().resent == 0


@pytest.mark.django_db
def test_a_report_that_killed_its_worker_three_times_is_failed_with_the_reason(survey, settings):
    report, _created = services.report_request(survey=survey, language="en")
    died_while_running(
        report,
        minutes_ago=settings.REPORT_RESEND_MINUTES + 1,
        attempts=settings.REPORT_MAX_ATTEMPTS,
    )

    assert services.reports_sweep().failed == 1
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert "stopped 3 times" in report.error


def test_the_timeouts_must_let_a_redelivery_arrive_before_the_sweep_fails(settings):
    settings.REPORT_STUCK_MINUTES = 30  # shorter than Redis' visibility timeout of an hour
    with pytest.raises(SystemCheckError, match=r"coopmap\.E004"):
        call_command("check")


# --- With the real worker, killed as a whole --------------------------------------------------


@pytest.fixture
def celery_worker_env():
    """The production visibility timeout, and builds slow enough to kill one midway."""
    return {
        "CELERY_VISIBILITY_TIMEOUT": "3600",
        "REPORT_BUILD_DELAY_SECONDS": str(DELAY_PER_QUESTION),
    }


@pytest.mark.services
def test_killing_the_whole_worker_still_yields_exactly_one_complete_report(
    celery_worker_process, settings
):
    settings.MEDIA_ROOT = Path(celery_worker_process.env["VAR_DIR"]) / "media"
    survey = build_answered_survey()
    report, _created = services.report_request(survey=survey, breakdown="kind", language="en")

    assert wait_for(
        lambda: Report.objects.filter(pk=report.pk, status="running", progress__gte=20).exists(),
        timeout=60,
    ), f"see {celery_worker_process.log_path}"
    pids = celery_worker_process.pids()
    assert len(pids) >= 2  # the main process and its pool
    celery_worker_process.kill()
    assert not any(_alive(pid) for pid in pids)
    celery_worker_process.start()

    # The stuck report is what a new request gets: nobody builds a second one.
    again, created = services.report_request(survey=survey, breakdown="kind", language="en")
    assert (again.pk, created) == (report.pk, False)
    report.refresh_from_db()
    assert report.status == Report.Status.RUNNING
    assert report.progress < 100

    # Beat runs the sweep every minute; past REPORT_RESEND_MINUTES it sends the report again.
    later = timezone.now() + timedelta(minutes=settings.REPORT_RESEND_MINUTES, seconds=1)
    assert services.reports_sweep(now=later).resent == 1

    assert wait_for(
        lambda: Report.objects.filter(pk=report.pk, status__in=["done", "failed"]).exists(),
        timeout=90,
    ), f"see {celery_worker_process.log_path}"
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    assert report.attempts == 2
    assert Report.objects.count() == 1
    assert sorted(report.files.values_list("kind", flat=True)) == [
        "csv",
        "csv_excel_de",
        "json",
        "pdf",
        "xlsx",
    ]
    directory = settings.MEDIA_ROOT / f"reports/{survey.slug}/{report.pk}"
    assert sorted(path.name for path in directory.iterdir()) == sorted(
        file.filename for file in report.files.all()
    )
    # Asking again now returns the complete report.
    assert services.report_request(survey=survey, breakdown="kind", language="en") == (
        report,
        False,
    )


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a killed one may linger as a zombie, not running)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status
