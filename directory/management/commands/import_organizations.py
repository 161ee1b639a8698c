"""Import a CSV or GeoJSON list of organizations: ``manage.py import_organizations FILE``."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from directory import imports
from directory.imports import ImportFileError, ImportOptions
from directory.imports import services as import_services
from directory.imports.services import Action
from directory.models import ImportJob, ImportSource, Organization

SUMMARY_LABELS = {
    Action.CREATE: "created",
    Action.UPDATE: "updated",
    Action.UNCHANGED: "unchanged",
    Action.KEPT: "kept (edited since the last import)",
    Action.DUPLICATE: "skipped as duplicates",
    Action.REJECTED: "rejected",
}


class Command(BaseCommand):
    help = (
        "Import a CSV or GeoJSON list of organizations, guessing which column feeds which field. "
        "--dry-run prints what would be created, updated, skipped or rejected and writes "
        "nothing; running the same file twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv or .geojson file")
        parser.add_argument("--dry-run", action="store_true", help="show what would happen")
        parser.add_argument(
            "--publish", action="store_true", help="publish new entries (default: pending review)"
        )
        parser.add_argument("--source", help="name of the list (default: the file's name)")
        parser.add_argument("--licence", default="", help='e.g. "ODC-By 1.0"')
        parser.add_argument("--attribution", default="", help="the credit the licence requires")
        parser.add_argument("--url", default="", help="where the list is published")
        parser.add_argument(
            "--kind",
            default=Organization.Kind.COOPERATIVE,
            choices=Organization.Kind.values,
            help="kind of the new entries (default: cooperative)",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help=f"feed FIELD from COLUMN (repeatable); fields: {', '.join(imports.TARGETS)}",
        )
        parser.add_argument(
            "--country-alias",
            action="append",
            default=[],
            metavar="VALUE=CODE",
            help="read a country value as an ISO code, e.g. SR=SK (repeatable)",
        )
        parser.add_argument("--default-country", default="", help="ISO code for rows without one")
        parser.add_argument(
            "--precision",
            choices=[choice for choice in Organization.Precision.values if choice],
            help="what the file's coordinates point at (default: guessed from the headers)",
        )
        parser.add_argument(
            "--no-geocode",
            action="store_true",
            help="leave addresses without coordinates to the Celery worker",
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            import_services.check_upload_size(path.stat().st_size)
            data = path.read_bytes()
            table = imports.read_table(data, filename=path.name)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from error
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        source_name = options["source"] or table.metadata.get("name") or path.stem
        existing = ImportSource.objects.filter(name=source_name).first()
        source = existing or ImportSource(name=source_name)
        import_options = self._options(table, source, options)
        self.stdout.write(
            f"{path.name}: {len(table.records)} rows ({table.format}"
            + (
                f", {table.encoding}, delimiter {table.delimiter!r}"
                if table.format == "csv"
                else ""
            )
            + f"); source “{source_name}”"
        )
        for target, columns in import_options.columns.items():
            self.stdout.write(f"  {target:<18} <- {', '.join(columns)}")

        if options["dry_run"]:
            preview = import_services.plan_table(
                table,
                source=source,
                options=import_options,
                kind=options["kind"],
                progress=ProgressBar(self.stdout, "checking"),
            )
            self._print_preview(preview.as_json(table))
            self.stdout.write("Dry run: nothing was written.")
            return

        source = import_services.import_source_save(
            name=source_name,
            licence=options["licence"] or table.metadata.get("license", ""),
            attribution=options["attribution"],
            url=options["url"],
        )
        job = import_services.import_job_create(
            data=data,
            filename=path.name,
            source=source,
            kind=options["kind"],
            enqueue_preview=False,
        )
        ImportJob.objects.filter(pk=job.pk).update(mapping=import_options.as_json())
        job = import_services.import_job_preview(
            job_id=job.pk, progress=ProgressBar(self.stdout, "checking")
        )
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.error)
        self._print_preview(job.preview)
        job = import_services.import_job_start(job=job, publish=options["publish"])
        job = import_services.import_job_run(
            job_id=job.pk, progress=ProgressBar(self.stdout, "importing"), enqueue_geocoding=False
        )
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.error)
        if options["no_geocode"]:
            from directory.tasks import geocode_import_job

            geocode_import_job.delay(job.pk)
            self.stdout.write(f"{job.geocode_total} addresses are left to the Celery worker.")
        else:
            bar = ProgressBar(self.stdout, "locating")
            while import_services.import_job_geocode_batch(job_id=job.pk):
                job.refresh_from_db()
                bar(job.geocode_done, job.geocode_total)
            job.refresh_from_db()
            bar(job.geocode_done, job.geocode_total)
        job.refresh_from_db()
        self._print_summary(job)

    def _options(self, table: imports.Table, source: ImportSource, options: dict) -> ImportOptions:
        import_options = imports.options_for(table, source.mapping)
        for item in options["map"]:
            target, _sep, column = item.partition("=")
            if target not in imports.TARGETS or column not in table.columns:
                raise CommandError(f"--map {item}: unknown field or column")
            import_options.columns[target] = [column]
        for item in options["country_alias"]:
            value, _sep, code = item.partition("=")
            if len(code) != 2:
                raise CommandError(f"--country-alias {item}: CODE must be two letters")
            import_options.country_aliases[value] = code.upper()
        if options["default_country"]:
            import_options.default_country = options["default_country"].upper()
        if options["precision"]:
            import_options.precision = options["precision"]
        return import_options

    def _print_preview(self, preview: dict) -> None:
        counts = preview["counts"]
        for row in preview["rows"]:
            if row["action"] != Action.CREATE:
                reasons = "; ".join(imports.describe(note) for note in row["notes"])
                self.stdout.write(
                    f"  row {row['row']:>6}  {row['action']:<9} {row['name']}: {reasons}"
                )
        self.stdout.write(
            "Preview: "
            + ", ".join(f"{counts[action]} {SUMMARY_LABELS[action]}" for action in Action.ALL)
            + f"; {counts['without_position']} without coordinates"
            + f" ({counts['to_geocode']} to locate by address)"
        )

    def _print_summary(self, job: ImportJob) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {job.created_count} created, {job.updated_count} updated, "
                f"{job.unchanged_count} unchanged, {job.kept_count} kept, "
                f"{job.duplicate_count} duplicates, {job.rejected_count} rejected, "
                f"{job.without_position_count} without position (import #{job.pk})."
            )
        )


class ProgressBar:
    """A text progress bar: redrawn in place on a terminal, a line per tenth otherwise."""

    WIDTH = 30

    def __init__(self, stream, label: str) -> None:
        self.stream = stream
        self.label = label
        self.last_tenth = -1
        self.interactive = sys.stdout.isatty() and stream._out is sys.stdout

    def __call__(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        filled = round(fraction * self.WIDTH)
        line = f"{self.label:<10} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}"
        if self.interactive:
            self.stream.write("\r" + line, ending="\n" if done >= total else "")
            self.stream.flush()
        elif int(fraction * 10) > self.last_tenth:
            self.last_tenth = int(fraction * 10)
            self.stream.write(line)
