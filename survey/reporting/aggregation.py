"""Aggregation of a survey's answers for reports, computed in the database with ``GROUP BY``.

Every figure is counted by the database: a report of any size costs a fixed number of queries
(about eight, twice that with a breakdown) and never loads the answers themselves, only their
counts. Only free-text answers and the needs-and-offers matches are listed one by one, since
listing them is their point.

What counts, and how (the method section of the PDF says the same in words):

- Only **submitted** responses count. Drafts are left out: their answers may still change or
  be incomplete, and an organization that changes submitted answers turns its response back
  into a draft until it submits again, so a report never mixes finished and unfinished answers.
- A question is **answered** by a response that holds an answer to it (a matrix: at least one
  rated item). It is **shown** to every respondent, unless it has a condition: then only to
  respondents whose answers meet the condition. Answers to questions that the final answers no
  longer ask are deleted when a response is submitted, so conditions chain correctly.
  **Skipped** = shown but not answered; **not asked** = respondents to whom it was not shown.
- **Shares** are of the respondents who answered the question, column by column; the shares
  of a multiple-choice question may add up to more than 100 %.
- A **breakdown** by an organization attribute (``BREAKDOWNS``) makes cross-tables with one
  column per group after the column of all organizations. Sectors overlap: an organization with
  several sectors counts in each of them, one without in "No sector". Size classes are by the
  number of members.
- **Small numbers** are protected by ``suppression.suppressed`` (its docstring states the
  rule). The result kept in the database holds exact figures; exports that may leave the
  managers' area and the PDF apply ``suppressed``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    CharField,
    Count,
    F,
    FloatField,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from directory.geo.gazetteer import GERMAN_STATES
from directory.models import Organization, Sector
from survey.models import Answer, AnswerChoice, Invitation, Question, Report, Response, Survey
from survey.querysets import participation_counts
from survey.questionnaire import Questionnaire

Kind = Question.Kind
Group = str | None
ALL: Group = None  # the key of the column of all respondents

BREAKDOWNS = ("kind", "sector", "state", "legal_form", "size")
FILTERS = ("kind", "sector", "state", "legal_form", "size")
# The yes/no question in which an organization agrees to be put in touch with others (the
# needs-and-offers matches show it next to each organization).
MATCHING_CONSENT_CODE = "matching-consent"

SIZE_CLASSES = (
    ("1-9", 0, 9),
    ("10-49", 10, 49),
    ("50-249", 50, 249),
    ("250+", 250, None),
)
SIZE_UNKNOWN = "unknown"

# Number answers are counted in bins by powers of ten (numbers are counts: people, members,
# hours, euros), which keeps the distribution of any number question to a few rows.
NUMBER_BINS = (
    ("<0", None, -1),
    ("0", 0, 0),
    ("1-9", 1, 9),
    ("10-99", 10, 99),
    ("100-999", 100, 999),
    ("1000-9999", 1_000, 9_999),
    ("10000-99999", 10_000, 99_999),
    ("100000-999999", 100_000, 999_999),
    ("1000000+", 1_000_000, None),
)
SCALE_VALUES = (1, 2, 3, 4, 5)


def size_label(code: str) -> str:
    labels = {
        "1-9": _("fewer than 10 members"),
        "10-49": _("10–49 members"),
        "50-249": _("50–249 members"),
        "250+": _("250 or more members"),
        SIZE_UNKNOWN: _("number of members unknown"),
    }
    return labels.get(code, code)


def breakdown_label(breakdown: str) -> str:
    return str(dict(Report.Breakdown.choices).get(breakdown, breakdown))


def number_bin_label(code: str) -> str:
    for bin_code, low, high in NUMBER_BINS:
        if bin_code == code:
            if low is None:
                return _("below 0")
            if high is None:
                return _("%(low)s or more") % {"low": f"{low:,}".replace(",", ".")}
            if low == high:
                return str(low)
            return f"{low:,}–{high:,}".replace(",", ".")
    return code


# --- Scope: which responses, which groups ------------------------------------------------------


def size_class(field_path: str) -> Case:
    """Return an expression of an organization's size class from its number of members."""
    whens = [
        When(**{f"{field_path}__gte": low, f"{field_path}__lte": high}, then=Value(code))
        if high is not None
        else When(**{f"{field_path}__gte": low}, then=Value(code))
        for code, low, high in SIZE_CLASSES
    ]
    return Case(*whens, default=Value(SIZE_UNKNOWN), output_field=CharField())


