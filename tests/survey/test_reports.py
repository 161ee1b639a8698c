"""The aggregation of reports: known organizations give known answers, and the figures match."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from directory.models import Sector
from survey.models import Question
from survey.reporting import aggregation, comparison, suppression
from tests.factories import (
    InvitationFactory,
    OptionFactory,
    OrganizationFactory,
    QuestionFactory,
    SectionFactory,
)

from .reporting import EXPECTED, answer, build_answered_survey, group_b, group_c

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    return build_answered_survey()


def result_of(survey, *, breakdown="", filters=None, min_cell=5):
    with translation.override("en"):
        return aggregation.report_result(
            survey, filters=filters or {}, breakdown=breakdown, min_cell=min_cell
        )


def question(result, code):
    return next(q for _section, q in aggregation.iter_questions(result) if q["code"] == code)


def counts(result, code, column=0):
    return {row["code"]: row["counts"][column] for row in question(result, code)["rows"]}


def shares(result, code, column=0):
    return {row["code"]: row["shares"][column] for row in question(result, code)["rows"]}


def column_of(result, key):
    return next(i for i, column in enumerate(result["columns"]) if column["key"] == key)


def test_only_submitted_responses_count_and_the_response_rate_uses_every_invitation(survey):
    result = result_of(survey)

    assert result["meta"]["respondents"] == EXPECTED["respondents"]
    assert result["meta"]["invited"] == EXPECTED["invited"]
    assert result["meta"]["response_rate"] == pytest.approx(13 / 15, abs=1e-6)


def test_single_choice_counts_and_shares_of_those_who_answered(survey):
    result = result_of(survey)

    assert counts(result, "kind") == EXPECTED["kind"]
    assert shares(result, "kind") == pytest.approx(
        {"coop": 8 / 13, "association": 4 / 13, "other": 1 / 13}, abs=1e-6
    )


def test_multiple_choice_shares_may_add_up_to_more_than_all(survey):
    result = result_of(survey)

    assert counts(result, "needs") == EXPECTED["needs"]
    assert sum(shares(result, "needs").values()) == pytest.approx(17 / 13, abs=1e-5)


def test_yes_no_counts(survey):
    assert counts(result_of(survey), "platform") == {"yes": 6, "no": 7}


def test_scale_distribution_mean_and_median(survey):
    result = result_of(survey)
    usefulness = question(result, "usefulness")

    assert counts(result, "usefulness") == {
        str(value): n for value, n in EXPECTED["usefulness"]["values"].items()
    }
    assert usefulness["stats"]["mean"][0] == pytest.approx(EXPECTED["usefulness"]["mean"], 1e-6)
    assert usefulness["stats"]["median"][0] == EXPECTED["usefulness"]["median"]


def test_number_bins_mean_median_minimum_and_maximum(survey):
    result = result_of(survey)
    stats = question(result, "people")["stats"]

    assert counts(result, "people") == EXPECTED["people_bins"]
    assert stats["n"][0] == 13
    assert stats["mean"][0] == pytest.approx(EXPECTED["people"]["mean"], 1e-6)
    assert stats["median"][0] == EXPECTED["people"]["median"]
    assert (stats["min"][0], stats["max"][0]) == (0, 50)


def test_matrix_has_figures_per_item(survey):
    obstacles = question(result_of(survey), "obstacles")
    items = {item["code"]: item for item in obstacles["items"]}

    assert items["tax"]["stats"]["mean"][0] == pytest.approx(EXPECTED["tax"]["mean"], 1e-6)
    assert items["tax"]["stats"]["median"][0] == EXPECTED["tax"]["median"]
    assert items["capital"]["stats"]["mean"][0] == pytest.approx(EXPECTED["capital"]["mean"], 1e-6)
    assert {row["code"]: row["counts"][0] for row in items["tax"]["rows"]} == {
        "1": 5,
        "2": 0,
        "3": 2,
        "4": 0,
        "5": 6,
    }


def test_conditional_questions_are_skipped_only_by_those_who_were_asked(survey):
    result = result_of(survey)
    detail = question(result, "hosting-detail")  # asked if needs include hosting (4)
    users = question(result, "platform-users")  # asked if platform = yes (6)
    offer = question(result, "offer")  # asked if needs answered at all (13)

    assert (detail["answered"][0], detail["skipped"][0], detail["not_asked"][0]) == (3, 1, 9)
    assert (users["answered"][0], users["skipped"][0], users["not_asked"][0]) == (4, 2, 7)
    assert (offer["answered"][0], offer["skipped"][0], offer["not_asked"][0]) == (5, 8, 0)
    assert "was answered with “Yes”" in users["condition"]


def test_cross_table_by_kind_has_a_column_per_kind(survey):
    result = result_of(survey, breakdown="kind")

    assert [column["key"] for column in result["columns"]] == [
        None,
        "platform_coop",
        "cooperative",
        "initiative",
    ]
    assert [column["respondents"] for column in result["columns"]] == [13, 6, 5, 2]
    assert question(result, "kind")["rows"][0]["counts"] == [8, 6, 0, 2]  # coop
    assert question(result, "people")["stats"]["mean"] == pytest.approx([178 / 13, 3.5, 30.0, 3.5])
    assert question(result, "people")["stats"]["median"] == [6.0, 3.5, 30.0, 3.5]
    assert question(result, "usefulness")["stats"]["median"] == [3.0, 4.0, 2.0, 3.0]


@pytest.mark.parametrize(
    ("breakdown", "columns"),
    [
        ("state", {"Bayern": 5, "Berlin": 6, "Hamburg": 2}),
        ("legal_form", {"eg": 6, "ev": 5, "": 2}),
        ("size", {"1-9": 6, "50-249": 5, "unknown": 2}),
        ("sector", {"hosting": 6, "consulting": 5, "": 2}),
    ],
)
def test_every_organization_attribute_can_break_the_figures_down(survey, breakdown, columns):
    result = result_of(survey, breakdown=breakdown)

    assert {c["key"]: c["respondents"] for c in result["columns"][1:]} == columns
    assert result["columns"][-1]["key"] in ("", "unknown", "Hamburg")  # unknowns come last


def test_an_organization_in_two_sectors_counts_in_both(survey):
    organization = OrganizationFactory(name="Both eG", kind="cooperative")
    organization.sectors.set(Sector.objects.filter(slug__in=["hosting", "consulting"]))
    answer(
        InvitationFactory(survey=survey, organization=organization),
        group_b(1),
    )

    result = result_of(survey, breakdown="sector")

    sizes = {c["key"]: c["respondents"] for c in result["columns"]}
    assert sizes == {None: 14, "hosting": 7, "consulting": 6, "": 2}
    assert result["meta"]["partitioned"] is False


def test_filters_keep_only_the_chosen_organizations(survey):
    result = result_of(survey, filters={"state": ["Berlin", "Hamburg"]})

    assert result["meta"]["respondents"] == 8
    assert result["meta"]["invited"] == 8 + 2  # the draft and the silent one are in Berlin
    assert counts(result, "kind") == {"coop": 8, "association": 0, "other": 0}
    assert result_of(survey, filters={"size": ["50-249"]})["meta"]["respondents"] == 5
    assert result_of(survey, filters={"sector": ["hosting"]})["meta"]["respondents"] == 6


def test_free_texts_are_listed_with_their_organization(survey):
    texts = result_of(survey)["texts"]

    assert [each["organization"] for each in texts["hosting-detail"]] == ["A1 eG", "A2 eG", "A3 eG"]
    assert texts["kind"] == [
        {"organization": "B5 eG", "slug": "b5-eg", "text": "Genossenschaft in Gründung"}
    ]


def test_counting_costs_the_same_few_queries_however_many_organizations(survey):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            aggregation.gather(survey, filters={"kind": ["cooperative"]}, breakdown="sector")
        return len(captured)

    before = queries()
    for i in range(1, 6):
        organization = OrganizationFactory(name=f"More {i} eG", kind="cooperative")
        answer(InvitationFactory(survey=survey, organization=organization), group_b(i))

    assert queries() == before
    assert before <= 25


def test_the_median_from_counts_is_that_of_percentile_cont():
    assert aggregation.median_from_counts([(1, 1), (2, 1)]) == 1.5
    assert aggregation.median_from_counts([(3, 2), (1, 1)]) == 3
    assert aggregation.median_from_counts([(5, 6), (1, 5), (3, 2)]) == 3
    assert aggregation.median_from_counts([]) is None


# --- Small-cell protection ----------------------------------------------------------------------


def test_a_group_large_enough_shows_every_figure_and_nothing_individual(survey):
    safe = suppression.suppressed(result_of(survey))

    # 13 respondents: every count and share of the column of all organizations is published,
    # small ones included (the group, not the cell, must be large enough).
    assert counts(safe, "kind") == {"coop": 8, "association": 4, "other": 1}
    assert shares(safe, "kind")["other"] == pytest.approx(1 / 13, abs=1e-6)
    assert counts(safe, "needs") == {"hosting": 4, "legal": 9, "training": 4, "other": 0}
    assert question(safe, "usefulness")["stats"]["mean"][0] == pytest.approx(3.15, abs=0.01)
    assert safe["texts"] == {}
    assert safe["matches"] == []
    assert "min" not in question(safe, "people")["stats"]
    assert safe["meta"]["withheld"] is False
    assert suppression.withheld_notes(safe) == []


def test_counts_that_identify_nobody_are_never_hidden(survey):
    safe = suppression.suppressed(result_of(survey, breakdown="kind"))

    assert safe["meta"]["invited"] == 15
    assert safe["meta"]["respondents"] == 13
    assert safe["meta"]["response_rate"] == pytest.approx(13 / 15, abs=1e-6)
    assert [c["respondents"] for c in safe["columns"]] == [13, 6, 5, 2]
    assert all(isinstance(c["invited"], int) for c in safe["columns"])


def test_a_question_answered_by_too_few_is_withheld_with_its_means(survey):
    users = question(suppression.suppressed(result_of(survey)), "platform-users")

    assert users["answered"][0] == 4  # how many answered identifies nobody
    assert suppression.is_hidden(users["stats"]["mean"][0])
    assert suppression.is_hidden(users["stats"]["median"][0])
    assert all(suppression.is_hidden(row["counts"][0]) for row in users["rows"])
    assert str(users["stats"]["mean"][0]) == "—"


def test_a_small_group_is_withheld_whole_and_cannot_be_worked_out_from_the_others(survey):
    safe = suppression.suppressed(result_of(survey, breakdown="kind"))
    initiative = column_of(safe, "initiative")
    cooperative = column_of(safe, "cooperative")
    coop_row = question(safe, "kind")["rows"][0]

    assert safe["columns"][initiative]["withheld"] == suppression.Hidden("small")
    # 13 = 6 + 5 + 2: with only the 2 withheld they would be 13 - 6 - 5; the 5 goes too.
    assert safe["columns"][cooperative]["withheld"] == suppression.Hidden("complementary")
    assert safe["columns"][0]["withheld"] is None
    assert coop_row["counts"][:2] == [8, 6]
    assert all(suppression.is_hidden(value) for value in coop_row["counts"][2:])
    assert all(suppression.is_hidden(value) for value in coop_row["shares"][2:])
    assert suppression.is_hidden(question(safe, "people")["stats"]["mean"][initiative])
    notes = " ".join(suppression.withheld_notes(safe))
    assert "Initiative (2)" in notes
    assert "Cooperative (5)" in notes


def test_a_report_of_too_few_is_withheld_with_a_sentence(survey):
    result = result_of(survey, filters={"kind": ["initiative"]})
    safe = suppression.suppressed(result)

    assert safe["meta"]["withheld"] is True
    assert safe["meta"]["respondents"] == 2
    assert all(suppression.is_hidden(value) for value in counts(safe, "kind").values())
    assert "withheld: 2 organizations submitted" in suppression.withheld_notes(safe)[0]


def test_suppression_leaves_the_exact_result_alone(survey):
    result = result_of(survey, breakdown="kind")
    before = repr(result)

    suppression.suppressed(result)

    assert repr(result) == before


def test_ranges_of_numbers_held_by_few_are_hidden(survey):
    people = question(suppression.suppressed(result_of(survey)), "people")
    exact = question(result_of(survey), "people")

    shown = {row["code"]: row["counts"][0] for row in people["rows"]}
    held = {row["code"]: row["counts"][0] for row in exact["rows"]}
    for code, count in held.items():
        if 0 < count < 5:
            assert suppression.is_hidden(shown[code])
    assert people["stats"]["mean"][0] == pytest.approx(13.69, abs=0.01)


def test_shown_columns_keeps_the_withheld_remainder_at_least_k():
    assert suppression.shown_columns([20, 10, 7, 3], k=5, partitioned=True) == {
        3: suppression.Hidden("small"),
        2: suppression.Hidden("complementary"),
    }
    # Two small groups that together reach k need no third one withheld.
    assert set(suppression.shown_columns([20, 12, 3, 3, 2], k=5, partitioned=True)) == {2, 3, 4}
    assert suppression.shown_columns([20, 12, 3, 5], k=5, partitioned=False) == {
        2: suppression.Hidden("small")
    }
    assert set(suppression.shown_columns([4, 2, 2], k=5, partitioned=True)) == {0, 1, 2}


def test_hide_small_cells_protects_each_line_with_one_hidden_part():
    cells = {"total": 20, "a": 2, "b": 9, "c": 9}

    hidden = suppression.hide_small_cells(cells, min_cell=5, lines=[("total", ["a", "b", "c"])])

    assert hidden == {"a", "b"}


def test_hide_small_cells_hides_the_total_when_nothing_else_can_be():
    cells = {"total": 7, "a": 3, "b": 4}

    hidden = suppression.hide_small_cells(cells, min_cell=5, lines=[("total", ["a", "b"])])

    assert hidden == {"a", "b"}
    hidden = suppression.hide_small_cells(
        {"total": 7, "a": 3, "b": 7}, min_cell=5, lines=[("total", ["a", "b"])], settled=["b"]
    )
    assert hidden == {"a", "total"}


# --- Needs meet offers --------------------------------------------------------------------------


def test_needs_meet_offers_lists_who_needs_and_who_offers_each_shared_category(survey):
    final = SectionFactory(survey=survey, position=9, code="offers")
    # The survey is locked (answered), so add the offer question directly in the database.
    offers = Question.objects.create(
        section=final,
        position=1,
        code="offers",
        kind=Question.Kind.MULTIPLE_CHOICE,
        text_en="What can you offer?",
        role=Question.Role.OFFER,
    )
    for position, code in enumerate(["hosting", "legal", "other"], start=1):
        OptionFactory(question=offers, position=position, code=code, is_other=code == "other")
    consent = QuestionFactory(
        section=final, position=2, code="matching-consent", kind=Question.Kind.YES_NO
    )
    offerer = OrganizationFactory(name="Offerer eG")
    answer(
        InvitationFactory(survey=survey, organization=offerer),
        {
            **group_c(1),
            "offers": ["hosting", "other"],
            "matching-consent": "yes",
        },
    )
    assert consent.pk

    matches = {match["code"]: match for match in result_of(survey)["matches"]}

    assert list(matches) == ["hosting", "legal"]  # training is offered by no question option
    assert [o["name"] for o in matches["hosting"]["needing"]] == [f"A{i} eG" for i in range(1, 5)]
    assert matches["hosting"]["offering"] == [
        {"name": "Offerer eG", "slug": "offerer-eg", "consent": True}
    ]
    assert matches["legal"]["offering"] == []
    assert len(matches["legal"]["needing"]) == 9


# --- Comparing snapshots ------------------------------------------------------------------------


def test_compare_puts_counts_and_shares_of_two_snapshots_side_by_side(survey):
    before = result_of(survey)
    organization = OrganizationFactory(name="Late eG")
    answer(
        InvitationFactory(survey=survey, organization=organization),
        group_b(1),
    )
    after = result_of(survey)

    kind = next(
        c
        for c in comparison.compare(after, before)
        if c["question"] == question(after, "kind")["text"]
    )
    association = next(row for row in kind["rows"] if row["label"] == "Association")

    assert (association["count"], association["earlier_count"]) == (5, 4)
    assert association["count_difference"] == 1
    assert association["share_difference"] == pytest.approx((5 / 14 - 4 / 13) * 100, abs=1e-3)
