"""Protection of small numbers: what of a report may leave the managers' area.

The rule (the method page of every report states it in words, ``method_text``):

1. **Counts that identify nobody are always shown**: invited organizations, submitted
   responses and the response rate, for all respondents and for every group.
2. **Group threshold.** Figures (counts of answers, shares, means, medians) are published
   only for a group of at least k respondents (setting ``REPORT_MIN_CELL``, default 5): the
   whole report, a column of a breakdown, and within it the organizations that answered a
   question (or rated a matrix item). A smaller group is withheld whole, with a sentence
   saying why, instead of a wall of hidden cells; each withheld figure is a ``Hidden`` value,
   shown as "—" with a footnote.
3. **Complementary suppression.** Where the groups of a breakdown add up to the column of all
   respondents (every breakdown but sectors), the withheld groups together must again rest
   on none or at least k organizations, else the smallest published group is withheld too, so
   that no withheld group can be worked out by subtracting the published ones from the total.
4. **Ranges of numbers** (number questions: members, hours, euros) can point at a single
   organization (the largest); a range held by fewer than k organizations is hidden, plus
   one more where a single hidden range could be worked out from the others (``hide_small_cells``).
5. Minimum and maximum, free texts and each organization's needs and offers (individual
   answers) never leave the managers' area.

Statistical offices publish the same way: a minimum number of units per published cell or
group (Eurostat and Destatis use thresholds of 3 to 10), with secondary (complementary)
suppression against differencing; dominance rules for sums of money do not apply here, since
a report shows counts, shares, means and medians but no totals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from survey.models import Question

from .types import Hidden, is_hidden

__all__ = ["Hidden", "hide_small_cells", "is_hidden", "method_text", "rounded", "suppressed"]

Kind = Question.Kind

Key = tuple

SMALL = Hidden("small")
COMPLEMENTARY = Hidden("complementary")
GROUP = Hidden("group")


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


def shown_columns(
    bases: Sequence[int], *, k: int, partitioned: bool, allowed: Iterable[int] | None = None
) -> dict[int, Hidden]:
    """Return the columns to withhold (index -> why), given the organizations each rests on.

    ``bases``: per column (all respondents first) how many organizations the figures rest on.
    ``allowed``: the columns not withheld already (by default all). A column resting on 1 to
    k - 1 organizations is withheld; none (0) has nothing to hide. With ``partitioned`` groups
    (they add up to the first column) the withheld groups together must rest on 0 or >= k
    organizations, else the smallest published group is withheld too.
    """
    allowed = set(range(len(bases)) if allowed is None else allowed)
    withheld: dict[int, Hidden] = {i: GROUP for i in range(len(bases)) if i not in allowed}
    for i in sorted(allowed):
        if 0 < bases[i] < k:
            withheld[i] = SMALL
    if 0 in withheld:  # nothing is published: every group goes with the total
        return {i: withheld.get(i, GROUP) for i in range(len(bases))}
    if partitioned and len(bases) > 2:
        while True:
            published = [i for i in range(1, len(bases)) if i not in withheld]
            residual = bases[0] - sum(bases[i] for i in published)
            if not 0 < residual < k:
                break
            candidates = [i for i in published if bases[i] > 0] or published
            if not candidates:  # pragma: no cover - the residual is then the total itself
                break
            withheld[min(candidates, key=lambda i: (bases[i], i))] = COMPLEMENTARY
    return withheld


def _mask(values: Sequence, withheld: Mapping[int, Hidden]) -> list:
    return [withheld.get(i, value) for i, value in enumerate(values)]


def suppressed(result: Mapping, *, min_cell: int | None = None) -> dict:
    """Return the part of ``result`` that may leave the managers' area (rule: module docstring).

    Builds new lists for every figure (the exact result is left untouched, and nothing is deep
    copied); withheld figures are ``Hidden``. Columns carry ``withheld`` (None or a Hidden
    saying why); the meta carries ``withheld`` when the whole report is.
    """
    meta = dict(result["meta"])
    k = min_cell if min_cell is not None else meta["min_cell"]
    partitioned = bool(meta.get("partitioned", True))
    sizes = [column["respondents"] for column in result["columns"]]
    withheld_columns = shown_columns(sizes, k=k, partitioned=partitioned)
    columns = [
        {**column, "withheld": withheld_columns.get(i)}
        for i, column in enumerate(result["columns"])
    ]
    allowed = [i for i in range(len(columns)) if i not in withheld_columns]
    sections = [
        {
            **section,
            "questions": [
                _suppress_question(question, allowed=allowed, k=k, partitioned=partitioned)
                for question in section["questions"]
            ],
        }
        for section in result["sections"]
    ]
    meta.update(suppressed=True, min_cell=k, withheld=0 in withheld_columns)
    return {
        "meta": meta,
        "columns": columns,
        "sections": sections,
        "texts": {},
        "matches": [],
        "translations": result.get("translations", {}),
    }


def _suppress_question(question: Mapping, *, allowed: list[int], k: int, partitioned: bool) -> dict:
    width = len(question["respondents"])
    group_withheld = {i: GROUP for i in range(width) if i not in allowed}
    withheld = shown_columns(question["answered"], k=k, partitioned=partitioned, allowed=allowed)
    safe = dict(question)
    for name in ("answered", "skipped", "not_asked"):
        safe[name] = _mask(question[name], group_withheld)
    if question["kind"] == Kind.NUMBER:
        safe["rows"] = _number_rows(question, withheld, k)
    else:
        safe["rows"] = _rows(question["rows"], withheld)
    safe["stats"] = _stats(question["stats"], withheld) if question["stats"] else None
    items = []
    for item in question["items"]:
        item_withheld = shown_columns(
            item["stats"]["n"],
            k=k,
            partitioned=partitioned,
            allowed=[i for i in range(width) if i not in withheld],
        )
        items.append(
            {
                **item,
                "rows": _rows(item["rows"], item_withheld),
                "stats": _stats(item["stats"], item_withheld, keep_n=group_withheld),
            }
        )
    safe["items"] = items
    safe["withheld"] = [withheld.get(i) for i in range(width)]
    return safe


def _rows(rows: Sequence[Mapping], withheld: Mapping[int, Hidden]) -> list[dict]:
    return [
        {
            **row,
            "counts": _mask(row["counts"], withheld),
            "shares": _mask(row["shares"], withheld),
        }
        for row in rows
    ]


def _stats(
    stats: Mapping, withheld: Mapping[int, Hidden], keep_n: Mapping[int, Hidden] | None = None
) -> dict:
    """Means and medians of published groups only; the count they rest on where the group is;
    minimum and maximum (single answers) never."""
    return {
        "n": _mask(stats["n"], withheld if keep_n is None else keep_n),
        "mean": _mask(stats["mean"], withheld),
        "median": _mask(stats["median"], withheld),
    }


def _number_rows(question: Mapping, withheld: Mapping[int, Hidden], k: int) -> list[dict]:
    """Ranges of a number question: also hide ranges held by fewer than k (rule 4)."""
    rows = question["rows"]
    width = len(question["answered"])
    cells: dict[Key, int] = {}
    lines = []
    for i in range(width):
        if i in withheld:
            continue
        cells["answered", i] = question["answered"][i]
        for row in rows:
            cells[row["code"], i] = row["counts"][i]
        lines.append((("answered", i), [(row["code"], i) for row in rows]))
    hidden = hide_small_cells(
        cells, min_cell=k, lines=lines, settled=[("answered", i) for i in range(width)]
    )
    safe = []
    for row in rows:
        marks = dict(withheld)
        for i in range(width):
            if (row["code"], i) in hidden and i not in marks:
                marks[i] = SMALL if 0 < row["counts"][i] < k else COMPLEMENTARY
        safe.append(
            {**row, "counts": _mask(row["counts"], marks), "shares": _mask(row["shares"], marks)}
        )
    return safe


def rounded(value, digits: int = 1):
    if value is None or is_hidden(value) or (isinstance(value, float) and math.isnan(value)):
        return value
    return round(value, digits)


def method_text(k: int) -> list[str]:
    """Return the rule of the protection of small numbers, paragraph by paragraph, in the
    active language (the method page of the PDF, the web page and the README sheet)."""
    return [
        _(
            "Invited organizations, submitted responses and the response rate identify nobody "
            "and are always shown, also for every group."
        ),
        ngettext(
            "Answers are published only for groups of at least %(k)d organization: the whole "
            "report, each column of a breakdown, and within it the organizations that answered "
            "a question.",
            "Answers are published only for groups of at least %(k)d organizations: the whole "
            "report, each column of a breakdown, and within it the organizations that answered "
            "a question.",
            k,
        )
        % {"k": k},
        _(
            "A smaller group is withheld whole and said so; a withheld figure reads “—”. Where "
            "the groups add up to the total, the withheld ones together again rest on none or "
            "at least %(k)d organizations, so that none can be worked out by subtraction."
        )
        % {"k": k},
        _(
            "Ranges of numbers held by fewer than %(k)d organizations are hidden too, since "
            "they can point at a single organization. Minimum and maximum, free texts and "
            "each organization's answers never leave the managers' area."
        )
        % {"k": k},
    ]


def footnote(k: int) -> str:
    """Return what "—" means, in the active language."""
    return _(
        "— withheld: fewer than %(k)d organizations answered, or hidden so that such a figure "
        "cannot be worked out by subtraction."
    ) % {"k": k}


def withheld_notes(result: Mapping) -> list[str]:
    """Return sentences saying which figures of a suppressed ``result`` are withheld and why."""
    meta = result["meta"]
    if not meta.get("suppressed"):
        return []
    k = meta["min_cell"]
    columns = result["columns"]
    if meta.get("withheld"):
        return [
            ngettext(
                "The figures of this report are withheld: %(n)d organization submitted its "
                "answers, and at least %(k)d are needed to publish figures that identify nobody.",
                "The figures of this report are withheld: %(n)d organizations submitted their "
                "answers, and at least %(k)d are needed to publish figures that identify nobody.",
                columns[0]["respondents"],
            )
            % {"n": columns[0]["respondents"], "k": k}
        ]
    notes = []
    small = [c for c in columns[1:] if c.get("withheld") == SMALL]
    complementary = [c for c in columns[1:] if c.get("withheld") == COMPLEMENTARY]
    if small:
        notes.append(
            _(
                "Withheld groups (fewer than %(k)d respondents): %(groups)s. Their answers are "
                "counted in the column of all organizations."
            )
            % {
                "k": k,
                "groups": ", ".join(f"{c['label']} ({c['respondents']})" for c in small),
            }
        )
    if complementary:
        notes.append(
            _(
                "Also withheld, so that the groups above cannot be worked out by subtraction "
                "from the total: %(groups)s."
            )
            % {"groups": ", ".join(f"{c['label']} ({c['respondents']})" for c in complementary)}
        )
    return notes


def has_hidden(question: Mapping) -> bool:
    """Return whether any figure of a suppressed question is withheld."""
    tables = [(question["rows"], question["stats"])]
    tables += [(item["rows"], item["stats"]) for item in question["items"]]
    for rows, stats in tables:
        for row in rows:
            if any(is_hidden(value) for value in (*row["counts"], *row["shares"])):
                return True
        for values in (stats or {}).values():
            if any(is_hidden(value) for value in values):
                return True
    return False