def group_expression(breakdown: str, organization_path: str):
    """Return the expression of the breakdown group of the organization at ``organization_path``."""
    match breakdown:
        case "kind" | "state" | "legal_form":
            return F(f"{organization_path}__{breakdown}")
        case "sector":
            return F(f"{organization_path}__sectors__slug")
        case "size":
            return size_class(f"{organization_path}__member_count")
    raise ValueError(f"unknown breakdown {breakdown!r}")


def organizations_in_scope(filters: Mapping[str, Sequence[str]]) -> QuerySet[Organization]:
    """Return the organizations that ``filters`` (attribute -> accepted values) let through."""
    organizations = Organization.objects.all()
    for name in FILTERS:
        values = list(filters.get(name) or ())
        if not values:
            continue
        match name:
            case "sector":
                organizations = organizations.filter(sectors__slug__in=values)
            case "size":
                organizations = organizations.alias(size_class=size_class("member_count")).filter(
                    size_class__in=values
                )
            case _:
                organizations = organizations.filter(**{f"{name}__in": values})
    return organizations


def submitted_responses(survey: Survey, filters: Mapping[str, Sequence[str]]) -> QuerySet:
    """Return the submitted responses to ``survey`` of the organizations that ``filters`` keep."""
    responses = Response.objects.submitted().for_survey(survey)
    if any(filters.get(name) for name in FILTERS):
        responses = responses.filter(
            invitation__organization__in=organizations_in_scope(filters).values("pk")
        )
    return responses


def respondents_with_attribute(survey: Survey, filters, breakdown: str) -> int:
    """Return how many submitted responses in scope have a value of ``breakdown`` (one query)."""
    responses = submitted_responses(survey, filters)
    organization = "invitation__organization"
    match breakdown:
        case "sector":
            responses = responses.filter(**{f"{organization}__sectors__isnull": False})
        case "size":
            responses = responses.filter(**{f"{organization}__member_count__isnull": False})
        case _:
            responses = responses.exclude(**{f"{organization}__{breakdown}": ""}).exclude(
                **{f"{organization}__{breakdown}__isnull": True}
            )
    return responses.values("pk").distinct().count()


def answers_fingerprint_parts(survey: Survey, filters: Mapping[str, Sequence[str]]) -> dict:
    """Return what identifies the answers a report would use now (one query)."""
    responses = submitted_responses(survey, filters)
    figures = responses.aggregate(
        count=Count("pk"),
        latest=Max("updated_at"),
        ids=Max("pk"),
        organizations_changed=Max("invitation__organization__updated_at"),
    )
    return {
        "survey": survey.pk,
        "version": survey.version,
        "survey_changed": survey.updated_at.isoformat(),
        **{
            name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in figures.items()
        },
    }


# --- Counting ---------------------------------------------------------------------------------


