"""The questionnaire in memory: conditions, navigation and answers read back as text."""

import pytest
from django.utils import translation

from survey.questionnaire import Questionnaire
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db

ANSWERS = {
    "kind": "other",
    "kind__other": "Stiftung",
    "platform": "yes",
    "platform-name": "Fair",
    "people": 1200,
    "needs": ["hosting", "other"],
    "needs__other": "Insurance",
    "hosting-detail": "EU servers\nin Hamburg",
    "usefulness": 4,
    "obstacles__tax": 5,
    "obstacles__capital": 2,
    "platform-users": 250,
    "comment": "",
    "offer": "Workshops",
}


def codes(questions) -> list[str]:
    return [question.code for question in questions]


def test_loading_costs_four_queries(survey, django_assert_num_queries):
    with django_assert_num_queries(4):
        questionnaire = Questionnaire.load(survey)
    assert [section.code for section in questionnaire.sections] == [
        "basics",
        "needs",
        "platform",
        "final",
    ]


def test_every_question_type_reads_back_as_text(survey):
    questionnaire = Questionnaire.load(survey)
    with translation.override("en"):
        sheet = questionnaire.display(ANSWERS)
    lines = {answer.question.code: answer.lines for part in sheet for answer in part.answers}
    assert lines["kind"] == ["Other: Stiftung"]
    assert lines["platform"] == ["Yes"]
    assert lines["platform-name"] == ["Fair"]
    assert lines["people"] == ["1,200"]
    assert lines["needs"] == ["Answer hosting", "Answer other: Insurance"]
    assert lines["hosting-detail"] == ["EU servers\nin Hamburg"]
    assert lines["usefulness"] == ["4 of 5 (1 = not at all, 5 = very much)"]
    assert lines["obstacles"] == ["Tax: 5 / 5", "Capital: 2 / 5"]
    assert lines["comment"] == []


def test_german_visitors_read_german_texts(survey):
    questionnaire = Questionnaire.load(survey)
    with translation.override("de"):
        sheet = questionnaire.display(ANSWERS)
    lines = {answer.question.code: answer.lines for part in sheet for answer in part.answers}
    assert lines["platform"] == ["Ja"]
    assert lines["people"] == ["1.200"]
    assert lines["needs"][0] == "Antwort hosting"


def test_conditions_chain(survey):
    questionnaire = Questionnaire.load(survey)
    platform_name = next(q for q in questionnaire.questions if q.code == "platform-name")
    follow_up = QuestionFactory(
        section=platform_name.section,
        position=9,
        code="follow-up",
        condition_question=platform_name,
    )
    questionnaire = Questionnaire.load(survey)
    follow_up = next(q for q in questionnaire.questions if q.code == "follow-up")
    assert questionnaire.is_visible(follow_up, {"platform": "yes", "platform-name": "Fair"})
    # "platform-name" is not asked after "no", so neither is what depends on it.
    assert not questionnaire.is_visible(follow_up, {"platform": "no", "platform-name": "Fair"})


def test_hidden_and_missing_questions(survey):
    questionnaire = Questionnaire.load(survey)
    answers = {"kind": "coop", "platform": "no"}
    assert codes(questionnaire.hidden_questions(answers)) == [
        "platform-name",
        "hosting-detail",
        "platform-users",
        "offer",
    ]
    assert codes(questionnaire.missing_required(answers)) == [
        "people",
        "needs",
        "usefulness",
        "obstacles",
    ]
    partial_matrix = {**ANSWERS, "obstacles__capital": None}
    assert codes(questionnaire.missing_required(partial_matrix)) == ["obstacles"]


def test_navigation_skips_pages_with_nothing_to_ask(survey):
    questionnaire = Questionnaire.load(survey)
    basics, needs, platform, final = questionnaire.sections
    assert questionnaire.next_section(needs, {"platform": "yes"}) == platform
    assert questionnaire.next_section(needs, {"platform": "no"}) == final
    assert questionnaire.previous_section(final, {"platform": "no"}) == needs
    assert questionnaire.previous_section(basics, {}) is None
    assert questionnaire.next_section(final, {}) is None
