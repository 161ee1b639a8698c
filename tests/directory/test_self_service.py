"""Self-service without accounts: edit links, revisions, data download and deletion."""

import json
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from coopmap.models import OutgoingEmail
from directory import tokens
from directory.models import AuditLogEntry, Organization, OrganizationRevision
from tests.directory.signup_support import link_in_email
from tests.factories import OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization(db):
    return OrganizationFactory(
        name="Sonnenstrom eG",
        contact_email="Kontakt@Sonnenstrom.example.org",
        contact_language="de",
        privacy_consent_at=timezone.now(),
        privacy_notice_version="2026-11-30",
    )


def self_service_url(organization, name="self-service"):
    token = tokens.self_service_token(organization)
    return reverse(f"directory:{name}", args=[organization.slug, token])


def edit_form_data(organization, **changes):
    data = {
        "name": organization.name,
        "kind": organization.kind,
        "legal_form": organization.legal_form,
        "summary_de": organization.summary_de,
        "summary_en": organization.summary_en,
        "description_de": organization.description_de,
        "description_en": organization.description_en,
        "website": organization.website,
        "public_email": organization.public_email,
        "public_phone": organization.public_phone,
        "street": organization.street,
        "postal_code": organization.postal_code,
        "city": organization.city,
        "country": organization.country,
        "founded_year": organization.founded_year or "",
        "member_count": organization.member_count or "",
        "register_court": organization.register_court,
        "register_number": organization.register_number,
        "contact_name": organization.contact_name,
        "contact_email": organization.contact_email,
        "sectors": [sector.pk for sector in organization.sectors.all()],
    }
    data.update(changes)
    return data


# --- Asking for the link ----------------------------------------------------------------------


def test_every_profile_offers_to_edit_the_entry(client, organization):
    html = client.get(organization.get_absolute_url()).content.decode()
    assert reverse("directory:edit-link", args=[organization.slug]) in html


def test_the_contact_receives_an_edit_link(
    client, organization, settings, django_capture_on_commit_callbacks
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directory:edit-link", args=[organization.slug]),
            {"email": " kontakt@sonnenstrom.example.ORG "},
            follow=True,
        )
    assert "a link to edit the entry is on its way" in response.content.decode()
    [message] = mail.outbox
    assert message.to == [organization.contact_email]
    email = OutgoingEmail.objects.get()
    assert email.language == "en"
    path = link_in_email(email, "/self-service/")
    assert client.get(path).status_code == 200


def test_a_wrong_address_gets_the_same_answer_and_no_email(
    client, organization, settings, django_capture_on_commit_callbacks
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("directory:edit-link", args=[organization.slug])
    with django_capture_on_commit_callbacks(execute=True):
        wrong = client.post(url, {"email": "someone@example.org"}, follow=True)
        right = client.post(url, {"email": organization.contact_email}, follow=True)
    assert [str(m) for m in wrong.context["messages"]] == [
        str(m) for m in right.context["messages"]
    ]
    assert len(mail.outbox) == 1


def test_edit_links_per_entry_are_limited(client, organization, django_capture_on_commit_callbacks):
    url = reverse("directory:edit-link", args=[organization.slug])
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(5):
            client.post(url, {"email": organization.contact_email}, REMOTE_ADDR=f"192.0.2.{number}")
    assert len(mail.outbox) == 3


def test_edit_link_requires_a_published_entry(client):
    hidden = OrganizationFactory(status="pending", published_at=None)
    assert client.get(reverse("directory:edit-link", args=[hidden.slug])).status_code == 404


# --- Opening the link -------------------------------------------------------------------------


def test_link_for_entry_a_never_opens_entry_b(client, organization):
    other = OrganizationFactory(name="Andere eG")
    token_a = tokens.self_service_token(organization)
    for name in ("self-service", "self-service-edit", "self-service-delete"):
        response = client.get(reverse(f"directory:{name}", args=[other.slug, token_a]))
        assert response.status_code == 404
    response = client.post(reverse("directory:self-service-export", args=[other.slug, token_a]))
    assert response.status_code == 404
    assert not other.revisions.exists()


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        signing.TimestampSigner(salt="other").sign("1.abc"),
    ],
    ids=["garbage", "other-salt"],  # stable names for pytest-xdist's workers
)
def test_wrong_edit_links_are_refused(client, organization, token):
    response = client.get(reverse("directory:self-service", args=[organization.slug, token]))
    assert response.status_code == 404


