"""A needs-analysis report of 500 organizations × the 38 questions of the real questionnaire.

Measured: counting everything a report shows in the database (``aggregation.gather``, with
``GROUP BY``), without and with a breakdown by kind; then assembling the result. Baseline of the
same run: a naive loop in Python over every answer (and every chosen option), counting the same
figures. The two must agree, which the benchmark checks before timing them.
"""

from __future__ import annotations

import os
import random
from collections import Counter, defaultdict

from django.db import connection
from django.utils import timezone

from bench import measure, print_table
from directory.geo.gazetteer import GERMAN_STATES
from directory.models import Organization
from survey import services
from survey.models import Answer, AnswerChoice, Invitation, Question, Response
from survey.questionnaire import Questionnaire, field_name, item_field_name, other_field_name
from survey.reporting import aggregation, suppression

ORGANIZATIONS = int(os.environ.get("BENCH_REPORT_ORGANIZATIONS", 500))
SEED = 20261130
Kind = Question.Kind


def random_values(questionnaire: Questionnaire, rng: random.Random) -> dict:
    """Return answers to every question asked, as an organization might give them."""
    values: dict = {}
    for question in questionnaire.questions:
        if not questionnaire.is_visible(question, values) or rng.random() < 0.08:
            continue
        name = field_name(question)
        options = [option.code for option in questionnaire.options(question)]
        match question.kind:
            case Kind.SINGLE_CHOICE:
                values[name] = rng.choice(options)
            case Kind.MULTIPLE_CHOICE:
                values[name] = rng.sample(options, rng.randint(1, min(3, len(options))))
            case Kind.YES_NO:
                values[name] = rng.choice(["yes", "no"])
            case Kind.SCALE:
                values[name] = rng.randint(1, 5)
            case Kind.MATRIX:
                for item in questionnaire.items(question):
                    values[item_field_name(question, item)] = rng.randint(1, 5)
            case Kind.NUMBER:
                values[name] = int(rng.lognormvariate(2.5, 1.5))
            case _:
                values[name] = rng.choice(["Mehr Austausch", "Förderung", "Zeit"])
        if questionnaire.other_option(question):
            values[other_field_name(question)] = "Sonstiges"
    return values


