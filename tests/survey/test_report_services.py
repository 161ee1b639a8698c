"""Reports as jobs: asking, building, progress, snapshots, crashes and the stuck-job sweep."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from survey.models import Report, ReportFile
from survey.reporting import services
from survey.tasks import build_report, sweep_reports
from tests.factories import InvitationFactory, OrganizationFactory, UserFactory

from .reporting import answer, build_answered_survey, group_b

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    return build_answered_survey()


@pytest.fixture
def request_report(django_capture_on_commit_callbacks):
    """Ask for a report; with ``run=True`` its task runs (eagerly) once the request commits."""

    def request_report(survey, *, run=True, **parameters):
        parameters.setdefault("language", "en")
        with django_capture_on_commit_callbacks(execute=run):
            report, created = services.report_request(survey=survey, **parameters)
        report.refresh_from_db()
        return report, created

    return request_report


def test_asking_again_while_a_report_is_queued_returns_that_report(survey, request_report):
    first, created = request_report(survey, run=False, breakdown="kind", formats=["csv", "pdf"])
    again, created_again = request_report(
        survey, run=False, breakdown="kind", formats=["pdf", "csv"]
    )

    assert created is True
    assert created_again is False
    assert again.pk == first.pk
    assert again.status == Report.Status.QUEUED
    assert Report.objects.count() == 1


def test_asking_again_while_a_report_is_running_returns_that_report(survey, request_report):
    first, _created = request_report(
        survey, run=False, filters={"kind": ["platform_coop", "cooperative"]}
    )
    Report.objects.filter(pk=first.pk).update(status=Report.Status.RUNNING, progress=40)

    again, created = request_report(
        survey, run=False, filters={"kind": ["cooperative", "platform_coop"]}
    )

    assert (again.pk, created, again.progress) == (first.pk, False, 40)


def test_the_database_refuses_a_second_report_in_flight_with_the_same_parameters(
    survey, request_report
):
    first, _created = request_report(survey, run=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            survey=survey, parameters_key=first.parameters_key, language="en", formats=["csv"]
        )
    Report.objects.filter(pk=first.pk).update(
        status=Report.Status.FAILED, finished_at=timezone.now()
    )
    Report.objects.create(
        survey=survey, parameters_key=first.parameters_key, language="en", formats=["csv"]
    )


def test_other_parameters_make_another_report(survey, request_report):
    first, _created = request_report(survey, run=False)
    other, created = request_report(survey, run=False, breakdown="state")
    internal, created_internal = request_report(survey, run=False, internal=True)

    assert created
    assert created_internal
    assert len({first.pk, other.pk, internal.pk}) == 3


def test_a_built_report_is_done_with_its_files_fingerprint_and_result(survey, request_report):
    manager = UserFactory()
    report, _created = request_report(survey, requested_by=manager, breakdown="kind")

    assert report.status == Report.Status.DONE
    assert report.progress == 100
    assert report.attempts == 1
    assert report.requested_by == manager
    assert report.respondent_count == 13
    assert len(report.fingerprint) == 64
    assert report.started_at <= report.finished_at
    assert set(report.files.values_list("kind", flat=True)) == {
        "csv",
        "csv_excel_de",
        "xlsx",
        "pdf",
        "json",
    }
    for report_file in report.files.all():
        assert Path(report_file.file.path).stat().st_size == report_file.size > 0
        assert f"reports/{survey.slug}/{report.pk}/" in report_file.file.name
    assert not list(Path(report.files.first().file.path).parent.glob("*.part"))


def test_unchanged_answers_return_the_done_snapshot(survey, request_report):
    first, _created = request_report(survey)
    again, created = request_report(survey)

    assert (again.pk, created) == (first.pk, False)


def test_changed_answers_make_a_new_snapshot_and_keep_the_old_one(survey, request_report):
    first, _created = request_report(survey)
    late = OrganizationFactory(name="Late eG")
    answer(InvitationFactory(survey=survey, organization=late), group_b(1))

    second, created = request_report(survey)

    assert created
    assert second.pk != first.pk
    assert second.fingerprint != first.fingerprint
    first.refresh_from_db()
    assert (first.status, first.respondent_count, second.respondent_count) == ("done", 13, 14)
    assert all(Path(f.file.path).exists() for f in first.files.all())


def test_a_build_reports_its_progress_from_0_to_100(survey, request_report):
    seen = []
    token = services.report_progress_listeners.set((lambda _pk, percent: seen.append(percent),))
    try:
        request_report(survey)
    finally:
        services.report_progress_listeners.reset(token)

    assert seen[0] == 0
    assert seen[-1] == 100
    assert seen == sorted(seen)
    assert len(seen) > 10  # a step per question and per file


def test_a_build_left_running_by_a_dead_worker_is_rebuilt_from_scratch(survey, request_report):
    report, _created = request_report(survey, run=False, formats=["csv", "json"])
    directory = services.report_directory(report)
    default_storage.save(f"{directory}/.leftover.csv.part", ContentFile(b"half a file"))
    default_storage.save(f"{directory}/stale.csv", ContentFile(b"from the crashed attempt"))
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.RUNNING, progress=60, attempts=1, heartbeat_at=timezone.now()
    )

    build_report.delay(report.pk)

    report.refresh_from_db()
    assert (report.status, report.progress, report.attempts) == ("done", 100, 2)
    assert sorted(default_storage.listdir(directory)[1]) == sorted(
        f.filename for f in report.files.all()
    )
    # "csv" brings the German-Excel CSV along.
    assert report.files.count() == 3


def test_building_a_done_report_again_changes_nothing(survey, request_report):
    report, _created = request_report(survey, formats=["csv"])
    path = Path(report.files.get(kind="csv").file.path)
    written = path.stat().st_mtime_ns

    assert services.report_build(report_id=report.pk) is None

    report.refresh_from_db()
    assert (report.status, report.attempts, path.stat().st_mtime_ns) == ("done", 1, written)


def test_a_build_that_cannot_write_its_files_fails_with_the_reason(
    survey, request_report, settings, tmp_path
):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker

    report, _created = request_report(survey, formats=["csv"])

    assert report.status == Report.Status.FAILED
    assert "Error" in report.error
    assert not ReportFile.objects.filter(report=report).exists()


# --- The sweep --------------------------------------------------------------------------------


def test_the_sweep_fails_reports_stuck_past_the_limit(survey, request_report, settings):
    settings.REPORT_STUCK_MINUTES = 30
    now = timezone.now()
    running, _ = request_report(survey, run=False)
    queued, _ = request_report(survey, run=False, breakdown="kind")
    alive, _ = request_report(survey, run=False, breakdown="state")
    Report.objects.filter(pk=running.pk).update(
        status=Report.Status.RUNNING, heartbeat_at=now - timedelta(minutes=31)
    )
    Report.objects.filter(pk=queued.pk).update(created_at=now - timedelta(minutes=31))
    Report.objects.filter(pk=alive.pk).update(
        status=Report.Status.RUNNING, heartbeat_at=now - timedelta(minutes=29)
    )

    outcome = services.reports_sweep(now=now)

    assert outcome.failed == 2
    statuses = dict(Report.objects.values_list("pk", "status"))
    assert statuses == {running.pk: "failed", queued.pk: "failed", alive.pk: "running"}
    assert "Stuck" in Report.objects.get(pk=running.pk).error


def test_the_sweep_sends_again_a_report_whose_message_was_lost(
    survey, request_report, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_RESEND_MINUTES = 5
    report, _created = request_report(survey, run=False)  # its message never ran
    Report.objects.filter(pk=report.pk).update(enqueued_at=timezone.now() - timedelta(minutes=6))

    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.reports_sweep()

    assert outcome.resent == 1
    report.refresh_from_db()
    assert report.status == Report.Status.DONE


def test_the_sweep_leaves_recently_sent_reports_alone(survey, request_report):
    request_report(survey, run=False)

    result = sweep_reports.delay().get()

    assert result == {"failed": 0, "resent": 0}


def test_reports_are_built_and_downloaded_on_another_storage_backend(
    survey, request_report, settings, manager_client
):
    """Only Django's storage API touches report files: no path, no shared disk needed."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    report, _created = request_report(survey, breakdown="kind")

    assert report.status == Report.Status.DONE, report.error
    assert set(report.files.values_list("kind", flat=True)) == {
        "csv",
        "csv_excel_de",
        "xlsx",
        "pdf",
        "json",
    }
    for report_file in report.files.all():
        with report_file.file.open("rb") as handle:
            assert len(handle.read()) == report_file.size > 0
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing went to the local disk
    with default_storage.open(report.files.get(kind="csv").file.name, "rb") as handle:
        expected = handle.read()
    response = manager_client.get(f"/manage/survey/{survey.slug}/reports/{report.pk}/files/csv/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == expected

    # A rebuild throws the earlier files away through the same storage.
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING)
    build_report.delay(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert sorted(default_storage.listdir(services.report_directory(report))[1]) == sorted(
        f.filename for f in report.files.all()
    )