class Median(Aggregate):
    """The median (continuous percentile 0.5) of a column: PostgreSQL's ``percentile_cont``."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def median_from_counts(counts: Iterable[tuple[float, int]]) -> float | None:
    """Return the median of values given as (value, how often) pairs, as ``percentile_cont``."""
    pairs = sorted((value, n) for value, n in counts if n)
    total = sum(n for _value, n in pairs)
    if not total:
        return None
    lower_rank, upper_rank = (total - 1) // 2, total // 2  # 0-based ranks of the middle
    lower = upper = None
    seen = 0
    for value, n in pairs:
        if lower is None and lower_rank < seen + n:
            lower = value
        if upper_rank < seen + n:
            upper = value
            break
        seen += n
    return (lower + upper) / 2


@dataclass
class Stats:
    n: int = 0
    mean: float | None = None
    median: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass
class Counts:
    """Every count a report needs, keyed by question (and option, item, value) and group."""

    respondents: dict[Group, int] = field(default_factory=dict)
    invited: dict[Group, int] = field(default_factory=dict)
    answered: dict[tuple[int, Group], int] = field(default_factory=dict)
    options: dict[tuple[int, int, Group], int] = field(default_factory=dict)
    booleans: dict[tuple[int, bool, Group], int] = field(default_factory=dict)
    ratings: dict[tuple[int, int | None, int, Group], int] = field(default_factory=dict)
    bins: dict[tuple[int, str, Group], int] = field(default_factory=dict)
    stats: dict[tuple[int, int | None, Group], Stats] = field(default_factory=dict)

    @property
    def groups(self) -> list[Group]:
        return [group for group in self.respondents if group is not ALL]


def _group_key(row: dict, breakdown: str) -> Group:
    if not breakdown:
        return ALL
    value = row["report_group"]
    return "" if value is None else str(value)


def _grouped_rows(queryset, organization_path: str, breakdown: str, keys: Sequence[str], **agg):
    """Run one ``GROUP BY keys [, group]`` query and yield its rows with their group key."""
    names = list(keys)
    if not names and not breakdown:
        yield queryset.aggregate(**agg), ALL
        return
    if breakdown:
        queryset = queryset.annotate(report_group=group_expression(breakdown, organization_path))
        names.append("report_group")
    for row in queryset.values(*names).annotate(**agg).order_by():
        yield row, _group_key(row, breakdown)


def count_answers(
    responses: QuerySet, *, breakdown: str, invitations: QuerySet, kinds: Mapping[int, str]
) -> Counts:
    """Count everything a report shows: for all respondents, and per group of ``breakdown``.

    ``kinds`` maps each question's primary key to its kind. A pass reads the answers in three
    ``GROUP BY`` queries (four on PostgreSQL, which also computes the medians). Where the
    groups split the organizations without overlap (all breakdowns but sectors), the figures
    of all respondents are the groups' added up, so one pass suffices.
    """
    counts = Counts()
    if not breakdown:
        _count_pass(counts, responses, invitations, "", kinds)
    elif breakdown == "sector":
        _count_pass(counts, responses, invitations, "", kinds)
        _count_pass(counts, responses, invitations, breakdown, kinds)
    else:
        distribution = _count_pass(counts, responses, invitations, breakdown, kinds)
        _add_up_groups(counts, distribution)
        if connection.vendor == "postgresql":
            answers = Answer.objects.filter(response__in=responses.values("pk"))
            _medians_in_database(counts, answers, "response__invitation__organization", "")
    return counts


def _add_up_groups(counts: Counts, distribution: Mapping[tuple, list]) -> None:
    """Add the column of all respondents up from the groups' figures."""
    for name in ("respondents", "invited", "answered", "options", "booleans", "ratings", "bins"):
        figures = getattr(counts, name)
        for key, n in list(figures.items()):
            total = ALL if name in ("respondents", "invited") else (*key[:-1], ALL)
            figures[total] = figures.get(total, 0) + n
    merged: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for key, pairs in distribution.items():
        merged[(*key[:-1], ALL)].extend(pairs)
    for key, pairs in merged.items():
        counts.stats[key] = _stats_from_distribution(pairs)


def _stats_from_distribution(pairs: list[tuple[int, int]]) -> Stats:
    total = sum(n for _value, n in pairs)
    return Stats(
        n=total,
        mean=sum(value * n for value, n in pairs) / total,
        median=median_from_counts(pairs),
        low=min(value for value, _n in pairs),
        high=max(value for value, _n in pairs),
    )


def _number_bin_of(number: int) -> str:
    for code, low, high in NUMBER_BINS:
        if (low is None or number >= low) and (high is None or number <= high):
            return code
    raise ValueError(number)  # pragma: no cover - the bins cover every integer