def populate(rng: random.Random):
    """Create the demo questionnaire and ORGANIZATIONS submitted responses; return the survey."""
    survey = services.survey_load_demo()
    questionnaire = Questionnaire.load(survey)
    now = timezone.now()
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"Genossenschaft {n} eG",
            slug=f"genossenschaft-{n}",
            kind=rng.choice(Organization.Kind.values),
            legal_form=rng.choice(Organization.LegalForm.values),
            state=rng.choice(GERMAN_STATES),
            member_count=rng.choice([None, rng.randint(1, 2000)]),
            status=Organization.Status.PUBLISHED,
            published_at=now,
        )
        for n in range(ORGANIZATIONS)
    )
    invitations = Invitation.objects.bulk_create(
        Invitation(survey=survey, organization=organization, key=f"bench-{organization.pk}")
        for organization in organizations
    )
    responses = Response.objects.bulk_create(
        Response(
            invitation=invitation,
            status=Response.Status.SUBMITTED,
            survey_version=survey.version,
            submitted_at=now,
        )
        for invitation in invitations
    )
    pairs = []
    for response in responses:
        values = random_values(questionnaire, rng)
        for question in questionnaire.questions:
            for answer, chosen in questionnaire.answers_from_values(question, values):
                answer.response = response
                pairs.append((answer, chosen))
    Answer.objects.bulk_create([answer for answer, _chosen in pairs], batch_size=2000)
    AnswerChoice.objects.bulk_create(
        [
            AnswerChoice(answer=answer, option=option)
            for answer, chosen in pairs
            for option in chosen
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        # Statistics for the query planner, as a database in use has them (autovacuum).
        cursor.execute("ANALYZE")
    return survey, len(pairs)


def naive_counts(survey, breakdown: str) -> dict:
    """Count option choices per question and group by looping over every answer in Python."""
    group_of = (
        dict(Organization.objects.values_list("pk", breakdown if breakdown else "pk"))
        if breakdown
        else None
    )
    counts: Counter = Counter()
    numbers: dict = defaultdict(list)
    answers = Answer.objects.filter(
        response__status="submitted", response__invitation__survey=survey
    ).values_list(
        "pk", "question_id", "item_id", "choice_id", "boolean", "number",
        "response__invitation__organization_id",
    )  # fmt: skip
    organization_of = {}
    for pk, question_id, item_id, choice_id, boolean, number, organization_id in answers:
        organization_of[pk] = organization_id
        group = group_of[organization_id] if group_of else None
        if choice_id is not None:
            counts[question_id, choice_id, group] += 1
        if boolean is not None:
            counts[question_id, boolean, group] += 1
        if number is not None:
            numbers[question_id, item_id, group].append(number)
    for answer_id, question_id, option_id in AnswerChoice.objects.filter(
        answer__response__invitation__survey=survey
    ).values_list("answer_id", "answer__question_id", "option_id"):
        group = group_of[organization_of[answer_id]] if group_of else None
        counts[question_id, option_id, group] += 1
    means = {key: sum(values) / len(values) for key, values in numbers.items()}
    return {"counts": counts, "means": means}


def check_agreement(survey, breakdown: str) -> None:
    """Fail loudly unless the database and the naive loop count the same."""
    database = aggregation.gather(survey, filters={}, breakdown=breakdown).counts
    naive = naive_counts(survey, breakdown)
    for (question_id, option_id, group), n in database.options.items():
        if breakdown and group is aggregation.ALL:
            continue  # the column of all organizations, which the naive loop does not count
        assert naive["counts"][question_id, option_id, group] == n, (
            question_id,
            option_id,
            group,
            n,
            naive["counts"][question_id, option_id, group],
        )
    for key, stats in database.stats.items():
        if breakdown and key[-1] is aggregation.ALL:
            continue
        assert abs(naive["means"][key] - float(stats.mean)) < 1e-9, key


def count_only(survey, breakdown: str):
    """Count what a report shows (the GROUP BY queries of ``gather`` without the listings)."""
    responses = aggregation.submitted_responses(survey, {})
    invitations = Invitation.objects.filter(survey=survey)
    kinds = dict(Question.objects.filter(section__survey=survey).values_list("pk", "kind"))
    return aggregation.count_answers(
        responses, breakdown=breakdown, invitations=invitations, kinds=kinds
    )


def run() -> None:
    rng = random.Random(SEED)
    survey, answers = populate(rng)
    questions = len(Questionnaire.load(survey).questions)
    print(
        f"{ORGANIZATIONS} organizations, {questions} questions, {answers} answers "
        f"({connection.vendor})"
    )
    rows = []
    for breakdown in ("", "kind"):
        check_agreement(survey, breakdown)
        database = measure(lambda breakdown=breakdown: count_only(survey, breakdown), repeat=5)
        naive = measure(lambda breakdown=breakdown: naive_counts(survey, breakdown), repeat=5)
        rows.append(
            [
                breakdown or "none",
                f"{database * 1000:.0f} ms",
                f"{naive * 1000:.0f} ms",
                f"{naive / database:.1f}×",
            ]
        )
    print_table(["breakdown", "GROUP BY in the database", "naive Python loop", "ratio"], rows)
    gather = measure(lambda: aggregation.gather(survey, filters={}, breakdown="kind"), repeat=3)
    gathered = aggregation.gather(survey, filters={}, breakdown="kind")
    assembled = measure(lambda: aggregation.assemble(gathered, min_cell=5), repeat=5)
    result = aggregation.assemble(gathered, min_cell=5)
    suppressed = measure(lambda: suppression.suppressed(result), repeat=5)
    print(
        f"whole report by kind: counting and listing {gather * 1000:.0f} ms (with the written "
        f"answers and the needs-and-offers lists), assembling {assembled * 1000:.0f} ms, "
        f"hiding small cells {suppressed * 1000:.0f} ms"
    )


def main() -> None:
    """Run this benchmark alone: ``python -m bench.reports`` (or ``python -m bench reports``)."""
    import sys

    from bench.__main__ import main as run_benchmarks

    sys.argv = [sys.argv[0], "reports"]
    sys.exit(run_benchmarks())


if __name__ == "__main__":
    main()
