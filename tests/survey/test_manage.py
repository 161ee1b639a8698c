"""The survey in the managers' area: who may see it, the response rate, invitations, answers."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from directory.models import Organization
from survey.models import Invitation, Response
from tests.factories import (
    InvitationFactory,
    OrganizationFactory,
    ResponseFactory,
    UserFactory,
)

from .conftest import answer_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(manager_client):
    manager_client.cookies["django_language"] = "en"
    return manager_client


def urls(survey, invitation, organization) -> dict[str, tuple[str, str]]:
    """Every manager page of the survey: name -> (method, url)."""
    slug = survey.slug
    return {
        "list": ("get", reverse("manage:survey-manage:list")),
        "detail": ("get", reverse("manage:survey-manage:detail", args=[slug])),
        "response": ("get", reverse("manage:survey-manage:response", args=[slug, invitation.pk])),
        "invite-all": ("post", reverse("manage:survey-manage:invite-all", args=[slug])),
        "invite-organization": (
            "post",
            reverse("manage:survey-manage:invite-organization", args=[slug, organization.pk]),
        ),
        "create-link": (
            "post",
            reverse("manage:survey-manage:create-link", args=[slug, organization.pk]),
        ),
        "resend": ("post", reverse("manage:survey-manage:resend", args=[slug, invitation.pk])),
    }


PAGES = ["list", "detail", "response", "invite-all", "invite-organization", "create-link", "resend"]


@pytest.fixture
def pages(survey):
    invitation = InvitationFactory(survey=survey)
    ResponseFactory(invitation=invitation)
    return urls(survey, invitation, OrganizationFactory())


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_the_login(client, pages, name):
    method, url = pages[name]
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_users_outside_the_network_managers_are_refused(client, pages, name):
    client.force_login(UserFactory(is_staff=True))
    method, url = pages[name]
    assert getattr(client, method)(url).status_code == 403
    assert not mail.outbox


@pytest.mark.parametrize("name", PAGES)
def test_network_managers_may_use_every_page(manager_client, pages, name):
    method, url = pages[name]
    response = getattr(manager_client, method)(url)
    assert response.status_code == (200 if method == "get" else 302)


@pytest.mark.parametrize("name", ["invite-all", "invite-organization", "create-link", "resend"])
def test_actions_take_no_get(manager_client, pages, name):
    _method, url = pages[name]
    assert manager_client.get(url).status_code == 405


def test_the_management_menu_links_to_the_surveys(manager_client):
    page = manager_client.get(reverse("manage:dashboard"))
    assert reverse("manage:survey-manage:list") in page.content.decode()


def counts(page) -> dict[str, int]:
    body = page.content.decode()
    return {
        name: int(re.search(rf'data-count="{name}">(\d+)<', body).group(1))
        for name in ("invited", "started", "submitted")
    }


def test_the_response_rate_counts_invited_started_and_submitted(manager_client, survey):
    for _ in range(4):
        InvitationFactory(survey=survey)
    InvitationFactory(survey=survey, last_sent_at=None)  # made, but never e-mailed
    ResponseFactory(invitation=InvitationFactory(survey=survey))
    ResponseFactory(
        invitation=InvitationFactory(survey=survey),
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    OrganizationFactory()  # published, not invited
    page = manager_client.get(reverse("manage:survey-manage:detail", args=[survey.slug]))
    assert counts(page) == {"invited": 7, "started": 2, "submitted": 1}
    body = page.content.decode()
    assert "of 8 published organizations" in body
    assert '<progress value="1" max="7">' in body
    assert re.search(r"\(<span data-count=\"response-rate\">14</span> %\)", body)

    listing = manager_client.get(reverse("manage:survey-manage:list")).content.decode()
    assert re.search(r"<td>7</td>\s*<td>2</td>\s*<td>1</td>", listing)


def test_the_status_of_every_organization(manager_client, survey):
    InvitationFactory(survey=survey, organization__name="Eingeladen eG")
    InvitationFactory(survey=survey, organization__name="Entwurf eG", last_sent_at=None)
    ResponseFactory(invitation__survey=survey, invitation__organization__name="Begonnen eG")
    ResponseFactory(
        invitation__survey=survey,
        invitation__organization__name="Fertig eG",
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    OrganizationFactory(name="Neu eG")
    OrganizationFactory(name="Stumm eG", contact_email="")
    OrganizationFactory(name="Geheim eG", status="pending", published_at=None)

    page = manager_client.get(reverse("manage:survey-manage:detail", args=[survey.slug]))
    rows = dict(
        re.findall(
            r'data-organization="([\w-]+)">.*?data-participation="(\w+)"',
            page.content.decode(),
            re.S,
        )
    )
    assert rows == {
        "eingeladen-eg": "invited",
        "entwurf-eg": "not_sent",
        "begonnen-eg": "started",
        "fertig-eg": "submitted",
        "neu-eg": "not_invited",
        "stumm-eg": "not_invited",
    }
    assert "no contact e-mail" in page.content.decode()

    url = reverse("manage:survey-manage:detail", args=[survey.slug])
    for participation, expected in [
        ("started", ["begonnen-eg"]),
        ("submitted", ["fertig-eg"]),
        ("invited", ["eingeladen-eg"]),
        ("not_sent", ["entwurf-eg"]),
        ("not_invited", ["neu-eg", "stumm-eg"]),
    ]:
        body = manager_client.get(url, {"participation": participation}).content.decode()
        assert re.findall(r'data-organization="([\w-]+)"', body) == expected, participation


def test_the_overview_costs_a_fixed_number_of_queries(
    manager_client, survey, django_assert_max_num_queries
):
    for index in range(30):
        invitation = InvitationFactory(survey=survey)
        if index % 2:
            ResponseFactory(invitation=invitation)
    with django_assert_max_num_queries(10):
        page = manager_client.get(reverse("manage:survey-manage:detail", args=[survey.slug]))
    assert page.status_code == 200


def test_the_invite_all_button_invites_and_reports(
    manager_client, survey, django_capture_on_commit_callbacks
):
    OrganizationFactory(name="Alpha eG")
    OrganizationFactory(name="Stumm eG", contact_email="")
    url = reverse("manage:survey-manage:invite-all", args=[survey.slug])
    with django_capture_on_commit_callbacks(execute=True):
        page = manager_client.post(url, follow=True)
    body = page.content.decode()
    assert "1 invitation e-mailed." in body
    assert "Not invited, for lack of a contact e-mail address: Stumm eG." in body
    assert [message.to for message in mail.outbox] == [["kontakt@alpha-eg.example.org"]]
    assert counts(page)["invited"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        page = manager_client.post(url, follow=True)
    assert "0 invitations e-mailed." in page.content.decode()
    assert len(mail.outbox) == 1


def test_the_invite_all_button_explains_a_draft_survey(manager_client, survey):
    survey.status = "draft"
    survey.save()
    page = manager_client.post(
        reverse("manage:survey-manage:invite-all", args=[survey.slug]), follow=True
    )
    assert "Open the survey before inviting organizations." in page.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_and_resending_to_one_organization(
    manager_client, survey, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory(name="Alpha eG")
    with django_capture_on_commit_callbacks(execute=True):
        page = manager_client.post(
            reverse(
                "manage:survey-manage:invite-organization", args=[survey.slug, organization.pk]
            ),
            follow=True,
        )
    assert "Invitation e-mailed to Alpha eG." in page.content.decode()
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        page = manager_client.post(
            reverse("manage:survey-manage:resend", args=[survey.slug, invitation.pk]),
            follow=True,
        )
    assert "Link sent again to Alpha eG." in page.content.decode()
    assert len(mail.outbox) == 2
    invitation.refresh_from_db()
    assert invitation.send_count == 2


def test_a_link_for_an_organization_without_address_is_made_to_pass_on(
    client, manager_client, survey
):
    organization = OrganizationFactory(name="Stumm eG", contact_email="")
    page = manager_client.post(
        reverse("manage:survey-manage:create-link", args=[survey.slug, organization.pk]),
        follow=True,
    )
    body = page.content.decode()
    assert "The personal link of Stumm eG is ready to pass on." in body
    invitation = Invitation.objects.get(organization=organization)
    assert invitation.last_sent_at is None
    assert not mail.outbox
    link = re.search(r"<code>https?://[^/]+(/survey/[^<]+)</code>", body).group(1)
    assert client.get(link).status_code == 200
    again = manager_client.post(
        reverse("manage:survey-manage:create-link", args=[survey.slug, organization.pk])
    )
    assert again.url.endswith(f"/invitations/{invitation.pk}/")
    assert Invitation.objects.count() == 1


def test_resending_without_an_address_says_why(manager_client, survey):
    invitation = InvitationFactory(survey=survey, organization__contact_email="")
    page = manager_client.post(
        reverse("manage:survey-manage:resend", args=[survey.slug, invitation.pk]), follow=True
    )
    assert "has no contact e-mail address" in page.content.decode()


def test_managers_read_one_organizations_answers(client, manager_client, invitation):
    answer_everything(client, invitation)
    page = manager_client.get(
        reverse("manage:survey-manage:response", args=[invitation.survey.slug, invitation.pk])
    )
    body = page.content.decode()
    assert invitation.organization.name in body
    assert "FairPlatform" in body
    assert "Started" in body
    assert "/survey/" in body, "the personal link, for support"


def test_answers_never_reach_public_pages(client, invitation):
    answer_everything(client, invitation)
    organization = Organization.objects.get(pk=invitation.organization_id)
    for url in ["/", "/directory/", organization.get_absolute_url()]:
        page = client.get(url)
        assert "FairPlatform" not in page.content.decode(), url


def test_the_privacy_notice_says_who_sees_the_answers(client):
    page = client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert "individual answers are seen only by the network managers" in body
    assert "fewer than five organizations" in body