def _count_pass(
    counts: Counts, responses: QuerySet, invitations: QuerySet, by: str, kinds: Mapping[int, str]
) -> dict[tuple, list[tuple[int, int]]]:
    """Count for all respondents (``by`` empty) or per group; return the numbers' distribution."""
    org = "invitation__organization"
    answer_org = f"response__{org}"
    answers = Answer.objects.filter(response__in=responses.values("pk"))
    # Invited and submitted by the one definition of participation (``participation_counts``).
    for row, group in _grouped_rows(invitations, "organization", by, [], **participation_counts()):
        counts.invited[group] = row["invited"] or 0
        if row["submitted"] or group is ALL:  # a group's column only where someone answered
            counts.respondents[group] = row["submitted"] or 0
    # One pass over the answers, grouped by every typed column: what comes back grows with
    # the distinct answers (options, yes/no, ratings, distinct numbers), not with the answers.
    distribution: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for row, group in _grouped_rows(
        answers,
        answer_org,
        by,
        ["question_id", "item_id", "choice_id", "boolean", "number"],
        n=Count("pk"),
    ):
        question_id, n = row["question_id"], row["n"]
        kind = kinds.get(question_id)
        if kind != Kind.MATRIX:
            # One answer per response and question (a matrix has one per item: see below).
            key = (question_id, group)
            counts.answered[key] = counts.answered.get(key, 0) + n
        if row["choice_id"] is not None:
            counts.options[question_id, row["choice_id"], group] = n
        if row["boolean"] is not None:
            counts.booleans[question_id, row["boolean"], group] = n
        number = row["number"]
        if number is None:
            continue
        if kind == Kind.NUMBER:
            key = (question_id, _number_bin_of(number), group)
            counts.bins[key] = counts.bins.get(key, 0) + n
        else:
            counts.ratings[question_id, row["item_id"], number, group] = n
        distribution[question_id, row["item_id"], group].append((number, n))
    for key, pairs in distribution.items():
        counts.stats[key] = _stats_from_distribution(pairs)
    chosen = AnswerChoice.objects.filter(answer__response__in=responses.values("pk"))
    for row, group in _grouped_rows(
        chosen, f"answer__{answer_org}", by, ["answer__question_id", "option_id"], n=Count("pk")
    ):
        counts.options[row["answer__question_id"], row["option_id"], group] = row["n"]
    matrices = [pk for pk, kind in kinds.items() if kind == Kind.MATRIX]
    if matrices:
        for row, group in _grouped_rows(
            answers.filter(question_id__in=matrices),
            answer_org,
            by,
            ["question_id"],
            n=Count("response_id", distinct=True),
        ):
            counts.answered[row["question_id"], group] = row["n"]
    if connection.vendor == "postgresql":
        _medians_in_database(counts, answers, answer_org, by)
    return distribution


def _medians_in_database(counts: Counts, answers: QuerySet, answer_org: str, by: str) -> None:
    """Let PostgreSQL compute the medians (``percentile_cont``) and means itself."""
    numeric = answers.filter(number__isnull=False)
    for row, group in _grouped_rows(
        numeric,
        answer_org,
        by,
        ["question_id", "item_id"],
        mean=Avg("number"),
        median=Median("number"),
    ):
        stats = counts.stats[row["question_id"], row["item_id"], group]
        stats.mean, stats.median = row["mean"], row["median"]


def filters_description(filters: Mapping[str, Sequence[str]]) -> str:
    if not filters:
        return _("All organizations")
    names = {
        "kind": _("Kind"),
        "sector": _("Sector"),
        "state": _("Federal state"),
        "legal_form": _("Legal form"),
        "size": _("Size"),
    }
    parts = []
    for name, values in filters.items():
        labels = group_labels(name, values)
        parts.append(f"{names.get(name, name)}: {', '.join(labels[value] for value in values)}")
    return "; ".join(parts)


# --- Assembling the result --------------------------------------------------------------------


def _columns(breakdown: str, counts: Counts) -> list[dict]:
    groups = counts.groups
    labels = group_labels(breakdown, groups)
    ordered = sorted(groups, key=lambda group: _group_order(breakdown, group, labels))
    columns = [{"key": ALL, "label": _("All organizations")}]
    columns += [{"key": group, "label": labels[group]} for group in ordered]
    for column in columns:
        column["respondents"] = counts.respondents.get(column["key"], 0)
        column["invited"] = counts.invited.get(column["key"], 0)
    return columns


def group_labels(breakdown: str, groups: Iterable[str]) -> dict[str, str]:
    """Return the label of each group of ``breakdown`` in the active language."""
    groups = list(groups)
    match breakdown:
        case "kind":
            names = dict(Organization.Kind.choices)
            return {group: str(names.get(group, group)) for group in groups}
        case "legal_form":
            names = dict(Organization.LegalForm.choices)
            return {group: str(names.get(group, group)) for group in groups}
        case "state":
            return {group: group or _("Not stated") for group in groups}
        case "sector":
            names = {sector.slug: sector.name for sector in Sector.objects.filter(slug__in=groups)}
            return {group: names.get(group, group) if group else _("No sector") for group in groups}
        case "size":
            return {group: size_label(group) for group in groups}
    return {group: group for group in groups}


