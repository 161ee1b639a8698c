"""Exports of a report: CSV (aggregated, and each organization's answers), XLSX, PDF and JSON.

Each writer streams into a file as it goes (CSV rows one by one, openpyxl's write-only mode,
each organization's answers read in chunks), so memory stays flat however many answers there
are. ``atomic_file`` writes to a temporary name and moves the finished file into place, so a
file under its final name is always complete.

What leaves the managers' area must be safe to pass on: the aggregated files get a
``reports.suppressed`` result unless a manager asked for an internal report; the answers of
individual organizations (``answer_rows``) are written only into internal reports; the PDF,
made for funders, is always suppressed. Text that a spreadsheet could run as a formula is
neutralized with ``coopmap.csvsafe.neutralize``.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from coopmap.csvsafe import neutralize
from coopmap.text import chunked
from directory.models import Organization
from survey.models import Answer, AnswerChoice, Question, Response, Survey
from survey.questionnaire import Questionnaire, yes_no_value

from .aggregation import filters_description, iter_questions, submitted_responses
from .charts import (
    BAR_GAP,
    BAR_HEIGHT,
    CHART_WIDTH,
    LABEL_WIDTH,
    format_number,
    format_share,
    question_chart,
)
from .suppression import footnote, has_hidden, is_hidden, method_text, withheld_notes
from .types import ResultEncoder

Kind = Question.Kind

# Spreadsheets run a cell starting with one of these as a formula ("CSV injection").
ALL_GROUP = "(all)"


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it to ``path`` once the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# --- Aggregated rows (CSV long format; the XLSX summary reads the same figures) ---------------

AGGREGATE_HEADER = (
    "section",
    "question",
    "question_text",
    "item",
    "option",
    "option_label",
    "group",
    "group_label",
    "count",
    "share",
    "mean",
    "median",
)


def _number(value, digits: int = 4):
    if value is None or is_hidden(value):
        return ""
    return round(float(value), digits)


def _plain(value):
    """A figure for a file: a withheld one is an empty cell (never a text among numbers)."""
    return "" if is_hidden(value) else value


def aggregate_rows(result: Mapping) -> Iterator[list]:
    """Yield the report in long format: one row per question, item, option and group.

    Besides the options (codes; scale values; number ranges; ``yes``/``no``), each question
    has the rows ``(respondents)``, ``(answered)`` (with mean and median where they apply),
    ``(skipped)`` and ``(not asked)``. The group ``(all)`` is all organizations.
    """
    columns = result["columns"]
    for section, question in iter_questions(result):
        head = [section["code"], question["code"], question["text"]]
        tables = [("", question["rows"], question["stats"], question["answered"])]
        tables += [
            (it["code"], it["rows"], it["stats"], it["stats"]["n"]) for it in question["items"]
        ]
        for i, column in enumerate(columns):
            group = [ALL_GROUP if column["key"] is None else column["key"], column["label"]]
            for name, label in (
                ("respondents", _("Respondents")),
                ("answered", _("Answered")),
                ("skipped", _("Skipped")),
                ("not_asked", _("Not asked")),
            ):
                stats = question["stats"] if name == "answered" else None
                yield [
                    *head,
                    "",
                    f"({name.replace('_', ' ')})",
                    label,
                    *group,
                    _plain(question[name][i]),
                    "",
                    *_mean_median(stats, i),
                ]
            for item_code, rows, stats, totals in tables:
                if item_code:
                    yield [
                        *head,
                        item_code,
                        "(answered)",
                        _("Answered"),
                        *group,
                        _plain(totals[i]),
                        "",
                        *_mean_median(stats, i),
                    ]
                for row in rows:
                    yield [
                        *head,
                        item_code,
                        row["code"],
                        row["label"],
                        *group,
                        _plain(row["counts"][i]),
                        _number(row["shares"][i]),
                        "",
                        "",
                    ]


def _mean_median(stats: Mapping | None, i: int) -> list:
    if not stats:
        return ["", ""]
    return [_number(stats["mean"][i]), _number(stats["median"][i])]


def write_csv(rows: Iterable[Sequence], header: Sequence[str], path: Path) -> None:
    """Write ``rows`` as UTF-8 CSV (with a byte-order mark, so spreadsheets detect UTF-8)."""
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for row in rows:
            writer.writerow([neutralize(value) for value in row])


def write_csv_excel_de(rows: Iterable[Sequence], header: Sequence[str], path: Path) -> None:
    """Write ``rows`` for German Excel: ``;`` between fields, decimal comma, UTF-8 with BOM
    (plain CSV with commas lands in one column there)."""

    def german(value):
        if isinstance(value, float):
            return f"{value}".replace(".", ",")
        return neutralize(value)

    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, delimiter=";")
        writer.writerow(header)
        for row in rows:
            writer.writerow([german(value) for value in row])


def write_json(result: Mapping, path: Path) -> None:
    # One language per file: the texts in the others are for the web page only.
    result = {name: value for name, value in result.items() if name != "translations"}
    with path.open("w", encoding="utf-8") as file:
        json.dump(result, file, ensure_ascii=False, indent=1, cls=ResultEncoder)


# --- Each organization's answers (internal reports only) --------------------------------------

ANSWERS_HEADER = (
    "organization",
    "organization_slug",
    "kind",
    "legal_form",
    "state",
    "member_count",
    "sectors",
    "submitted_at",
    "section",
    "question",
    "question_text",
    "item",
    "value",
    "answer",
    "other_text",
)


def answer_rows(
    survey: Survey, filters: Mapping[str, Sequence[str]], *, chunk_size: int = 200
) -> Iterator[list]:
    """Yield one row per organization and question (a matrix: per item) of submitted answers.

    ``value`` is machine-readable (option codes joined by ``|``, numbers, ``yes``/``no``,
    text); ``answer`` is what a person reads (labels in the active language). Responses are
    read ``chunk_size`` at a time, so memory does not grow with the number of answers.
    """
    questionnaire = Questionnaire.load(survey)
    order = {question.pk: n for n, question in enumerate(questionnaire.questions)}
    sections = {section.pk: section for section in questionnaire.sections}
    items = {item.pk: item for its in questionnaire.items_of.values() for item in its}
    kinds = dict(Organization.Kind.choices)
    ids = list(
        submitted_responses(survey, filters)
        .order_by("invitation__organization__sort_name", "pk")
        .values_list("pk", flat=True)
    )
    for chunk in chunked(ids, chunk_size):
        responses = Response.objects.filter(pk__in=chunk).select_related("invitation__organization")
        by_id = {response.pk: response for response in responses}
        organizations = [response.invitation.organization_id for response in by_id.values()]
        sectors: dict[int, list[str]] = defaultdict(list)
        for organization_id, slug in Organization.sectors.through.objects.filter(
            organization_id__in=organizations
        ).values_list("organization_id", "sector__slug"):
            sectors[organization_id].append(slug)
        chosen: dict[int, list[int]] = defaultdict(list)
        for answer_id, option_id in (
            AnswerChoice.objects.filter(answer__response_id__in=chunk)
            .order_by("option__position", "option_id")
            .values_list("answer_id", "option_id")
        ):
            chosen[answer_id].append(option_id)
        answers: dict[int, list[Answer]] = defaultdict(list)
        for answer in Answer.objects.filter(response_id__in=chunk).order_by():
            answers[answer.response_id].append(answer)
        for response_id in chunk:
            response = by_id[response_id]
            organization = response.invitation.organization
            head = [
                organization.name,
                organization.slug,
                str(kinds.get(organization.kind, organization.kind)),
                organization.legal_form,
                organization.state,
                organization.member_count if organization.member_count is not None else "",
                "|".join(sorted(sectors[organization.pk])),
                timezone.localtime(response.submitted_at).isoformat(timespec="seconds"),
            ]
            ordered = sorted(
                (a for a in answers[response_id] if a.question_id in order),
                key=lambda a: (order[a.question_id], items[a.item_id].position if a.item_id else 0),
            )
            for answer in ordered:
                question = questionnaire.questions_by_id[answer.question_id]
                value, label = _answer_value(questionnaire, question, answer, chosen)
                yield [
                    *head,
                    sections[question.section_id].code,
                    question.code,
                    question.text,
                    items[answer.item_id].code if answer.item_id else "",
                    value,
                    label,
                    answer.other_text,
                ]


def _answer_value(questionnaire, question, answer, chosen) -> tuple:
    options = questionnaire.options_by_id
    match question.kind:
        case Kind.SINGLE_CHOICE:
            option = options.get(answer.choice_id)
            return (option.code, option.label) if option else ("", "")
        case Kind.MULTIPLE_CHOICE:
            picked = [options[pk] for pk in chosen.get(answer.pk, [])]
            return "|".join(o.code for o in picked), "; ".join(o.label for o in picked)
        case Kind.YES_NO:
            return yes_no_value(answer.boolean), {True: _("Yes"), False: _("No")}.get(
                answer.boolean, ""
            )
        case Kind.SCALE | Kind.NUMBER | Kind.MATRIX:
            return answer.number, answer.number
    return answer.text, answer.text


# --- XLSX -------------------------------------------------------------------------------------

SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _cut_at_word(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters at a word boundary, without a trailing space."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut[:limit].rstrip(" ,;:-–")


def sheet_title(title: str, used: set[str]) -> str:
    """Return a valid, unused worksheet title (at most 31 characters, no []:*?/\\)."""
    base = _cut_at_word(" ".join(title.translate(SHEET_TITLE_FORBIDDEN).split()), 31)
    base = base.strip("'") or "Sheet"
    candidate, n = base, 2
    while candidate.casefold() in used:
        suffix = f" ({n})"
        candidate, n = _cut_at_word(base, 31 - len(suffix)) + suffix, n + 1
    used.add(candidate.casefold())
    return candidate


class _Sheet:
    """A write-only worksheet with a few helpers for styled rows."""

    def __init__(self, workbook: Workbook, title: str, used: set[str]) -> None:
        self.sheet = workbook.create_sheet(sheet_title(title, used))
        self.bold = Font(bold=True)

    def row(self, *values, bold: bool = False, percent_from: int | None = None) -> None:
        cells = []
        for n, value in enumerate(values):
            if is_hidden(value):
                value = None  # withheld: an empty cell, explained by the footnote
            cell = WriteOnlyCell(self.sheet, value=neutralize(value))
            if bold:
                cell.font = self.bold
            if percent_from is not None and n >= percent_from and (n - percent_from) % 2 == 1:
                cell.number_format = "0.0%"
            cells.append(cell)
        self.sheet.append(cells)


def write_xlsx(result: Mapping, path: Path, *, answers: Iterable[Sequence] | None = None) -> None:
    """Write a workbook: a summary sheet, one sheet per section, and (internal) the answers."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    _summary_sheet(_Sheet(workbook, _("Summary"), used), result)
    columns = result["columns"]
    for section in result["sections"]:
        sheet = _Sheet(workbook, section["title"], used)
        sheet.sheet.column_dimensions["A"].width = 48
        sheet.row(section["title"], bold=True)
        for question in section["questions"]:
            _question_block(sheet, question, columns, result["meta"]["min_cell"])
    if answers is not None:
        _answers_sheets(workbook, answers, used)
    workbook.save(path)


