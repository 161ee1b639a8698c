"""Manager pages of imports: upload a list, check its preview, confirm it, follow its progress."""

from __future__ import annotations

import csv
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from coopmap.csvsafe import neutralize
from coopmap.permissions import manager_required
from directory import imports
from directory.models import ImportJob

from . import services as import_services
from .forms import ImportConfirmForm, ImportMappingForm, ImportUploadForm
from .mapping import ImportOptions
from .notes import ImportFileError
from .services import Action


class UploadLimitHandler(FileUploadHandler):
    """Stop storing an upload once it exceeds ``IMPORT_MAX_UPLOAD_BYTES``.

    The rest of the body is read and dropped, and the form receives an empty stand-in of the
    real size, so that the manager gets a clear message instead of a broken connection.
    """

    def handle_raw_input(self, input_data, meta, content_length, boundary, encoding=None):
        self.too_large = content_length > settings.IMPORT_MAX_UPLOAD_BYTES
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.size = start + len(raw_data)
        if self.too_large or self.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            self.too_large = True
            return None  # the following handlers never see this chunk
        return raw_data

    def file_complete(self, file_size: int):
        if not self.too_large:
            return None  # let the standard handlers deliver the file
        stand_in = SimpleUploadedFile(self.file_name, b"", self.content_type)
        stand_in.size = max(file_size, self.size)
        return stand_in


@csrf_exempt  # the upload handler must be in place before the CSRF check reads the body
@manager_required
def import_list(request: HttpRequest) -> HttpResponse:
    request.upload_handlers.insert(0, UploadLimitHandler(request))
    return _import_list(request)


@csrf_protect
def _import_list(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = _create_job(request, form)
        if job:
            return redirect(job)
    jobs = Paginator(ImportJob.objects.select_related("source", "created_by"), 20)
    page = jobs.get_page(request.GET.get("page"))
    status = 400 if form.errors else 200
    return render(
        request, "manage/directory/imports.html", {"form": form, "page": page}, status=status
    )


def _create_job(request: HttpRequest, form: ImportUploadForm) -> ImportJob | None:
    data = form.cleaned_data
    upload = data["file"]
    source = data["source"] or import_services.import_source_save(
        name=data["source_name"],
        licence=data["licence"],
        attribution=data["attribution"],
        url=data["url"],
    )
    try:
        job = import_services.import_job_create(
            data=upload.read(),
            filename=upload.name,
            source=source,
            by=request.user,
            kind=data["kind"],
        )
    except ImportFileError as error:
        form.add_error("file", str(error))
        return None
    messages.success(request, _("The file was uploaded; its preview is being prepared."))
    return job


@require_GET
@manager_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.select_related("source"), pk=pk)
    context = {"job": job, "actions": Action.ALL}
    if job.status in (ImportJob.Status.PREVIEWED, ImportJob.Status.DONE) and job.preview:
        context.update(_preview_context(request, job))
    if job.status == ImportJob.Status.PREVIEWED:
        context["mapping_form"] = _mapping_form(job)
        context["confirm_form"] = ImportConfirmForm()
    if job.status == ImportJob.Status.DONE:
        follow_up = job.organizations.filter(latitude__isnull=True).order_by("sort_name", "pk")
        context["follow_up"] = Paginator(follow_up, 50).get_page(request.GET.get("follow_up_page"))
    return render(request, "manage/directory/import_detail.html", context)


def _preview_context(request: HttpRequest, job: ImportJob) -> dict:
    show = request.GET.get("show", "")
    rows = [row for row in job.preview.get("rows", []) if not show or row["action"] == show]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    overrides = (job.mapping or {}).get("overrides", {})
    for row in page:
        row["reasons"] = [imports.describe(note) for note in row["notes"]]
        row["overridden"] = overrides.get(str(row["row"]), "")
    countries = [
        {"value": raw, "code": code, "name": _country_name(code), "count": count}
        for raw, code, count in job.preview.get("countries", [])
    ]
    return {
        "rows_page": page,
        "show": show,
        "counts": job.preview["counts"],
        "countries": countries,
    }