def _group_order(breakdown: str, group: str, labels: Mapping[str, str]) -> tuple:
    match breakdown:
        case "kind":
            order = list(Organization.Kind.values)
        case "legal_form":
            order = [value for value in Organization.LegalForm.values if value]
        case "size":
            order = [code for code, _low, _high in SIZE_CLASSES]
        case "state":
            order = list(GERMAN_STATES)
        case _:
            order = []
    position = order.index(group) if group in order else len(order)
    return (group == "", position, labels[group].casefold())


def condition_description(questionnaire: Questionnaire, question: Question) -> str:
    """Describe when ``question`` is asked, for readers of a report."""
    if not question.condition_question_id:
        return ""
    trigger = questionnaire.questions_by_id[question.condition_question_id]
    if question.condition_option_id:
        answer = questionnaire.options_by_id[question.condition_option_id].label
    elif question.condition_yes is not None:
        answer = _("Yes") if question.condition_yes else _("No")
    else:
        return _("Asked only if “%(question)s” was answered.") % {"question": trigger.text}
    return _("Asked only if “%(question)s” was answered with “%(answer)s”.") % {
        "question": trigger.text,
        "answer": answer,
    }


def _shown(questionnaire: Questionnaire, question: Question, counts: Counts, group: Group) -> int:
    respondents = counts.respondents.get(group, 0)
    if not question.condition_question_id:
        return respondents
    trigger_id = question.condition_question_id
    if question.condition_option_id:
        return counts.options.get((trigger_id, question.condition_option_id, group), 0)
    if question.condition_yes is not None:
        return counts.booleans.get((trigger_id, question.condition_yes, group), 0)
    return counts.answered.get((trigger_id, group), 0)


def _share(count: int, total: int) -> float | None:
    return round(count / total, 6) if total else None


def _row(code, label, counts_by_column: list[int], totals: list[int]) -> dict:
    return {
        "code": str(code),
        "label": label,
        "counts": counts_by_column,
        "shares": [_share(n, total) for n, total in zip(counts_by_column, totals, strict=True)],
    }


def _stats(counts: Counts, question_id: int, item_id: int | None, keys: list[Group]) -> dict:
    stats = [counts.stats.get((question_id, item_id, key)) or Stats() for key in keys]
    return {
        "n": [each.n for each in stats],
        "mean": [None if each.mean is None else round(float(each.mean), 6) for each in stats],
        "median": [None if each.median is None else float(each.median) for each in stats],
        "min": [each.low for each in stats],
        "max": [each.high for each in stats],
    }


def question_result(
    questionnaire: Questionnaire, question: Question, counts: Counts, columns: list[dict]
) -> dict:
    """Return the figures of one question, one value per column of ``columns``."""
    keys = [column["key"] for column in columns]
    respondents = [counts.respondents.get(key, 0) for key in keys]
    shown = [_shown(questionnaire, question, counts, key) for key in keys]
    answered = [counts.answered.get((question.pk, key), 0) for key in keys]
    result = {
        "code": question.code,
        "text": question.text,
        "kind": question.kind,
        "kind_label": str(question.get_kind_display()),
        "required": question.required,
        "condition": condition_description(questionnaire, question),
        "respondents": respondents,
        "answered": answered,
        "skipped": [max(s - a, 0) for s, a in zip(shown, answered, strict=True)],
        "not_asked": [r - s for r, s in zip(respondents, shown, strict=True)],
        "rows": [],
        "stats": None,
        "items": [],
    }
    match question.kind:
        case Kind.SINGLE_CHOICE | Kind.MULTIPLE_CHOICE:
            result["rows"] = [
                _row(
                    option.code,
                    option.label,
                    [counts.options.get((question.pk, option.pk, key), 0) for key in keys],
                    answered,
                )
                for option in questionnaire.options(question)
            ]
        case Kind.YES_NO:
            result["rows"] = [
                _row(
                    code,
                    label,
                    [counts.booleans.get((question.pk, value, key), 0) for key in keys],
                    answered,
                )
                for code, value, label in (("yes", True, _("Yes")), ("no", False, _("No")))
            ]
        case Kind.SCALE:
            result["rows"] = _rating_rows(question, None, counts, keys, answered)
            result["stats"] = _stats(counts, question.pk, None, keys)
        case Kind.NUMBER:
            present = {
                code for (qid, code, key) in counts.bins if qid == question.pk and key is ALL
            }
            result["rows"] = [
                _row(
                    code,
                    number_bin_label(code),
                    [counts.bins.get((question.pk, code, key), 0) for key in keys],
                    answered,
                )
                for code, _low, _high in NUMBER_BINS
                if code in present
            ]
            result["stats"] = _stats(counts, question.pk, None, keys)
        case Kind.MATRIX:
            for item in questionnaire.items(question):
                stats = _stats(counts, question.pk, item.pk, keys)
                result["items"].append(
                    {
                        "code": item.code,
                        "label": item.label,
                        "rows": _rating_rows(question, item.pk, counts, keys, stats["n"]),
                        "stats": stats,
                    }
                )
    return result