EXCEL_MAX_ROWS = 1_048_576


def _answers_sheets(workbook: Workbook, answers: Iterable[Sequence], used: set[str]) -> None:
    """Write the answers as a table (frozen header, filter), continued on "Answers (2)" … once a
    sheet reaches Excel's limit of rows, so that no row is ever cut off."""

    def new_sheet(title: str) -> _Sheet:
        sheet = _Sheet(workbook, title, used)
        last_column = chr(ord("A") + len(ANSWERS_HEADER) - 1)
        sheet.sheet.freeze_panes = "A2"
        sheet.sheet.auto_filter.ref = f"A1:{last_column}{EXCEL_MAX_ROWS}"
        sheet.row(*ANSWERS_HEADER, bold=True)
        return sheet

    sheet, rows, part = new_sheet(_("Answers")), 1, 1
    for row in answers:
        if rows >= EXCEL_MAX_ROWS:
            part += 1
            sheet, rows = new_sheet(f"{_('Answers')} ({part})"), 1
        sheet.row(*row)
        rows += 1


def _summary_sheet(sheet: _Sheet, result: Mapping) -> None:
    meta = result["meta"]
    sheet.sheet.column_dimensions["A"].width = 28
    sheet.sheet.column_dimensions["B"].width = 60
    sheet.row(meta["title"], bold=True)
    for label, value in report_facts(result):
        sheet.row(label, value)
    sheet.row()
    sheet.row(
        _("Section"),
        _("Question"),
        _("Type"),
        _("Answered"),
        _("Skipped"),
        _("Not asked"),
        _("Mean"),
        _("Median"),
        bold=True,
    )
    for section, question in iter_questions(result):
        stats = question["stats"] or {}
        sheet.row(
            section["title"],
            question["text"],
            question["kind_label"],
            question["answered"][0],
            question["skipped"][0],
            question["not_asked"][0],
            _number(stats["mean"][0]) if stats else "",
            _number(stats["median"][0]) if stats else "",
        )


