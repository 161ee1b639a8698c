"""Comparing two snapshots (reports) of a survey, option by option."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Q

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


def question_codes(result: Mapping) -> set[str]:
    return {question["code"] for _section, question in iter_questions(result)}


def comparable_problem(report, earlier) -> str | None:
    """Return why ``earlier`` cannot be compared with ``report`` as its earlier snapshot, or None.

    Comparable: a done report built before ``report``, of the same survey or of an earlier
    wave of it (a lower version sharing question codes).
    """
    from django.utils.translation import gettext as _

    if earlier.pk == report.pk:
        return _("A report cannot be compared with itself.")
    if earlier.survey_id != report.survey_id:
        shared = question_codes(report.result) & question_codes(earlier.result)
        if earlier.survey.version >= report.survey.version or not shared:
            return _(
                "Report %(number)s is of another survey (“%(title)s”), not an earlier wave of "
                "this one: the two cannot be compared."
            ) % {"number": earlier.pk, "title": earlier.survey.title}
    if not (
        earlier.finished_at and report.finished_at and earlier.finished_at < report.finished_at
    ):
        return _(
            "Report %(number)s was built after this one: compare the later report with the "
            "earlier one instead."
        ) % {"number": earlier.pk}
    return None


def earlier_candidates(report):
    """Return the done reports that ``report`` can be compared with (newest first, at most 50)."""
    from survey.models import Report

    candidates = (
        Report.objects.filter(status=Report.Status.DONE, finished_at__lt=report.finished_at)
        .filter(Q(survey_id=report.survey_id) | Q(survey__version__lt=report.survey.version))
        .exclude(pk=report.pk)
        .select_related("survey")
        .order_by("-finished_at")
    )
    return candidates[:50]


def changes(report, earlier) -> list[str]:
    """Return sentences saying what changed between the snapshot ``earlier`` and ``report``."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from survey.models import Response

    now, before = report.result["meta"], earlier.result["meta"]
    sentences = []
    difference = now["respondents"] - before["respondents"]
    sentences.append(
        _("Submitted responses: %(now)d now, %(before)d earlier (%(difference)+d).")
        % {"now": now["respondents"], "before": before["respondents"], "difference": difference}
    )
    if earlier.survey_id == report.survey_id:
        changed = (
            Response.objects.submitted()
            .for_survey(report.survey)
            .filter(updated_at__gt=earlier.finished_at, updated_at__lte=report.finished_at)
            .count()
        )
        sentences.append(
            ngettext(
                "%(count)d organization submitted or changed its answers in between.",
                "%(count)d organizations submitted or changed their answers in between.",
                changed,
            )
            % {"count": changed}
        )
    if now.get("version") != before.get("version"):
        only_now = len(question_codes(report.result) - question_codes(earlier.result))
        only_before = len(question_codes(earlier.result) - question_codes(report.result))
        sentences.append(
            _(
                "Survey version %(before)s earlier, %(now)s now: questions are matched by their "
                "codes; %(new)d questions are new, %(gone)d no longer asked."
            )
            % {
                "before": before.get("version"),
                "now": now.get("version"),
                "new": only_now,
                "gone": only_before,
            }
        )
    if now.get("filters") != before.get("filters") or now.get("breakdown") != before.get(
        "breakdown"
    ):
        sentences.append(
            _("The two reports cover different organizations or breakdowns; compare with care.")
        )
    return sentences
