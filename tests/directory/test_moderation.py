"""Moderation in /manage/directory/: who may use it, the queue, decisions, the audit log."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coopmap.models import OutgoingEmail
from directory import services, tokens
from directory.models import AuditLogEntry, Organization, OrganizationRevision
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def pending_organization(**kwargs):
    defaults = {
        "status": Organization.Status.PENDING,
        "published_at": None,
        "email_confirmed_at": timezone.now(),
        "contact_language": "en",
    }
    return OrganizationFactory(**{**defaults, **kwargs})


def review_url(organization):
    return reverse("manage:directory-manage:review", args=[organization.pk])


# --- Permissions ------------------------------------------------------------------------------


@pytest.fixture
def moderation_objects(db):
    organization = pending_organization(deletion_requested_at=timezone.now())
    revision = OrganizationRevision.objects.create(
        organization=OrganizationFactory(), changes={"summary_de": "Neu."}
    )
    return organization, revision


MANAGER_VIEWS = [
    ("get", "queue", None),
    ("get", "review", "organization"),
    ("post", "approve", "organization"),
    ("post", "reject", "organization"),
    ("post", "place", "organization"),
    ("post", "delete", "organization"),
    ("get", "revision", "revision"),
    ("post", "revision-approve", "revision"),
    ("post", "revision-reject", "revision"),
]


def manager_view_request(client, moderation_objects, method, name, target):
    organization, revision = moderation_objects
    args = {"organization": [organization.pk], "revision": [revision.pk], None: []}[target]
    url = reverse(f"manage:directory-manage:{name}", args=args)
    data = {"reason": "Kein Bezug zur Plattformökonomie.", "latitude": 48.1, "longitude": 11.5}
    return getattr(client, method)(url, data if method == "post" else None)


@pytest.mark.parametrize(("method", "name", "target"), MANAGER_VIEWS)
def test_anonymous_visitors_are_sent_to_the_login(client, moderation_objects, method, name, target):
    response = manager_view_request(client, moderation_objects, method, name, target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Organization.objects.filter(status="pending").count() == 1


@pytest.mark.parametrize(("method", "name", "target"), MANAGER_VIEWS)
def test_a_contact_holding_an_edit_link_is_no_manager(
    client, moderation_objects, method, name, target
):
    other = OrganizationFactory(name="Andere eG")
    token = tokens.self_service_token(other)
    own_page = reverse("directory:self-service", args=[other.slug, token])
    assert client.get(own_page).status_code == 200
    response = manager_view_request(client, moderation_objects, method, name, target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Organization.objects.filter(status="pending").count() == 1


@pytest.mark.parametrize(("method", "name", "target"), MANAGER_VIEWS)
def test_logged_in_non_managers_are_refused(client, moderation_objects, method, name, target):
    client.force_login(UserFactory(username="member"))
    response = manager_view_request(client, moderation_objects, method, name, target)
    assert response.status_code == 403
    assert Organization.objects.filter(status="pending").count() == 1


@pytest.mark.parametrize("role", ["manager", "superuser"])
@pytest.mark.parametrize(("method", "name", "target"), MANAGER_VIEWS)
def test_managers_and_superusers_may_moderate(
    client, manager, moderation_objects, role, method, name, target
):
    user = manager if role == "manager" else UserFactory(username="root", is_superuser=True)
    client.force_login(user)
    response = manager_view_request(client, moderation_objects, method, name, target)
    assert response.status_code == (200 if method == "get" else 302)


def test_get_is_not_allowed_on_decisions(manager_client):
    organization = pending_organization()
    url = reverse("manage:directory-manage:approve", args=[organization.pk])
    assert manager_client.get(url).status_code == 405
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING


def test_manage_navigation_links_to_the_moderation(manager_client):
    html = manager_client.get(reverse("manage:dashboard")).content.decode()
    assert reverse("manage:directory-manage:queue") in html


# --- The queue and the review page ------------------------------------------------------------


def test_queue_lists_pending_entries_oldest_first(manager_client, django_assert_max_num_queries):
    now = timezone.now()
    newer = pending_organization(name="Neuere eG", email_confirmed_at=now)
    older = pending_organization(name="Ältere eG", email_confirmed_at=now - timedelta(days=2))
    pending_organization(name="Unbestätigt eG", status="unconfirmed", email_confirmed_at=None)
    OrganizationFactory(name="Veröffentlicht eG")
    for number in range(3):
        OrganizationRevision.objects.create(
            organization=OrganizationFactory(), changes={"summary_de": str(number)}
        )

    with django_assert_max_num_queries(8):
        response = manager_client.get(reverse("manage:directory-manage:queue"))

    assert list(response.context["page"].object_list) == [older, newer]
    assert len(response.context["revisions"]) == 3
    html = response.content.decode()
    assert "Unbestätigt eG" not in html
    assert "Veröffentlicht eG" not in html


def test_queue_is_paginated(manager_client):
    for number in range(26):
        pending_organization(name=f"Genossenschaft {number:02}")
    response = manager_client.get(reverse("manage:directory-manage:queue"), {"page": 2})
    assert len(response.context["page"].object_list) == 1


def test_review_shows_everything_submitted_with_the_map(manager_client):
    organization = pending_organization(
        description_de="Lange Beschreibung.",
        register_court="Amtsgericht Berlin",
        register_number="GnR 99",
        privacy_notice_version="2026-11-30",
        privacy_consent_at=timezone.now(),
    )
    services._log(organization, AuditLogEntry.Action.SUBMITTED, AuditLogEntry.ActorKind.VISITOR)
    response = manager_client.get(review_url(organization))
    html = response.content.decode()
    for text in (
        organization.name,
        "Lange Beschreibung.",
        "Amtsgericht Berlin GnR 99",
        organization.contact_email,
        organization.contact_name,
        "2026-11-30",
        'id="review-map"',
        "leaflet/leaflet.js",
        "js/moderation.js",
        'name="latitude"',
        "Visitor (signup form)",
    ):
        assert text in html, text
    assert 'value="52.5"' in html


def test_review_page_stays_constant_in_queries(manager_client, django_assert_max_num_queries):
    organization = pending_organization()
    for _ in range(10):
        services._log(organization, AuditLogEntry.Action.CONFIRMED, AuditLogEntry.ActorKind.CONTACT)
    with django_assert_max_num_queries(10):
        manager_client.get(review_url(organization))


# --- Decisions --------------------------------------------------------------------------------


def test_approving_publishes_the_entry_and_tells_the_contact(
    client, manager_client, manager, django_capture_on_commit_callbacks
):
    organization = pending_organization(name="Bürgerenergie Süd eG")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("manage:directory-manage:approve", args=[organization.pk])
        )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PUBLISHED
    assert organization.published_at is not None
    assert client.get(organization.get_absolute_url()).status_code == 200
    assert "Bürgerenergie Süd eG" in client.get("/directory/").content.decode()
    [message] = mail.outbox
    assert message.to == [organization.contact_email]
    assert organization.get_absolute_url() in message.body
    assert OutgoingEmail.objects.get().language == "en"
    entry = organization.audit_log.get()
    assert (entry.action, entry.actor) == (AuditLogEntry.Action.APPROVED, manager)


def test_approving_twice_changes_nothing_and_says_so(manager_client, settings):
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    organization = pending_organization()
    url = reverse("manage:directory-manage:approve", args=[organization.pk])
    manager_client.post(url)
    response = manager_client.post(url, follow=True)
    assert (
        "The status of this entry is “Published”; nothing was changed." in response.content.decode()
    )
    assert organization.audit_log.filter(action="approved").count() == 1


def test_rejecting_emails_the_reason_and_keeps_the_entry_hidden(
    client, manager_client, django_capture_on_commit_callbacks
):
    organization = pending_organization()
    reason = "Wir nehmen nur Genossenschaften auf <b>bitte</b>."
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("manage:directory-manage:reject", args=[organization.pk]), {"reason": reason}
        )
    organization.refresh_from_db()
    assert organization.status == Organization.Status.REJECTED
    assert client.get(organization.get_absolute_url()).status_code == 404
    [message] = mail.outbox
    assert reason in message.body
    assert "&lt;b&gt;bitte&lt;/b&gt;" in message.alternatives[0][0]
    assert organization.audit_log.get().details == {"reason": reason}


def test_rejecting_needs_a_reason(manager_client):
    organization = pending_organization()
    response = manager_client.post(
        reverse("manage:directory-manage:reject", args=[organization.pk]), {"reason": ""}
    )
    assert response.status_code == 400
    assert response.context["reject_form"].errors["reason"]
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING
    assert mail.outbox == []


def test_correcting_the_pin_places_the_entry_by_hand(manager_client, manager):
    organization = pending_organization(latitude=None, longitude=None, geocode_status="not_found")
    response = manager_client.post(
        reverse("manage:directory-manage:place", args=[organization.pk]),
        {"latitude": "48.137154", "longitude": "11.576124"},
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert (organization.latitude, organization.longitude) == (48.137154, 11.576124)
    assert organization.geocode_status == Organization.GeocodeStatus.MANUAL
    entry = organization.audit_log.get()
    assert entry.details == {"from": [None, None], "to": [48.137154, 11.576124]}
    # Geocoding again keeps the manager's pin.
    services.organization_geocode(organization_id=organization.pk)
    organization.refresh_from_db()
    assert organization.latitude == 48.137154


@pytest.mark.parametrize(
    "position", [{"latitude": "91", "longitude": "11"}, {"latitude": "x", "longitude": ""}]
)
def test_impossible_positions_are_refused(manager_client, position):
    organization = pending_organization()
    response = manager_client.post(
        reverse("manage:directory-manage:place", args=[organization.pk]), position
    )
    assert response.status_code == 400
    organization.refresh_from_db()
    assert organization.latitude == 52.5


# --- Deletion ---------------------------------------------------------------------------------


def test_confirming_a_deletion_request_deletes_the_entry_and_keeps_a_trace(
    client, manager_client, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory(name="Weg eG", contact_email="weg@example.org")
    services.organization_request_deletion(organization=organization)
    services._log(
        organization,
        AuditLogEntry.Action.REJECTED,
        AuditLogEntry.ActorKind.USER,
        details={"reason": "Frau Muster rief an"},
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("manage:directory-manage:delete", args=[organization.pk])
        )
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=organization.pk).exists()
    assert client.get("/directory/weg-eg/").status_code == 404
    trace = AuditLogEntry.objects.filter(organization_name="Weg eG")
    assert list(trace.values_list("action", flat=True)) == [
        "deletion_requested",
        "rejected",
        "deleted",
    ]
    assert all(entry.details == {} and entry.organization is None for entry in trace)
    assert "weg@example.org" not in str(list(trace.values()))
    [message] = mail.outbox
    assert message.to == ["weg@example.org"]


def test_entries_nobody_asked_to_delete_are_not_deleted(manager_client):
    organization = OrganizationFactory()
    response = manager_client.post(
        reverse("manage:directory-manage:delete", args=[organization.pk])
    )
    assert response.status_code == 302
    assert Organization.objects.filter(pk=organization.pk).exists()


# --- Admin ------------------------------------------------------------------------------------


def test_audit_log_is_shown_read_only_in_the_admin(client):
    client.force_login(UserFactory(username="admin", is_superuser=True, is_staff=True))
    organization = OrganizationFactory(name="Protokoll eG")
    services._log(organization, AuditLogEntry.Action.APPROVED, AuditLogEntry.ActorKind.SYSTEM)
    response = client.get(reverse("admin:directory_auditlogentry_changelist"))
    assert response.status_code == 200
    assert "Protokoll eG" in response.content.decode()
    assert client.get(reverse("admin:directory_auditlogentry_add")).status_code == 403
