"""Issue 9, item 14: managers correct an entry in /manage/ ("fix the typo, then approve")."""

import pytest
from django.urls import reverse

from directory.models import AuditLogEntry, Organization
from tests.directory.test_self_service import edit_form_data
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_a_manager_fixes_a_typo_before_approving_and_the_history_says_so(
    manager_client, django_capture_on_commit_callbacks
):
    entry = OrganizationFactory(
        name="Sonnenstrom eG", city="Lepizig", postal_code="04109", status="pending"
    )
    url = reverse("manage:directory-manage:edit", args=[entry.pk])
    review = manager_client.get(reverse("manage:directory-manage:review", args=[entry.pk]))
    assert url in review.content.decode()
    assert 'name="state"' in manager_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(url, edit_form_data(entry, city="Leipzig"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.city, entry.state, entry.status) == ("Leipzig", "Sachsen", "pending")
    log = entry.audit_log.get(action=AuditLogEntry.Action.EDITED)
    assert log.details == {"fields": ["city", "state"]}  # the state follows the postal code


def test_the_self_service_validation_applies_and_nothing_is_stored(manager_client):
    entry = OrganizationFactory(name="Sonnenstrom eG")
    url = reverse("manage:directory-manage:edit", args=[entry.pk])
    response = manager_client.post(url, edit_form_data(entry, postal_code="123"))
    assert response.status_code == 400
    assert "five digits" in response.content.decode()
    assert Organization.objects.get(pk=entry.pk).postal_code == entry.postal_code


def test_only_managers_edit(client):
    entry = OrganizationFactory()
    response = client.get(reverse("manage:directory-manage:edit", args=[entry.pk]))
    assert response.status_code in (302, 403)


def test_the_dashboard_count_of_entries_without_position_links_to_them(manager_client):
    OrganizationFactory(name="Irgendwo eG", latitude=None, longitude=None)
    OrganizationFactory(name="Placed eG")
    url = reverse("manage:directory-manage:without-position")
    assert url in manager_client.get("/manage/").content.decode()
    html = manager_client.get(url).content.decode()
    assert "Irgendwo eG" in html
    assert "Placed eG" not in html
