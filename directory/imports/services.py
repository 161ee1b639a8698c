"""Writes of imports: create a job from a file, preview it, run it in batches, locate addresses.

The parsing and the decisions are pure functions in ``imports.py``; this module reads the
directory to find what a file's rows match, and writes what the manager confirmed. Every
function here is safe to run again after a crash: a batch commits its entries together with the
job's progress, and entries are matched by (source, id in the source), which the database keeps
unique.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from anyascii import anyascii
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coopmap.queue import enqueue_on_commit
from coopmap.text import chunked
from directory import imports
from directory.models import ImportJob, ImportSource, Organization, Sector
from directory.services import organization_geocode

from .cleaning import Row
from .mapping import ImportOptions
from .notes import ImportFileError, Note
from .reading import Table

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
GEOCODE_BATCH_SIZE = 25
PREVIEW_ROW_LIMIT = 10_000
Progress = Callable[[int, int], None]

# --- Sources and jobs -------------------------------------------------------------------------


def import_source_save(
    *, name: str, licence: str = "", attribution: str = "", url: str = ""
) -> ImportSource:
    """Return the source called ``name``, created if new; non-empty details replace the old."""
    source, _created = ImportSource.objects.get_or_create(name=name.strip()[:200])
    changed = {
        key: value
        for key, value in (("licence", licence), ("attribution", attribution), ("url", url))
        if value and getattr(source, key) != value
    }
    if changed:
        for key, value in changed.items():
            setattr(source, key, value)
        source.save(update_fields=list(changed))
    return source


def check_upload_size(size: int) -> None:
    """Raise ``ImportFileError`` for a file above ``IMPORT_MAX_UPLOAD_BYTES``."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise ImportFileError(
            _("The file is %(size)s MB; files up to %(limit)s MB can be imported.")
            % {"size": round(size / 1_048_576, 1), "limit": round(limit / 1_048_576)}
        )


@transaction.atomic
def import_job_create(
    *,
    data: bytes,
    filename: str,
    source: ImportSource,
    by=None,
    kind: str = Organization.Kind.COOPERATIVE,
    enqueue_preview: bool = True,
) -> ImportJob:
    """Store an uploaded file as a new import and prepare its preview.

    Raise ``ImportFileError`` (and store nothing) for a file that is too large, empty, of the
    wrong encoding or no CSV/GeoJSON list at all.
    """
    check_upload_size(len(data))
    table = imports.read_table(data, filename=filename)
    job = ImportJob(
        source=source,
        original_filename=filename[:255],
        fingerprint=hashlib.sha256(data).hexdigest(),
        format=table.format,
        kind=kind,
        rows_total=len(table.records),
        created_by=by,
    )
    job.file.save(filename, ContentFile(data), save=False)
    job.save()
    if enqueue_preview:
        from directory.tasks import preview_import_job

        enqueue_on_commit(preview_import_job, job.pk)
    return job


@transaction.atomic
def import_job_remap(*, job: ImportJob, options: ImportOptions, kind: str) -> ImportJob:
    """Change the mapping or the kind of a previewed import and prepare a new preview."""
    from directory.tasks import preview_import_job

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED):
        return job
    job.mapping = options.as_json()
    job.kind = kind
    job.status = ImportJob.Status.QUEUED
    job.rows_done = 0
    job.error = ""
    job.save(update_fields=["mapping", "kind", "status", "rows_done", "error", "updated_at"])
    enqueue_on_commit(preview_import_job, job.pk)
    return job


