"""Writes of reports: request, build (in a Celery task), sweep of stuck builds.

A report is requested (``report_request``), built by the Celery task ``build_report``
(``report_build``) and watched by ``reports_sweep``. The build is idempotent and safe if a
worker dies midway: it takes a lock that dies with its database connection (PostgreSQL
advisory lock), rebuilds from scratch, writes each file under a temporary name before moving
it into place, and marks the report done only once every file exists.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coopmap.queue import enqueue_on_commit
from survey.models import Report, ReportFile, Survey
from survey.services import SurveyError

from . import aggregation, exports, language, suppression

logger = logging.getLogger(__name__)

REPORT_FORMATS = ("csv", "xlsx", "pdf", "json")
REPORT_LOCK_NAMESPACE = 0x5250  # first key of the advisory lock (the second: the report's id)
# Progress: counting takes the first per cents, the questions the middle, the files the rest.
PROGRESS_COUNTED, PROGRESS_ASSEMBLED = 5, 70

# Callables (report_id, per cent) told about every progress step in this process, e.g. by the
# ``survey_report`` command to draw its progress bar while an eager task builds inline.
report_progress_listeners: ContextVar[tuple[Callable[[int, int], None], ...]] = ContextVar(
    "report_progress_listeners", default=()
)


def report_parameters(
    *,
    breakdown: str = "",
    filters: Mapping[str, Iterable[str]] | None = None,
    formats: Iterable[str] | None = None,
    internal: bool = False,
    language: str | None = None,
) -> dict:
    """Return the canonical parameters of a report (sorted, empty filters dropped)."""
    if breakdown and breakdown not in aggregation.BREAKDOWNS:
        raise SurveyError(_("Unknown breakdown: %(name)s") % {"name": breakdown})
    unknown = set(filters or {}) - set(aggregation.FILTERS)
    if unknown:
        raise SurveyError(_("Unknown filter: %(name)s") % {"name": ", ".join(sorted(unknown))})
    languages = [code for code, _name in settings.LANGUAGES]
    if language and language not in languages:
        raise SurveyError(
            _("Reports are offered in %(languages)s, not in “%(language)s”.")
            % {"languages": ", ".join(languages), "language": language}
        )
    formats = sorted(set(formats or REPORT_FORMATS))
    if not formats or set(formats) - set(REPORT_FORMATS):
        raise SurveyError(_("Choose formats among CSV, XLSX, PDF and JSON."))
    return {
        "breakdown": breakdown,
        "filters": {
            name: sorted({str(value) for value in values})
            for name, values in sorted((filters or {}).items())
            if values
        },
        "formats": formats,
        "internal": bool(internal),
        "language": language or settings.LANGUAGE_CODE,
    }


def _digest(data) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder).encode()
    ).hexdigest()


def report_fingerprint(*, survey: Survey, parameters: dict) -> str:
    """Return a hash of the answers a report with ``parameters`` would use now, and of them."""
    answers = aggregation.answers_fingerprint_parts(survey, parameters["filters"])
    return _digest({"answers": answers, "parameters": parameters})


@transaction.atomic
def report_request(*, survey: Survey, requested_by=None, **parameters) -> tuple[Report, bool]:
    """Return the report of ``survey`` with these parameters, and whether it was just created.

    The report already queued or running with the same parameters is returned as it is (the
    database refuses a second one); so is the newest done one if the answers have not changed
    since. Otherwise a new report is queued and its build enqueued after commit. Parameters:
    see ``report_parameters``.
    """
    parameters = report_parameters(**parameters)
    key = _digest(parameters)
    same = Report.objects.filter(survey=survey, parameters_key=key)
    in_flight = same.filter(status__in=Report.IN_FLIGHT).first()
    if in_flight:
        return in_flight, False
    fingerprint = report_fingerprint(survey=survey, parameters=parameters)
    _check_reportable(survey, parameters)
    unchanged = same.filter(status=Report.Status.DONE, fingerprint=fingerprint).first()
    if unchanged:
        return unchanged, False
    now = timezone.now()
    try:
        with transaction.atomic():
            report = Report.objects.create(
                survey=survey,
                requested_by=requested_by,
                breakdown=parameters["breakdown"],
                filters=parameters["filters"],
                formats=parameters["formats"],
                internal=parameters["internal"],
                language=parameters["language"],
                parameters_key=key,
                created_at=now,
                enqueued_at=now,
            )
    except IntegrityError:
        # Someone asked for the same report at the same moment: theirs is ours.
        return same.get(status__in=Report.IN_FLIGHT), False
    _report_enqueue(report)
    return report, True


def _check_reportable(survey: Survey, parameters: dict) -> None:
    """Refuse, with a message, a report that could show nothing."""
    filters = parameters["filters"]
    if not aggregation.submitted_responses(survey, filters).exists():
        raise SurveyError(
            _(
                "No organization has submitted answers to this survey yet"
                "%(scope)s: there is nothing to report."
            )
            % {"scope": _(" among the chosen organizations") if filters else ""}
        )
    breakdown = parameters["breakdown"]
    if breakdown and not aggregation.respondents_with_attribute(survey, filters, breakdown):
        raise SurveyError(
            _(
                "None of the organizations that answered has a value for “%(breakdown)s”: "
                "a breakdown by it would show a single group. Choose another breakdown."
            )
            % {"breakdown": aggregation.breakdown_label(breakdown)}
        )


def _report_enqueue(report: Report) -> None:
    from survey.tasks import build_report

    enqueue_on_commit(build_report, report.pk)


@contextmanager
def _report_build_lock(report_id: int) -> Iterator[bool]:
    """Hold a lock on building ``report_id`` while the block runs; yield whether it was free.

    On PostgreSQL a session advisory lock: a worker that dies loses its connection and so its
    lock at once, and the report's redelivered task takes over. Elsewhere (SQLite, eager tasks
    in one process) there is nobody to compete with.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [REPORT_LOCK_NAMESPACE, report_id])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [REPORT_LOCK_NAMESPACE, report_id]
                )


