"""Inputs that used to answer 500: each gets a clear answer now (issue 13, item 4)."""

import pytest
from django.urls import reverse

from directory.models import Organization
from survey.models import Answer, AnswerChoice
from tests.directory.signup_support import signup_data
from tests.factories import InvitationFactory, OrganizationFactory
from tests.survey.conftest import build_survey, post_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(db):
    return InvitationFactory(survey=build_survey())


HUGE = "9" * 30  # beyond any database integer (SQLite raised OverflowError)


def test_a_repeated_option_in_a_multiple_choice_answer_is_stored_once(client, invitation):
    post_page(client, invitation, 1)
    data = {
        "needs": ["hosting", "hosting"],
        "hosting-detail": "EU servers",
        "usefulness": "4",
        "obstacles__tax": "5",
        "obstacles__capital": "3",
    }
    response = post_page(client, invitation, 2, data)
    assert response.status_code == 302, response.context["form"].errors
    answer = Answer.objects.get(question__code="needs")
    chosen = AnswerChoice.objects.filter(answer=answer).values_list("option__code", flat=True)
    assert list(chosen) == ["hosting"]


def test_a_repeated_option_does_not_count_twice_against_the_limit(client, invitation):
    """The question allows two options: hosting twice and legal is two, not three."""
    post_page(client, invitation, 1)
    data = {**_page_two(), "needs": ["legal", "legal", "hosting", "hosting"]}
    assert post_page(client, invitation, 2, data).status_code == 302


def _page_two() -> dict:
    return {
        "hosting-detail": "EU servers",
        "usefulness": "4",
        "obstacles__tax": "5",
        "obstacles__capital": "3",
    }


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "1e9", "abc", "0x10"])
def test_a_huge_or_odd_sector_id_in_the_signup_is_a_form_error(client, settings, value):
    settings.SIGNUP_MIN_FILL_SECONDS = 0
    response = client.post("/signup/", signup_data(sectors=[value]))
    assert response.status_code == 200
    assert "sectors" in response.context["form"].errors
    assert Organization.objects.count() == 0


@pytest.mark.parametrize("value", ["abc", HUGE, "-1", "1.5", ""])
def test_a_comparison_with_an_odd_report_id_is_not_found(
    manager_client, value, django_capture_on_commit_callbacks
):
    from survey.reporting import services
    from tests.survey.reporting import build_answered_survey

    survey = build_answered_survey()
    with django_capture_on_commit_callbacks(execute=True):
        report, _created = services.report_request(survey=survey, language="en")
    url = reverse("manage:survey-manage:report-compare", args=[survey.slug, report.pk])
    assert manager_client.get(url, {"with": report.pk}).status_code in (200, 302)
    assert manager_client.get(url, {"with": value}).status_code == 404


def test_an_entry_named_like_an_existing_one_gets_the_next_free_slug():
    from directory import services

    OrganizationFactory(name="Kooperative Nord", slug="kooperative-nord")
    organization = services.organization_signup(
        fields=_signup_fields("Kooperative Nord"), sectors=[], language="de", signup_key="k1"
    )
    assert organization.slug == "kooperative-nord-2"


def _signup_fields(name: str) -> dict:
    return {
        "name": name,
        "kind": "cooperative",
        "postal_code": "20095",
        "city": "Hamburg",
        "country": "DE",
        "contact_name": "Erika Mustermann",
        "contact_email": "erika@example.org",
    }
