"""Reports of the needs analysis in the managers' area: ask, watch the progress, read, download.

The report page shows what the exports show: small cells hidden. A manager can switch to the
exact figures (``?exact=1``), which never leave this area; the written answers and the
needs-and-offers matches (individual answers) are shown to managers in either view.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coopmap.forms import parse_id
from coopmap.permissions import manager_required

from .models import Report, ReportFile, Survey
from .report_forms import ReportRequestForm
from .reporting import aggregation, comparison, services, suppression
from .reporting.charts import Chart, format_number, format_share, question_chart
from .reporting.exports import report_facts
from .reporting.language import localized

REPORTS_PER_PAGE = 20


@manager_required
def report_overview(request: HttpRequest) -> HttpResponse:
    """List the surveys with their latest reports."""
    surveys = Survey.objects.order_by("-created_at")
    latest = Report.objects.select_related("survey", "requested_by")[:REPORTS_PER_PAGE]
    return render(
        request, "manage/survey/report_overview.html", {"surveys": surveys, "reports": latest}
    )


@manager_required
def report_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask for a report of a survey (POST), and list the survey's reports."""
    survey = get_object_or_404(Survey, slug=slug)
    form = ReportRequestForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            report, created = services.report_request(
                survey=survey,
                requested_by=request.user,
                language=request.LANGUAGE_CODE,
                **form.parameters(),
            )
        except services.SurveyError as error:
            messages.error(request, str(error))
            return redirect("manage:survey-manage:reports", slug=survey.slug)
        if created:
            messages.success(request, _("The report is being built."))
        elif report.is_done:
            messages.info(request, _("Nothing has changed since this report: here it is."))
        else:
            messages.info(request, _("The same report is already being built: here it is."))
        return redirect(report)
    page = Paginator(
        survey.reports.select_related("requested_by").prefetch_related("files"), REPORTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    for report in page:
        report.filters_label = aggregation.filters_description(report.filters)
    return render(
        request, "manage/survey/report_list.html", {"survey": survey, "form": form, "page": page}
    )


def _get_report(slug: str, pk: int) -> Report:
    return get_object_or_404(
        Report.objects.select_related("survey", "requested_by"), pk=pk, survey__slug=slug
    )


@manager_required
def report_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Show a report's charts and tables, or its progress while it is being built."""
    report = _get_report(slug, pk)
    if not report.is_done:
        return render(request, "manage/survey/report_progress.html", {"report": report})
    exact = request.GET.get("exact") == "1"
    # In the reader's language, whatever language the files were made in.
    readable = localized(report.result, request.LANGUAGE_CODE)
    result = readable if exact else suppression.suppressed(readable)
    context = {
        "report": report,
        "survey": report.survey,
        "exact": exact,
        "facts": report_facts(result),
        "notes": suppression.withheld_notes(result),
        "footnote": suppression.footnote(result["meta"]["min_cell"]),
        "columns": result["columns"],
        "sections": _sections(result),
        "texts": _texts(readable),
        "matches": report.result["matches"],
        "files": list(report.files.all()),
        "earlier": comparison.earlier_candidates(report),
    }
    return render(request, "manage/survey/report_detail.html", context)


@manager_required
def report_status(request: HttpRequest, slug: str, pk: int) -> JsonResponse:
    """Return a report's status and progress, for the progress page to poll."""
    report = _get_report(slug, pk)
    return JsonResponse(
        {
            "status": report.status,
            "label": report.get_status_display(),
            "progress": report.progress,
            "url": report.get_absolute_url(),
            "error": report.error if report.status == Report.Status.FAILED else "",
        }
    )


@manager_required
def report_download(request: HttpRequest, slug: str, pk: int, kind: str) -> FileResponse:
    """Send one of a done report's files (streamed from disk)."""
    report_file = get_object_or_404(
        ReportFile.objects.select_related("report__survey"),
        report_id=pk,
        report__survey__slug=slug,
        report__status=Report.Status.DONE,
        kind=kind,
    )
    try:
        handle = report_file.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("The file of this report is missing.")) from error
    return FileResponse(handle, as_attachment=True, filename=report_file.filename)