def _country_name(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code) if code else None
    return country.name if country else ""


def _mapping_form(job: ImportJob, data=None) -> ImportMappingForm:
    return ImportMappingForm(
        data,
        columns=job.preview.get("columns", []),
        options=ImportOptions.from_json(job.mapping),
        kind=job.kind,
    )


@require_GET
@manager_required
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Return the progress of an import, for the page's progress bar."""
    job = get_object_or_404(ImportJob, pk=pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "rows_done": job.rows_done,
            "rows_total": job.rows_total,
            "geocode_done": job.geocode_done,
            "geocode_total": job.geocode_total,
            "active": job.is_active,
            "counts": {
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": job.unchanged_count,
                "kept": job.kept_count,
                "duplicate": job.duplicate_count,
                "rejected": job.rejected_count,
                "without_position": job.without_position_count,
            },
        }
    )


@require_POST
@manager_required
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=pk, status=ImportJob.Status.PREVIEWED)
    form = _mapping_form(job, request.POST)
    if not form.is_valid():
        context = {
            "job": job,
            "actions": Action.ALL,
            "mapping_form": form,
            "confirm_form": ImportConfirmForm(),
        }
        context.update(_preview_context(request, job))
        return render(request, "manage/directory/import_detail.html", context, status=400)
    import_services.import_job_remap(
        job=job, options=form.import_options(), kind=form.cleaned_data["kind"]
    )
    messages.success(request, _("The mapping was changed; the preview is being prepared again."))
    return redirect(job)


class OverruleForm(forms.Form):
    row = forms.IntegerField(min_value=1)
    decision = forms.ChoiceField(
        choices=[("create", "create"), ("skip", "skip"), ("", "undo")], required=False
    )


@require_POST
@manager_required
def import_overrule(request: HttpRequest, pk: int) -> HttpResponse:
    """Overrule the duplicate check for one row of a preview ("import anyway" or "skip"),
    then prepare the preview again with that decision."""
    job = get_object_or_404(ImportJob, pk=pk, status=ImportJob.Status.PREVIEWED)
    form = OverruleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That row cannot be overruled."))
        return redirect(job)
    options = ImportOptions.from_json(job.mapping)
    row, decision = str(form.cleaned_data["row"]), form.cleaned_data["decision"]
    if decision:
        options.overrides[row] = decision
    else:
        options.overrides.pop(row, None)
    import_services.import_job_remap(job=job, options=options, kind=job.kind)
    messages.success(request, _("Your decision was noted; the preview is being prepared again."))
    return redirect(job)


@require_POST
@manager_required
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=pk, status=ImportJob.Status.PREVIEWED)
    form = ImportConfirmForm(request.POST)
    publish = form.cleaned_data["publish"] if form.is_valid() else False
    import_services.import_job_confirm(job=job, publish=publish)
    messages.success(request, _("The import has started."))
    return redirect(job)


@require_POST
@manager_required
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=pk)
    job = import_services.import_job_discard(job=job)
    if job.status == ImportJob.Status.DISCARDED:
        messages.success(request, _("The import was discarded; nothing was written."))
    return redirect("manage:directory-manage:imports")


@require_GET
@manager_required
def import_rejected_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the rejected rows of an import with the reason for each, to fix and re-import."""
    job = get_object_or_404(ImportJob, pk=pk)
    rejected = job.report.get("rejected", [])
    columns = list(dict.fromkeys(column for entry in rejected for column in entry["values"]))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejected.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow([_("row"), _("reason"), *columns])
    for entry in rejected:
        cells = [
            entry["row"],
            imports.describe(entry["note"]),
            *(entry["values"].get(column, "") for column in columns),
        ]
        writer.writerow([_keep_numbers(cell) for cell in cells])
    return response


PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def _keep_numbers(cell):
    """Neutralize formulas, but keep a number such as -76.99828 a number: a spreadsheet reads
    it as one, and a corrected file re-imported keeps its coordinates (issue 9, item 5)."""
    if isinstance(cell, str) and PLAIN_NUMBER.fullmatch(cell.strip()):
        return cell
    return neutralize(cell)