def _question_block(sheet: _Sheet, question: Mapping, columns: list[dict], k: int) -> None:
    sheet.row()
    sheet.row(question["text"], bold=True)
    if question["condition"]:
        sheet.row(question["condition"])
    header = [_("Answer")]
    for column in columns:
        header += [f"{column['label']} (n)", f"{column['label']} (%)"]
    sheet.row(*header, bold=True)

    def counts_row(label, values):
        cells = [label]
        for value in values:
            cells += [value, ""]
        sheet.row(*cells)

    tables = [("", question["rows"], question["stats"])]
    tables += [(item["label"], item["rows"], item["stats"]) for item in question["items"]]
    for item_label, rows, stats in tables:
        if item_label:
            sheet.row(item_label, bold=True)
        for row in rows:
            cells = [row["label"]]
            for count, share in zip(row["counts"], row["shares"], strict=True):
                cells += [count, share if share is not None else ""]
            sheet.row(*cells, percent_from=1)
        if stats:
            if item_label:
                counts_row(_("Answered"), stats["n"])
            for name, label in (("mean", _("Mean")), ("median", _("Median"))):
                counts_row(label, [_number(value) for value in stats[name]])
    counts_row(_("Answered"), question["answered"])
    counts_row(_("Skipped"), question["skipped"])
    counts_row(_("Not asked"), question["not_asked"])
    if has_hidden(question):
        sheet.row(_("Empty cells: ") + footnote(k))