@manager_required
def report_compare(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Compare a report with an earlier snapshot (of this survey or another wave of it)."""
    report = _get_report(slug, pk)
    earlier = get_object_or_404(
        Report.objects.select_related("survey"),
        pk=parse_id(request.GET.get("with")) or 0,
        status=Report.Status.DONE,
    )
    if not report.is_done:
        raise Http404(_("This report is not done yet."))
    problem = comparison.comparable_problem(report, earlier)
    if problem:
        messages.error(request, problem)
        return redirect(report.get_absolute_url())
    # Managers compare exact figures; "as exported" on request.
    exact = request.GET.get("exact", "1") == "1"
    current = localized(report.result, request.LANGUAGE_CODE)
    before = localized(earlier.result, request.LANGUAGE_CODE)
    if not exact:
        current, before = suppression.suppressed(current), suppression.suppressed(before)
    context = {
        "report": report,
        "survey": report.survey,
        "earlier": earlier,
        "exact": exact,
        "comparisons": _with_share_texts(comparison.compare(current, before)),
        "respondents": (current["meta"]["respondents"], before["meta"]["respondents"]),
        "changes": comparison.changes(report, earlier),
    }
    return render(request, "manage/survey/report_compare.html", context)


@manager_required
@require_POST
def report_retry(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Ask again for a report with the same parameters (after it failed)."""
    report = _get_report(slug, pk)
    try:
        again, _created = services.report_request(
            survey=report.survey,
            requested_by=request.user,
            breakdown=report.breakdown,
            filters=report.filters,
            formats=report.formats,
            internal=report.internal,
            language=report.language,
        )
    except services.SurveyError as error:
        messages.error(request, str(error))
        return redirect(report)
    messages.success(request, _("The report is being built again."))
    return redirect(again)


# --- What the report page shows -----------------------------------------------------------------


@dataclass
class Cell:
    count: str
    share: str


@dataclass
class TableRow:
    label: str
    cells: list[Cell]
    bold: bool = False


@dataclass
class QuestionDisplay:
    question: dict
    chart: Chart | None
    rows: list[TableRow]
    facts: list[TableRow]
    hidden: bool = False  # some figure is withheld: the footnote says why
    withheld: bool = False  # nothing of its figures is published


def _cells(counts, shares=None) -> list[Cell]:
    shares = shares or [None] * len(counts)
    return [
        Cell(format_number(count, 0), format_share(share) if share is not None else "")
        for count, share in zip(counts, shares, strict=True)
    ]


def _statistics(stats: dict | None, label_prefix: str = "") -> list[TableRow]:
    if not stats:
        return []
    rows = [
        TableRow(label_prefix + _("Mean"), [Cell(format_number(v, 2), "") for v in stats["mean"]]),
        TableRow(
            label_prefix + _("Median"), [Cell(format_number(v, 1), "") for v in stats["median"]]
        ),
    ]
    if "min" in stats:
        rows.append(
            TableRow(
                label_prefix + _("Lowest"), [Cell(format_number(v, 0), "") for v in stats["min"]]
            )
        )
        rows.append(
            TableRow(
                label_prefix + _("Highest"), [Cell(format_number(v, 0), "") for v in stats["max"]]
            )
        )
    return rows


def _sections(result: dict) -> list[dict]:
    """Return the sections of ``result`` with a chart and table rows for each question."""
    columns = result["columns"]
    sections = []
    for section in result["sections"]:
        questions = []
        for question in section["questions"]:
            rows = [
                TableRow(row["label"], _cells(row["counts"], row["shares"]))
                for row in question["rows"]
            ]
            rows += _statistics(question["stats"])
            for item in question["items"]:
                rows.append(TableRow(item["label"], _cells(item["stats"]["n"]), bold=True))
                rows += [
                    TableRow(
                        f"{item['label']} · {row['label']}", _cells(row["counts"], row["shares"])
                    )
                    for row in item["rows"]
                ]
                rows += _statistics(item["stats"], f"{item['label']} · ")
            facts = [
                TableRow(_("Answered"), _cells(question["answered"])),
                TableRow(_("Skipped"), _cells(question["skipped"])),
                TableRow(_("Not asked"), _cells(question["not_asked"])),
            ]
            chart = question_chart(question, columns)
            hidden = suppression.has_hidden(question)
            questions.append(
                QuestionDisplay(
                    question,
                    chart,
                    rows,
                    facts,
                    hidden=hidden,
                    withheld=hidden and chart is None,
                )
            )
        sections.append(
            {"title": section["title"], "code": section["code"], "questions": questions}
        )
    return sections


def _with_share_texts(comparisons: list[dict]) -> list[dict]:
    for entry in comparisons:
        for row in entry["rows"]:
            row["share_text"] = format_share(row["share"])
            row["earlier_share_text"] = format_share(row["earlier_share"])
    return comparisons


def _texts(result: dict) -> list[tuple[str, list[dict]]]:
    """Return (question text, written answers) in questionnaire order."""
    texts = result.get("texts") or {}
    return [
        (question["text"], texts[question["code"]])
        for _section, question in aggregation.iter_questions(result)
        if texts.get(question["code"])
    ]
