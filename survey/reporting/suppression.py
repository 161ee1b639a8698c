"""Small-cell protection: what of a report may leave the managers' area (see ``suppressed``)."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from survey.models import Question

from .aggregation import iter_questions

Kind = Question.Kind

Key = tuple


def hide_small_cells(
    cells: Mapping[Key, int],
    *,
    min_cell: int,
    lines: Iterable[tuple[Key, Sequence[Key]]] = (),
    forced: Iterable[Key] = (),
    settled: Iterable[Key] = (),
    prefer_nonzero: bool = False,
) -> set[Key]:
    """Return the cells to hide: those resting on 1 to ``min_cell - 1`` organizations, plus
    enough others that no hidden cell can be worked out by subtraction.

    ``lines`` are (total, parts) where the parts add up to the total. In a line whose total is
    shown and exactly one part is hidden, the smallest shown part is hidden too (or, with no
    part left to hide, the total), until no such line remains. ``forced`` cells are hidden
    regardless (the cells of a small group); ``settled`` cells keep the decision made elsewhere
    (group sizes, hidden or shown alike in every table) and are never hidden here to protect
    others.
    The choice is deterministic, so the same figures are hidden in every export.
    """
    settled = set(settled)
    hidden = {key for key, value in cells.items() if 0 < value < min_cell and key not in settled}
    hidden |= set(forced)
    lines = [(total, list(parts)) for total, parts in lines]
    changed = True
    while changed:
        changed = False
        for total, parts in lines:
            # A hidden total gives nothing away; a shown zero total says every part is zero.
            if total in hidden or total not in cells or cells[total] == 0:
                continue
            hidden_parts = [part for part in parts if part in hidden]
            if len(hidden_parts) != 1:
                continue
            candidates = [part for part in parts if part not in hidden and part not in settled]
            if not candidates:
                if total not in settled:
                    hidden.add(total)
                    changed = True
                continue
            # The smallest shown part, a zero included: hiding it loses the least. Where a
            # hidden zero would mislead (a state without organizations on a public map), the
            # smallest non-zero part is preferred.
            if prefer_nonzero:
                candidates = [part for part in candidates if cells[part] > 0] or candidates
            pick = min(candidates, key=lambda part: (cells[part], repr(part)))
            hidden.add(pick)
            changed = True
    return hidden


def hidden_marker(min_cell: int) -> str:
    return f"< {min_cell}"


def suppressed(result: Mapping, *, min_cell: int | None = None) -> dict:
    """Return a copy of ``result`` safe to leave the managers' area.

    Small cells (see the module's docstring) become the string "< k"; minimum and maximum,
    the free texts and the needs-and-offers matches (individual answers) are left out.
    """
    safe = copy.deepcopy(dict(result))
    k = min_cell if min_cell is not None else safe["meta"]["min_cell"]
    marker = hidden_marker(k)
    columns = safe["columns"]
    sizes = {("respondents", i): column["respondents"] for i, column in enumerate(columns)}
    size_lines = []
    if safe["meta"].get("partitioned", True) and len(columns) > 1:
        size_lines.append(
            (("respondents", 0), [("respondents", i) for i in range(1, len(columns))])
        )
    hidden_sizes = hide_small_cells(sizes, min_cell=k, lines=size_lines)
    small = {
        i
        for i, column in enumerate(columns)
        if column["respondents"] < k and columns[0]["respondents"] > 0
    }
    for i, column in enumerate(columns):
        if ("respondents", i) in hidden_sizes:
            column["respondents"] = marker
        if i in small or ("respondents", i) in hidden_sizes:
            column["invited"] = marker
    if 0 in small or ("respondents", 0) in hidden_sizes:
        safe["meta"]["respondents"] = marker
        safe["meta"]["invited"] = marker
        safe["meta"]["response_rate"] = None
    for _section, question in iter_questions(safe):
        _suppress_question(
            question,
            columns=len(columns),
            small=small,
            sizes=hidden_sizes,
            partitioned=safe["meta"].get("partitioned", True),
            k=k,
        )
    safe["texts"] = {}
    safe["matches"] = []
    safe["meta"]["suppressed"] = True
    return safe


def _suppress_question(
    question: dict, *, columns: int, small: set[int], sizes: set, partitioned: bool, k: int
) -> None:
    marker = hidden_marker(k)
    width = range(columns)
    cells: dict[Key, int] = {}
    lines: list[tuple[Key, list[Key]]] = []
    settled = {("respondents", i) for i in width}
    for i in width:
        cells["respondents", i] = question["respondents"][i]
        for name in ("answered", "skipped", "not_asked"):
            cells[name, i] = question[name][i]
        lines.append((("respondents", i), [("answered", i), ("skipped", i), ("not_asked", i)]))
    # Each table: its rows and the count they add up to (for a scale or number question the
    # answers; for a matrix item the ratings of that item).
    tables = [("", question["rows"], "answered")]
    tables += [(item["code"], item["rows"], ("n", item["code"])) for item in question["items"]]
    for item in question["items"]:
        for i in width:
            cells[("n", item["code"]), i] = item["stats"]["n"][i]
    adds_up = question["kind"] != Kind.MULTIPLE_CHOICE
    for item_code, rows, total in tables:
        for row in rows:
            for i in width:
                cells[("row", item_code, row["code"]), i] = row["counts"][i]
        if adds_up and rows:
            for i in width:
                lines.append(((total, i), [(("row", item_code, row["code"]), i) for row in rows]))
    if partitioned and columns > 2:
        names = {name for name, _i in cells if name != "respondents"}
        lines += [((name, 0), [(name, i) for i in range(1, columns)]) for name in names]
    forced = {key for key in cells if key[1] in small and key not in settled}
    hidden = hide_small_cells(cells, min_cell=k, lines=lines, forced=forced, settled=settled)
    hidden |= {key for key in settled if key in sizes}

    def masked(name: Any, values: list) -> list:
        return [marker if (name, i) in hidden else value for i, value in enumerate(values)]

    for name in ("respondents", "answered", "skipped", "not_asked"):
        question[name] = masked(name, question[name])
    for item_code, rows, total in tables:
        for row in rows:
            key = ("row", item_code, row["code"])
            # A share with its count would give away a hidden total, and the other way round.
            row["shares"] = [
                marker if (key, i) in hidden or (total, i) in hidden else share
                for i, share in enumerate(row["shares"])
            ]
            row["counts"] = masked(key, row["counts"])
    # Means and medians rest on the count of the answers they summarize.
    blocks = [("answered", question["stats"])] if question["stats"] else []
    blocks += [(("n", item["code"]), item["stats"]) for item in question["items"]]
    for n_key, stats in blocks:
        for name in ("mean", "median"):
            stats[name] = [
                marker if (n_key, i) in hidden or i in small else value
                for i, value in enumerate(stats[name])
            ]
        stats["n"] = masked(n_key, stats["n"])
        stats.pop("min", None)
        stats.pop("max", None)


def is_hidden(value: Any) -> bool:
    return isinstance(value, str)


def rounded(value: float | None, digits: int = 1) -> float | None:
    if value is None or is_hidden(value) or (isinstance(value, float) and math.isnan(value)):
        return value
    return round(value, digits)