@transaction.atomic
def import_job_start(*, job: ImportJob, publish: bool) -> ImportJob:
    """Mark a previewed import as confirmed; remember its mapping for the source's next file."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.PREVIEWED:
        return job
    job.publish = publish
    job.status = ImportJob.Status.RUNNING
    job.rows_done = 0
    job.started_at = timezone.now()
    job.save(update_fields=["publish", "status", "rows_done", "started_at", "updated_at"])
    ImportSource.objects.filter(pk=job.source_id).update(mapping=job.mapping)
    return job


def import_job_confirm(*, job: ImportJob, publish: bool) -> ImportJob:
    """Confirm a previewed import: its rows are written by a Celery job, in batches."""
    from directory.tasks import run_import_job

    with transaction.atomic():
        job = import_job_start(job=job, publish=publish)
        if job.status == ImportJob.Status.RUNNING:
            enqueue_on_commit(run_import_job, job.pk)
    return job


@transaction.atomic
def import_job_discard(*, job: ImportJob) -> ImportJob:
    """Drop an import that was previewed but not confirmed; its file is deleted."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED):
        return job
    job.status = ImportJob.Status.DISCARDED
    job.save(update_fields=["status", "updated_at"])
    job.file.delete(save=False)
    return job


def _read_job_table(job: ImportJob) -> Table:
    with job.file.open("rb") as handle:
        data = handle.read()
    return imports.read_table(data, filename=job.original_filename, file_format=job.format)


def _fail(job: ImportJob, error: Exception) -> ImportJob:
    job.status = ImportJob.Status.FAILED
    job.error = str(error)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "updated_at"])
    return job


# --- Planning: what each row will do ----------------------------------------------------------


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    KEPT = "kept"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"

    ALL = (CREATE, UPDATE, UNCHANGED, KEPT, DUPLICATE, REJECTED)


@dataclass
class Outcome:
    row: Row
    action: str
    note: Note | None = None
    organization: Organization | None = None  # the entry updated, or the one duplicated
    changes: dict[str, Any] = field(default_factory=dict)
    sectors: list[Sector] | None = None
    geocode: bool = False  # the entry will need its address located


