"""The needs-analysis questionnaire in fixtures/: complete, bilingual, loadable twice."""

import pytest
from django.test import Client

from survey import services
from survey.models import MatrixItem, Option, Question, Section, Survey
from tests.factories import InvitationFactory, ResponseFactory

from .conftest import survey_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return services.survey_load_demo()


def test_the_needs_analysis_is_open_for_a_newcomer_to_try(demo):
    assert demo.slug == "bedarfsanalyse"
    assert demo.is_accepting_answers
    page = Client().get(survey_url(InvitationFactory(survey=demo)))
    assert page.status_code == 200
    assert demo.title_de in page.content.decode()


def test_it_has_25_to_40_questions_in_5_to_7_sections_using_every_type(demo):
    sections = Section.objects.filter(survey=demo)
    questions = Question.objects.filter(section__survey=demo)
    assert 5 <= sections.count() <= 7
    assert 25 <= questions.count() <= 40
    assert set(questions.values_list("kind", flat=True)) == set(Question.Kind.values)
    assert all(section.questions.exists() for section in sections)
    assert questions.filter(options__is_other=True, kind="multiple_choice").exists()
    assert questions.filter(condition_question__isnull=False).count() >= 3


def test_every_text_exists_in_german_and_english(demo):
    assert all([demo.title_de, demo.title_en, demo.intro_de, demo.intro_en])
    for section in Section.objects.filter(survey=demo):
        assert all([section.title_de, section.title_en]), section.code
    for question in Question.objects.filter(section__survey=demo):
        assert all([question.text_de, question.text_en]), question.code
        assert bool(question.help_de) == bool(question.help_en), question.code
        if question.kind in Question.SCALE_KINDS:
            labels = [
                question.scale_min_label_de,
                question.scale_min_label_en,
                question.scale_max_label_de,
                question.scale_max_label_en,
            ]
            assert all(labels), question.code
    for piece in [
        *Option.objects.filter(question__section__survey=demo),
        *MatrixItem.objects.filter(question__section__survey=demo),
    ]:
        assert all([piece.label_de, piece.label_en]), piece.code


def test_it_covers_the_networks_goals(demo):
    texts = " ".join(
        Question.objects.filter(section__survey=demo).values_list("text_en", flat=True)
    ) + " ".join(
        Option.objects.filter(question__section__survey=demo).values_list("label_en", flat=True)
    )
    for topic in [
        "knowledge",
        "legal form",
        "financ",
        "tax",
        "funding programmes",
        "pioneer solutions",
        "spaces to experiment",
        "hosting",
        "video conferencing",
        "software",
        "visibility",
        "common interests",
        "international platform market",
        "training",
        "degree programmes in cooperative economics",
        "offer",
    ]:
        assert topic in texts.lower(), topic


def test_needs_and_offers_share_their_categories(demo):
    need = Question.objects.get(section__survey=demo, role=Question.Role.NEED)
    offer = Question.objects.get(section__survey=demo, role=Question.Role.OFFER)
    need_codes = list(need.options.order_by("position").values_list("code", "label_en"))
    offer_codes = list(offer.options.order_by("position").values_list("code", "label_en"))
    assert need_codes == offer_codes
    assert len(need_codes) >= 10


def test_loading_twice_changes_nothing(demo):
    counts = (Section.objects.count(), Question.objects.count(), Option.objects.count())
    again = services.survey_load_demo()
    assert again.pk == demo.pk
    assert (Section.objects.count(), Question.objects.count(), Option.objects.count()) == counts


def test_reloading_keeps_a_managers_decisions(demo):
    Survey.objects.filter(pk=demo.pk).update(status=Survey.Status.CLOSED)
    services.survey_load_demo()
    demo.refresh_from_db()
    assert demo.status == Survey.Status.CLOSED


def test_reloading_a_survey_with_answers_updates_texts_only(demo):
    ResponseFactory(invitation__survey=demo)
    question = Question.objects.get(section__survey=demo, code="org-stage")
    Question.objects.filter(pk=question.pk).update(text_en="Typo", required=False)
    services.survey_load_demo()
    question.refresh_from_db()
    assert question.text_en == "What stage is your organization at?"
    assert question.required is False, "structure is locked once answers exist"
