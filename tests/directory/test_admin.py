"""The Django admin as a network manager (staff, in the "network managers" group) uses it."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse

from directory.models import Organization
from tests.factories import OrganizationFactory, SectorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_manager(db):
    """A network manager with admin access but no superuser powers: only the group's."""
    user = UserFactory(username="staff-manager", is_staff=True)
    user.groups.add(Group.objects.get(name=settings.NETWORK_MANAGERS_GROUP))
    return user


@pytest.fixture
def admin_client(client, staff_manager):
    client.force_login(staff_manager)
    return client


def pending(**fields) -> Organization:
    return OrganizationFactory(status=Organization.Status.PENDING, published_at=None, **fields)


def test_manager_opens_the_organization_changelist_and_finds_pending_entries(admin_client):
    pending(name="Neue Genossenschaft eG", city="Leipzig")
    changelist = reverse("admin:directory_organization_changelist")

    response = admin_client.get(changelist, {"status__exact": "pending", "q": "Leipzig"})

    assert response.status_code == 200
    assert "Neue Genossenschaft eG" in response.content.decode()


def test_manager_publishes_organizations_in_bulk(admin_client, client):
    first, second = pending(name="Erste eG"), pending(name="Zweite eG")
    untouched = pending(name="Dritte eG")

    response = admin_client.post(
        reverse("admin:directory_organization_changelist"),
        {"action": "publish", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    assert "2 organizations are published." in response.content.decode()
    for organization in (first, second):
        organization.refresh_from_db()
        assert organization.status == Organization.Status.PUBLISHED
        assert organization.published_at is not None
    untouched.refresh_from_db()
    assert untouched.status == Organization.Status.PENDING
    listing = client.get(reverse("directory:list")).content.decode()
    assert "Erste eG" in listing
    assert "Dritte eG" not in listing


def test_manager_archives_organizations_in_bulk(admin_client, client):
    organization = OrganizationFactory(name="Alte eG")

    admin_client.post(
        reverse("admin:directory_organization_changelist"),
        {"action": "archive", "_selected_action": [organization.pk]},
    )

    organization.refresh_from_db()
    assert organization.status == Organization.Status.ARCHIVED
    assert client.get(organization.get_absolute_url()).status_code == 404


def test_manager_sees_the_private_contact_and_cannot_edit_the_location(admin_client):
    organization = OrganizationFactory(contact_email="privat@example.org", latitude=52.5)

    html = admin_client.get(
        reverse("admin:directory_organization_change", args=[organization.pk])
    ).content.decode()

    assert 'value="privat@example.org"' in html
    assert 'name="contact_email"' in html
    assert 'name="latitude"' not in html
    assert 'name="geocode_status"' not in html
    assert 'name="status"' not in html
    assert re.search(r"<div class=\"readonly\">52[.,]5</div>", html)


def test_changing_the_address_in_the_admin_locates_the_organization_again(
    admin_client, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory(geocode_status=Organization.GeocodeStatus.LOCATED)
    change = reverse("admin:directory_organization_change", args=[organization.pk])
    form = admin_client.get(change).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(sectors=[], city="Hamburg", postal_code="22335", _save="Save")

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(change, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert len(callbacks) == 1  # the geocoding task, sent once the change is committed
    organization.refresh_from_db()
    assert organization.city == "Hamburg"
    assert organization.geocode_status == Organization.GeocodeStatus.PENDING


def test_manager_manages_sectors(admin_client):
    SectorFactory(name_en="Hosting", name_de="Hosting")
    response = admin_client.get(reverse("admin:directory_sector_changelist"))
    assert response.status_code == 200
    assert "Hosting" in response.content.decode()
    add = admin_client.post(
        reverse("admin:directory_sector_add"),
        {"name_de": "Bildung", "name_en": "Education", "slug": "education"},
    )
    assert add.status_code == 302


def test_staff_outside_the_network_managers_cannot_see_organizations(client):
    client.force_login(UserFactory(username="intern", is_staff=True))
    response = client.get(reverse("admin:directory_organization_changelist"))
    assert response.status_code == 403


def test_import_sources_and_jobs_are_listed_in_the_admin(client):
    from directory.models import ImportSource
    from tests.factories import UserFactory

    source = ImportSource.objects.create(name="Co-operatives UK", licence="ODC-By 1.0")
    OrganizationFactory(import_source=source, source_record_id="R1")
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))

    sources = client.get(reverse("admin:directory_importsource_changelist"))
    assert sources.status_code == 200
    assert "Co-operatives UK" in sources.content.decode()
    assert client.get(reverse("admin:directory_importjob_changelist")).status_code == 200
    assert client.get(reverse("admin:directory_importjob_add")).status_code == 403


def test_changelist_sorts_names_regardless_of_case_and_accents(admin_client):
    for name in ("UX Kollektiv", "h3-o eG", "Ärztekammer", "iteratec eG"):
        OrganizationFactory(name=name)
    changelist = reverse("admin:directory_organization_changelist")
    for params in ({}, {"o": "1"}):
        response = admin_client.get(changelist, params)
        names = [organization.name for organization in response.context["cl"].result_list]
        assert names == ["Ärztekammer", "h3-o eG", "iteratec eG", "UX Kollektiv"]