class Planner:
    """Decide for each row of one file what importing it does, batch by batch.

    Remembers the rows it accepted, so that a later row of the same file that describes the
    same organization is a duplicate; asks the database only for the entries near each batch.
    """

    def __init__(self, *, source: ImportSource, options: ImportOptions, kind: str) -> None:
        self.source = source
        self.options = options
        self.kind = kind
        self.file_index = imports.DuplicateIndex()
        self.record_rows: dict[str, int] = {}
        self.row_names: dict[int, str] = {}
        self.sectors = _sector_lookup()
        self.sector_misses: Counter[str] = Counter()
        self.countries: Counter[tuple[str, str]] = Counter()
        self.mapped = {target for target, columns in options.columns.items() if columns}
        self.written = self.written_fields()
        self._site_index: dict[str, list[int]] | None = None
        self.id_counts: Counter[str] = Counter()
        self.overrides = dict(options.overrides)

    def normalize(self, records: Iterable[imports.Record]) -> list[Row]:
        rows = [
            imports.normalize_record(record, self.options, kind=self.kind) for record in records
        ]
        for row in rows:
            # An id that a file repeats ("cbc" at BD9 4DZ and at L8 3TX) names its n-th
            # occurrence, so every run of the same file maps each row to the same entry.
            self.id_counts[row.record_id] += 1
            if self.id_counts[row.record_id] > 1:
                row.record_id = f"{row.record_id}#{self.id_counts[row.record_id]}"[:200]
        country_columns = self.options.columns.get("country", [])
        for row in rows:
            raw = next(
                (row.raw.get(column, "") for column in country_columns if row.raw.get(column)), ""
            )
            if raw:
                self.countries[(raw, row.values["country"])] += 1
        return rows

    def remember(self, rows: Iterable[Row]) -> None:
        """Register rows accepted by an earlier run of this job (when a crashed job resumes)."""
        for row in rows:
            if row.rejection or row.record_id in self.record_rows:
                continue
            if self.file_index.find(row.candidate(row.number)):
                continue
            self._accept(row)

    def plan(self, rows: list[Row]) -> list[Outcome]:
        existing, directory = self._directory_for(rows)
        outcomes = []
        for row in rows:
            outcome = self._plan_row(row, existing, directory)
            if outcome.action not in (Action.DUPLICATE, Action.REJECTED):
                self._accept(row)
            outcomes.append(outcome)
        return outcomes

    def _accept(self, row: Row) -> None:
        self.record_rows[row.record_id] = row.number
        self.row_names[row.number] = row.name
        self.file_index.add(row.candidate(row.number))

    def _plan_row(
        self, row: Row, existing: dict[str, Organization], directory: imports.DuplicateIndex
    ) -> Outcome:
        if row.rejection:
            return Outcome(row, Action.REJECTED, row.rejection)
        if row.record_id in self.record_rows:
            return Outcome(
                row,
                Action.DUPLICATE,
                Note("duplicate_row_id", {"row": self.record_rows[row.record_id]}),
            )
        sectors = self._sectors(row) if "sectors" in self.mapped else None
        organization = existing.get(row.record_id)
        if organization is not None:
            return self._plan_update(row, organization, sectors)
        override = self.overrides.get(str(row.number))
        if override == "skip":
            return Outcome(row, Action.DUPLICATE, Note("overruled_skip"))
        candidate = row.candidate(row.number)
        warnings = []
        if override != "create":
            for match in self.file_index.matches(candidate):
                params = {
                    "row": match.ref,
                    "name": self.row_names.get(match.ref, ""),
                    "reason": imports.reason_notes(match),
                }
                if match.certain:
                    return Outcome(row, Action.DUPLICATE, Note("duplicate_of_row", params))
                code = "not_merged_row" if match.distinct else "possible_duplicate_row"
                warnings.append(Note(code, params))
            for match in directory.matches(candidate):
                entry = match.ref
                if match.certain and entry.import_source_id == self.source.pk and self.source.pk:
                    # This source's own entry, under another id (a new mapping changed the
                    # derived ids): update it and let it carry the new id.
                    return self._plan_own_entry(row, entry, sectors)
                params = {"name": entry.name, "id": entry.pk, "reason": imports.reason_notes(match)}
                if match.certain:
                    return Outcome(row, Action.DUPLICATE, Note("duplicate_of_org", params), entry)
                code = "not_merged_org" if match.distinct else "possible_duplicate_org"
                warnings.append(Note(code, params))
        else:
            warnings.append(Note("overruled_create"))
        row.warnings.extend(warnings[:2])
        return Outcome(
            row, Action.CREATE, sectors=sectors or [], geocode=not row.position and row.has_address
        )

    def _plan_own_entry(self, row: Row, entry: DirectoryEntry, sectors) -> Outcome:
        organization = Organization.objects.prefetch_related("sectors").get(pk=entry.pk)
        outcome = self._plan_update(row, organization, sectors)
        if outcome.action in (Action.UPDATE, Action.UNCHANGED):
            outcome.changes["source_record_id"] = row.record_id
            outcome.action = (
                Action.UPDATE
                if outcome.changes.keys() - {"source_record_id"}
                else (Action.UNCHANGED)
            )
        return outcome

    def _plan_update(
        self, row: Row, organization: Organization, sectors: list[Sector] | None
    ) -> Outcome:
        current_sectors = {sector.slug for sector in organization.sectors.all()}
        if (
            organization.import_checksum
            and organization_checksum(organization, current_sectors) != organization.import_checksum
        ):
            return Outcome(row, Action.KEPT, Note("kept_edited"), organization)
        changes = {
            name: value
            for name, value in row.values.items()
            if name in self.written and getattr(organization, name) != value
        }
        if sectors is not None and {sector.slug for sector in sectors} == current_sectors:
            sectors = None
        manual = organization.geocode_status == Organization.GeocodeStatus.MANUAL
        geocode = False
        if (
            row.position
            and not manual
            and row.position != (organization.latitude, organization.longitude)
        ):
            changes.update(_position_fields(row.position, claimed_precision(row, self.options)))
        elif (
            not row.position
            and not manual
            and changes.keys() & {"street", "postal_code", "city", "country"}
        ):
            geocode = row.has_address
        if not changes and sectors is None:
            return Outcome(row, Action.UNCHANGED, organization=organization)
        return Outcome(row, Action.UPDATE, None, organization, changes, sectors, geocode)

    def written_fields(self) -> set[str]:
        """Return the entry fields that this mapping fills (an update leaves the others alone)."""
        written = {name for name in imports.TEXT_FIELDS if name in self.mapped}
        if "housenumber" in self.mapped:
            written.add("street")
        for language in ("de", "en"):
            if f"description_{language}" in self.mapped:
                written.add(f"summary_{language}")
        for name in ("legal_form", "founded_year", "member_count", "public_email", "website"):
            if name in self.mapped:
                written.add(name)
        if "contact_email" in self.mapped or "website" in self.mapped:
            written.add("contact_email")
        if "country" in self.mapped or self.options.default_country:
            written.add("country")
        return written

    def _sectors(self, row: Row) -> list[Sector]:
        found = []
        for label in row.sectors:
            sector = self.sectors.get(imports.fold_header(label))
            if sector:
                found.append(sector)
            else:
                self.sector_misses[label] += 1
        return found

    def _entries_by_site(self) -> dict[str, list[int]]:
        """Return the directory's entries by website, read once per file.

        Websites are compared by host (and by path on shared platforms), which no index can
        serve; one pass over the entries that have a website is faster than asking the
        database with a pattern per row. Entries of this file are in the file's own index.
        """
        if self._site_index is None:
            self._site_index = defaultdict(list)
            websites = Organization.objects.exclude(website="").values_list("pk", "website")
            for pk, website in websites:
                self._site_index[imports.site_key(website)].append(pk)
        return self._site_index

    def _directory_for(
        self, rows: list[Row]
    ) -> tuple[dict[str, Organization], imports.DuplicateIndex]:
        """Return this source's entries for the rows' ids, and the entries each row may repeat."""
        existing = {}
        if self.source.pk:
            ids = [row.record_id for row in rows if not row.rejection]
            for chunk in chunked(ids, 500):
                for organization in Organization.objects.filter(
                    import_source=self.source, source_record_id__in=chunk
                ).prefetch_related("sectors"):
                    existing[organization.source_record_id] = organization
        directory = imports.DuplicateIndex()
        candidates = Organization.objects.all()
        ids = set(_ids_near([row.position for row in rows if row.position and not row.rejection]))
        keys = _lookup_keys([row for row in rows if not row.rejection])
        if any(keys.values()):
            ids.update(
                candidates.filter(
                    Q(register_number__in=keys["register"])
                    | Q(postal_code__in=keys["postal_code"])
                    | Q(city__in=keys["city"])
                ).values_list("pk", flat=True)
            )
        for site in keys["sites"]:
            ids.update(self._entries_by_site().get(site, ()))
        for chunk in chunked(sorted(ids), 500):
            for values in candidates.filter(pk__in=chunk).values(*CANDIDATE_FIELDS):
                # Entries made from earlier rows of this file are in the file's own index.
                source_id, record_id = values["import_source_id"], values["source_record_id"]
                if source_id == self.source.pk and (
                    record_id in self.record_rows or record_id in existing
                ):
                    continue
                directory.add(organization_candidate(DirectoryEntry(**values)))
        return existing, directory