def report_facts(result: Mapping) -> list[tuple[str, str]]:
    """Return what a reader needs to know about a report: survey, date, scope, response rate."""
    meta = result["meta"]
    generated = parse_datetime(meta["generated_at"])
    facts = [
        (_("Survey"), f"{meta['title']} (v{meta['version']})"),
        (_("Created"), date_format(timezone.localtime(generated), "DATETIME_FORMAT")),
        (_("Breakdown"), meta["breakdown_label"]),
        (_("Organizations"), filters_description(meta["filters"])),
        (_("Invited organizations"), format_number(meta["invited"], 0)),
        (_("Submitted responses"), format_number(meta["respondents"], 0)),
        (_("Response rate"), format_share(meta["response_rate"])),
    ]
    if meta.get("suppressed"):
        k = meta["min_cell"]
        facts.append(
            (
                _("Small numbers"),
                " ".join(
                    [
                        _("Answers are shown only for groups of at least %(k)s organizations.")
                        % {"k": k},
                        *withheld_notes(result),
                    ]
                ),
            )
        )
    else:
        facts.append((_("Small figures"), _("Exact figures: for the network managers only.")))
    return facts


# --- PDF --------------------------------------------------------------------------------------

PAGE_MARGIN = 18  # mm
TEXT_COLOR = (29, 35, 32)
MUTED_COLOR = (77, 87, 82)


def _font_files() -> dict[str, Path]:
    import font_source_sans_pro

    directory = Path(font_source_sans_pro.font_directory)
    return {
        "": directory / "SourceSansPro-Regular.ttf",
        "B": directory / "SourceSansPro-Bold.ttf",
        "I": directory / "SourceSansPro-It.ttf",
    }