@contextmanager
def _consistent_reads() -> Iterator[None]:
    """Run the block in one transaction that sees one snapshot of the database."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


class _ReportProgress:
    """Record a build's progress (and a sign of life) on the report row, and tell listeners."""

    def __init__(self, report_id: int) -> None:
        self.report_id = report_id
        self.percent = -1

    def __call__(self, percent: int) -> None:
        percent = max(0, min(int(percent), 100))
        if percent == self.percent:
            return
        self.percent = percent
        Report.objects.filter(pk=self.report_id, status=Report.Status.RUNNING).update(
            progress=percent, heartbeat_at=timezone.now()
        )
        for listener in report_progress_listeners.get():
            listener(self.report_id, percent)

    def question(self, done: int, total: int) -> None:
        if settings.REPORT_BUILD_DELAY_SECONDS:
            time.sleep(settings.REPORT_BUILD_DELAY_SECONDS)
        span = PROGRESS_ASSEMBLED - PROGRESS_COUNTED
        self(PROGRESS_COUNTED + span * done // max(total, 1))


def report_build(*, report_id: int) -> Report | None:
    """Build report ``report_id`` from scratch: figures, files, done. Safe to run twice.

    A done or failed report is left alone; a report that another worker is building is left
    to it. A report left running by a worker that died is rebuilt from the start. Return the
    report if this call built it.
    """
    with _report_build_lock(report_id) as free:
        if not free:
            logger.info("report %s is being built by another worker", report_id)
            return None
        report = _report_start(report_id)
        if report is None:
            return None
        try:
            with translation.override(report.language):
                _report_make(report)
        except Exception as error:
            logger.exception("report %s failed", report_id)
            _report_discard_files(report)
            Report.objects.filter(pk=report_id, status=Report.Status.RUNNING).update(
                status=Report.Status.FAILED,
                error=f"{type(error).__name__}: {error}"[:2000],
                finished_at=timezone.now(),
            )
            return None
    report.refresh_from_db()
    return report if report.is_done else None


@transaction.atomic
def _report_start(report_id: int) -> Report | None:
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("survey")
        .filter(pk=report_id)
        .first()
    )
    if report is None or not report.is_in_flight:
        return None
    now = timezone.now()
    report.status = Report.Status.RUNNING
    report.progress = 0
    report.attempts += 1
    report.started_at = report.heartbeat_at = now
    report.error = ""
    report.save(
        update_fields=["status", "progress", "attempts", "started_at", "heartbeat_at", "error"]
    )
    return report