def _lookup_keys(rows: list[Row]) -> dict[str, Any]:
    register, postal_codes, cities, sites = set(), set(), set(), set()
    for row in rows:
        values = row.values
        if values.get("register_number"):
            register.add(values["register_number"])
        if values.get("postal_code"):
            postal_codes.update({values["postal_code"], values["postal_code"].upper()})
        elif values.get("city"):
            cities.update({values["city"], values["city"].title(), values["city"].upper()})
        site = imports.site_key(values.get("website", ""))
        if site:
            sites.add(site)
    return {
        "register": sorted(register),
        "postal_code": sorted(postal_codes),
        "city": sorted(cities),
        "sites": sorted(sites),
    }


def _ids_near(positions: list[tuple[float, float]]) -> Iterator[int]:
    """Yield the ids of entries within a few kilometres of any of ``positions``.

    The coarse prefilter of the duplicate search, in plain SQL: the ORM would spend longer
    compiling hundreds of OR-ed boxes than the database spends answering them. Uses the
    (latitude, longitude) index.
    """
    meta = Organization._meta
    table = connection.ops.quote_name(meta.db_table)
    latitude = connection.ops.quote_name(meta.get_field("latitude").column)
    longitude = connection.ops.quote_name(meta.get_field("longitude").column)
    box = f"({latitude} BETWEEN %s AND %s AND {longitude} BETWEEN %s AND %s)"
    # Positions in the same small cell share one box (many organizations share a postcode).
    cells = sorted({(round(lat, 2), round(lon, 2)) for lat, lon in positions})
    with connection.cursor() as cursor:
        for chunk in chunked(cells, 200):
            params: list[float] = []
            for cell in chunk:
                south, north, west, east = imports.nearby_box(cell, imports.NEARBY_KM + 1)
                params.extend((south, north, west, east))
            where = " OR ".join([box] * len(chunk))
            cursor.execute(f"SELECT id FROM {table} WHERE {where}", params)  # noqa: S608
            for (organization_id,) in cursor.fetchall():
                yield organization_id