def _rating_rows(question, item_id, counts: Counts, keys, totals) -> list[dict]:
    labels = {1: f"1 – {question.scale_min_label}", 5: f"5 – {question.scale_max_label}"}
    return [
        _row(
            value,
            labels.get(value, str(value)),
            [counts.ratings.get((question.pk, item_id, value, key), 0) for key in keys],
            totals,
        )
        for value in SCALE_VALUES
    ]


# --- Listings for managers: free texts and needs meet offers ----------------------------------


def free_texts(questionnaire: Questionnaire, responses: QuerySet) -> dict[str, list[dict]]:
    """Return the written answers (texts, "other" specifications) by question code."""
    answers = (
        Answer.objects.filter(response__in=responses.values("pk"))
        .filter(~Q(text="") | ~Q(other_text=""))
        .values(
            "question_id",
            "text",
            "other_text",
            organization=F("response__invitation__organization__name"),
            slug=F("response__invitation__organization__slug"),
        )
        .order_by("question_id", "response__invitation__organization__name")
    )
    texts: dict[str, list[dict]] = defaultdict(list)
    for answer in answers:
        question = questionnaire.questions_by_id.get(answer["question_id"])
        if question is None:
            continue
        texts[question.code].append(
            {
                "organization": answer["organization"],
                "slug": answer["slug"],
                "text": answer["text"] or answer["other_text"],
            }
        )
    return dict(texts)


def needs_and_offers(questionnaire: Questionnaire, responses: QuerySet) -> list[dict]:
    """Return, per category asked both as a need and as an offer, who needs and who offers it.

    Need and offer questions (``Question.role``) share option codes; "other" options are no
    shared category. Each organization carries whether it agreed to be put in touch (the
    yes/no question ``MATCHING_CONSENT_CODE``; None where the survey does not ask).
    """
    need = [q for q in questionnaire.questions if q.role == Question.Role.NEED]
    offer = [q for q in questionnaire.questions if q.role == Question.Role.OFFER]
    if not need or not offer:
        return []
    labels: dict[str, str] = {}
    for question in need:
        for option in questionnaire.options(question):
            if not option.is_other:
                labels.setdefault(option.code, option.label)
    offered = {
        option.code
        for question in offer
        for option in questionnaire.options(question)
        if not option.is_other
    }
    codes = [code for code in labels if code in offered]
    role_questions = [question.pk for question in need + offer]
    organization = "response__invitation__organization"
    picked = list(
        Answer.objects.filter(
            response__in=responses.values("pk"),
            question_id__in=role_questions,
            choice__code__in=codes,
        ).values(code=F("choice__code"), role=F("question__role"), org=F(organization))
    ) + list(
        AnswerChoice.objects.filter(
            answer__response__in=responses.values("pk"),
            answer__question_id__in=role_questions,
            option__code__in=codes,
        ).values(
            code=F("option__code"),
            role=F("answer__question__role"),
            org=F(f"answer__{organization}"),
        )
    )
    consent = _consents(questionnaire, responses)
    names = dict(
        Organization.objects.filter(pk__in={row["org"] for row in picked}).values_list("pk", "name")
    )
    slugs = dict(Organization.objects.filter(pk__in=names).values_list("pk", "slug"))
    members: dict[tuple[str, str], set[int]] = defaultdict(set)
    for row in picked:
        members[row["code"], row["role"]].add(row["org"])

    def listed(ids: set[int]) -> list[dict]:
        return sorted(
            ({"name": names[pk], "slug": slugs[pk], "consent": consent.get(pk)} for pk in ids),
            key=lambda each: each["name"].casefold(),
        )

    return [
        {
            "code": code,
            "label": labels[code],
            "needing": listed(members[code, Question.Role.NEED]),
            "offering": listed(members[code, Question.Role.OFFER]),
        }
        for code in codes
    ]