def report_directory(report: Report) -> str:
    """The storage name (not a path: any storage backend) under which ``report``'s files lie."""
    return f"reports/{report.survey.slug}/{report.pk}"


def _report_discard_files(report: Report) -> None:
    """Forget ``report``'s files and delete whatever lies in its directory in the storage."""
    ReportFile.objects.filter(report=report).delete()
    directory = report_directory(report)
    try:
        _folders, names = default_storage.listdir(directory)
    except OSError:  # no such directory, or the storage cannot be read: nothing to discard
        return
    for name in names:
        default_storage.delete(f"{directory}/{name}")


def _report_make(report: Report) -> None:
    progress = _ReportProgress(report.pk)
    progress(0)
    # From scratch: whatever an earlier, interrupted attempt left is thrown away.
    _report_discard_files(report)
    survey = report.survey
    parameters = report_parameters(
        breakdown=report.breakdown,
        filters=report.filters,
        formats=report.formats,
        internal=report.internal,
        language=report.language,
    )
    with _consistent_reads():
        fingerprint = report_fingerprint(survey=survey, parameters=parameters)
        gathered = aggregation.gather(survey, filters=report.filters, breakdown=report.breakdown)
    progress(PROGRESS_COUNTED)
    result = aggregation.assemble(
        gathered, min_cell=settings.REPORT_MIN_CELL, on_question=progress.question
    )
    # The texts in the other languages, for readers of the web page (files: the asked one).
    result["translations"] = language.translations(
        gathered, aggregation.assemble, min_cell=settings.REPORT_MIN_CELL, skip=report.language
    )
    shared = result if report.internal else suppression.suppressed(result)
    writers = _report_writers(report, result, shared)
    files = []
    # Each file is written on local scratch space and then handed to the storage whole
    # (Django's storage API only: a shared disk, object storage, or memory in tests).
    with tempfile.TemporaryDirectory(prefix="coopmap-report-") as scratch:
        for done, (kind, filename, write) in enumerate(writers, start=1):
            local = Path(scratch) / filename
            write(local)
            with local.open("rb") as handle:
                name = default_storage.save(
                    f"{report_directory(report)}/{filename}", File(handle, name=filename)
                )
            files.append(ReportFile(report=report, kind=kind, file=name, size=local.stat().st_size))
            span = 99 - PROGRESS_ASSEMBLED
            progress(PROGRESS_ASSEMBLED + span * done // len(writers))
    with transaction.atomic():
        ReportFile.objects.bulk_create(files)
        finished = Report.objects.filter(pk=report.pk, status=Report.Status.RUNNING).update(
            status=Report.Status.DONE,
            progress=100,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            result=json.loads(json.dumps(result, cls=DjangoJSONEncoder)),
            fingerprint=fingerprint,
            respondent_count=result["meta"]["respondents"],
        )
        if not finished:
            # The sweep gave up on this build meanwhile; its verdict stands.
            raise SurveyError(_("The report was marked as failed while it was being built."))
    for listener in report_progress_listeners.get():
        listener(report.pk, 100)


def _report_writers(report: Report, result: dict, shared: dict) -> list:
    """Return (kind, file name, writer) for every file of ``report``."""
    stem = f"{report.survey.slug}-report-{report.pk}"
    if report.breakdown:
        stem += f"-{report.breakdown.replace('_', '-')}"
    filters = report.filters

    def answers():
        return exports.answer_rows(report.survey, filters)

    writers = []
    if "csv" in report.formats:
        writers.append(
            (
                ReportFile.Kind.CSV,
                f"{stem}.csv",
                lambda path: exports.write_csv(
                    exports.aggregate_rows(shared), exports.AGGREGATE_HEADER, path
                ),
            )
        )
        writers.append(
            (
                ReportFile.Kind.CSV_EXCEL_DE,
                f"{stem}-excel-de.csv",
                lambda path: exports.write_csv_excel_de(
                    exports.aggregate_rows(shared), exports.AGGREGATE_HEADER, path
                ),
            )
        )
        if report.internal:
            writers.append(
                (
                    ReportFile.Kind.ANSWERS_CSV,
                    f"{report.survey.slug}-answers-{report.pk}.csv",
                    lambda path: exports.write_csv(answers(), exports.ANSWERS_HEADER, path),
                )
            )
    if "xlsx" in report.formats:
        writers.append(
            (
                ReportFile.Kind.XLSX,
                f"{stem}.xlsx",
                lambda path: exports.write_xlsx(
                    shared, path, answers=answers() if report.internal else None
                ),
            )
        )
    if "pdf" in report.formats:
        # For funders: always with small cells hidden, whatever the report's audience.
        writers.append(
            (
                ReportFile.Kind.PDF,
                f"{stem}.pdf",
                lambda path: exports.write_pdf(suppression.suppressed(result), path),
            )
        )
    if "json" in report.formats:
        writers.append(
            (ReportFile.Kind.JSON, f"{stem}.json", lambda path: exports.write_json(shared, path))
        )
    return writers


@dataclass
class SweepOutcome:
    failed: int = 0
    resent: int = 0


def reports_sweep(*, now: datetime | None = None) -> SweepOutcome:
    """Send again reports that show no progress; fail those no worker can finish.

    A queued report not taken, or a running one without a sign of life, for
    ``REPORT_RESEND_MINUTES`` since it was last sent is sent again: its message may be lost (a
    broker outage, a purge) or its worker dead (killed as a whole, its message waits for the
    broker's visibility timeout). A build still alive holds the report's lock, so the copy does
    nothing; otherwise the copy rebuilds it from scratch. Failed: no worker took it for
    ``REPORT_STUCK_MINUTES``, or ``REPORT_MAX_ATTEMPTS`` builds died.
    """
    now = now or timezone.now()
    stuck = now - timedelta(minutes=settings.REPORT_STUCK_MINUTES)
    resend = now - timedelta(minutes=settings.REPORT_RESEND_MINUTES)
    outcome = SweepOutcome()
    running = Q(status=Report.Status.RUNNING)
    queued = Q(status=Report.Status.QUEUED)
    silent = running & Q(heartbeat_at__lt=resend)
    outcome.failed = Report.objects.filter(
        (running & Q(heartbeat_at__lt=stuck)) | (queued & Q(created_at__lt=stuck))
    ).update(
        status=Report.Status.FAILED,
        error=_("Stuck: no worker finished it within %(minutes)s minutes.")
        % {"minutes": settings.REPORT_STUCK_MINUTES},
        finished_at=now,
    )
    outcome.failed += Report.objects.filter(
        silent & Q(attempts__gte=settings.REPORT_MAX_ATTEMPTS)
    ).update(
        status=Report.Status.FAILED,
        error=_("Its worker stopped %(count)s times while building it.")
        % {"count": settings.REPORT_MAX_ATTEMPTS},
        finished_at=now,
    )
    due = Report.objects.filter((queued | silent) & Q(enqueued_at__lt=resend))
    for report in due:
        with transaction.atomic():
            Report.objects.filter(pk=report.pk).update(enqueued_at=now)
            _report_enqueue(report)
        outcome.resent += 1
    return outcome