CANDIDATE_FIELDS = (
    "id",
    "name",
    "slug",
    "website",
    "register_number",
    "register_court",
    "country",
    "latitude",
    "longitude",
    "postal_code",
    "city",
    "public_email",
    "import_source_id",
    "source_record_id",
)


@dataclass(frozen=True)
class DirectoryEntry:
    """The few fields of an entry that duplicate search reads (lighter than a model instance)."""

    id: int
    name: str
    slug: str
    website: str
    register_number: str
    register_court: str
    country: str
    latitude: float | None
    longitude: float | None
    postal_code: str
    city: str
    public_email: str = ""
    import_source_id: int | None = None
    source_record_id: str = ""

    @property
    def pk(self) -> int:
        return self.id


organization_candidate = imports.organization_candidate


def organization_checksum(organization: Organization, sector_slugs: Iterable[str]) -> str:
    values = {name: getattr(organization, name) for name in imports.IMPORTED_FIELDS}
    return imports.values_checksum(values, sector_slugs)


def _sector_lookup() -> dict[str, Sector]:
    lookup = {}
    for sector in Sector.objects.all():
        for label in (sector.slug, sector.name_de, sector.name_en):
            lookup[imports.fold_header(label)] = sector
    return lookup


def claimed_precision(row: Row, options: ImportOptions) -> str:
    """Return the precision a file's position may claim for ``row``: never finer than the row's
    address ("the marker shows the address" only where there is a street)."""
    precision = options.precision
    values = row.values
    if precision == Organization.Precision.ADDRESS and not values.get("street"):
        precision = (
            Organization.Precision.POSTAL_CODE
            if values.get("postal_code")
            else Organization.Precision.CITY
        )
    return precision


def _position_fields(position: tuple[float, float], precision: str) -> dict[str, Any]:
    return {
        "latitude": position[0],
        "longitude": position[1],
        "geocode_status": Organization.GeocodeStatus.LOCATED,
        "geocode_source": "import",
        "geocode_precision": precision,
        "geocoded_at": timezone.now(),
    }


# --- The preview ------------------------------------------------------------------------------