class ReportPDF(FPDF):
    """A4 portrait with a Unicode font (Source Sans Pro) and a page footer."""

    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report_title = title
        for style, path in _font_files().items():
            self.add_font("Source", style, str(path))
        self.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
        self.set_auto_page_break(auto=True, margin=PAGE_MARGIN)
        self.set_title(title)
        self.set_creator("CoopMap")
        self.set_text_color(*TEXT_COLOR)

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font("Source", "", 8)
        self.set_text_color(*MUTED_COLOR)
        self.cell(0, 5, self.report_title, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, _("Page %(page)s") % {"page": self.page_no()}, align="R")
        self.set_text_color(*TEXT_COLOR)

    def paragraph(self, text: str, *, size: float = 10, style: str = "", gap: float = 2) -> None:
        self.set_font("Source", style, size)
        # Left-aligned: justified headings spread their words across the line.
        self.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(gap)

    def heading(self, text: str, *, level: int = 0, size: float = 16) -> None:
        """A heading in the outline and the table of contents."""
        self.start_section(text, level=level)
        self.paragraph(text, size=size, style="B", gap=3)


def _render_toc(pdf: ReportPDF, outline) -> None:
    pdf.set_xy(pdf.l_margin, pdf.t_margin)
    pdf.paragraph(_("Contents"), size=16, style="B", gap=3)
    for entry in outline:
        if entry.level > 0:
            continue
        pdf.set_font("Source", "", 10)
        pdf.set_x(pdf.l_margin)
        link = pdf.add_link(page=entry.page_number)
        width = pdf.w - 2 * PAGE_MARGIN
        pdf.cell(width - 15, 6, entry.name, link=link, align="L")
        pdf.cell(15, 6, str(entry.page_number), link=link, align="R", new_x="LMARGIN", new_y="NEXT")


def write_pdf(result: Mapping, path: Path) -> None:
    """Write the report for funders: title page, method, response rate, a chart per question.

    ``result`` must be suppressed (``reports.suppressed``); free texts are not included.
    """
    meta = result["meta"]
    pdf = ReportPDF(meta["title"])
    _title_page(pdf, result)
    pdf.add_page()
    pdf.insert_toc_placeholder(_render_toc, pages=1)  # breaks to the next page itself
    _method_pages(pdf, result)
    for section in result["sections"]:
        pdf.add_page()
        pdf.heading(section["title"])
        for question in section["questions"]:
            _question_pdf_block(pdf, question, result["columns"], meta["min_cell"])
    pdf.output(str(path))


def _title_page(pdf: ReportPDF, result: Mapping) -> None:
    meta = result["meta"]
    pdf.add_page()
    pdf.set_y(60)
    pdf.paragraph("CoopMap", size=12, style="B")
    pdf.paragraph(meta["title"], size=24, style="B", gap=4)
    pdf.paragraph(_("Report of the answers"), size=16, gap=12)
    for label, value in report_facts(result):
        pdf.set_font("Source", "B", 10)
        pdf.cell(48, 6, label)
        pdf.set_font("Source", "", 10)
        pdf.multi_cell(0, 6, value, align="L", new_x="LMARGIN", new_y="NEXT")


def _method_pages(pdf: ReportPDF, result: Mapping) -> None:
    meta = result["meta"]
    k = meta["min_cell"]
    pdf.heading(_("Method"))
    paragraphs = [
        _(
            "This report counts the answers of the organizations that submitted the "
            "questionnaire. Answers that were started but not submitted are not counted."
        ),
        _(
            "Shares refer to the organizations that answered a question; with multiple choice "
            "they can add up to more than 100 %. A question asked only under a condition is "
            "shown to the organizations whose answers meet it: only they can skip it, the "
            "others count as not asked."
        ),
        *method_text(k),
        footnote(k),
    ]
    if meta["breakdown"]:
        paragraphs.append(
            _("Figures are broken down by: %(breakdown)s.") % {"breakdown": meta["breakdown_label"]}
        )
        if meta["breakdown"] == "sector":
            paragraphs.append(
                _(
                    "An organization active in several sectors counts in each of them, so the "
                    "groups overlap."
                )
            )
    for text in paragraphs:
        pdf.paragraph(text)
    pdf.ln(2)
    pdf.paragraph(_("Response rate"), size=13, style="B")
    widths = [70, 30, 30, 30]
    pdf.set_font("Source", "B", 9)
    for width, label in zip(
        widths, ("", _("Invited"), _("Submitted"), _("Response rate")), strict=True
    ):
        pdf.cell(width, 6, label, border="B")
    pdf.ln()
    pdf.set_font("Source", "", 9)
    for column in result["columns"]:
        rate = (
            column["respondents"] / column["invited"]
            if column["invited"]
            and not is_hidden(column["respondents"])
            and not is_hidden(column["invited"])
            else None
        )
        values = (
            column["label"],
            format_number(column["invited"], 0),
            format_number(column["respondents"], 0),
            format_share(rate),
        )
        for width, value in zip(widths, values, strict=True):
            pdf.cell(width, 6, value)
        pdf.ln()


