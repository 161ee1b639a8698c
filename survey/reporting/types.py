"""The shape of a report's result, and the explicit type of a withheld figure.

A result is plain JSON-ready data (it is stored in ``Report.result`` and written as the JSON
file), described here as ``TypedDict``s. Figures are lists with one value per column (all
respondents first, then the groups of a breakdown). The exact result holds numbers only;
``suppression.suppressed`` replaces what must not leave the managers' area by ``Hidden``
values, which every reader (web page, charts, PDF, XLSX, CSV, JSON) checks with
``is_hidden`` and shows as "—" with a footnote, never as something that reads like a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypedDict, TypeGuard

from django.core.serializers.json import DjangoJSONEncoder


@dataclass(frozen=True, slots=True)
class Hidden:
    """A figure withheld to protect small numbers.

    ``reason``: ``"small"`` (it rests on fewer than ``REPORT_MIN_CELL`` organizations),
    ``"complementary"`` (hidden so that another hidden figure cannot be worked out by
    subtraction), ``"group"`` (its whole group is too small to publish figures for).
    """

    reason: Literal["small", "complementary", "group"] = "small"

    def __str__(self) -> str:
        return HIDDEN_TEXT


HIDDEN_TEXT = "—"

# One cell of a table: a count, a share (0..1), a mean or median, nothing (no answers), or
# withheld.
Cell = int | float | None | Hidden


def is_hidden(value: Any) -> TypeGuard[Hidden]:
    return isinstance(value, Hidden)


class ResultEncoder(DjangoJSONEncoder):
    """JSON of results: a withheld figure is ``null`` (the meta says the result is suppressed)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Hidden):
            return None
        return super().default(o)


class Column(TypedDict):
    key: str | None  # None: all respondents
    label: str
    respondents: int | Hidden
    invited: int | Hidden
    # Set by suppression: why the group's figures are withheld (None: published).
    withheld: Hidden | None


class Stats(TypedDict, total=False):
    n: list[Cell]
    mean: list[Cell]
    median: list[Cell]
    min: list[Cell]  # exact results only
    max: list[Cell]  # exact results only


class Row(TypedDict):
    code: str
    label: str
    counts: list[Cell]
    shares: list[Cell]


class Item(TypedDict):
    code: str
    label: str
    rows: list[Row]
    stats: Stats


class QuestionResult(TypedDict):
    code: str
    text: str
    kind: str
    kind_label: str
    required: bool
    condition: str
    respondents: list[Cell]
    answered: list[Cell]
    skipped: list[Cell]
    not_asked: list[Cell]
    rows: list[Row]
    stats: Stats | None
    items: list[Item]
    # Set by suppression, per column: why this question's figures are withheld there.
    withheld: list[Hidden | None]


class SectionResult(TypedDict):
    code: str
    title: str
    questions: list[QuestionResult]


class Meta(TypedDict, total=False):
    survey: str
    title: str
    version: int
    breakdown: str
    breakdown_label: str
    filters: dict[str, list[str]]
    generated_at: str
    language: str
    min_cell: int
    respondents: int
    invited: int
    response_rate: float | None
    partitioned: bool
    suppressed: bool
    withheld: bool  # set by suppression: the whole report is too small to publish


class FreeText(TypedDict):
    organization: str
    slug: str
    text: str


class MatchMember(TypedDict):
    name: str
    slug: str
    consent: bool | None


class Match(TypedDict):
    code: str
    label: str
    needing: list[MatchMember]
    offering: list[MatchMember]


class ReportResult(TypedDict):
    meta: Meta
    columns: list[Column]
    sections: list[SectionResult]
    texts: dict[str, list[FreeText]]
    matches: list[Match]