@dataclass
class Preview:
    counts: Counter = field(default_factory=Counter)
    rows: list[dict] = field(default_factory=list)
    planner: Planner | None = None

    def add(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self.counts[outcome.action] += 1
            if outcome.action in (Action.CREATE, Action.UPDATE) and not outcome.row.position:
                self.counts["without_position"] += 1
                if outcome.geocode or (outcome.action == Action.CREATE and outcome.row.has_address):
                    self.counts["to_geocode"] += 1
            notes = ([outcome.note] if outcome.note else []) + outcome.row.warnings
            if notes:
                self.counts["with_warnings"] += 1
            interesting = outcome.action != Action.CREATE or outcome.row.warnings
            if (interesting or len(self.rows) < 20) and len(self.rows) < PREVIEW_ROW_LIMIT:
                self.rows.append(_outcome_json(outcome, notes))

    def as_json(self, table: Table) -> dict:
        planner = self.planner
        return {
            "counts": {
                action: self.counts.get(action, 0)
                for action in (*Action.ALL, "without_position", "to_geocode", "with_warnings")
            },
            "rows": self.rows,
            "columns": table.columns,
            "samples": [record.values for record in table.records[:3]],
            "encoding": table.encoding,
            "delimiter": table.delimiter,
            "metadata": table.metadata,
            "countries": [
                [raw, code, count] for (raw, code), count in planner.countries.most_common()
            ],
            "sectors_unmatched": planner.sector_misses.most_common(50),
        }


def _outcome_json(outcome: Outcome, notes: list[Note]) -> dict:
    entry = {
        "row": outcome.row.number,
        "name": outcome.row.name,
        "city": outcome.row.values.get("city", ""),
        "action": outcome.action,
        "notes": [note.as_json() for note in notes],
    }
    if outcome.organization is not None:
        entry["organization"] = {
            "id": outcome.organization.pk,
            "name": outcome.organization.name,
            "slug": outcome.organization.slug,
        }
    return entry


def plan_table(
    table: Table,
    *,
    source: ImportSource,
    options: ImportOptions,
    kind: str,
    progress: Progress | None = None,
) -> Preview:
    """Return what importing ``table`` would do, row by row, without writing anything."""
    planner = Planner(source=source, options=options, kind=kind)
    preview = Preview(planner=planner)
    total = len(table.records)
    for start in range(0, total, BATCH_SIZE):
        rows = planner.normalize(table.records[start : start + BATCH_SIZE])
        preview.add(planner.plan(rows))
        if progress:
            progress(min(start + BATCH_SIZE, total), total)
    return preview


def import_job_preview(*, job_id: int, progress: Progress | None = None) -> ImportJob:
    """Work out what the import would do and store it as the job's preview; write no entry."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("source").get(pk=job_id)
        if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.PREVIEWING):
            return job
        job.status = ImportJob.Status.PREVIEWING
        job.save(update_fields=["status", "updated_at"])
    try:
        table = _read_job_table(job)
    except (ImportFileError, OSError) as error:
        return _fail(job, error)
    options = (
        ImportOptions.from_json(job.mapping)
        if job.mapping
        else imports.options_for(table, job.source.mapping)
    )

    def save_progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            rows_done=done, rows_total=total, updated_at=timezone.now()
        )
        if progress:
            progress(done, total)

    preview = plan_table(
        table, source=job.source, options=options, kind=job.kind, progress=save_progress
    )
    job.refresh_from_db()
    job.preview = preview.as_json(table)
    job.preview["earlier_imports"] = [
        {"id": earlier.pk, "created_at": earlier.created_at.isoformat()}
        for earlier in ImportJob.objects.filter(
            fingerprint=job.fingerprint, status=ImportJob.Status.DONE
        ).exclude(pk=job.pk)[:5]
    ]
    job.mapping = options.as_json()
    job.status = ImportJob.Status.PREVIEWED
    job.save(update_fields=["preview", "mapping", "status", "updated_at"])
    return job


# --- The run ----------------------------------------------------------------------------------


def import_job_run(
    *, job_id: int, progress: Progress | None = None, enqueue_geocoding: bool = True
) -> ImportJob:
    """Write a confirmed import, batch by batch, each batch committed with the job's progress.

    Picks up where it stopped when run again after a crash; then locates the new entries'
    addresses (see ``import_job_geocode_batch``).
    """
    job = ImportJob.objects.select_related("source").get(pk=job_id)
    if job.status != ImportJob.Status.RUNNING:
        return job
    try:
        table = _read_job_table(job)
    except (ImportFileError, OSError) as error:
        return _fail(job, error)
    options = ImportOptions.from_json(job.mapping)
    planner = Planner(source=job.source, options=options, kind=job.kind)
    total = len(table.records)
    rejected = list(job.report.get("rejected", []))
    for start in range(0, total, BATCH_SIZE):
        rows = planner.normalize(table.records[start : start + BATCH_SIZE])
        if start < job.rows_done:
            planner.remember(rows)  # written before a crash
            continue
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().select_related("source").get(pk=job_id)
            if job.status != ImportJob.Status.RUNNING or job.rows_done != start:
                return job  # another worker got there first
            outcomes = planner.plan(rows)
            _write(job, outcomes)
            rejected.extend(
                {
                    "row": outcome.row.number,
                    "note": outcome.note.as_json(),
                    "values": outcome.row.raw,
                }
                for outcome in outcomes
                if outcome.action == Action.REJECTED
            )
            job.report = {**job.report, "rejected": rejected}
            job.rows_done = min(start + BATCH_SIZE, total)
            job.save()
        if progress:
            progress(job.rows_done, total)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status == ImportJob.Status.RUNNING:
            job.geocode_total = job.organizations.filter(
                geocode_status=Organization.GeocodeStatus.PENDING
            ).count()
            job.geocode_done = 0
            job.status = ImportJob.Status.GEOCODING
            job.save(update_fields=["geocode_total", "geocode_done", "status", "updated_at"])
            if enqueue_geocoding:
                from directory.tasks import geocode_import_job

                enqueue_on_commit(geocode_import_job, job.pk)
    return job


def _write(job: ImportJob, outcomes: list[Outcome]) -> None:
    now = timezone.now()
    counts = Counter(outcome.action for outcome in outcomes)
    new = [outcome for outcome in outcomes if outcome.action == Action.CREATE]
    organizations = [_new_organization(job, outcome, now) for outcome in new]
    _assign_slugs(organizations, [outcome.row.record_id for outcome in new])
    Organization.objects.bulk_create(organizations, batch_size=250)
    through = Organization.sectors.through
    links = [
        through(organization_id=organization.pk, sector_id=sector.pk)
        for organization, outcome in zip(organizations, new, strict=True)
        for sector in outcome.sectors or []
    ]
    through.objects.bulk_create(links, ignore_conflicts=True)

    updated = [outcome for outcome in outcomes if outcome.action == Action.UPDATE]
    for outcome in updated:
        _apply_update(job, outcome, now)
    seen = [
        outcome.organization.pk
        for outcome in outcomes
        if outcome.action in (Action.UNCHANGED, Action.KEPT)
    ]
    Organization.objects.filter(pk__in=seen).update(import_job=job)
    for outcome in outcomes:
        if outcome.action == Action.UNCHANGED and "source_record_id" in outcome.changes:
            # Its own entry under the id a new mapping derives: nothing else changes.
            Organization.objects.filter(pk=outcome.organization.pk).update(
                source_record_id=outcome.changes["source_record_id"]
            )

    job.created_count += counts[Action.CREATE]
    job.updated_count += counts[Action.UPDATE]
    job.unchanged_count += counts[Action.UNCHANGED]
    job.kept_count += counts[Action.KEPT]
    job.duplicate_count += counts[Action.DUPLICATE]
    job.rejected_count += counts[Action.REJECTED]


def _new_organization(job: ImportJob, outcome: Outcome, now) -> Organization:
    row = outcome.row
    organization = Organization(**row.values)
    organization.kind = job.kind
    organization.import_source = job.source
    organization.source_record_id = row.record_id
    organization.import_job = job
    organization.imported_at = now
    organization.created_at = now
    if job.publish:
        organization.status = Organization.Status.PUBLISHED
        organization.published_at = now
    else:
        organization.status = Organization.Status.PENDING
    if row.position:
        for name, value in _position_fields(
            row.position, claimed_precision(row, ImportOptions.from_json(job.mapping))
        ).items():
            setattr(organization, name, value)
    elif row.has_address:
        organization.geocode_status = Organization.GeocodeStatus.PENDING
    else:
        organization.geocode_status = Organization.GeocodeStatus.NO_ADDRESS
    # bulk_create skips save(), which keeps the search text in step.
    organization.update_search_fields()
    organization.import_checksum = organization_checksum(
        organization, [sector.slug for sector in outcome.sectors or []]
    )
    return organization


def _apply_update(job: ImportJob, outcome: Outcome, now) -> None:
    organization = outcome.organization
    for name, value in outcome.changes.items():
        setattr(organization, name, value)
    if outcome.geocode:
        organization.geocode_status = Organization.GeocodeStatus.PENDING
    if outcome.sectors is not None:
        organization.sectors.set(outcome.sectors)
        slugs = [sector.slug for sector in outcome.sectors]
    else:
        slugs = [sector.slug for sector in organization.sectors.all()]
    organization.import_job = job
    organization.imported_at = now
    organization.import_checksum = organization_checksum(organization, slugs)
    organization.save(
        update_fields=[
            *outcome.changes,
            "geocode_status",
            "import_job",
            "imported_at",
            "import_checksum",
        ]
    )


def _assign_slugs(organizations: list[Organization], record_ids: list[str]) -> None:
    """Give each new entry a unique slug from its name (transliterated: Greek, Cyrillic, …)."""
    max_length = Organization._meta.get_field("slug").max_length
    bases = [
        slugify(anyascii(organization.name))[: max_length - 12].strip("-") or "organization"
        for organization in organizations
    ]
    wanted = {f"{base}-{n}" if n > 1 else base for base in bases for n in range(1, 6)}
    taken = set()
    for chunk in chunked(sorted(wanted), 500):
        taken.update(Organization.objects.filter(slug__in=chunk).values_list("slug", flat=True))
    for organization, base, record_id in zip(organizations, bases, record_ids, strict=True):
        choices = [f"{base}-{n}" if n > 1 else base for n in range(1, 6)]
        choices.append(f"{base}-{hashlib.sha1(record_id.encode()).hexdigest()[:8]}")  # noqa: S324
        slug = next((choice for choice in choices if choice not in taken), None)
        if slug is None:
            slug = f"{base}-{organization.source_record_id}"[:max_length]
        taken.add(slug)
        organization.slug = slug


# --- Locating addresses -----------------------------------------------------------------------


def import_job_geocode_batch(*, job_id: int, limit: int = GEOCODE_BATCH_SIZE) -> bool:
    """Locate up to ``limit`` addresses of an import's new entries; return whether more remain.

    Raises ``geocoding.GeocoderUnavailableError`` when the geocoder is down: the entries located
    so far are kept, and the task retries later with the rest.
    """
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.GEOCODING:
        return False
    pending = list(
        job.organizations.filter(geocode_status=Organization.GeocodeStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for organization_id in pending:
        # No pause here: the geocoder waits for its turn (shared across processes, in Redis)
        # before it asks a service, and a cached or offline answer needs no turn at all.
        organization_geocode(organization_id=organization_id)
        ImportJob.objects.filter(pk=job_id).update(
            geocode_done=job.geocode_done + 1, updated_at=timezone.now()
        )
        job.geocode_done += 1
    if len(pending) == limit:
        return True
    import_job_finish(job_id=job_id)
    return False


@transaction.atomic
def import_job_finish(*, job_id: int) -> ImportJob:
    """Close an import: count the entries that still have no position, for follow-up."""
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if job.status != ImportJob.Status.GEOCODING:
        return job
    job.without_position_count = job.organizations.filter(latitude__isnull=True).count()
    job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["without_position_count", "status", "finished_at", "updated_at"])
    return job


# --- Sweeping up after crashes ----------------------------------------------------------------


def import_jobs_resume(*, older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Send again the task of every import that made no progress for a while.

    A worker that died, or a broker that was down when the task was sent, leaves a job in an
    active state; its work is in the database, so sending the task again carries on from there.
    """
    from directory import tasks

    task_for = {
        ImportJob.Status.QUEUED: tasks.preview_import_job,
        ImportJob.Status.PREVIEWING: tasks.preview_import_job,
        ImportJob.Status.RUNNING: tasks.run_import_job,
        ImportJob.Status.GEOCODING: tasks.geocode_import_job,
    }
    stale = ImportJob.objects.filter(
        status__in=list(task_for), updated_at__lt=timezone.now() - older_than
    )
    resumed = []
    for job in stale:
        if job.status == ImportJob.Status.PREVIEWING:
            ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
        enqueue_on_commit(task_for[job.status], job.pk)
        resumed.append(job.pk)
    return resumed
