"""Saving and submitting responses: typed answers, drafts, submission, one response each."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from survey import services
from survey.models import Answer, AnswerChoice, Response, Survey
from survey.questionnaire import Questionnaire
from tests.factories import InvitationFactory, OrganizationFactory, ResponseFactory

from .conftest import build_survey

pytestmark = pytest.mark.django_db

BASICS = {"kind": "other", "kind__other": "Stiftung", "platform": "yes", "platform-name": "Fair"}
NEEDS = {
    "needs": ["hosting", "other"],
    "needs__other": "Insurance",
    "hosting-detail": "",
    "usefulness": 4,
    "obstacles__tax": 5,
    "obstacles__capital": 2,
}
COMPLETE = {
    "basics": {**BASICS, "people": 12},
    "needs": NEEDS,
    "platform": {"platform-users": 250},
    "final": {"comment": "", "offer": "Workshops"},
}


def section(survey, code):
    return survey.sections.get(code=code)


def save(invitation, code, values, *, continue_at=None):
    return services.response_save_section(
        invitation=invitation,
        section=section(invitation.survey, code),
        values=values,
        continue_at=continue_at,
    )


def save_all(invitation) -> Response:
    for code, values in COMPLETE.items():
        response = save(invitation, code, values)
    return response


def test_saving_a_page_stores_answers_in_typed_columns(invitation):
    save(invitation, "basics", {**BASICS, "people": 12})
    save(invitation, "needs", NEEDS)
    answers = {
        (answer.question.code, answer.item.code if answer.item else None): answer
        for answer in Answer.objects.select_related("question", "item", "choice")
    }
    assert answers["kind", None].choice.code == "other"
    assert answers["kind", None].other_text == "Stiftung"
    assert answers["platform", None].boolean is True
    assert answers["platform-name", None].text == "Fair"
    assert answers["people", None].number == 12
    assert answers["usefulness", None].number == 4
    assert answers["obstacles", "tax"].number == 5
    assert answers["obstacles", "capital"].number == 2
    assert answers["needs", None].other_text == "Insurance"
    chosen = AnswerChoice.objects.filter(answer=answers["needs", None])
    assert sorted(chosen.values_list("option__code", flat=True)) == ["hosting", "other"]
    # An empty optional answer is no row at all, so "answered" counts are plain COUNTs.
    assert ("hosting-detail", None) not in answers


def test_stored_answers_come_back_as_the_values_that_were_saved(invitation):
    response = save(invitation, "basics", {**BASICS, "people": 12})
    values = Questionnaire.load(invitation.survey).values_of(response)
    assert values == {**BASICS, "people": 12}


def test_saving_a_page_again_replaces_its_answers(invitation):
    save(invitation, "needs", NEEDS)
    save(invitation, "needs", {**NEEDS, "needs": ["legal"], "usefulness": 2})
    assert Answer.objects.filter(question__code="needs").count() == 1
    assert list(AnswerChoice.objects.values_list("option__code", flat=True)) == ["legal"]
    assert Answer.objects.get(question__code="usefulness").number == 2
    assert Answer.objects.count() == 4  # needs, usefulness and two matrix items


def test_saving_records_where_to_continue_and_the_language(invitation):
    needs = section(invitation.survey, "needs")
    response = services.response_save_section(
        invitation=invitation,
        section=section(invitation.survey, "basics"),
        values=BASICS,
        continue_at=needs,
        language="en",
    )
    assert response.current_section == needs
    assert response.status == Response.Status.DRAFT
    invitation.refresh_from_db()
    assert invitation.language == "en"


def test_submitting_needs_every_required_question_that_is_asked(invitation):
    save(invitation, "basics", BASICS)
    with pytest.raises(services.ResponseIncompleteError) as error:
        services.response_submit(invitation=invitation)
    missing = [question.code for question in error.value.missing]
    assert missing == ["people", "needs", "usefulness", "obstacles"]
    assert Response.objects.get().status == Response.Status.DRAFT


def test_submitting_without_any_answer_is_refused(invitation):
    with pytest.raises(services.ResponseIncompleteError):
        services.response_submit(invitation=invitation)
    assert not Response.objects.exists()


def test_submitting_a_complete_response(invitation):
    save_all(invitation)
    response = services.response_submit(invitation=invitation)
    assert response.status == Response.Status.SUBMITTED
    assert response.submitted_at is not None
    assert response.survey_version == invitation.survey.version


def test_submitting_twice_changes_nothing(invitation):
    save_all(invitation)
    first = services.response_submit(invitation=invitation)
    second = services.response_submit(invitation=invitation)
    assert second.pk == first.pk
    assert second.submitted_at == first.submitted_at
    assert Response.objects.count() == 1


def test_submitting_deletes_answers_to_questions_no_longer_asked(invitation):
    save_all(invitation)
    # Now the organization says it runs no platform: the platform pages' answers lose meaning.
    save(invitation, "basics", {**BASICS, "platform": "no", "platform-name": "", "people": 12})
    services.response_submit(invitation=invitation)
    codes = set(Answer.objects.values_list("question__code", flat=True))
    assert "platform-users" not in codes
    assert "platform-name" not in codes
    assert {"kind", "platform", "people", "needs", "offer"} <= codes


def test_changing_a_submitted_response_makes_it_a_draft_until_submitted_again(invitation):
    save_all(invitation)
    services.response_submit(invitation=invitation)

    response = save(invitation, "final", COMPLETE["final"])
    assert response.status == Response.Status.SUBMITTED, "unchanged answers keep it submitted"

    response = save(invitation, "final", {**COMPLETE["final"], "comment": "One more thing"})
    assert response.status == Response.Status.DRAFT
    assert response.submitted_at is not None
    assert services.response_submit(invitation=invitation).status == Response.Status.SUBMITTED


def test_submitted_answers_stay_when_the_survey_forbids_changes(survey, invitation):
    save_all(invitation)
    services.response_submit(invitation=invitation)
    Survey.objects.filter(pk=survey.pk).update(allow_changes_after_submit=False)
    invitation.refresh_from_db()
    with pytest.raises(services.ResponseLockedError):
        save(invitation, "final", {"comment": "changed", "offer": ""})
    assert not Answer.objects.filter(text="changed").exists()


@pytest.mark.parametrize(
    "survey_fields",
    [
        {"status": Survey.Status.CLOSED},
        {"status": Survey.Status.DRAFT},
        {"closes_at": timezone.now() - timedelta(minutes=1)},
        {"opens_at": timezone.now() + timedelta(days=1)},
    ],
    ids=["closed", "draft", "past-closing-date", "before-opening-date"],
)
def test_no_answers_are_taken_outside_the_open_period(survey_fields):
    survey = build_survey(**survey_fields)
    invitation = InvitationFactory(survey=survey)
    with pytest.raises(services.SurveyNotOpenError):
        save(invitation, "basics", BASICS)
    with pytest.raises(services.SurveyNotOpenError):
        services.response_submit(invitation=invitation)
    assert not Response.objects.exists()


def test_the_database_refuses_a_second_response_for_an_invitation(invitation):
    ResponseFactory(invitation=invitation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(invitation=invitation, survey_version=1)


def test_the_database_refuses_two_answers_to_one_question(invitation):
    response = save(invitation, "basics", BASICS)
    question = Answer.objects.get(question__code="platform-name").question
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question=question, text="again")


def test_the_database_refuses_a_second_invitation_per_organization(invitation):
    with pytest.raises(IntegrityError), transaction.atomic():
        InvitationFactory(survey=invitation.survey, organization=invitation.organization)


def test_the_database_refuses_a_submitted_response_without_date(invitation):
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(invitation=invitation, survey_version=1, status="submitted")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL): SQLite serializes all writers, so nothing races",
)
def test_two_simultaneous_submissions_make_exactly_one_response():
    """Two people of one organization save and submit the same answers at the same moment."""
    survey = build_survey()
    invitation = InvitationFactory(survey=survey, organization=OrganizationFactory())
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def person() -> None:
        try:
            start.wait(timeout=10)
            save_all(invitation)
            outcomes.append(services.response_submit(invitation=invitation).pk)
        except Exception as error:  # pragma: no cover - reported by the assertion below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=person) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == 2
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert outcomes[0] == outcomes[1]
    assert Response.objects.filter(invitation=invitation).count() == 1
    response = Response.objects.get(invitation=invitation)
    assert response.status == Response.Status.SUBMITTED
    assert Answer.objects.filter(response=response, question__code="needs").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL): SQLite serializes all writers, so nothing races",
)
def test_the_constraint_alone_stops_a_second_response_created_concurrently():
    """Even bypassing the services' row lock, the database keeps one response per invitation."""
    invitation = InvitationFactory(survey=build_survey(), organization=OrganizationFactory())
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def create() -> None:
        try:
            with transaction.atomic():
                start.wait(timeout=10)
                Response.objects.create(invitation_id=invitation.pk, survey_version=1)
            outcomes.append("created")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["created", "refused"]
    assert Response.objects.filter(invitation=invitation).count() == 1
