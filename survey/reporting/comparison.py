"""Comparing two snapshots (reports) of a survey, option by option."""

from __future__ import annotations

from collections.abc import Mapping

from .aggregation import iter_questions
from .suppression import is_hidden


def _rows_by_key(result: Mapping) -> dict[tuple[str, str, str], dict]:
    rows = {}
    for _section, question in iter_questions(result):
        tables = [("", "", question["rows"])]
        tables += [(item["code"], item["label"], item["rows"]) for item in question["items"]]
        for item_code, _label, table in tables:
            for row in table:
                rows[question["code"], item_code, row["code"]] = row
    return rows


def _difference(now, before, scale: float = 1):
    if now is None or before is None or is_hidden(now) or is_hidden(before):
        return None
    return round((now - before) * scale, 6)


def compare(current: Mapping, earlier: Mapping) -> list[dict]:
    """Return, question by question, each option's count and share (of all organizations) in
    ``current`` and ``earlier`` side by side, with the differences. Questions, items and
    options are matched by their codes, so two waves of a survey (copies) compare too."""
    before = _rows_by_key(earlier)
    comparisons = []
    for section, question in iter_questions(current):
        tables = [("", "", question["rows"])]
        tables += [(item["code"], item["label"], item["rows"]) for item in question["items"]]
        lines = []
        for item_code, item_label, table in tables:
            for row in table:
                old = before.get((question["code"], item_code, row["code"]))
                now_count, now_share = row["counts"][0], row["shares"][0]
                old_count = old["counts"][0] if old else None
                old_share = old["shares"][0] if old else None
                lines.append(
                    {
                        "label": f"{item_label} · {row['label']}" if item_label else row["label"],
                        "count": now_count,
                        "share": now_share,
                        "earlier_count": old_count,
                        "earlier_share": old_share,
                        "count_difference": _difference(now_count, old_count),
                        "share_difference": _difference(now_share, old_share, 100),
                    }
                )
        if lines:
            comparisons.append(
                {"section": section["title"], "question": question["text"], "rows": lines}
            )
    return comparisons
