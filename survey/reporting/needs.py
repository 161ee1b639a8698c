"""Public: how many organizations need what, per German federal state (suppressed)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Count, Exists, OuterRef

from directory.geo.gazetteer import GERMAN_STATES
from survey.models import Answer, AnswerChoice, Question, Response, Survey

from .suppression import is_hidden, shown_columns

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

    Aggregated and protected for the public by the rule of the reports (``suppression``): the
    number of respondents per state is always shown; the needs of a state with 1 to
    ``min_cell - 1`` respondents (and of one more where the withheld ones could be worked out
    from the total) are ``Hidden``, and the row says ``withheld``. Organizations abroad or
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
    bases = [sum(respondents.values()), *(respondents.get(state, 0) for state in states)]
    withheld = shown_columns(bases, k=min_cell, partitioned=True)
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
        needs[code] = {state: needing.get(state, 0) for state in states}
        needs[code][None] = sum(needing.values())
    rows = []
    for position, state in enumerate([None, *states]):
        hidden = withheld.get(position)
        count_of = sum(respondents.values()) if state is None else respondents.get(state, 0)
        row = {"state": state, "respondents": count_of, "withheld": hidden is not None, "needs": {}}
        for code in categories:
            count = hidden or needs[code][state]
            share = None
            if not is_hidden(count) and count_of:
                share = round(count / count_of, 4)
            row["needs"][code] = {"count": count, "share": share}
        rows.append(row)
    return {"states": rows[1:], "total": rows[0]}
