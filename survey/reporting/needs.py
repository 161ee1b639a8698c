"""Public: how many organizations need what, per German federal state (suppressed)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Count, Exists, OuterRef

from directory.geo.gazetteer import GERMAN_STATES
from survey.models import Answer, AnswerChoice, Question, Response, Survey

from .suppression import hidden_marker, hide_small_cells, is_hidden

ABROAD_OR_UNKNOWN = ""


def need_categories(survey: Survey) -> list[tuple[str, str]]:
    """Return (code, label) of the categories that ``survey``'s need questions ask about."""
    categories: dict[str, str] = {}
    questions = Question.objects.filter(section__survey=survey, role=Question.Role.NEED)
    for question in questions.order_by("section__position", "position"):
        for option in question.options.filter(is_other=False).order_by("position", "pk"):
            categories.setdefault(option.code, option.label)
    return list(categories.items())


def needs_by_state(survey: Survey, *, categories: Sequence[str], min_cell: int) -> dict:
    """Return how many organizations need each of ``categories``, per German federal state.

    Aggregated and suppressed, for the public: counts of 1 to ``min_cell - 1`` organizations
    (and what would give them away by subtraction) are shown as "< k". Organizations abroad or
    without a state form one more row. Each category costs one query.
    """
    from directory.geo.gazetteer import canonical_state

    responses = Response.objects.submitted().for_survey(survey)
    state_of = "invitation__organization__state"

    def per_state(queryset) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for row in queryset.values(state_of).annotate(n=Count("pk")).order_by():
            totals[canonical_state(row[state_of] or "") or ABROAD_OR_UNKNOWN] += row["n"]
        return totals

    states = [*GERMAN_STATES, ABROAD_OR_UNKNOWN]
    respondents = per_state(responses)
    cells = {("respondents", state): respondents.get(state, 0) for state in states}
    cells["respondents", None] = sum(respondents.values())
    size_line = [(("respondents", None), [("respondents", state) for state in states])]
    hidden = hide_small_cells(cells, min_cell=min_cell, lines=size_line, prefer_nonzero=True)
    needs = {}
    for code in categories:
        needing = per_state(
            responses.filter(
                Exists(
                    AnswerChoice.objects.filter(
                        answer__response=OuterRef("pk"),
                        answer__question__role=Question.Role.NEED,
                        option__code=code,
                    )
                )
                | Exists(
                    Answer.objects.filter(
                        response=OuterRef("pk"),
                        question__role=Question.Role.NEED,
                        choice__code=code,
                    )
                )
            )
        )
        need_cells = {(code, state): needing.get(state, 0) for state in states}
        need_cells[code, None] = sum(needing.values())
        hidden |= hide_small_cells(
            need_cells,
            min_cell=min_cell,
            lines=[((code, None), [(code, state) for state in states])],
            forced=[(code, state) for state in states if ("respondents", state) in hidden],
            prefer_nonzero=True,
        )
        needs[code] = need_cells
    marker = hidden_marker(min_cell)

    def shown(key, value):
        return marker if key in hidden else value

    rows = []
    for state in [*states, None]:
        row = {
            "state": state,
            "respondents": shown(("respondents", state), cells["respondents", state]),
            "needs": {},
        }
        for code in categories:
            count = shown((code, state), needs[code][code, state])
            share = None
            if not is_hidden(count) and not is_hidden(row["respondents"]) and row["respondents"]:
                share = round(count / row["respondents"], 4)
            row["needs"][code] = {"count": count, "share": share}
        rows.append(row)
    return {"states": rows[:-1], "total": rows[-1]}
