"""Editing questionnaires: the admin, the rules of a question, and the lock once answered."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import RestrictedError
from django.urls import reverse

from survey import services
from survey.models import LOCKED_MESSAGE, Option, Question, Survey
from tests.factories import (
    InvitationFactory,
    OptionFactory,
    QuestionFactory,
    ResponseFactory,
    SectionFactory,
    UserFactory,
)

from .conftest import answer_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def answered(client, survey):
    """The example survey with one organization's answers."""
    answer_everything(client, InvitationFactory(survey=survey))
    return survey


def question(survey, code) -> Question:
    return Question.objects.get(section__survey=survey, code=code)


# --- Rules of a question ----------------------------------------------------------------------


def test_a_scale_needs_labels_for_both_ends(survey):
    scale = question(survey, "usefulness")
    scale.scale_max_label_de = scale.scale_max_label_en = ""
    with pytest.raises(ValidationError, match="labels for both of its ends"):
        scale.full_clean()


def test_only_number_questions_have_bounds_and_in_order(survey):
    text = question(survey, "comment")
    text.min_value = 1
    with pytest.raises(ValidationError, match="Only number questions have bounds"):
        text.full_clean()
    number = question(survey, "people")
    number.min_value, number.max_value = 10, 5
    with pytest.raises(ValidationError, match="must not be below the smallest"):
        number.full_clean()


def test_a_condition_refers_to_an_earlier_question_of_the_same_survey(survey):
    comment = question(survey, "comment")
    comment.condition_question = question(survey, "offer")  # asked after it
    with pytest.raises(ValidationError, match="asked before this one"):
        comment.full_clean()
    comment.condition_question = QuestionFactory()  # another survey
    with pytest.raises(ValidationError, match="same survey"):
        comment.full_clean()
    comment.condition_question = question(survey, "kind")
    comment.condition_option = question(survey, "needs").options.first()
    with pytest.raises(ValidationError, match="option of that question"):
        comment.full_clean()
    comment.condition_option = None
    comment.condition_yes = True
    with pytest.raises(ValidationError, match="yes/no questions only"):
        comment.full_clean()
    comment.condition_question = question(survey, "platform")
    comment.full_clean()


def test_question_codes_are_unique_within_a_survey(survey):
    duplicate = Question(
        section=survey.sections.get(code="final"), code="people", kind="number", text_de="?"
    )
    with pytest.raises(ValidationError, match="Another question of this survey has this code"):
        duplicate.full_clean()


def test_options_belong_to_choice_questions_only(survey):
    option = Option(question=question(survey, "comment"), code="x", label_de="X")
    with pytest.raises(ValidationError, match="Only single- and multiple-choice"):
        option.full_clean()


# --- The lock ---------------------------------------------------------------------------------


def test_texts_of_an_answered_survey_can_still_be_corrected(answered):
    people = question(answered, "people")
    people.text_en = "How many people work with you?"
    people.help_de = "Ungefähr."
    people.full_clean()
    people.save()


@pytest.mark.parametrize(
    ("code", "change"),
    [
        ("comment", {"kind": "short_text"}),
        ("people", {"max_value": 10}),
        ("people", {"required": False}),
        ("people", {"code": "staff"}),
        ("comment", {"condition_question_code": "kind"}),
    ],
)
def test_the_structure_of_an_answered_survey_is_locked(answered, code, change):
    locked = question(answered, code)
    for name, value in change.items():
        if name == "condition_question_code":
            locked.condition_question = question(answered, value)
        else:
            setattr(locked, name, value)
    with pytest.raises(ValidationError) as error:
        locked.full_clean()
    assert str(LOCKED_MESSAGE) in str(error.value)


def test_nothing_can_be_added_to_an_answered_survey(answered):
    with pytest.raises(ValidationError, match="structure is locked"):
        Question(
            section=answered.sections.get(code="final"), code="new", kind="yes_no", text_de="?"
        ).full_clean()
    with pytest.raises(ValidationError, match="structure is locked"):
        Option(question=question(answered, "kind"), code="new", label_de="Neu").full_clean()
    with pytest.raises(ValidationError, match="structure is locked"):
        SectionFactory.build(survey=answered, code="new").full_clean()


def test_the_database_keeps_answered_questions_and_options(answered):
    with pytest.raises(RestrictedError):
        question(answered, "people").delete()
    with pytest.raises(RestrictedError):
        question(answered, "kind").options.get(code="coop").delete()


