"""Build a report of a survey through the same service and Celery task as the web pages."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coopmap.celery import app
from survey.models import Report, ReportFile, Survey
from survey.reporting import aggregation, services

KIND_OF_FORMAT = {
    "csv": ReportFile.Kind.CSV,
    "xlsx": ReportFile.Kind.XLSX,
    "pdf": ReportFile.Kind.PDF,
    "json": ReportFile.Kind.JSON,
}
BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Build a report of a survey's submitted answers (small figures hidden unless --internal) "
        "and write its file. With a broker, a Celery worker builds it and this command waits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the survey's slug, e.g. bedarfsanalyse")
        parser.add_argument(
            "--by",
            default="",
            choices=["", *aggregation.BREAKDOWNS],
            help="break the figures down by this organization attribute",
        )
        parser.add_argument(
            "--format",
            choices=list(KIND_OF_FORMAT),
            help="the file to write (default: from --output's extension, else all four)",
        )
        parser.add_argument(
            "--output", help="where to write the file ('-' for standard output; CSV and JSON)"
        )
        parser.add_argument(
            "--internal",
            action="store_true",
            help="exact figures and each organization's answers: for the network managers only",
        )
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES])
        parser.add_argument(
            "--timeout",
            type=float,
            default=600,
            help="seconds to wait for a worker to finish the report (default 600)",
        )

    def handle(self, *args, **options) -> None:
        survey = Survey.objects.filter(slug=options["slug"]).first()
        if survey is None:
            raise CommandError(f"No survey with the slug {options['slug']!r}.")
        output = options["output"]
        file_format = options["format"] or _format_of(output)
        if output and not file_format:
            raise CommandError("Say which file to write with --format (csv, xlsx, pdf or json).")
        # With --output - the file goes to standard output, so the progress bar must not.
        self.progress_stream = self.stderr if output == "-" else self.stdout
        self.drawn = -1
        token = services.report_progress_listeners.set(
            (*services.report_progress_listeners.get(), self._draw)
        )
        try:
            report, created = services.report_request(
                survey=survey,
                breakdown=options["by"],
                formats=[file_format] if file_format else None,
                internal=options["internal"],
                language=options["language"] or settings.LANGUAGE_CODE,
            )
        except services.SurveyError as error:
            raise CommandError(str(error)) from error
        finally:
            services.report_progress_listeners.reset(token)
        if not created:
            self.progress_stream.write(
                f"Report {report.pk} with these parameters is {report.get_status_display()}."
            )
        report = self._wait(report, timeout=options["timeout"])
        self._write_files(report, file_format, output)

    def _draw(self, report_id: int, percent: int) -> None:
        """Draw the progress bar (called by the build itself when it runs in this process)."""
        if percent == self.drawn:
            return
        self.drawn = percent
        filled = BAR_WIDTH * percent // 100
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.progress_stream.write(f"\rReport {report_id} [{bar}] {percent:3d} %", ending="")
        self.progress_stream.flush()
        if percent >= 100:
            self.progress_stream.write("")

    def _wait(self, report: Report, *, timeout: float) -> Report:
        """Follow the report's row until it is done or failed; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            report.refresh_from_db()
            if report.status == Report.Status.DONE:
                self._draw(report.pk, 100)
                return report
            self._draw(report.pk, report.progress)
            if report.status == Report.Status.FAILED:
                raise CommandError(f"\nReport {report.pk} failed: {report.error}")
            if time.monotonic() > deadline:
                waiting = (
                    "No Celery worker took the report"
                    if report.status == Report.Status.QUEUED
                    else "The worker did not finish the report"
                )
                eager = " (tasks run eagerly here)" if app.conf.task_always_eager else ""
                raise CommandError(
                    f"\n{waiting} within {timeout:g} seconds{eager}. Is a worker running "
                    f"(`make worker`)? Report {report.pk} stays {report.status}: it is built "
                    "once a worker runs, and this command finds it when run again."
                )
            time.sleep(0.5)

    def _write_files(self, report: Report, file_format: str | None, output: str | None) -> None:
        files = {file.kind: file for file in report.files.all()}
        wanted = [files[KIND_OF_FORMAT[file_format]]] if file_format else list(files.values())
        for report_file in wanted:
            if output == "-":
                with report_file.file.open("rb") as handle:
                    shutil.copyfileobj(handle, sys.stdout.buffer)
                continue
            target = Path(output) if output else Path.cwd() / report_file.filename
            with report_file.file.open("rb") as handle, target.open("wb") as copy:
                shutil.copyfileobj(handle, copy)
            self.stderr.write(f"Wrote {target} ({report_file.get_kind_display()}).")


def _format_of(output: str | None) -> str | None:
    if not output or output == "-":
        return None
    suffix = Path(output).suffix.lower().lstrip(".")
    return suffix if suffix in KIND_OF_FORMAT else None