def _question_pdf_block(pdf: ReportPDF, question: Mapping, columns: list[dict], k: int) -> None:
    chart = question_chart(question, columns)
    scale = (pdf.w - 2 * PAGE_MARGIN) / CHART_WIDTH
    needed = 24 + (chart.height * scale if chart else 6)
    if pdf.will_page_break(min(needed, pdf.h - 2 * PAGE_MARGIN - 10)):
        pdf.add_page()
    pdf.ln(3)
    pdf.paragraph(question["text"], size=11, style="B", gap=1)
    if question["condition"]:
        pdf.paragraph(question["condition"], size=9, style="I", gap=1)
    facts = _("Answered: %(answered)s · Skipped: %(skipped)s · Not asked: %(not_asked)s") % {
        name: format_number(question[name][0], 0) for name in ("answered", "skipped", "not_asked")
    }
    if question["stats"]:
        facts += " · " + _("Mean: %(mean)s · Median: %(median)s") % {
            "mean": format_number(question["stats"]["mean"][0], 2),
            "median": format_number(question["stats"]["median"][0], 1),
        }
    pdf.set_text_color(*MUTED_COLOR)
    pdf.paragraph(facts, size=9, gap=2)
    pdf.set_text_color(*TEXT_COLOR)
    if chart is None:
        if question["rows"] or question["items"]:
            text = _("Figures withheld: too few organizations answered this question.")
        else:
            text = _("Written answers are not included (individual answers).")
        pdf.paragraph(text, size=9, style="I")
        return
    _draw_chart(pdf, chart, scale)
    if has_hidden(question):
        pdf.set_text_color(*MUTED_COLOR)
        pdf.paragraph(footnote(k), size=8, gap=1)
        pdf.set_text_color(*TEXT_COLOR)


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


def _draw_chart(pdf: ReportPDF, chart, scale: float) -> None:
    """Draw ``chart`` at the current position, continuing on a new page where it must."""
    x0, y0 = pdf.l_margin, pdf.get_y()
    bar_height = BAR_HEIGHT * scale
    bottom = y0
    for group in chart.groups:
        top = y0 + group.y * scale
        height = len(group.bars) * (BAR_HEIGHT + BAR_GAP) * scale
        if top + height > pdf.page_break_trigger:
            pdf.add_page()
            y0, top = pdf.t_margin - group.y * scale, pdf.t_margin
        pdf.set_font("Source", "", 8)
        pdf.set_xy(x0, top)
        pdf.cell(LABEL_WIDTH * scale - 2, bar_height, group.short_label)
        for bar in group.bars:
            bar_top = y0 + bar.y * scale
            if bar.width > 0:
                pdf.set_fill_color(*_rgb(bar.color))
                pdf.rect(x0 + bar.x * scale, bar_top, bar.width * scale, bar_height, style="F")
            pdf.set_xy(x0 + (bar.x + bar.width) * scale + 1, bar_top)
            pdf.set_font("Source", "", 7.5)
            pdf.cell(20, bar_height, bar.text)
        bottom = top + height
    y = bottom + 1
    if chart.show_legend:
        for entry in chart.legend:
            if y + 5 > pdf.page_break_trigger:
                pdf.add_page()
                y = pdf.t_margin
            pdf.set_fill_color(*_rgb(entry.color))
            pdf.rect(x0 + LABEL_WIDTH * scale, y + 1, 3, 3, style="F")
            pdf.set_xy(x0 + LABEL_WIDTH * scale + 4, y)
            pdf.set_font("Source", "", 8)
            pdf.cell(0, 5, entry.label)
            y += 5
    pdf.set_xy(x0, y + 2)
