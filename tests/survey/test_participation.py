"""One definition of participation: the survey page, /manage/ and the reports agree."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from survey.models import Invitation, Survey
from survey.querysets import ParticipationFigures
from survey.reporting import services
from tests.factories import InvitationFactory, OrganizationFactory, ResponseFactory

from .conftest import answer_everything, survey_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(manager_client):
    manager_client.cookies["django_language"] = "en"
    return manager_client


def survey_page_figures(manager_client, survey) -> tuple[int, int, int, str]:
    body = manager_client.get(reverse("manage:survey-manage:detail", args=[survey.slug]))
    body = body.content.decode()
    found = {
        name: int(re.search(rf'data-count="{name}">(\d+)<', body).group(1))
        for name in ("invited", "started", "submitted")
    }
    rate = re.search(r'data-count="response-rate">(\d+)<', body)
    return found["invited"], found["started"], found["submitted"], rate and rate.group(1)


def dashboard_figures(manager_client) -> tuple[int, int, int, str]:
    body = manager_client.get(reverse("manage:dashboard")).content.decode()
    match = re.search(r"(\d+) invited, (\d+) started, (\d+) submitted(?: \((\d+) %\))?", body)
    return int(match[1]), int(match[2]), int(match[3]), match[4]


def report_figures(survey, django_capture_on_commit_callbacks) -> tuple[int, int, float | None]:
    with django_capture_on_commit_callbacks(execute=True):
        report, _created = services.report_request(survey=survey, formats=["json"], internal=True)
    report.refresh_from_db()
    meta = report.result["meta"]
    return meta["invited"], meta["respondents"], meta["response_rate"]


def test_create_link_answer_submit_and_every_page_agrees(
    client, manager_client, survey, django_capture_on_commit_callbacks
):
    survey.status = Survey.Status.OPEN
    survey.save()
    organization = OrganizationFactory(contact_email="")
    OrganizationFactory()  # published, never invited
    # "Link erstellen": a personal link made to pass on by hand, no e-mail sent.
    made = manager_client.post(
        reverse("manage:survey-manage:create-link", args=[survey.slug, organization.pk])
    )
    assert made.status_code == 302
    invitation = Invitation.objects.get(survey=survey, organization=organization)
    assert invitation.last_sent_at is None

    assert survey_page_figures(manager_client, survey) == (1, 0, 0, "0")
    assert dashboard_figures(manager_client) == (1, 0, 0, "0")
    with pytest.raises(services.SurveyError, match="nothing to report"):
        report_figures(survey, django_capture_on_commit_callbacks)

    answer_everything(client, invitation)
    assert survey_page_figures(manager_client, survey) == (1, 1, 0, "0")
    assert dashboard_figures(manager_client) == (1, 1, 0, "0")

    client.post(survey_url(invitation, "review"))
    assert survey_page_figures(manager_client, survey) == (1, 1, 1, "100")
    assert dashboard_figures(manager_client) == (1, 1, 1, "100")
    assert report_figures(survey, django_capture_on_commit_callbacks) == (1, 1, 1.0)


def test_the_rate_never_exceeds_one_hundred_per_cent(survey):
    for _ in range(3):
        InvitationFactory(survey=survey, last_sent_at=None)
    for _ in range(9):
        ResponseFactory(
            invitation=InvitationFactory(survey=survey),
            status="submitted",
            submitted_at=timezone.now(),
        )
    figures = Survey.objects.with_participation().get(pk=survey.pk).participation
    assert figures == ParticipationFigures(invited=12, started=9, submitted=9)
    assert figures.response_percent == 75
    assert survey.participation == figures
    assert ParticipationFigures(invited=0).response_rate is None
    assert ParticipationFigures(invited=2, started=3, submitted=3).response_rate == 1.0


def test_bad_report_requests_get_a_clear_message(manager_client, survey):
    url = reverse("manage:survey-manage:reports", args=[survey.slug])
    page = manager_client.post(url, {"formats": ["json"]}, follow=True)
    assert page.status_code == 200
    assert "No organization has submitted answers to this survey yet" in page.content.decode()

    with pytest.raises(services.SurveyError, match="not in “fr”"):
        services.report_request(survey=survey, language="fr")


def test_a_breakdown_by_an_attribute_nobody_has_is_refused(survey):
    from .reporting import answer, group_a

    for i in range(1, 6):
        organization = OrganizationFactory(legal_form="", state="")
        answer(InvitationFactory(survey=survey, organization=organization), group_a(i))
    with pytest.raises(services.SurveyError, match="would show a single group"):
        services.report_request(survey=survey, breakdown="legal_form")