def test_a_confirmation_token_is_no_edit_link(client, organization):
    token = tokens.confirmation_token(organization)
    response = client.get(reverse("directory:self-service", args=[organization.slug, token]))
    assert response.status_code == 404


def test_expired_edit_link_is_refused(client, organization, settings, monkeypatch):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = self_service_url(organization)
    later = timezone.now() + timedelta(hours=settings.SELF_SERVICE_LINK_HOURS, minutes=1)
    monkeypatch.setattr(signing.time, "time", later.timestamp)
    response = client.get(url)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()


def test_edit_link_dies_when_the_contact_changes(client, organization):
    url = self_service_url(organization)
    organization.contact_email = "neu@sonnenstrom.example.org"
    organization.save()
    assert client.get(url).status_code == 404


# --- Editing ----------------------------------------------------------------------------------


def test_an_edit_becomes_a_pending_revision_and_the_entry_stays_as_it_is(
    german_client, client, organization, settings, django_capture_on_commit_callbacks
):
    sector = SectorFactory(name_en="Energy")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            self_service_url(organization, "self-service-edit"),
            edit_form_data(
                organization,
                summary_de="Strom von allen für alle.",
                website="sonnenstrom.example.org",
                sectors=[sector.pk],
            ),
        )
    assert response.status_code == 302
    revision = organization.revisions.get()
    assert revision.status == OrganizationRevision.Status.PENDING
    assert revision.changes == {
        "summary_de": "Strom von allen für alle.",
        "website": "https://sonnenstrom.example.org",
        "sectors": [sector.slug],
    }
    public = german_client.get(organization.get_absolute_url()).content.decode()
    assert "Eine digitale Genossenschaft." in public
    assert "Strom von allen" not in public
    [announcement] = mail.outbox
    assert announcement.to == [settings.NETWORK_EMAIL]
    assert reverse("manage:directory-manage:revision", args=[revision.pk]) in announcement.body


def test_the_edit_form_shows_the_pending_change(client, organization):
    OrganizationRevision.objects.create(
        organization=organization, changes={"summary_de": "Schon eingereicht."}
    )
    response = client.get(self_service_url(organization, "self-service-edit"))
    assert response.context["form"]["summary_de"].value() == "Schon eingereicht."


def test_an_edit_without_changes_creates_no_revision(client, organization, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        self_service_url(organization, "self-service-edit"),
        edit_form_data(organization),
        follow=True,
    )
    assert "You changed nothing" in response.content.decode()
    assert not organization.revisions.exists()


def test_edit_mistakes_are_explained(client, organization, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        self_service_url(organization, "self-service-edit"),
        edit_form_data(organization, postal_code="123"),
    )
    assert response.status_code == 200
    assert "A German postal code has five digits" in response.content.decode()
    assert not organization.revisions.exists()


def test_a_second_edit_replaces_the_pending_one(client, organization):
    url = self_service_url(organization, "self-service-edit")
    client.post(url, edit_form_data(organization, summary_de="Erste Fassung."))
    client.post(url, edit_form_data(organization, summary_de="Zweite Fassung."))
    statuses = list(organization.revisions.order_by("pk").values_list("status", flat=True))
    assert statuses == ["superseded", "pending"]


def test_manager_sees_the_change_field_by_field(manager_client, organization):
    revision = OrganizationRevision.objects.create(
        organization=organization,
        changes={"summary_de": "<i>Neu</i>", "kind": "initiative", "city": "Potsdam"},
    )
    response = manager_client.get(reverse("manage:directory-manage:revision", args=[revision.pk]))
    assert response.context["diff"] == [
        ("Kind", "Platform co-op", "Initiative"),
        ("Short description (German)", "Eine digitale Genossenschaft.", "<i>Neu</i>"),
        ("City", "Berlin", "Potsdam"),
    ]
    html = response.content.decode()
    assert "&lt;i&gt;Neu&lt;/i&gt;" in html
    assert "<i>Neu</i>" not in html


