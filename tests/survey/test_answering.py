"""Answering through the personal link, as an organization meets it in the browser."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from survey.models import Answer, Response, Survey
from survey.tokens import invitation_token
from tests.factories import InvitationFactory

from .conftest import PAGE_ANSWERS, answer_everything, build_survey, post_page, step_url, survey_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """A visitor who switched the site to English."""
    client.cookies["django_language"] = "en"
    return client


def text(response) -> str:
    return response.content.decode()


# --- The link ---------------------------------------------------------------------------------


def test_the_start_page_welcomes_the_organization(client, invitation):
    page = client.get(survey_url(invitation))
    assert page.status_code == 200
    assert invitation.organization.name in text(page)
    assert invitation.survey.title_en in text(page)
    assert "The questionnaire in 4 steps" in text(page)
    assert page["Cache-Control"].startswith("max-age=0")
    assert "no-store" in page["Cache-Control"]


@pytest.mark.parametrize(
    "token",
    ["nonsense", "abc.def", "{key}", "{key}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    ids=["garbage", "bad-signature", "unsigned-key", "forged-signature"],
)
def test_an_invalid_link_gets_a_kind_not_found_page(client, invitation, token):
    url = f"/survey/{token.format(key=invitation.key)}/"
    page = client.get(url)
    assert page.status_code == 404
    assert "We could not find this survey link" in text(page)
    assert client.get(url + "step/1/").status_code == 404
    assert client.post(url + "review/").status_code == 404


def test_a_deleted_invitation_link_no_longer_works(client, invitation):
    url = survey_url(invitation)
    invitation.delete()
    assert client.get(url).status_code == 404


# --- Pages, saving and resuming ---------------------------------------------------------------


def test_a_page_shows_every_question_type_with_progress(client, invitation):
    page = client.get(step_url(invitation, 2))
    body = text(page)
    # Page 3 asks only about a platform, which nobody has mentioned yet: four steps for now.
    assert "Step 2 of 4" in body
    assert '<progress value="2" max="4"' in body
    assert 'aria-current="step">Needs' in body
    assert 'type="checkbox" name="needs" value="hosting"' in body
    assert 'name="needs__other"' in body
    assert 'type="radio" name="usefulness" value="5"' in body
    assert 'type="radio" name="obstacles__capital" value="1"' in body
    assert "1 = not at all · 5 = very much" in body
    # The detail question depends on an answer on this very page: rendered with its condition.
    assert 'data-condition-field="needs" data-condition-values="hosting"' in body


def test_next_saves_the_page_and_goes_on(client, invitation):
    response = post_page(client, invitation, 1)
    assert response.status_code == 302
    assert response.url == step_url(invitation, 2)
    saved = Response.objects.get(invitation=invitation)
    assert saved.status == Response.Status.DRAFT
    assert Answer.objects.get(response=saved, question__code="people").number == 12


def test_next_refuses_a_page_with_unanswered_required_questions(client, invitation):
    page = post_page(client, invitation, 1, {**PAGE_ANSWERS[1], "people": ""})
    assert page.status_code == 200
    assert "Please check the answers marked below." in text(page)
    assert "Please answer this question." in text(page)
    assert not Response.objects.exists()


def test_back_saves_the_page_even_if_unfinished(client, invitation):
    post_page(client, invitation, 1)
    response = post_page(client, invitation, 2, {"usefulness": "2"}, action="back")
    assert response.url == step_url(invitation, 1)
    assert Answer.objects.get(question__code="usefulness").number == 2


def test_back_does_not_save_wrong_answers(client, invitation):
    page = post_page(client, invitation, 1, {"people": "-1"}, action="back")
    assert page.status_code == 200
    assert "greater than or equal to 0" in text(page)
    assert not Answer.objects.exists()


def test_back_from_the_first_page_leads_to_the_start(client, invitation):
    response = post_page(client, invitation, 1, {}, action="back")
    assert response.url == survey_url(invitation)


def test_save_and_continue_later_stays_and_says_so(client, invitation):
    response = post_page(client, invitation, 1, {"kind": "coop"}, action="save")
    assert response.url == step_url(invitation, 1)
    page = client.get(response.url)
    assert "Your answers are saved" in text(page)
    assert 'value="coop" id="id_kind_0" checked' in text(page)


def test_anyone_with_the_link_resumes_where_anyone_left_off(client, invitation):
    post_page(client, invitation, 1)
    post_page(client, invitation, 2, {"needs": ["legal"]}, action="save")

    colleague = Client()
    colleague.cookies["django_language"] = "en"
    start = colleague.get(survey_url(invitation))
    assert "Your organization has started answering" in text(start)
    assert "Continue with “Needs”" in text(start)
    page = colleague.get(step_url(invitation, 2))
    assert 'value="legal" id="id_needs_1" checked' in text(page)
    page = colleague.get(step_url(invitation, 1))
    assert 'value="FairPlatform"' in text(page)
    assert 'value="12"' in text(page)


def test_a_page_with_nothing_to_ask_is_skipped(client, invitation):
    post_page(client, invitation, 1, {**PAGE_ANSWERS[1], "platform": "no"})
    response = post_page(client, invitation, 2)
    assert response.url == step_url(invitation, 4), "page 3 only asks about the platform"
    assert client.get(step_url(invitation, 3)).url == step_url(invitation, 4)
    response = post_page(client, invitation, 4, {}, action="back")
    assert response.url == step_url(invitation, 2)
    assert "Step 3 of 4" in text(client.get(step_url(invitation, 4)))


def test_a_question_depending_on_an_earlier_page_is_asked_only_if_it_applies(client, invitation):
    post_page(client, invitation, 1)
    assert 'name="platform-users"' in text(client.get(step_url(invitation, 3)))


def test_pages_cost_a_fixed_number_of_queries(client, invitation, django_assert_max_num_queries):
    answer_everything(client, invitation)
    with django_assert_max_num_queries(12):
        client.get(step_url(invitation, 2))
    with django_assert_max_num_queries(12):
        client.get(survey_url(invitation, "review"))


def test_posts_need_the_csrf_token(invitation):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(step_url(invitation, 1), {**PAGE_ANSWERS[1], "action": "next"})
    assert response.status_code == 403
    assert browser.post(survey_url(invitation, "review")).status_code == 403
    assert not Response.objects.exists()


def test_the_pages_speak_german_by_default(invitation):
    page = Client().get(step_url(invitation, 1))
    assert page["Content-Language"] == "de"
    assert invitation.survey.sections.get(code="basics").title_de in text(page)


# --- Review and submit ------------------------------------------------------------------------


def test_the_review_lists_every_answer_and_what_is_missing(client, invitation):
    post_page(client, invitation, 1)
    page = client.get(survey_url(invitation, "review"))
    body = text(page)
    assert "Step 5 of 5" in body
    assert "FairPlatform" in body
    assert "3 required questions are not answered yet" in body
    assert body.count("Required, not answered yet") == 3
    assert f'href="{step_url(invitation, 2)}"' in body


def test_submitting_an_incomplete_response_is_refused_with_a_message(client, invitation):
    post_page(client, invitation, 1)
    page = client.post(survey_url(invitation, "review"), follow=True)
    assert "Please answer the questions marked below first." in text(page)
    assert Response.objects.get().status == Response.Status.DRAFT


def test_review_then_submit(client, invitation):
    answer_everything(client, invitation)
    review = client.get(survey_url(invitation, "review"))
    assert "Hosting" in text(review) or "hosting" in text(review)
    assert "5 / 5" in text(review)
    response = client.post(survey_url(invitation, "review"))
    assert response.url == survey_url(invitation)
    assert Response.objects.get().status == Response.Status.SUBMITTED


def test_after_submitting_the_link_shows_the_answers_never_a_blank_questionnaire(
    client, invitation
):
    answer_everything(client, invitation)
    client.post(survey_url(invitation, "review"))
    page = client.get(survey_url(invitation))
    body = text(page)
    assert "Thank you! Your answers have been submitted." in body
    assert "Your organization submitted its answers on" in body
    assert "FairPlatform" in body
    assert "Change answers" in body
    assert "<form" not in body.split('id="main"')[1]


def test_changing_submitted_answers_while_open(client, invitation):
    answer_everything(client, invitation)
    client.post(survey_url(invitation, "review"))

    page = client.get(step_url(invitation, 1))
    assert 'value="FairPlatform"' in text(page), "the form holds the submitted answers"
    post_page(client, invitation, 1, {**PAGE_ANSWERS[1], "people": "13"})
    assert Response.objects.get().status == Response.Status.DRAFT
    start = client.get(survey_url(invitation))
    assert "Please submit them again" in text(start)
    client.post(survey_url(invitation, "review"))
    assert Response.objects.get().status == Response.Status.SUBMITTED
    assert Answer.objects.get(question__code="people").number == 13


def test_submitted_answers_cannot_be_changed_when_the_survey_forbids_it(client):
    invitation = InvitationFactory(survey=build_survey(allow_changes_after_submit=False))
    answer_everything(client, invitation)
    client.post(survey_url(invitation, "review"))

    page = client.get(survey_url(invitation))
    assert "In this survey, submitted answers cannot be changed." in text(page)
    assert "Change answers" not in text(page)
    assert client.get(step_url(invitation, 1)).url == survey_url(invitation)
    post_page(client, invitation, 1, {**PAGE_ANSWERS[1], "people": "99"})
    assert Answer.objects.get(question__code="people").number == 12


def test_submitted_answers_cannot_be_changed_once_the_survey_closed(client, invitation):
    answer_everything(client, invitation)
    client.post(survey_url(invitation, "review"))
    Survey.objects.filter(pk=invitation.survey_id).update(status=Survey.Status.CLOSED)

    page = client.get(survey_url(invitation))
    assert "The survey is closed, so the answers can no longer be changed." in text(page)
    assert "FairPlatform" in text(page)
    assert client.get(step_url(invitation, 1)).url == survey_url(invitation)
    assert client.post(survey_url(invitation, "review")).url == survey_url(invitation)


# --- Closed and not yet open ------------------------------------------------------------------


def test_a_closed_survey_says_so_kindly_with_its_date(client):
    closed_at = timezone.now() - timedelta(days=2)
    survey = build_survey(opens_at=closed_at - timedelta(days=30), closes_at=closed_at)
    invitation = InvitationFactory(survey=survey)
    page = client.get(survey_url(invitation))
    assert "This survey closed on" in text(page)
    assert str(closed_at.astimezone(timezone.get_current_timezone()).year) in text(page)
    assert client.get(step_url(invitation, 1)).url == survey_url(invitation)
    post_page(client, invitation, 1)
    assert not Response.objects.exists()


def test_a_draft_started_before_closing_is_mentioned(client, invitation):
    post_page(client, invitation, 1)
    Survey.objects.filter(pk=invitation.survey_id).update(status=Survey.Status.CLOSED)
    page = client.get(survey_url(invitation))
    assert "This survey is closed." in text(page)
    assert "did not submit before the survey closed" in text(page)


def test_a_survey_not_yet_open_says_when_it_opens(client):
    survey = build_survey(opens_at=timezone.now() + timedelta(days=3))
    invitation = InvitationFactory(survey=survey)
    page = client.get(survey_url(invitation))
    assert "This survey has not opened yet. It opens on" in text(page)
    assert client.get(step_url(invitation, 1)).url == survey_url(invitation)


def test_a_draft_survey_is_not_open_yet(client):
    invitation = InvitationFactory(survey=build_survey(status=Survey.Status.DRAFT))
    page = client.get(survey_url(invitation))
    assert "This survey has not opened yet." in text(page)


def test_the_token_is_not_the_key(invitation):
    token = invitation_token(invitation)
    assert token.startswith(invitation.key + ".")
    assert len(token) > 60
