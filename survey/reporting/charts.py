"""Bar charts of report questions: one layout, drawn as SVG on the web page and into the PDF.

A chart has one group of bars per answer option (or matrix item); within a group, one bar
per column of the report: the column of all organizations without a breakdown, one per group
with one. Choice, yes/no, scale and number questions plot shares of the organizations that
answered; matrix questions plot the mean rating of each item. With a breakdown, the column of
all organizations is drawn first, then every group whose figures are published; a withheld
figure (``Hidden``) has no bar, only its "—" label.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from survey.models import Question

from .types import HIDDEN_TEXT, is_hidden

Kind = Question.Kind

# Okabe–Ito colours (distinguishable with colour-blindness), darkest first; the first is the
# site's accent colour for the column of all organizations.
PALETTE = ("#0b6b53", "#0072b2", "#d55e00", "#cc79a7", "#e69f00", "#56b4e9", "#009e73", "#555555")

LABEL_WIDTH = 220
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 12
VALUE_WIDTH = 64
LABEL_CHARS = 34
CHART_WIDTH = 640
LEGEND_ROW = 18


def format_share(share) -> str:
    if share is None:
        return "–"
    if is_hidden(share):
        return HIDDEN_TEXT
    # number_format cuts decimals off rather than rounding them.
    return f"{number_format(round(share * 100, 1), 1)} %"


def format_number(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if is_hidden(value):
        return HIDDEN_TEXT
    return number_format(round(value, digits), digits, force_grouping=True)


@dataclass
class Bar:
    series: int
    fraction: float  # of the axis, 0..1
    text: str
    color: str
    hidden: bool = False
    x: float = 0
    y: float = 0
    width: float = 0
    text_x: float = 0
    text_y: float = 0


@dataclass
class BarGroup:
    label: str
    bars: list[Bar]
    y: float = 0
    label_x: float = 0
    label_y: float = 0

    @property
    def short_label(self) -> str:
        """Return the label cut to fit beside the bars (the full one is the SVG title)."""
        return self.label if len(self.label) <= LABEL_CHARS else self.label[: LABEL_CHARS - 1] + "…"


@dataclass
class LegendEntry:
    label: str
    color: str
    y: float = 0
    x: float = LABEL_WIDTH
    text_x: float = LABEL_WIDTH + 16
    text_y: float = 0


@dataclass
class Chart:
    """A horizontal bar chart, laid out in SVG user units (``CHART_WIDTH`` wide)."""

    title: str
    axis: str
    groups: list[BarGroup]
    legend: list[LegendEntry] = field(default_factory=list)  # one per plotted column
    height: float = 0

    @property
    def width(self) -> int:
        return CHART_WIDTH

    @property
    def label_width(self) -> int:
        return LABEL_WIDTH

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT

    @property
    def show_legend(self) -> bool:
        return len(self.legend) > 1


def _plotted_columns(question: dict, columns: list[dict]) -> list[int]:
    """Return the indexes of the columns to draw: all organizations, then the groups, leaving
    out what is withheld (a withheld group, or a question too few answered in a column)."""
    withheld = question.get("withheld") or [None] * len(columns)
    return [
        i
        for i, column in enumerate(columns)
        if not column.get("withheld") and not withheld[i] and question["answered"][i]
    ]


def question_chart(question: dict, columns: list[dict]) -> Chart | None:
    """Return the chart of one question of a (possibly suppressed) result, or None if it has
    nothing to draw (no published figures)."""
    plotted = _plotted_columns(question, columns)
    if not plotted:
        return None
    # The column of all organizations keeps the first colour (the site's accent), every group
    # the same colour in every chart.
    legend = [LegendEntry(columns[i]["label"], PALETTE[i % len(PALETTE)]) for i in plotted]
    if question["kind"] == Kind.MATRIX:
        groups = [
            BarGroup(
                item["label"],
                [
                    _bar(
                        n,
                        item["stats"]["mean"][i],
                        5,
                        format_number(item["stats"]["mean"][i]),
                        legend,
                    )
                    for n, i in enumerate(plotted)
                ],
            )
            for item in question["items"]
        ]
        axis = _("Mean rating (1 to 5)")
    elif question["rows"]:
        groups = [
            BarGroup(
                row["label"],
                [
                    _bar(n, row["shares"][i], 1, format_share(row["shares"][i]), legend)
                    for n, i in enumerate(plotted)
                ],
            )
            for row in question["rows"]
        ]
        axis = _("Share of the organizations that answered")
    else:
        return None
    chart = Chart(title=question["text"], axis=axis, groups=groups, legend=legend)
    _lay_out(chart)
    return chart


def _bar(series_index: int, value, maximum: float, text: str, legend) -> Bar:
    color = legend[series_index].color
    if value is None or is_hidden(value):
        return Bar(series_index, 0, text, color, hidden=is_hidden(value))
    return Bar(series_index, max(0.0, min(float(value) / maximum, 1.0)), text, color)


def _lay_out(chart: Chart) -> None:
    plot_width = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    y = 4.0
    for group in chart.groups:
        group.y = y
        group.label_x, group.label_y = LABEL_WIDTH - 8, y + BAR_HEIGHT - 3
        for bar in group.bars:
            bar.x = LABEL_WIDTH
            bar.y = y
            bar.width = round(plot_width * bar.fraction, 2)
            bar.text_x, bar.text_y = round(bar.x + bar.width + 4, 2), y + BAR_HEIGHT - 3
            y += BAR_HEIGHT + BAR_GAP
        y += GROUP_GAP - BAR_GAP
    if chart.show_legend:
        y += 6
        for entry in chart.legend:
            entry.y, entry.text_y = y, y + 11
            y += LEGEND_ROW
    chart.height = y + 4