def test_approving_an_edit_publishes_it_and_locates_a_new_address(
    german_client, client, manager_client, manager, organization, django_capture_on_commit_callbacks
):
    revision = OrganizationRevision.objects.create(
        organization=organization,
        changes={"summary_de": "Strom für alle.", "city": "Potsdam", "postal_code": "14467"},
        language="en",
    )
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("manage:directory-manage:revision-approve", args=[revision.pk]))
    organization.refresh_from_db()
    assert organization.summary_de == "Strom für alle."
    assert organization.city == "Potsdam"
    # Geocoded again: moved from Berlin to Potsdam.
    assert organization.geocode_status == Organization.GeocodeStatus.LOCATED
    assert abs(organization.latitude - 52.39) < 0.1
    assert abs(organization.longitude - 13.06) < 0.1
    revision.refresh_from_db()
    assert (revision.status, revision.decided_by) == ("approved", manager)
    assert "Strom für alle." in german_client.get(organization.get_absolute_url()).content.decode()
    [message] = mail.outbox
    assert message.to == [organization.contact_email]
    assert OutgoingEmail.objects.get().language == "en"


def test_a_rejected_edit_leaves_the_old_version_public(
    german_client, client, manager_client, organization, django_capture_on_commit_callbacks
):
    client.post(
        self_service_url(organization, "self-service-edit"),
        edit_form_data(organization, summary_de="Werbung!"),
    )
    revision = organization.revisions.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("manage:directory-manage:revision-reject", args=[revision.pk]),
            {"reason": "Bitte sachlich bleiben."},
        )
    revision.refresh_from_db()
    assert revision.status == OrganizationRevision.Status.REJECTED
    organization.refresh_from_db()
    assert organization.summary_de == "Eine digitale Genossenschaft."
    public = german_client.get(organization.get_absolute_url()).content.decode()
    assert "Eine digitale Genossenschaft." in public
    assert "Werbung!" not in public
    [message] = mail.outbox
    assert "Bitte sachlich bleiben." in message.body
    # Deciding it again is refused.
    manager_client.post(reverse("manage:directory-manage:revision-approve", args=[revision.pk]))
    organization.refresh_from_db()
    assert organization.summary_de == "Eine digitale Genossenschaft."


def test_rejecting_an_edit_needs_a_reason(manager_client, organization):
    revision = OrganizationRevision.objects.create(organization=organization, changes={"city": "X"})
    response = manager_client.post(
        reverse("manage:directory-manage:revision-reject", args=[revision.pk]), {"reason": " "}
    )
    assert response.status_code == 400
    revision.refresh_from_db()
    assert revision.status == OrganizationRevision.Status.PENDING


# --- Download and deletion --------------------------------------------------------------------


def test_contact_downloads_everything_stored_about_the_entry(client, organization):
    OrganizationRevision.objects.create(organization=organization, changes={"summary_de": "Neu."})
    response = client.post(self_service_url(organization, "self-service-export"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sonnenstrom-eg.json"'
    data = json.loads(response.content)
    assert data["organization"]["contact_email"] == organization.contact_email
    assert data["organization"]["contact_name"] == "Erika Mustermann"
    assert data["organization"]["privacy_notice_version"] == "2026-11-30"
    assert data["organization"]["privacy_consent_at"]
    assert data["revisions"][0]["changes"] == {"summary_de": "Neu."}
    assert data["audit_log"][-1]["action"] == AuditLogEntry.Action.DATA_EXPORTED


def test_download_needs_a_post(client, organization):
    assert client.get(self_service_url(organization, "self-service-export")).status_code == 405


def test_deletion_request_waits_for_a_manager_who_deletes_everything(
    client, manager_client, organization, settings, django_capture_on_commit_callbacks
):
    delete_url = self_service_url(organization, "self-service-delete")
    assert client.get(delete_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(delete_url)
    organization.refresh_from_db()
    assert organization.deletion_requested_at is not None
    assert client.get(organization.get_absolute_url()).status_code == 200  # until confirmed
    [announcement] = mail.outbox
    assert announcement.to == [settings.NETWORK_EMAIL]
    queue = manager_client.get(reverse("manage:directory-manage:queue"))
    assert list(queue.context["deletion_requests"]) == [organization]

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("manage:directory-manage:delete", args=[organization.pk]))
    assert not Organization.objects.filter(pk=organization.pk).exists()
    assert not OrganizationRevision.objects.exists()
    assert client.get(organization.get_absolute_url()).status_code == 404
    assert client.get(self_service_url(organization)).status_code == 404
    assert mail.outbox[-1].to == [organization.contact_email]
    assert list(
        AuditLogEntry.objects.filter(organization_name="Sonnenstrom eG").values_list(
            "action", "details"
        )
    ) == [("deletion_requested", {}), ("deleted", {})]
