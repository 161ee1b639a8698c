"""A small questionnaire with every question type and condition, and helpers to answer it."""

import pytest
from django.urls import reverse

from survey.models import Question
from survey.tokens import invitation_token
from tests.factories import (
    InvitationFactory,
    MatrixItemFactory,
    OptionFactory,
    QuestionFactory,
    SectionFactory,
    SurveyFactory,
)

Kind = Question.Kind


def build_survey(**survey_fields):
    """Build a four-page survey using every question type and every kind of condition.

    1 basics: kind (single choice with "other"), platform (yes/no), platform-name (short text,
      only if platform = yes, same page), people (number 0..1000)
    2 needs: needs (multiple choice, at most 2, with "other"), hosting-detail (long text,
      only if needs includes hosting, same page), usefulness (scale), obstacles (matrix)
    3 platform: platform-users (number >= 1, optional, only if platform = yes: another page)
    4 final: comment (long text, optional), offer (short text, only if needs answered at all)
    """
    survey = SurveyFactory(**survey_fields)
    basics = SectionFactory(survey=survey, position=1, code="basics", title_en="Basics")
    needs = SectionFactory(survey=survey, position=2, code="needs", title_en="Needs")
    platform = SectionFactory(survey=survey, position=3, code="platform", title_en="Platform")
    final = SectionFactory(survey=survey, position=4, code="final", title_en="Final words")

    kind = QuestionFactory(
        section=basics, position=1, code="kind", kind=Kind.SINGLE_CHOICE, required=True
    )
    OptionFactory(question=kind, position=1, code="coop", label_en="Cooperative")
    OptionFactory(question=kind, position=2, code="association", label_en="Association")
    OptionFactory(question=kind, position=3, code="other", label_en="Other", is_other=True)
    platform_question = QuestionFactory(
        section=basics, position=2, code="platform", kind=Kind.YES_NO, required=True
    )
    QuestionFactory(
        section=basics,
        position=3,
        code="platform-name",
        kind=Kind.SHORT_TEXT,
        required=True,
        condition_question=platform_question,
        condition_yes=True,
    )
    QuestionFactory(
        section=basics,
        position=4,
        code="people",
        kind=Kind.NUMBER,
        required=True,
        min_value=0,
        max_value=1000,
    )

    needs_question = QuestionFactory(
        section=needs,
        position=1,
        code="needs",
        kind=Kind.MULTIPLE_CHOICE,
        required=True,
        max_choices=2,
        role=Question.Role.NEED,
    )
    hosting = OptionFactory(question=needs_question, position=1, code="hosting")
    OptionFactory(question=needs_question, position=2, code="legal")
    OptionFactory(question=needs_question, position=3, code="training")
    OptionFactory(question=needs_question, position=4, code="other", is_other=True)
    QuestionFactory(
        section=needs,
        position=2,
        code="hosting-detail",
        kind=Kind.LONG_TEXT,
        condition_question=needs_question,
        condition_option=hosting,
    )
    QuestionFactory(section=needs, position=3, code="usefulness", kind=Kind.SCALE, required=True)
    obstacles = QuestionFactory(
        section=needs, position=4, code="obstacles", kind=Kind.MATRIX, required=True
    )
    MatrixItemFactory(question=obstacles, position=1, code="tax", label_en="Tax")
    MatrixItemFactory(question=obstacles, position=2, code="capital", label_en="Capital")

    QuestionFactory(
        section=platform,
        position=1,
        code="platform-users",
        kind=Kind.NUMBER,
        min_value=1,
        condition_question=platform_question,
        condition_yes=True,
    )

    QuestionFactory(section=final, position=1, code="comment", kind=Kind.LONG_TEXT)
    QuestionFactory(
        section=final,
        position=2,
        code="offer",
        kind=Kind.SHORT_TEXT,
        condition_question=needs_question,
    )
    return survey


@pytest.fixture
def survey(db):
    return build_survey()


@pytest.fixture
def invitation(survey):
    return InvitationFactory(survey=survey)


# Valid answers, page by page, as a browser posts them.
PAGE_ANSWERS = {
    1: {"kind": "coop", "platform": "yes", "platform-name": "FairPlatform", "people": "12"},
    2: {
        "needs": ["hosting", "legal"],
        "hosting-detail": "EU servers",
        "usefulness": "4",
        "obstacles__tax": "5",
        "obstacles__capital": "3",
    },
    3: {"platform-users": "250"},
    4: {"comment": "Thanks!", "offer": "Workshops"},
}


def survey_url(invitation, name="start", **kwargs) -> str:
    return reverse(f"survey:{name}", kwargs={"token": invitation_token(invitation), **kwargs})


def step_url(invitation, step: int) -> str:
    return survey_url(invitation, "section", step=step)


def post_page(client, invitation, step: int, data: dict | None = None, action: str = "next"):
    data = PAGE_ANSWERS[step] if data is None else data
    return client.post(step_url(invitation, step), {**data, "action": action})


def answer_everything(client, invitation) -> None:
    for step in PAGE_ANSWERS:
        response = post_page(client, invitation, step)
        assert response.status_code == 302, response.content.decode()[:2000]