def _consents(questionnaire: Questionnaire, responses: QuerySet) -> dict[int, bool | None]:
    question = next(
        (
            q
            for q in questionnaire.questions
            if q.code == MATCHING_CONSENT_CODE and q.kind == Kind.YES_NO
        ),
        None,
    )
    if question is None:
        return {}
    return dict(
        Answer.objects.filter(response__in=responses.values("pk"), question=question).values_list(
            "response__invitation__organization_id", "boolean"
        )
    )


# --- The whole report ---------------------------------------------------------------------------


@dataclass
class Gathered:
    """What the database counted and listed for a report; ``assemble`` turns it into a result."""

    survey: Survey
    questionnaire: Questionnaire
    filters: dict[str, list[str]]
    breakdown: str
    counts: Counts
    texts: dict[str, list[dict]]
    matches: list[dict]


def gather(survey: Survey, *, filters: Mapping[str, Sequence[str]], breakdown: str) -> Gathered:
    """Count and list everything a report of ``survey`` needs (a fixed number of queries).

    Run it in one transaction (``REPEATABLE READ`` on PostgreSQL) for figures that agree.
    """
    filters = {name: list(values) for name, values in filters.items() if values}
    questionnaire = Questionnaire.load(survey)
    responses = submitted_responses(survey, filters)
    invitations = Invitation.objects.filter(survey=survey)
    if filters:
        invitations = invitations.filter(
            organization__in=organizations_in_scope(filters).values("pk")
        )
    return Gathered(
        survey=survey,
        questionnaire=questionnaire,
        filters=filters,
        breakdown=breakdown,
        counts=count_answers(
            responses,
            breakdown=breakdown,
            invitations=invitations,
            kinds={question.pk: question.kind for question in questionnaire.questions},
        ),
        texts=free_texts(questionnaire, responses),
        matches=needs_and_offers(questionnaire, responses),
    )


def assemble(
    gathered: Gathered, *, min_cell: int, on_question: Callable[[int, int], None] | None = None
) -> dict:
    """Return the exact figures of a report as JSON-ready data, in the active language.

    ``on_question(done, total)`` is called after each question (to report progress).
    """
    questionnaire, counts, breakdown = gathered.questionnaire, gathered.counts, gathered.breakdown
    survey = gathered.survey
    columns = _columns(breakdown, counts)
    total = len(questionnaire.questions)
    sections = []
    done = 0
    for section in questionnaire.sections:
        results = []
        for question in questionnaire.questions_of[section.pk]:
            results.append(question_result(questionnaire, question, counts, columns))
            done += 1
            if on_question:
                on_question(done, total)
        sections.append({"code": section.code, "title": section.title, "questions": results})
    overall = columns[0]
    return {
        "meta": {
            "survey": survey.slug,
            "title": survey.title,
            "version": survey.version,
            "breakdown": breakdown,
            "breakdown_label": breakdown_label(breakdown),
            "filters": gathered.filters,
            "generated_at": timezone.now().isoformat(),
            "language": translation.get_language(),
            "min_cell": min_cell,
            "respondents": overall["respondents"],
            "invited": overall["invited"],
            "response_rate": _share(overall["respondents"], overall["invited"]),
            # Groups of every breakdown but sectors split the organizations without overlap.
            "partitioned": breakdown != "sector",
            "suppressed": False,
        },
        "columns": columns,
        "sections": sections,
        "texts": gathered.texts,
        "matches": gathered.matches,
    }


def report_result(
    survey: Survey, *, filters: Mapping[str, Sequence[str]], breakdown: str, min_cell: int
) -> dict:
    """Return the exact figures of a report of ``survey`` (``gather``, then ``assemble``)."""
    return assemble(gather(survey, filters=filters, breakdown=breakdown), min_cell=min_cell)


def iter_questions(result: Mapping) -> Iterable[tuple[dict, dict]]:
    """Yield (section, question) pairs of a result in questionnaire order."""
    for section in result["sections"]:
        for question in section["questions"]:
            yield section, question