def test_a_survey_can_be_deleted_with_its_answers(answered):
    answered.delete()
    assert not Question.objects.exists()


def test_a_draft_response_already_locks_the_structure(survey):
    assert not survey.is_locked
    ResponseFactory(invitation__survey=survey)
    assert survey.is_locked


COMPARED = (
    "code",
    "kind",
    "required",
    "condition_question__code",
    "condition_option__code",
    "condition_yes",
)


def test_copying_makes_an_unlocked_next_version_with_the_same_structure(answered):
    copy = services.survey_copy(survey=answered, slug="v2")
    assert (copy.version, copy.status, copy.is_locked) == (2, Survey.Status.DRAFT, False)
    original = list(
        Question.objects.filter(section__survey=answered)
        .order_by("section__position", "position")
        .values_list(*COMPARED)
    )
    copied = list(
        Question.objects.filter(section__survey=copy)
        .order_by("section__position", "position")
        .values_list(*COMPARED)
    )
    assert copied == original
    assert Option.objects.filter(question__section__survey=copy).count() == (
        Option.objects.filter(question__section__survey=answered).count()
    )
    hosting_detail = question(copy, "hosting-detail")
    assert hosting_detail.condition_option.question.section.survey == copy


# --- The admin --------------------------------------------------------------------------------


def test_every_admin_page_of_the_survey_opens(admin_client, answered):
    invitation = answered.invitations.get()
    pages = [
        reverse("admin:survey_survey_changelist"),
        reverse("admin:survey_survey_change", args=[answered.pk]),
        reverse("admin:survey_survey_add"),
        reverse("admin:survey_section_changelist"),
        reverse("admin:survey_section_change", args=[answered.sections.first().pk]),
        reverse("admin:survey_question_changelist"),
        reverse("admin:survey_question_change", args=[question(answered, "kind").pk]),
        reverse("admin:survey_question_change", args=[question(answered, "obstacles").pk]),
        reverse("admin:survey_question_add"),
        reverse("admin:survey_invitation_changelist"),
        reverse("admin:survey_invitation_change", args=[invitation.pk]),
        reverse("admin:survey_invitation_add"),
        reverse("admin:survey_response_changelist"),
        reverse("admin:survey_response_change", args=[invitation.response.pk]),
    ]
    for url in pages:
        assert admin_client.get(url).status_code == 200, url


def test_the_admin_shows_why_a_survey_is_locked_and_keeps_structure_read_only(
    admin_client, answered
):
    url = reverse("admin:survey_question_change", args=[question(answered, "kind").pk])
    page = admin_client.get(url)
    body = page.content.decode()
    assert "its structure is locked" in body
    assert 'name="kind"' not in body, "the type is read-only"
    assert 'name="text_en"' in body, "texts stay editable"
    assert 'name="options-0-label_en"' in body, "option labels stay editable"
    assert 'name="options-0-code"' not in body
    assert 'name="options-MAX_NUM_FORMS" value="0"' in body, "no options can be added"


def test_the_admin_creates_invitations_with_a_key(admin_client, survey, organization):
    response = admin_client.post(
        reverse("admin:survey_invitation_add"),
        {"survey": survey.pk, "organization": organization.pk, "language": "de"},
    )
    assert response.status_code == 302
    invitation = survey.invitations.get()
    assert len(invitation.key) >= 24


def test_the_admin_copies_a_survey_as_a_new_version(admin_client, answered):
    admin_client.post(
        reverse("admin:survey_survey_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [answered.pk]},
    )
    copy = Survey.objects.get(slug=f"{answered.slug}-v2")
    assert copy.version == 2


def test_individual_answers_in_the_admin_are_for_network_managers_only(client, answered):
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="survey"))
    client.force_login(staff)
    assert client.get(reverse("admin:survey_response_changelist")).status_code == 403
    assert client.get(reverse("admin:survey_survey_changelist")).status_code == 200


def test_unanswered_surveys_stay_fully_editable_in_the_admin(admin_client, survey):
    OptionFactory(question=question(survey, "kind"), code="extra")
    page = admin_client.get(
        reverse("admin:survey_question_change", args=[question(survey, "kind").pk])
    )
    assert 'name="kind"' in page.content.decode()


def test_a_survey_cannot_take_the_slug_of_the_reports_page():
    from django.core.exceptions import ValidationError

    from tests.factories import SurveyFactory

    survey = SurveyFactory.build(slug="reports")
    with pytest.raises(ValidationError) as error:
        survey.full_clean()
    assert "slug" in error.value.message_dict
